"""The user's item ids, verbatim: a CSV with an id column shows the source's ids everywhere (next, label,
status, csv/jsonl/hf exports), content ids only when the source has none, and a project written by the
schema-1 code upgrades in place. Real CSV files, the real CLI, real ONNX embeddings, real SQLite files."""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sqlite3

import pytest

from desktop_app.cli import main
from desktop_app.store import schema
from tests.conftest import DEMO

# ids a script might use: "007" stays a string, "id:5" is the user's own (not our old prefix), "a#row2"
# looks like our duplicate marker, one id repeats (the second copy is skipped), one row has no id
IDS = ["m0", "m1", "007", "id:5", "a#row2", " spaced ", "ÄÖ-9"] + [f"m{i}" for i in range(7, 40)]


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def write_source(path, n_labeled=8):
    with open(DEMO / "texts.csv", newline="", encoding="utf-8") as f:
        texts = [r for r in csv.DictReader(f)][:len(IDS) + 2]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "label"])
        for i, item_id in enumerate(IDS):
            w.writerow([item_id, texts[i]["text"], texts[i]["label"] if i < n_labeled else ""])
        w.writerow(["m1", "a second row claiming the id m1", "ham"])       # duplicate id: skipped
        w.writerow(["", texts[len(IDS)]["text"], ""])                        # no id: content hash
    return {item_id: texts[i]["label"] for i, item_id in enumerate(IDS)}, texts[len(IDS)]["text"]


def content_id(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def check_everywhere(capsys, project, truth, tmp_path, hashed_text):
    """next, label, status and every table export use the source's ids."""
    verbatim = set(IDS) | {content_id(hashed_text)}
    code, out, err = run(capsys, "next", project, "-n", "10", "--json")
    assert code == 0, err
    batch = json.loads(out)
    assert batch and {e["id"] for e in batch} <= verbatim, batch
    reached_from = {e["neighbour_of"] for e in batch if e.get("neighbour_of")}   # "why this item"
    assert reached_from and reached_from <= verbatim, batch
    # answer by the ids `next` gave, plus two typed by hand
    answers = tmp_path / "answers.csv"
    with open(answers, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["item", "label"])
        for e in batch:
            w.writerow([e["id"], truth.get(e["id"], "comp.graphics")])
    assert run(capsys, "label", project, "--csv", answers, "--new-label")[0] == 0
    assert run(capsys, "label", project, "id:5", truth["id:5"], "--new-label")[0] == 0
    assert run(capsys, "label", project, "007", truth["007"], "--new-label")[0] == 0
    code, out, err = run(capsys, "label", project, content_id(hashed_text), "comp.graphics", "--new-label")
    assert code == 0, err

    st = json.loads(run(capsys, "status", project, "--json")[1])
    assert [(s["id"], s["reason"]) for s in st["skipped"]] == [("m1", f"duplicate id m1 (row {len(IDS) + 2})")]
    text = run(capsys, "status", project)[1]
    assert "skipped m1: duplicate id m1" in text and "id:m1" not in text

    for fmt, name in (("csv", "labels.csv"), ("jsonl", "labels.jsonl"), ("hf", "data.jsonl")):
        out_dir = tmp_path / f"out-{fmt}"
        code, _, err = run(capsys, "export", project, out_dir, "--format", fmt)
        assert code == 0, err
        f = out_dir / name
        if fmt == "csv":
            with open(f, newline="", encoding="utf-8") as fh:
                rows = list(csv.DictReader(fh))
        else:
            rows = [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines()]
        ids = [r["id"] for r in rows]
        assert set(ids) <= verbatim and len(ids) == len(set(ids)), ids
        assert {"id:5", "007", content_id(hashed_text)} <= set(ids)
        assert all(truth[r["id"]] == r["label"] for r in rows if r["id"] in truth and r["id"] in IDS[:8])


@pytest.fixture(scope="module")
def made_now(tmp_path_factory):
    """A project made and embedded by today's code from the source above (made once, copied per test)."""
    d = tmp_path_factory.mktemp("ids")
    truth, hashed_text = write_source(d / "msgs.csv")
    project = d / "now.shoal"
    assert main(["new", str(project), "--source", str(d / "msgs.csv"), "--id-column", "id",
                 "--label-column", "label"]) == 0
    assert main(["embed", str(project)]) == 0
    return project, truth, hashed_text


def test_source_ids_are_shown_verbatim_everywhere(capsys, tmp_path, made_now):
    template, truth, hashed_text = made_now
    project = tmp_path / "p.shoal"
    shutil.copy(template, project)
    check_everywhere(capsys, project, truth, tmp_path, hashed_text)
    # the old prefixed form some scripts saved keeps working as an input
    assert run(capsys, "label", project, "id:m7", truth["m7"], "--new-label")[0] == 0
    # and a rescan of the same source adds nothing: the internal keys did not change
    assert "added 0 new items" in run(capsys, "scan", project)[1]


def test_an_id_that_is_also_another_items_content_id_is_refused_as_ambiguous(capsys, tmp_path):
    src = tmp_path / "clash.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerow(["", "a text without an id"])
        w.writerow([content_id("a text without an id"), "a text whose id is the other's content hash"])
    project = tmp_path / "c.shoal"
    assert run(capsys, "new", project, "--source", src, "--id-column", "id", "--labels", "x")[0] == 0
    code, _, err = run(capsys, "label", project, content_id("a text without an id"), "x")
    assert code == 2 and "cannot tell which is meant" in err


def test_a_source_without_ids_gets_content_ids(capsys, tmp_path):
    src = tmp_path / "plain.csv"
    src.write_text("text\nfirst text\nsecond text\n", encoding="utf-8")
    project = tmp_path / "h.shoal"
    assert run(capsys, "new", project, "--source", src, "--labels", "x")[0] == 0
    assert run(capsys, "label", project, content_id("second text"), "x")[0] == 0
    with sqlite3.connect(project) as con:
        assert con.execute("SELECT uid, source_id FROM items ORDER BY idx").fetchall() == [
            (content_id("first text"), None), (content_id("second text"), None)]


# ---- an existing project, written by the schema-1 code, upgrades in place ----------------------
# Schema 1 exactly as Shoal 0.x wrote it (a copy, so a later edit of schema.py cannot change this test)
SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE items (
    idx INTEGER PRIMARY KEY,          -- dense 0..n-1, also the kNN index key
    uid TEXT NOT NULL UNIQUE,         -- stable id: source row id or content hash
    path TEXT,                        -- relative to the source root (files), NULL for table rows
    text TEXT,                        -- text items read from tables/line files
    source_label TEXT,                -- label found in the source (import / simulate)
    skip_reason TEXT,                 -- why the item cannot be used (NULL when fine)
    embedded INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE embeddings (idx INTEGER PRIMARY KEY, vec BLOB NOT NULL);
CREATE TABLE label_set (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL,        -- order it joined the set: the digit key
    mode TEXT NOT NULL DEFAULT 'learn'
);
CREATE TABLE labels (                 -- the current answer per item
    idx INTEGER PRIMARY KEY,
    label_id INTEGER,                 -- NULL with state 'skipped'
    state TEXT NOT NULL,              -- 'labeled' | 'skipped'
    at REAL NOT NULL
);
CREATE TABLE label_events (           -- every change, for history, undo and audit
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idx INTEGER NOT NULL,
    label_id INTEGER,
    state TEXT NOT NULL,              -- 'labeled' | 'skipped' | 'cleared'
    at REAL NOT NULL,
    origin TEXT NOT NULL
);
CREATE INDEX label_events_idx ON label_events(idx);
CREATE TABLE arrays (name TEXT PRIMARY KEY, dtype TEXT NOT NULL, shape TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE rounds (
    round INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    n_labeled INTEGER NOT NULL,
    stats TEXT NOT NULL               -- JSON: fit/select ms, accuracy estimate, changed fraction...
);
CREATE TABLE queue (position INTEGER PRIMARY KEY, idx INTEGER NOT NULL, score REAL NOT NULL,
                    reason TEXT NOT NULL, neighbour_of INTEGER, round INTEGER NOT NULL);
"""
V1_COLUMNS = {"meta": "key, value", "embeddings": "idx, vec", "label_set": "id, name, position, mode",
              "labels": "idx, label_id, state, at", "label_events": "id, idx, label_id, state, at, origin",
              "items": "idx, uid, path, text, source_label, skip_reason, embedded"}


def write_v1(made_now, v1_path) -> None:
    """The file the schema-1 code wrote for the same source: the frozen schema, the rows of a project made
    by today's `shoal new` (item uids are unchanged: "id:" + the source's id), version 1."""
    con = sqlite3.connect(v1_path)
    con.executescript(SCHEMA_V1)
    con.execute("ATTACH DATABASE ? AS now", (str(made_now),))
    for table, cols in V1_COLUMNS.items():
        con.execute(f"INSERT INTO main.{table} ({cols}) SELECT {cols} FROM now.{table}")
    con.commit()
    con.execute("DETACH DATABASE now")
    con.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()


def test_a_schema_1_project_upgrades_in_place(capsys, tmp_path, made_now):
    assert SCHEMA_V1.strip() == schema.SCHEMA_V1.strip(), "schema 1 is history: never edit it, add a step"
    made_now, truth, hashed_text = made_now
    old = tmp_path / "old.shoal"
    write_v1(made_now, old)
    with sqlite3.connect(old) as con:
        assert con.execute("SELECT uid FROM items WHERE idx=3").fetchone() == ("id:id:5",)  # as v1 stored it

    # a read-only command reads the old file as upgraded, and writes nothing to it
    before = old.read_bytes()
    st = json.loads(run(capsys, "status", old, "--json")[1])
    assert [s["id"] for s in st["skipped"]] == ["m1"] and st["n_labeled"] == 8
    assert old.read_bytes() == before

    # the first write upgrades it: same items, same uids, the source's ids beside them
    assert run(capsys, "label", old, "m7", truth["m7"])[0] == 0
    with sqlite3.connect(old) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        rows = con.execute("SELECT uid, source_id FROM items ORDER BY idx").fetchall()
    with sqlite3.connect(made_now) as con:
        assert rows == con.execute("SELECT uid, source_id FROM items ORDER BY idx").fetchall()
    assert [s for _, s in rows] == IDS + ["m1", None]
    assert len({u for u, _ in rows}) == len(rows)
    check_everywhere(capsys, old, truth, tmp_path, hashed_text)


def test_jsonl_ids_are_kept_as_the_file_spells_them(capsys, tmp_path):
    src = tmp_path / "items.jsonl"
    src.write_text('{"id": 7, "text": "seven"}\n{"id": "007", "text": "double-oh seven"}\n'
                   '{"id": "id:x", "text": "prefixed by the user"}\n', encoding="utf-8")
    project = tmp_path / "j.shoal"
    assert run(capsys, "new", project, "--source", src, "--id-column", "id", "--labels", "x")[0] == 0
    for item in ("7", "007", "id:x"):
        assert run(capsys, "label", project, item, "x")[0] == 0
    out = tmp_path / "out"
    assert run(capsys, "export", project, out, "--format", "jsonl")[0] == 0
    rows = [json.loads(line) for line in (out / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["id"] for r in rows) == ["007", "7", "id:x"]


def test_a_project_file_written_by_the_schema_1_code_upgrades_in_place(capsys, tmp_path):
    """tests/data/schema1_project.sqlite was written by the pre-change code itself (tests/data/README.md)."""
    from pathlib import Path

    old = tmp_path / "old.shoal"
    shutil.copy(Path(__file__).parent / "data" / "schema1_project.sqlite", old)
    before = old.read_bytes()
    st = json.loads(run(capsys, "status", old, "--json")[1])     # read-only: read as upgraded, not written
    assert [s["id"] for s in st["skipped"]] == ["m1"] and st["n_labeled"] == 6
    assert old.read_bytes() == before
    assert run(capsys, "label", old, "007", "ham")[0] == 0         # the first write upgrades the file
    assert run(capsys, "label", old, "id:m0", "ham")[0] == 0       # the old prefixed form still works
    assert run(capsys, "label", old, content_id("a row without an id"), "spam")[0] == 0
    with sqlite3.connect(old) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert con.execute("SELECT uid, source_id FROM items ORDER BY idx").fetchall() == [
            ("id:m0", "m0"), ("id:m1", "m1"), ("id:007", "007"), ("id:id:5", "id:5"), ("id:m4", "m4"),
            ("id:m5", "m5"), ("id:m1#row8", "m1"), (content_id("a row without an id"), None)]
    out = tmp_path / "out"
    assert run(capsys, "export", old, out)[0] == 0
    with open(out / "labels.csv", newline="", encoding="utf-8") as f:
        got = {(r["id"], r["text"]): r["label"] for r in csv.DictReader(f)}
    assert got == {("m0", "free money now"): "ham", ("m1", "see you at lunch"): "ham",
                   ("007", "win a prize today"): "ham", ("id:5", "meeting moved to 3pm"): "ham",
                   ("m4", "claim your reward"): "spam", (content_id("a row without an id"), "a row without an id"): "spam",
                   # the duplicate row keeps the label schema 1 imported for it: an upgrade never drops labels
                   ("m1", "a second row claiming m1"): "ham"}
    code, _, err = run(capsys, "label", old, "m1", "spam")          # "m1" means the usable item, not the skipped copy
    assert code == 0, err
    with sqlite3.connect(old) as con:
        assert con.execute("SELECT l.idx FROM labels l JOIN label_set s ON s.id=l.label_id "
                           "WHERE s.name='spam' AND l.idx IN (1, 6)").fetchall() == [(1,)]
