"""The seams between layers (issue 13): registries that carry their facts, so a new export format or
source type is one function plus one registry line; and the store methods that replaced SQL in ops/
and qt/. Real projects (SQLite files) built by the real CLI."""
from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

import numpy as np
import pytest

from desktop_app.cli import main as cli_main
from desktop_app.core.export.registry import EXPORTERS, Exporter, formats_for
from desktop_app.core.sources import registry as sources
from desktop_app.core.sources.base import ItemRecord, SourceOptions
from desktop_app.errors import ShoalError
from desktop_app.store.project import Project


def cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = cli_main([str(a) for a in args])
        except SystemExit as e:  # argparse
            rc = e.code if isinstance(e.code, int) else 2
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def labeled_project(tmp_path) -> Path:
    """12 texts, 6 labeled (3 'a', 3 'b'), 1 skipped."""
    src = tmp_path / "texts.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows([[f"t{i:02d}", f"text number {i} {'apples' if i % 2 else 'pears'}"] for i in range(12)])
    proj = tmp_path / "p.shoal"
    rc, _, err = cli("new", proj, "--source", src, "--id-column", "id", "--labels", "a,b")
    assert rc == 0, err
    with Project.open(proj) as p:
        a, b = p.label_id("a"), p.label_id("b")
        p.set_labels([(i, a if i % 2 else b, "labeled") for i in range(6)] + [(6, None, "skipped")], origin="test")
    return proj


# ---- "add an export format" = one writer + one registry line (docs/architecture.md shows it) -------------
def write_tsv(data, out: Path, progress=None) -> list[Path]:
    path = out / "labels.tsv"
    with open(path, "w", encoding="utf-8") as f:
        for row in data.rows:
            f.write(f"{row['id']}\t{row['label']}\n")
    return [path]


def test_a_new_export_format_is_one_writer_plus_one_registry_line(labeled_project, tmp_path, monkeypatch):
    monkeypatch.setitem(EXPORTERS, "tsv", Exporter(write_tsv, "id and label, tab-separated"))
    rc, out, _ = cli("export", "--help")
    assert rc == 0 and "tsv: id and label, tab-separated" in " ".join(out.split())  # CLI help from the registry
    rc, _, err = cli("export", labeled_project, tmp_path / "out", "--format", "tsv")
    assert rc == 0, err
    lines = (tmp_path / "out" / "labels.tsv").read_text(encoding="utf-8").splitlines()
    assert sorted(lines) == sorted(f"t{i:02d}\t{'a' if i % 2 else 'b'}" for i in range(6))
    assert "tsv" in formats_for("text") and "tsv" in formats_for("image")  # the GUI's list


def test_a_format_refuses_a_kind_it_does_not_serve_before_writing(labeled_project, tmp_path):
    assert "imagefolder" not in formats_for("text")
    rc, _, err = cli("export", labeled_project, tmp_path / "out", "--format", "imagefolder")
    assert rc == 2 and err.strip() == ("shoal: error: imagefolder export is for image projects; "
                                       "use csv or jsonl or hf or onnx")
    assert not (tmp_path / "out").exists()


def test_an_unknown_format_is_refused_by_the_cli_with_the_registry_choices(labeled_project, tmp_path):
    rc, _, err = cli("export", labeled_project, tmp_path / "out", "--format", "parquet")
    assert rc == 2 and "choose from 'csv', 'jsonl', 'imagefolder', 'hf'" in err


# ---- a new source type = one reader + one line in READERS -----------------------------------------------
def _pipe_records(path: Path, options: SourceOptions):
    for line in path.read_text(encoding="utf-8").splitlines():
        uid, text = line.split("|", 1)
        yield ItemRecord(uid=uid, text=text)


def test_a_new_source_type_is_one_reader_plus_one_line(tmp_path, monkeypatch):
    src = tmp_path / "items.psv"
    src.write_text("x1|first text\nx2|second text\n", encoding="utf-8")
    with pytest.raises(ShoalError, match=r"use a folder, or a \.csv, \.tsv, \.tab, \.jsonl or \.txt file"):
        sources.scan(src, SourceOptions())
    monkeypatch.setitem(sources.FILE_READERS, ".psv", sources.Reader((".psv",), _pipe_records))
    found = sources.scan(src, SourceOptions())
    assert found.kind == "text" and [r.text for r in found.records] == ["first text", "second text"]
    assert sources.suffix_list().endswith(".txt or .psv")
    rc, out, _ = cli("new", "--help")
    assert ".psv" in out                                                # the CLI help follows the registry


def test_preview_says_whether_the_user_picks_columns(tmp_path):
    from desktop_app.ops.gui_support import preview_source

    table = tmp_path / "t.tsv"
    table.write_text("id\ttext\n1\thello\n", encoding="utf-8")
    lines = tmp_path / "l.txt"
    lines.write_text("hello\nworld\n", encoding="utf-8")
    shown = preview_source(table, SourceOptions())
    assert {k: shown[k] for k in ("kind", "table", "columns", "rows")} == {
        "kind": "text", "table": True, "columns": ["id", "text"], "rows": [["1", "hello"]]}
    # the preview also counts the items and flags unusable ones (new-project dialog)
    assert shown["count"] == 1 and shown["skipped"] == 0 and shown["problems"] == [""] and shown["paths"] == []
    shown = preview_source(lines, SourceOptions())
    assert shown["table"] is False and shown["columns"][1] == "text"
    assert [r[1] for r in shown["rows"]] == ["hello", "world"] and shown["count"] == 2


# ---- the store methods that replaced SQL outside store/ --------------------------------------------------
def test_store_answers_and_cold_start_pool(labeled_project):
    with Project.open(labeled_project) as p:
        assert p.answered(range(12)) == set(range(7))               # 6 labels and 1 skip
        assert p.answered([]) == set()
        assert p.unanswered_readable().tolist() == list(range(7, 12))
        assert [r["idx"] for r in p.pending_embedding(3, after=4)] == [5, 6, 7]
        assert not p.embedded_flags().any() and p.embedded_flags().shape == (12,)


def test_store_labeled_pairs_filter_and_order_like_the_review_table(labeled_project):
    with Project.open(labeled_project) as p:
        a = p.label_id("a")
        by_item = p.labeled_pairs()
        assert by_item[:, 0].tolist() == list(range(6))
        assert p.labeled_pairs(descending=True)[:, 0].tolist() == list(range(5, -1, -1))
        assert p.labeled_pairs(label_id=a)[:, 0].tolist() == [1, 3, 5]
        assert p.labeled_pairs(contains="apples")[:, 0].tolist() == [1, 3, 5]
        assert p.labeled_pairs(contains="t04")[:, 0].tolist() == [4]  # the id users see
        assert p.labeled_pairs(contains="%_'\"; DROP TABLE labels").shape == (0, 2)  # a value, never SQL
        assert p.labeled_pairs(only_review=True).shape == (0, 2)
        assert sorted(p.labeled_pairs(by_item=False)[:, 0].tolist()) == list(range(6))
        assert by_item.dtype == np.int64


def test_backup_to_copies_and_a_failed_copy_leaves_nothing(labeled_project, tmp_path):
    with Project.open(labeled_project) as p:
        p.backup_to(tmp_path / "copy.shoal")
        (tmp_path / "blocker").write_text("not a folder")
        with pytest.raises(ShoalError):
            p.backup_to(tmp_path / "blocker" / "copy.shoal")   # cannot be created: one ShoalError
    with Project.open(tmp_path / "copy.shoal", readonly=True) as c:
        assert c.answered(range(12)) == set(range(7))


@pytest.mark.parametrize("limit", [1000, 6000])
def test_creating_a_project_on_a_full_disk_is_one_shoal_error(tmp_path, limit):
    """SQLite failures are worded in store/ (as ShoalError) for Project.create too, where the CLI's
    last-resort catch would otherwise be the only one. A "disk" on which no file grows past `limit` bytes."""
    import subprocess
    import sys

    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
            "from desktop_app.store.project import Project; from desktop_app.errors import ShoalError\n"
            "try:\n    Project.create(sys.argv[1], {'kind': 'text'})\n"
            "except ShoalError as e:\n    print('ShoalError:', e)")
    res = subprocess.run([sys.executable, "-c", code, str(tmp_path / "p.shoal")], capture_output=True, text=True,
                         timeout=60, cwd=Path(__file__).resolve().parents[1])
    assert res.returncode == 0 and res.stderr == "", res.stderr
    assert res.stdout.startswith("ShoalError: cannot write ") and "the disk is full" in res.stdout
