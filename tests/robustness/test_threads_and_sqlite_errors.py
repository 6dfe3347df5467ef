"""Threads on one project file (one SQLite connection per thread) and SQLite failures worded as the
project's own error types in store/, the same line in the store and at the CLI."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from desktop_app.errors import DiskFull, ProjectBusy, ShoalError
from desktop_app.store.project import Project

from .conftest import _env, one_clear_line, shoal, uids

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_reads_while_the_main_thread_writes(text_project):
    """Each write relabels every item in one transaction (all a, then all b, ...): a worker thread reading
    all the while sees either all a or all b, never a mix (a torn read), and no lock error."""
    project = text_project(n=40, embed=0)
    with Project.open(project) as p:
        a, b = p.label_id("a"), p.label_id("b")
        n = p.n_items
        p.set_labels([(i, a, "labeled") for i in range(n)])
        seen, errors, stop = [], [], threading.Event()

        def reader():
            try:
                while not stop.is_set():
                    counts = p.label_counts()
                    idx, ids, _ = p.current_labels()
                    seen.append((counts["a"], counts["b"], len(set(ids.tolist())), len(idx)))
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        worker = threading.Thread(target=reader)
        worker.start()
        try:
            for k in range(60):
                p.set_labels([(i, b if k % 2 == 0 else a, "labeled") for i in range(n)])
        finally:
            stop.set()
            worker.join(30)
        assert not errors, errors
        assert len(seen) > 10
        assert all(counts in ((n, 0, 1, n), (0, n, 1, n)) for counts in seen), \
            [s for s in seen if s not in ((n, 0, 1, n), (0, n, 1, n))][:5]
        assert {s[:2] for s in seen} == {(n, 0), (0, n)}  # it did read between the writes


def test_a_read_never_sees_another_threads_open_transaction(text_project):
    """A worker's transaction is open (rows written, not committed): the main thread reads the last
    commit, without waiting for it; once committed, the main thread sees it."""
    project = text_project(n=40, embed=0)
    with Project.open(project) as p:
        a = p.label_id("a")
        written, release = threading.Event(), threading.Event()

        def writer():
            with p.tx():
                p._write_label(3, a, "labeled", "test")
                written.set()
                release.wait(30)

        worker = threading.Thread(target=writer)
        worker.start()
        try:
            assert written.wait(30)
            t = time.monotonic()
            assert p.current_label(3) is None and p.n_labeled() == 0   # not committed: not there
            assert time.monotonic() - t < 1.0                           # and the read did not wait
        finally:
            release.set()
            worker.join(30)
        assert p.current_label(3) == (a, "labeled") and p.n_labeled() == 1


STORE_LABEL = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
n = int(sys.argv[2]); resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
from desktop_app.store.project import Project
from desktop_app.errors import ShoalError
with Project.open(sys.argv[1]) as p:
    a = p.label_id("b")
    try:
        p.set_labels([(i, a, "labeled") for i in range(1, 1501)])
    except ShoalError as e:
        print(type(e).__name__, e, sep="\\t")
"""


def test_disk_full_is_the_same_diskfull_line_in_the_store_and_the_cli(text_project, tmp_path):
    project = text_project(n=2000, embed=0)
    items = uids(project)
    res = subprocess.run([sys.executable, "-c", STORE_LABEL, str(project), "40000"], capture_output=True,
                         text=True, timeout=120, cwd=ROOT, env=_env())
    assert res.returncode == 0 and res.stderr == "", res.stderr
    kind, store_line = res.stdout.strip().split("\t")
    assert kind == DiskFull.__name__ and "the disk is full" in store_line
    answers = tmp_path / "answers.csv"
    answers.write_text("item,label\n" + "".join(f"{u},b\n" for u in items[1:1501]))
    r = shoal("label", project, "--csv", answers, max_file_size=40000)
    assert r.returncode != 0
    assert one_clear_line(r.stderr) == "shoal: error: " + store_line


def test_a_file_locked_by_another_program_is_projectbusy_in_the_store_and_the_cli(text_project):
    """Another program (not Shoal: it takes no Shoal lock) holds SQLite's write lock past the busy
    timeout: the store raises ProjectBusy, the CLI prints its one line, nothing is changed."""
    project = text_project(n=40, embed=0)
    first = uids(project)[0]
    other = sqlite3.connect(project, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with Project.open(project) as p:
            a = p.label_id("a")
            try:
                p.set_labels([(0, a, "labeled")])
            except ShoalError as e:
                err = e
            else:
                raise AssertionError("no error while another program held the write lock")
            assert isinstance(err, ProjectBusy), repr(err)
            store_line = str(err)
        r = shoal("label", project, first, "a")
        assert r.returncode != 0
        assert one_clear_line(r.stderr) == "shoal: error: " + store_line
    finally:
        other.execute("ROLLBACK")
        other.close()
    with Project.open(project, readonly=True) as p:
        assert p.n_labeled() == 0
