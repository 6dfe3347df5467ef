"""csv and jsonl exports: one file, one row per labeled item (plus predictions on request)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from desktop_app.core.export.base import ExportData

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheets read as a formula (OWASP CSV injection)


def neutral_cell(value) -> str:
    """A csv cell a spreadsheet shows as text: one starting like a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _columns(data: ExportData) -> list[str]:
    cols = ["id", "path" if data.kind == "image" else "text", "label", "labeled_at"]
    if any("weight" in r for r in data.rows):   # exported with a weighted keep file (--only)
        cols.append("weight")
    if any("prediction" in r for r in data.rows):
        cols += ["prediction", "confidence"]
    return cols


def write_csv(data: ExportData, out: Path, progress=None) -> list[Path]:
    path = out / "labels.csv"
    cols = _columns(data)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for i, row in enumerate(data.rows):
            w.writerow({k: neutral_cell(row.get(k)) for k in cols})
            if progress and i % 1000 == 0:
                progress(i, len(data.rows))
    return [path]


def write_jsonl(data: ExportData, out: Path, progress=None) -> list[Path]:
    path = out / "labels.jsonl"
    cols = _columns(data)
    with open(path, "w", encoding="utf-8") as f:
        for i, row in enumerate(data.rows):
            f.write(json.dumps({k: row.get(k) for k in cols}, ensure_ascii=False) + "\n")
            if progress and i % 1000 == 0:
                progress(i, len(data.rows))
    return [path]
