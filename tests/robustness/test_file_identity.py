"""One project = one file identity: hard links refused, symlinks resolved, one lock per file, a lock that
names its holder, a planted lock link never written through, and read-only commands that never write."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.errors import ShoalError
from desktop_app.store.project import Project

from .conftest import _env, cli, current_labels, file_hash, one_clear_line, shoal, uids


def test_a_project_file_with_a_second_hard_link_is_refused(text_project, tmp_path):
    project = text_project(n=40, embed=0)
    other = tmp_path / "copy.shoal"
    os.link(project, other)
    first = uids(project)[0]
    before = file_hash(project)
    for path in (project, other):
        for args in (("label", path, first, "a"), ("status", path), ("export", path, tmp_path / "out")):
            rc, _, err = cli(*args)
            line = one_clear_line(err)
            assert rc == 2 and "2 hard links" in line, line
    assert file_hash(project) == before and not (tmp_path / "out").exists()
    other.unlink()  # one name again: it opens
    rc, _, err = cli("label", project, first, "a")
    assert rc == 0, err


def test_a_symlinked_path_is_the_same_project(text_project, tmp_path):
    project = text_project(n=40, embed=0)
    (tmp_path / "elsewhere").mkdir()
    link = tmp_path / "elsewhere" / "link.shoal"
    link.symlink_to(project)
    with Project.open(link) as p:
        assert p.path == project.resolve()
        with pytest.raises(ShoalError, match="is open in"):
            Project.open(project)  # one lock for the file, whichever name reached it
        p.set_labels([(0, p.label_id("a"), "labeled")])
        assert p.cache_dir == Path(str(project.resolve()) + "-cache")
    assert current_labels(project)[uids(project)[0]] == ("labeled", "a")
    assert sorted(os.listdir(link.parent)) == ["link.shoal"]  # no second lock, WAL or cache by the link


def test_a_held_lock_names_the_command_that_holds_it(text_project):
    project = text_project(n=2000, embed=0)
    lock = Path(str(project) + ".lock")
    embed = subprocess.Popen([sys.executable, "-m", "desktop_app", "embed", str(project)], env=_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 60
        while not (lock.exists() and lock.read_text().strip()) and time.time() < deadline:
            time.sleep(0.05)
        assert lock.read_text().splitlines() == [str(embed.pid), "`shoal embed`"]
        r = shoal("label", project, uids(project)[0], "a")
        line = one_clear_line(r.stderr)
        assert f"is open in `shoal embed`, pid {embed.pid}; close it there first" in line, line
        assert embed.poll() is None, "embed finished before the check: the test proved nothing"
    finally:
        embed.kill()
        embed.wait()


def test_a_lock_file_replaced_by_a_symlink_is_refused_and_its_target_untouched(text_project, tmp_path):
    project = text_project(n=40, embed=0)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    lock = Path(str(project) + ".lock")
    lock.unlink(missing_ok=True)
    lock.symlink_to(victim)
    rc, _, err = cli("label", project, uids(project)[0], "a")
    line = one_clear_line(err)
    assert rc == 2 and "symbolic link" in line, line
    assert victim.read_text() == "precious\n"
    lock.unlink()
    os.link(victim, lock)  # a hard link to the user's file: the same inode, so truncating it would hit theirs
    rc, _, err = cli("label", project, uids(project)[0], "a")
    line = one_clear_line(err)
    assert rc == 2 and "not Shoal's lock file" in line, line
    assert victim.read_text() == "precious\n"


def test_next_peek_shows_the_current_batch_without_writing(text_project):
    project = text_project(n=40, embed=-1)
    rc, _, err = cli("next", project, "--peek")
    line = one_clear_line(err)
    assert rc == 2 and "no current batch" in line, line
    rc, batch, err = cli("next", project, "--json", "-n", "5")
    assert rc == 0, err
    before = file_hash(project)
    rc, peek, err = cli("next", project, "--peek", "--json")
    assert rc == 0 and peek == batch, err
    first = json.loads(batch)[0]["id"]
    assert cli("label", project, first, "a")[0] == 0
    rc, peek, _ = cli("next", project, "--peek", "--json")
    assert [e["id"] for e in json.loads(peek)] == [e["id"] for e in json.loads(batch)[1:]]
    for e in json.loads(batch)[1:]:
        assert cli("label", project, e["id"], "b")[0] == 0
    before = file_hash(project)
    with Project.open(project, readonly=True) as p:
        rounds = len(p.rounds())
    rc, _, err = cli("next", project, "--peek")  # batch answered: peek starts no round
    assert rc == 2 and "no current batch" in err
    assert file_hash(project) == before
    with Project.open(project, readonly=True) as p:
        assert len(p.rounds()) == rounds


def test_read_only_commands_never_write_an_older_project(text_project, tmp_path):
    """A project from before project ids, with no cache: status, export and next --peek leave the
    file byte for byte as it was and make no cache; the first writable open gives it an id."""
    project = text_project(n=40, embed=-1)
    rc, _, err = cli("next", project, "-n", "3")
    assert rc == 0, err
    con = sqlite3.connect(project)
    con.execute("DELETE FROM meta WHERE key='project_id'")
    con.commit()
    con.close()
    cache = Path(str(project) + "-cache")
    with Project.open(project) as p:
        p.set_labels([(0, p.label_id("a"), "labeled")])
        p.conn.execute("DELETE FROM meta WHERE key='project_id'")
    shutil.rmtree(cache, ignore_errors=True)
    before = file_hash(project)
    for args in (("status", project), ("export", project, tmp_path / "out", "--format", "hf"),
                 ("next", project, "--peek")):
        rc, _, err = cli(*args)
        assert rc == 0, (args, err)
    assert file_hash(project) == before and not cache.exists()
    with Project.open(project, readonly=True) as p:
        assert p.meta("project_id") is None
    with Project.open(project) as p:
        pid = p.meta("project_id")
        assert isinstance(pid, str) and len(pid) == 32
    with Project.open(project) as p:
        assert p.meta("project_id") == pid
