"""The new-project dialog's preview of a source: the first items as the user will see them (their own ids or
file names, never content hashes), how many items there are, and which ones cannot be used and why."""
from __future__ import annotations

from pathlib import Path

from desktop_app.core.sources import files
from desktop_app.core.sources.base import SourceOptions
from desktop_app.core.sources.image_io import load_rgb
from desktop_app.core.sources.item_files import open_regular
from desktop_app.core.sources.registry import reader_for, scan
from desktop_app.errors import ItemError, ShoalError

SCAN_LIMIT = 200        # folder files read (hashed, images decoded) to find unusable ones; the rest are only counted
COUNT_LIMIT = 1_000_000


def preview_source(source: str | Path, options: SourceOptions, n: int = 8) -> dict:
    """{"kind", "table", "columns", "rows", "problems" (one reason or "" per row), "count" (items, about: a
    table's lines, a folder's files), "skipped" (rows marked unusable), "scanned", "paths" (absolute file per
    row, images)}. table: the raw columns of a file whose reader has a preview (the user picks the text, label
    and id columns); otherwise the records of a folder."""
    path = Path(source).expanduser()
    reader = reader_for(path) if path.is_file() else None
    if reader is not None and reader.preview is not None:
        pv = reader.preview(path, options, n)
        problems = pv.pop("problems", [""] * len(pv["rows"]))
        return {"kind": "text", "table": True, "problems": problems, "count": _count_lines(path, reader.suffixes),
                "skipped": sum(1 for p in problems if p), "scanned": len(problems), "paths": [], **pv}
    found = scan(path, options)
    image = found.kind == "image"
    columns = ["file", "label", "problem"] if image else ["file", "text", "label", "problem"]
    rows, problems, paths, bad = [], [], [], []
    scanned = 0
    for rec in found.records:
        scanned += 1
        if image and rec.path and not rec.skip_reason:
            rec.skip_reason = _undecodable(found.root / rec.path)
        row = [rec.path or rec.shown_id, *([] if image else [(rec.text or "")[:200]]), rec.label or "",
               rec.skip_reason or ""]
        entry = (row, rec.skip_reason or "", str(found.root / rec.path) if rec.path else "")
        if len(rows) < n:
            _add(entry, rows, problems, paths)
        elif rec.skip_reason and len(bad) < n:
            bad.append(entry)     # unusable files further down are shown too, marked
        if scanned >= SCAN_LIMIT:
            break
    for entry in bad:
        _add(entry, rows, problems, paths)
    images, texts = files.count_kinds(found.root, limit=COUNT_LIMIT) if path.is_dir() else (0, 0)
    count = images if image else texts
    return {"kind": found.kind, "table": False, "columns": columns, "rows": rows, "problems": problems,
            "paths": paths if image else [], "count": max(count, scanned),
            "skipped": sum(1 for p in problems if p), "scanned": scanned}


def _add(entry: tuple, *lists: list) -> None:
    for value, out in zip(entry, lists):
        out.append(value)


def _undecodable(path: Path) -> str | None:
    """The reason an image file cannot be embedded (decoded as the embedding will), or None."""
    try:
        load_rgb(path, 8)
    except ItemError as e:
        return str(e)
    return None


def _count_lines(path: Path, suffixes) -> int:
    """Lines of a table file less its header: the item count, unless quoted cells span lines or lines are blank."""
    header = ".jsonl" not in suffixes
    try:
        with open_regular(path) as f:
            lines = 0
            last = b"\n"
            while chunk := f.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except ItemError as e:
        raise ShoalError(f"cannot read {path.name}: {e}") from None
    lines += last != b"\n"
    return max(0, lines - header)
