"""Crash safety of export (no partial export looks complete) and of schema upgrades (all or nothing)."""
from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np

from desktop_app.store.project import Project

from .conftest import _env, cli, current_labels, integrity_ok, uids

EXPORT_LOOP = """
import sys
from desktop_app.ops.export import export
from desktop_app.store.project import Project
project, base = sys.argv[1], sys.argv[2]
with Project.open(project) as p:
    for k in range(10000):
        fmt = ("csv", "hf", "jsonl")[k % 3]
        def progress(i, n, k=k):
            if i == 0:
                print("WRITING", k, flush=True)
        export(p, f"{base}/out{k}", fmt, progress=progress)
        print("OK", k, fmt, flush=True)
"""


def _complete(out, fmt, n):
    names = sorted(p.name for p in out.iterdir())
    if fmt == "csv":
        assert names == ["labels.csv"]
        assert len((out / "labels.csv").read_text().splitlines()) == n + 1
    elif fmt == "jsonl":
        assert names == ["labels.jsonl"]
        assert len((out / "labels.jsonl").read_text().splitlines()) == n
    else:
        assert names == ["data.jsonl", "embeddings.npy", "head.json", "labels.json"]
        assert len((out / "data.jsonl").read_text().splitlines()) == n
        assert np.load(out / "embeddings.npy", allow_pickle=False).shape == (n, 384)
        json.loads((out / "head.json").read_text())
        json.loads((out / "labels.json").read_text())


def test_sigkill_during_export_leaves_nothing_that_looks_complete(text_project, tmp_path):
    project = text_project(n=2000, embed=0)
    with Project.open(project) as p:
        a, b = p.label_id("a"), p.label_id("b")
        p.set_labels([(i, a if i % 2 else b, "labeled") for i in range(2000)])
        p.store_embeddings(list(range(2000)), np.eye(2000, 384, dtype=np.float32), {})
    base = tmp_path / "exports"
    base.mkdir()
    rng = random.Random(2)
    partial_seen = 0
    for kill in range(5):
        d = base / f"run{kill}"
        d.mkdir()
        proc = subprocess.Popen([sys.executable, "-c", EXPORT_LOOP, str(project), str(d)], env=_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines, writing = [], 0
        target = rng.randint(1, 3)
        while writing < target:  # let a few exports run, then kill while one is writing its files
            lines.append(proc.stdout.readline())
            writing += lines[-1].startswith("WRITING")
        time.sleep(rng.uniform(0.0, 0.004))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate()
        out = "".join(lines) + out
        assert "Traceback" not in err, err
        done = {int(l.split()[1]): l.split()[2] for l in out.splitlines() if l.startswith("OK")}
        for entry in d.iterdir():
            if entry.name.startswith("."):  # the hidden temp folder of the export that was killed
                assert ".partial-" in entry.name
                partial_seen += 1
                continue
            k = int(entry.name[3:])
            # every visible export is complete, whether or not the exporter lived to report it
            _complete(entry, ("csv", "hf", "jsonl")[k % 3], 2000)
        assert set(done) <= {int(e.name[3:]) for e in d.iterdir() if not e.name.startswith(".")}
        assert integrity_ok(project)
    assert partial_seen >= 1, "no kill landed inside an export: the test proved nothing"


UPGRADE_SHIM = """
import sys
import desktop_app.store.schema as schema
schema.SCHEMA_VERSION += 1  # one test-defined step above the real ladder
schema.UPGRADES[schema.SCHEMA_VERSION] = '''
CREATE TABLE item_notes (idx INTEGER PRIMARY KEY, note TEXT NOT NULL);
INSERT INTO item_notes SELECT idx, 'note ' || uid FROM items;
CREATE TABLE upgrade_scratch (x INTEGER PRIMARY KEY, blob BLOB);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000)
    INSERT INTO upgrade_scratch SELECT x, randomblob(48) FROM c;
ALTER TABLE items ADD COLUMN note_count INTEGER NOT NULL DEFAULT 0;
DELETE FROM upgrade_scratch;
'''
_upgrade = schema.upgrade


def announced_upgrade(conn, version):
    print("UPGRADING", flush=True)
    _upgrade(conn, version)


schema.upgrade = announced_upgrade
from desktop_app.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _tables(project):
    con = sqlite3.connect(project)
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        cols = {r[1] for r in con.execute("PRAGMA table_info(items)")}
        return version, tables, cols
    finally:
        con.close()


def test_sigkill_during_schema_upgrade_is_all_or_nothing(text_project, tmp_path):
    """A (test-defined) upgrade step killed at random moments: the file is the old version untouched or the
    new one whole."""
    from desktop_app.store.schema import SCHEMA_VERSION as old
    project = text_project(n=2000, embed=0)
    first = uids(project)[0]
    rc, _, err = cli("label", project, first, "a")
    assert rc == 0, err
    rng = random.Random(9)
    outcomes = []
    for k in range(6):
        proc = subprocess.Popen([sys.executable, "-c", UPGRADE_SHIM, "label", str(project), uids(project)[k + 1], "b"],
                                env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "UPGRADING"
        time.sleep(rng.uniform(0.0, 0.5) if k < 4 else 5.0)  # the last ones may well finish
        proc.send_signal(signal.SIGKILL)
        rc = proc.wait()
        assert rc in (0, -signal.SIGKILL), proc.stderr.read()
        assert integrity_ok(project)
        version, tables, cols = _tables(project)
        if version == old:
            assert "item_notes" not in tables and "note_count" not in cols, "half-applied upgrade"
        else:
            assert version == old + 1 and "item_notes" in tables and "note_count" in cols
        outcomes.append(version)
        if version == old + 1:
            break
    r = subprocess.run([sys.executable, "-c", UPGRADE_SHIM, "label", str(project), uids(project)[-1], "c"],
                       env=_env(), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert _tables(project)[0] == old + 1
    assert current_labels(project)[first] == ("labeled", "a")
    assert old in outcomes, "no kill landed before the upgrade committed: the test proved nothing"


def test_sigkill_during_shoal_new_never_leaves_a_half_imported_project(tmp_path):
    """`shoal new` killed at random moments: either no project, or the whole source in it."""
    from .conftest import write_csv

    src = write_csv(tmp_path / "big.csv", 30000)
    project = tmp_path / "p.shoal"
    rng = random.Random(4)
    seen_absent = 0
    for _ in range(4):
        proc = subprocess.Popen([sys.executable, "-m", "desktop_app", "new", str(project), "--source", str(src),
                                 "--id-column", "id"], env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while not any(f.name in (f".p.shoal.creating-{proc.pid}", "p.shoal") for f in tmp_path.iterdir()):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.002)  # wait until it starts writing the project...
        time.sleep(rng.uniform(0.0, 0.1))  # ... then kill it somewhere in the import
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if project.exists():
            with Project.open(project, readonly=True) as p:
                assert p.n_items == 30000
            break
        seen_absent += 1
    assert seen_absent >= 1, "no kill landed inside `shoal new`: the test proved nothing"
    if not project.exists():  # the user runs it again: it works, and cleans up the killed drafts
        rc, out, err = cli("new", project, "--source", src, "--id-column", "id")
        assert rc == 0, err
        assert [f.name for f in tmp_path.iterdir() if ".creating-" in f.name] == []
    with Project.open(project, readonly=True) as p:
        assert p.n_items == 30000
