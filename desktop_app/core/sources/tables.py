"""Texts from tables and line files: .csv/.tsv, .jsonl, and .txt with one item per line."""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Iterator

from desktop_app.core.sources.base import ItemRecord, SourceOptions, check_encoding, decode_lines, text_id
from desktop_app.core.sources.item_files import open_regular
from desktop_app.errors import ItemError, ShoalError

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _read_lines(path: Path, options: SourceOptions) -> tuple[list[str], dict[int, str]]:
    """The file's lines, decoded one by one (see decode_lines), and the lines that could not be."""
    check_encoding(options.encoding)
    try:
        with open_regular(path) as f:
            data = f.read()
    except ItemError as e:
        raise ShoalError(f"cannot read {path.name}: {e}") from None
    except OSError as e:
        raise ShoalError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        return decode_lines(data, options.encoding)
    except ItemError as e:
        raise ShoalError(f"cannot read {path.name}: {e}") from None


def _bad_line(line_no: int, reason: str) -> ItemRecord:
    return ItemRecord(uid=f"badline:{line_no}", skip_reason=f"line {line_no}: {reason}")


def _storable(s: str) -> str:
    """JSON may spell lone surrogates ("\\ud800"); they cannot be stored as UTF-8: make them "?"."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return s.encode("utf-8", "replace").decode("utf-8")


class _Ids:
    """Turn (row id or text) into unique stable uids; a repeated explicit id is skipped with a reason."""

    def __init__(self):
        self.seen: set[str] = set()

    def record(self, row_no: int, text, label, given_id) -> ItemRecord:
        label = None if label is None or str(label).strip() == "" else _storable(str(label).strip())
        text = None if text is None else _storable(str(text))
        given_id = None if given_id is None else _storable(str(given_id))
        problem = None if text and text.strip() else "empty text"
        if given_id is not None and str(given_id) != "":
            # the internal key keeps an "id:" prefix so it can never collide with a content hash;
            # users only ever see source_id, the id verbatim
            uid = "id:" + str(given_id)
            if uid in self.seen:
                return ItemRecord(uid=f"{uid}#row{row_no}", text=text, label=label, source_id=given_id,
                                  skip_reason=f"duplicate id {given_id!s} (row {row_no})")
        else:
            uid, given_id = (text_id(text) if text else f"row:{row_no}"), None
        self.seen.add(uid)
        return ItemRecord(uid=uid, text=text if not problem else None, label=label, skip_reason=problem,
                          source_id=given_id)


def _need_column(name: str | None, header: list[str], what: str, path: Path) -> None:
    if name is not None and name not in header:
        raise ShoalError(f"{path.name} has no {what} column {name!r} (columns: {', '.join(header) or 'none'})")


def _delimiter(path: Path) -> str:
    return "\t" if path.suffix.lower() in (".tsv", ".tab") else ","


def table_records(path: Path, options: SourceOptions) -> Iterator[ItemRecord]:
    lines, bad = _read_lines(path, options)
    reader = csv.reader(lines, delimiter=_delimiter(path))
    header = next(reader, None)
    if not header:
        raise ShoalError(f"{path.name} is empty (no header row)")
    header = [h.strip() for h in header]
    text_col = options.text_column or ("text" if "text" in header else None)
    if text_col is None:
        raise ShoalError(f"{path.name}: say which column holds the text with --text-column (columns: {', '.join(header)})")
    for name, what in ((text_col, "text"), (options.label_column, "label"), (options.id_column, "id")):
        _need_column(name, header, what, path)
    ti = header.index(text_col)
    li = header.index(options.label_column) if options.label_column else None
    ii = header.index(options.id_column) if options.id_column else None
    ids = _Ids()
    for line_no, reason in bad.items():  # lines that are not text are skipped, each with its reason
        yield _bad_line(line_no, reason)
    for row_no, row in enumerate(reader, start=2):
        if not row:
            continue
        get = lambda i, row=row: row[i] if i is not None and i < len(row) else None  # noqa: E731 - ragged rows
        if len(row) <= ti:
            yield ItemRecord(uid=f"row:{row_no}", skip_reason=f"row {row_no} has {len(row)} fields, no text column")
            continue
        yield ids.record(row_no, get(ti), get(li), get(ii))


def jsonl_records(path: Path, options: SourceOptions) -> Iterator[ItemRecord]:
    key = options.text_column or "text"
    ids = _Ids()
    lines, bad = _read_lines(path, options)
    for line_no, line in enumerate(lines, start=1):
        if line_no in bad:
            yield _bad_line(line_no, bad[line_no])
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield ItemRecord(uid=f"line:{line_no}", skip_reason=f"line {line_no} is not valid JSON ({e.msg})")
            continue
        except (ValueError, RecursionError) as e:  # a 5,000-digit number, nesting 10,000 deep...
            yield ItemRecord(uid=f"line:{line_no}", skip_reason=f"line {line_no} cannot be read as JSON "
                                                                f"({type(e).__name__}: {str(e)[:80]})")
            continue
        if not isinstance(obj, dict) or key not in obj:
            yield ItemRecord(uid=f"line:{line_no}", skip_reason=f"line {line_no} has no {key!r} key")
            continue
        label = obj.get(options.label_column) if options.label_column else None
        given = obj.get(options.id_column) if options.id_column else None
        yield ids.record(line_no, obj[key], label, given)


def line_records(path: Path, options: SourceOptions) -> Iterator[ItemRecord]:
    ids = _Ids()
    lines, bad = _read_lines(path, options)
    for line_no, line in enumerate(lines, start=1):
        if line_no in bad:
            yield _bad_line(line_no, bad[line_no])
        elif line.strip():
            yield ids.record(line_no, line.rstrip("\r\n"), None, None)


# ---- previews (the new-project dialog shows the raw columns to pick from) -----------------------------------
def _head_lines(path: Path, options: SourceOptions) -> list[str]:
    """The first 256 KB of a table, decoded line by line like the import does; only a regular
    file is opened (a FIFO would block the dialog)."""
    try:
        with open_regular(path) as f:
            lines, _ = decode_lines(f.read(256 * 1024), options.encoding)
    except ItemError as e:
        raise ShoalError(f"cannot read {path.name}: {e}") from None
    return lines


def preview_table(path: Path, options: SourceOptions, n: int) -> dict:
    rows = list(csv.reader(_head_lines(path, options), delimiter=_delimiter(path)))
    if not rows:
        raise ShoalError(f"{path.name} is empty (no header row)")
    return {"columns": [h.strip() for h in rows[0]], "rows": rows[1:n + 1]}


def preview_jsonl(path: Path, options: SourceOptions, n: int) -> dict:
    out: list[dict] = []
    cols: list[str] = []
    problems: list[str] = []    # per row: why the import skips it, or ""
    for line_no, line in enumerate(_head_lines(path, options)[:n], 1):
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as e:   # shown, marked: the import skips this line
            out.append({})
            problems.append(f"line {line_no} is not valid JSON ({getattr(e, 'msg', 'too deep')})")
            continue
        if isinstance(obj, dict):
            cols += [k for k in obj if k not in cols]
            out.append(obj)
            problems.append("")
        elif line.strip():
            out.append({})
            problems.append(f"line {line_no} is not a JSON object")
    return {"columns": cols, "rows": [[str(o.get(c, "")) for c in cols] for o in out], "problems": problems}
