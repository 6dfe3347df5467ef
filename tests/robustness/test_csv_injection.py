"""CSV injection (OWASP): a csv export never hands a spreadsheet a formula; jsonl/hf stay verbatim."""
from __future__ import annotations

import csv
import json

from .conftest import cli

EVIL = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1+1)", "\tTAB=1", "\r=1"]


def test_csv_export_neutralises_formula_cells_and_jsonl_keeps_them(tmp_path):
    src = tmp_path / "evil.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "label"])
        for cell in EVIL:
            w.writerow([cell, cell, cell])      # formula-like id, text and label
        w.writerow(["plain", "a plain text", "ok"])
    project = tmp_path / "p.shoal"
    rc, _, err = cli("new", project, "--source", src, "--id-column", "id", "--label-column", "label")
    assert rc == 0, err
    rc, _, err = cli("export", project, tmp_path / "out", "--format", "csv")
    assert rc == 0, err
    with open(tmp_path / "out" / "labels.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(EVIL) + 1
    for row in rows:
        for col in ("id", "text", "label"):
            assert not row[col].startswith(("=", "+", "-", "@", "\t", "\r")), (col, row[col])
    texts = {r["text"] for r in rows}
    assert "'=cmd|' /C calc'!A0" in texts and "'-2+3" in texts and "a plain text" in texts
    labels = {r["label"] for r in rows}
    assert "'=cmd|' /C calc'!A0" in labels and "'@SUM(1+1)" in labels
    rc, _, err = cli("export", project, tmp_path / "outj", "--format", "jsonl")
    assert rc == 0, err
    jtexts = {json.loads(line)["text"] for line in (tmp_path / "outj" / "labels.jsonl").read_text().splitlines()}
    assert set(EVIL) <= jtexts                   # jsonl is data, not a spreadsheet: verbatim
