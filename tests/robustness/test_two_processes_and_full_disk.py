"""Two processes on one project; disk full and read-only folders when saving or exporting."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.store.project import Project

from .conftest import _env, cli, current_labels, file_hash, integrity_ok, one_clear_line, shoal, uids

HOLD = """
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from desktop_app.app import make_app
from desktop_app.store.project import Project
app = make_app()  # the desktop app's own start-up: it names itself as the lock holder
p = Project.open(sys.argv[1])
print("OPEN", flush=True)
time.sleep(60)
"""


def test_second_writer_gets_a_clear_message_with_the_owner_pid(text_project):
    """Writers are refused with the holder's name and pid; status, export and next --peek read on."""
    project = text_project(n=40, embed=-1)
    first = uids(project)[0]
    rc, _, err = cli("label", project, first, "a")
    assert rc == 0, err
    rc, batch, err = cli("next", project, "--json")
    assert rc == 0, err
    owner = subprocess.Popen([sys.executable, "-c", HOLD, str(project)], env=_env(), stdout=subprocess.PIPE,
                             text=True)
    try:
        assert owner.stdout.readline().strip() == "OPEN"
        before = file_hash(project)
        for args in (("label", project, first, "a"), ("embed", project), ("next", project)):
            r = shoal(*args)
            assert r.returncode != 0
            line = one_clear_line(r.stderr)
            assert f"is open in the Shoal desktop app, pid {owner.pid}" in line, line
        r = shoal("status", project, "--json")  # reading stays possible: read-only mode
        assert r.returncode == 0, r.stderr
        r = shoal("export", project, project.parent / "out")
        assert r.returncode == 0, r.stderr
        rows = (project.parent / "out" / "labels.csv").read_text().splitlines()[1:]
        assert [r.split(",")[0] for r in rows] == [first]
        r = shoal("next", project, "--peek", "--json")
        assert r.returncode == 0, r.stderr
        assert r.stdout == batch
        assert file_hash(project) == before
    finally:
        owner.kill()
        owner.wait()
    rc, _, err = cli("label", project, first, "a")  # the lock dies with its owner
    assert rc == 0, err
    assert integrity_ok(project)


def test_concurrent_writers_never_corrupt(text_project):
    """Many CLI writers started at once: each either saves or says the project is busy."""
    project = text_project(n=40, embed=0)
    items = uids(project)
    procs = [subprocess.Popen([sys.executable, "-m", "desktop_app", "label", str(project), items[i], "b"],
                              env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for i in range(6)]
    saved = []
    for i, p in enumerate(procs):
        out, err = p.communicate(timeout=60)
        if p.returncode == 0:
            saved.append(items[i])
        else:
            assert "is open in `shoal label`, pid" in one_clear_line(err)
    assert saved
    assert integrity_ok(project)
    now = current_labels(project)
    assert all(now[u] == ("labeled", "b") for u in saved)


@pytest.mark.parametrize("limit,batch", [(1024, 1), (40000, 1500)])
def test_disk_full_while_labeling(text_project, tmp_path, limit, batch):
    """No file may grow past `limit` bytes (RLIMIT_FSIZE = a full disk), whether opening (the WAL index
    cannot be made) or committing a big batch fails: a clear message, saved labels and file intact."""
    project = text_project(n=2000, embed=0)
    items = uids(project)
    rc, _, err = cli("label", project, items[0], "a")
    assert rc == 0, err
    answers = tmp_path / "answers.csv"
    answers.write_text("item,label\n" + "".join(f"{u},b\n" for u in items[1:1 + batch]))
    before = file_hash(project)
    r = shoal("label", project, "--csv", answers, max_file_size=limit)
    assert r.returncode != 0
    line = one_clear_line(r.stderr)
    assert "disk is full" in line and "damaged" not in line, line
    assert file_hash(project) == before
    assert integrity_ok(project)
    assert current_labels(project) == {items[0]: ("labeled", "a")}
    rc, _, err = cli("label", project, "--csv", answers)  # space is back: labeling goes on
    assert rc == 0, err


def _labeled(project, n=30):
    with Project.open(project) as p:
        a = p.label_id("a")
        p.set_labels([(i, a, "labeled") for i in range(n)])


def test_disk_full_while_exporting_keeps_the_previous_export(text_project, tmp_path):
    project = text_project(n=2000, embed=0)
    _labeled(project, 2000)
    out = tmp_path / "out"
    rc, _, err = cli("export", project, out, "--format", "jsonl")
    assert rc == 0, err
    previous = file_hash(out / "labels.jsonl")
    r = shoal("export", project, out, "--format", "csv", "--overwrite", max_file_size=40000)
    assert r.returncode != 0
    line = one_clear_line(r.stderr)
    assert "export failed" in line and "nothing written" in line, line
    assert sorted(p.name for p in out.iterdir()) == [".shoal-export.json", "labels.jsonl"]
    assert file_hash(out / "labels.jsonl") == previous
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == []


@pytest.mark.parametrize("file_mode", [0o444, 0o644])
def test_read_only_folder_when_saving(text_project, tmp_path, file_mode):
    project = text_project(n=40, embed=0)
    items = uids(project)
    rc, _, err = cli("label", project, items[0], "a")
    assert rc == 0, err
    Path(str(project) + ".lock").unlink()
    before = file_hash(project)
    os.chmod(project, file_mode)
    os.chmod(tmp_path, 0o555)
    try:
        r = shoal("label", project, items[1], "b", no_caps=True)
        assert r.returncode != 0
        line = one_clear_line(r.stderr)
        assert "read-only" in line or "cannot write" in line, line
        r = shoal("status", project, "--json", no_caps=True)  # reading still works
        assert r.returncode == 0, r.stderr
        assert '"n_labeled": 1' in r.stdout
    finally:
        os.chmod(tmp_path, 0o755)
        os.chmod(project, 0o644)
    assert file_hash(project) == before
    assert current_labels(project) == {items[0]: ("labeled", "a")}


def test_read_only_folder_when_exporting(text_project, tmp_path):
    project = text_project(n=40, embed=0)
    _labeled(project)
    target = tmp_path / "locked"
    target.mkdir()
    os.chmod(target, 0o555)
    try:
        r = shoal("export", project, target / "out", no_caps=True)
        assert r.returncode != 0
        line = one_clear_line(r.stderr)
        assert "cannot write" in line, line
        assert list(target.iterdir()) == []
    finally:
        os.chmod(target, 0o755)
