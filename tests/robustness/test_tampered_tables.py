"""Tampered or damaged project tables (issue 11, case 11): one clear line, never a traceback or a stuck
project. Damaged derived rows (queue, head, snapshot, round stats, settings with a default) are
dropped and rebuilt; label rows that cannot be used are kept in the file but ignored (a label on
index -1 never labels the last item)."""
from __future__ import annotations

import json
import shutil
import sqlite3

import numpy as np
import pytest

from desktop_app.core.selection.base import UNLABELED
from desktop_app.ops.loop import build_state, open_session
from desktop_app.store.project import Project

from .conftest import cli, file_hash, one_clear_line

COMMANDS = [("status", "--json"), ("status",), ("next", "--json"), ("label", "id:0", "a"), ("export", "OUT")]
_template = {}


@pytest.fixture
def project(text_project, tmp_path):
    """A real text project after one answered round: labels, a queue, a head, a snapshot, round stats."""
    if "p" not in _template:
        base = text_project(n=80, embed=-1, name="template.shoal")
        rc, out, err = cli("next", base, "--json")
        assert rc == 0, err
        for i, item in enumerate(json.loads(out)):
            assert cli("label", base, item["id"], "abc"[i % 3])[0] == 0
        rc, out, err = cli("next", base, "--json")       # refit: head, snapshot, round 1, a new queue
        assert rc == 0, err
        keep = tmp_path.parent / "tampered_template.shoal"
        shutil.copy(base, keep)
        _template["p"] = keep
    dest = tmp_path / "p.shoal"
    shutil.copy(_template["p"], dest)
    return dest


def _sql(project, *statements):
    con = sqlite3.connect(project)
    for st in statements:
        con.execute(*st) if isinstance(st, tuple) else con.execute(st)
    con.commit()
    con.close()


def _arrays(project, name):
    con = sqlite3.connect(project)
    try:
        dtype, shape, data = con.execute("SELECT dtype, shape, data FROM arrays WHERE name=?", (name,)).fetchone()
    finally:
        con.close()
    return np.frombuffer(data, dtype).reshape(json.loads(shape)).copy()


def _works(project, tmp_path):
    """Every command succeeds (exit 0) on the damaged file; returns status --json."""
    for cmd in COMMANDS:
        args = [str(tmp_path / f"out{len(list(tmp_path.iterdir()))}") if a == "OUT" else a for a in cmd[1:]]
        rc, out, err = cli(cmd[0], project, *args)
        assert rc == 0 and "Traceback" not in err, (cmd, out, err)
    return json.loads(cli("status", project, "--json")[1])


def _answer_batch(project):
    rc, out, err = cli("next", project, "--json")
    assert rc == 0, err
    for i, item in enumerate(json.loads(out)):
        assert cli("label", project, item["id"], "abc"[i % 3])[0] == 0
    rc, out, err = cli("next", project, "--json")      # the round that refits and re-saves derived rows
    assert rc == 0, err
    return json.loads(out)


def test_queue_entries_out_of_range_are_dropped(project, tmp_path):
    _sql(project, "UPDATE queue SET idx=100000 WHERE position=0", "UPDATE queue SET idx=-1 WHERE position=1",
         "UPDATE queue SET score='nan?' WHERE position=2")
    _works(project, tmp_path)
    batch = json.loads(cli("next", project, "--json")[1])
    with Project.open(project, readonly=True) as p:
        assert all(0 <= b["idx"] < p.n_items for b in batch) and batch


@pytest.mark.parametrize("damage", ["nan", "wrong_shape", "pickle_dtype"])
def test_a_damaged_head_is_dropped_and_refitted(project, tmp_path, damage):
    coef = _arrays(project, "head.coef")
    if damage == "nan":
        bad = np.full_like(coef, np.nan)
        _sql(project, ("UPDATE arrays SET data=? WHERE name='head.coef'", (bad.tobytes(),)))
    elif damage == "wrong_shape":
        _sql(project, ("UPDATE arrays SET shape='[3, 7]', data=? WHERE name='head.coef'",
                       (np.zeros((3, 7), np.float32).tobytes(),)))
    else:
        _sql(project, "UPDATE arrays SET dtype='object' WHERE name='head.coef'")
    st = _works(project, tmp_path)
    assert any("model (head) is damaged" in p for p in st["problems"]), st["problems"]
    with Project.open(project) as p:
        session = open_session(p)                     # what `next` and the GUI do
        assert session.head.is_fitted and np.isfinite(session.head.coef_).all()
        assert session.head.coef_.shape == coef.shape
        _, conf = session.predict(np.arange(10))
        assert np.isfinite(conf).all()
    rc, _, err = cli("export", project, tmp_path / "pred", "--with-predictions")
    assert rc == 0, err
    _answer_batch(project)                            # the next round overwrites the damaged rows
    assert np.isfinite(_arrays(project, "head.coef")).all()
    assert json.loads(cli("status", project, "--json")[1])["problems"] == []


def test_a_damaged_snapshot_is_rebuilt(project, tmp_path):
    _sql(project, "UPDATE arrays SET shape='[3]', data=zeroblob(24) WHERE name='snapshot.pred'",
         ("UPDATE arrays SET data=? WHERE name='snapshot.idx'", (np.full(20, 10**6, np.int64).tobytes(),)))
    assert any("snapshot is damaged" in p for p in _works(project, tmp_path)["problems"])
    _answer_batch(project)
    idx, pred = _arrays(project, "snapshot.idx"), _arrays(project, "snapshot.pred")
    assert idx.shape == pred.shape and idx.max() < 80


def test_a_setting_that_is_not_json_reads_as_its_default_and_an_essential_one_is_one_clear_line(project, tmp_path):
    _sql(project, "UPDATE meta SET value='abc{' WHERE key='k'", "UPDATE meta SET value='\"x\"' WHERE key='batch_size'",
         "UPDATE meta SET value=X'00FF' WHERE key='strategy'")
    st = _works(project, tmp_path)
    assert st["settings"]["k"] == 100 and st["settings"]["batch_size"] == 20 and st["settings"]["strategy"] == "seals"
    for key, value, says in (("kind", "{broken", "'kind' is not valid JSON"),
                             ("dim", '"384"', "'dim' holds a str where a number belongs")):
        _sql(project, ("UPDATE meta SET value=? WHERE key=?", (value, key)))
        before = file_hash(project)
        for cmd in (("status",), ("export", tmp_path / "o2")):
            rc, _, err = cli(cmd[0], project, *cmd[1:])
            assert rc == 2 and f"is damaged: its setting {says}" in one_clear_line(err), (key, cmd, err)
        assert file_hash(project) == before
        _sql(project, ("UPDATE meta SET value=? WHERE key=?", ('"text"' if key == "kind" else "384", key)))


def test_label_rows_that_cannot_be_used_are_ignored_not_applied(project, tmp_path):
    with Project.open(project, readonly=True) as p:
        n = p.n_items
    _sql(project, ("DELETE FROM labels WHERE idx >= ?", (n - 2,)))   # the last two items are not labeled
    with Project.open(project, readonly=True) as p:
        labeled_before = p.n_labeled()
    _sql(project, "INSERT INTO labels(idx, label_id, state, at) VALUES (-1, 1, 'labeled', 0)",
         "INSERT INTO labels(idx, label_id, state, at) VALUES (-2, NULL, 'skipped', 0)",
         "UPDATE labels SET label_id='abc' WHERE idx=(SELECT min(idx) FROM labels WHERE idx >= 0)",
         "UPDATE labels SET label_id=999 WHERE idx=(SELECT max(idx) FROM labels)")
    st = json.loads(cli("status", project, "--json")[1])
    assert st["n_labeled"] == labeled_before - 2
    assert any("4 label row(s) are damaged" in p for p in st["problems"]), st["problems"]
    with Project.open(project, readonly=True) as p:
        state = build_state(p)
    assert state[n - 1] == UNLABELED and state[n - 2] == UNLABELED  # -1 / -2 would wrap to the end in numpy
    _works(project, tmp_path)
    con = sqlite3.connect(project)
    assert con.execute("SELECT count(*) FROM labels WHERE idx < 0").fetchone()[0] == 2  # kept: never deleted
    con.close()


def test_schema_version_zero_is_one_clear_line_and_the_file_is_untouched(project, tmp_path):
    _sql(project, "PRAGMA user_version=0")
    before = file_hash(project)
    for cmd in COMMANDS:
        args = [str(tmp_path / "out") if a == "OUT" else a for a in cmd[1:]]
        rc, _, err = cli(cmd[0], project, *args)
        assert rc == 2 and "is damaged: its schema version is 0" in one_clear_line(err), (cmd, err)
    assert file_hash(project) == before


def test_blobs_and_invalid_utf8_where_text_belongs(project, tmp_path):
    _sql(project, "UPDATE items SET text=CAST(text AS BLOB) WHERE idx < 5",
         "UPDATE items SET text=CAST(X'C328E9' AS TEXT) WHERE idx = 5",
         "UPDATE label_set SET name=CAST(name AS BLOB) WHERE id=1",
         "UPDATE meta SET value=CAST(value AS BLOB) WHERE key='uncertainty'")
    st = _works(project, tmp_path)                    # `label id:0 a` finds label "a", stored as a BLOB
    assert st["label_set"].count("a") == 1 and st["settings"]["uncertainty"] == "margin"
    rc, _, err = cli("export", project, tmp_path / "csv", "--format", "jsonl", "--with-predictions")
    assert rc == 0, err
    rows = [json.loads(line) for line in (tmp_path / "csv" / "labels.jsonl").read_text().splitlines()]
    assert all(isinstance(r["text"], str) for r in rows)


def test_round_stats_that_are_not_json_are_dropped(project, tmp_path):
    _sql(project, "UPDATE rounds SET stats='{x'")
    st = _works(project, tmp_path)
    assert st["rounds"] == 1
    _answer_batch(project)
    assert json.loads(cli("status", project, "--json")[1])["rounds"] == 2


def test_a_missing_source_root_is_derived_from_the_source_or_one_clear_line(project, tmp_path, image_folder):
    _sql(project, "DELETE FROM meta WHERE key='source_root'")
    _works(project, tmp_path)                        # a text project: its texts are in the file
    img = tmp_path / "img.shoal"
    assert cli("new", img, "--source", image_folder, "--labels", "a")[0] == 0
    _sql(img, "INSERT INTO labels(idx, label_id, state, at) VALUES (0, 1, 'labeled', 0)",
         "DELETE FROM meta WHERE key='source_root'")
    rc, _, err = cli("export", img, tmp_path / "imgs", "--format", "imagefolder")
    assert rc == 0, err                               # derived from `source`
    assert len(list((tmp_path / "imgs").rglob("*.png"))) == 1
    _sql(img, "DELETE FROM meta WHERE key='source'")
    rc, _, err = cli("export", img, tmp_path / "imgs2", "--format", "imagefolder")
    assert rc == 2 and "records no source folder" in one_clear_line(err) and "shoal relink" in err
    assert cli("relink", img, image_folder)[0] == 0
    rc, _, err = cli("export", img, tmp_path / "imgs3", "--format", "imagefolder")
    assert rc == 0, err


def test_unknown_source_options_do_not_stop_a_rescan(project, tmp_path):
    _sql(project, "UPDATE meta SET value='{\"zzz\": 1, \"id_column\": \"id\"}' WHERE key='source_options'")
    rc, out, err = cli("scan", project)
    assert rc == 0 and "added 0 new items" in out, err


def test_an_item_row_deleted_by_another_program_is_never_asked(project, tmp_path):
    """idx is dense 0..n-1 and Project.n_items is max(idx) + 1 (no count of every row); a row deleted from
    outside leaves a hole that is excluded, not a state array too short for the last item."""
    con = sqlite3.connect(project)
    gone, uid = con.execute("SELECT idx, uid FROM items WHERE idx > 0 AND idx NOT IN (SELECT idx FROM labels) "
                            "AND idx NOT IN (SELECT idx FROM queue) LIMIT 1").fetchone()
    n = int(con.execute("SELECT count(*) FROM items").fetchone()[0])
    con.close()
    _sql(project, "PRAGMA foreign_keys=OFF", ("DELETE FROM items WHERE idx=?", (gone,)))
    with Project.open(project) as p:
        assert p.n_items == n
        assert build_state(p)[gone] != UNLABELED
    status = _works(project, tmp_path)
    assert status["n_items"] == n - 1  # status counts the rows that are there
    for _ in range(2):
        assert uid not in {item["id"] for item in _answer_batch(project)}
