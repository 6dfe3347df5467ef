"""Crash safety of labeling: SIGKILL at random moments loses no acknowledged label."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from desktop_app.store.project import Project

from .conftest import _env, current_labels, integrity_ok, uids

HERE = Path(__file__).parent


def _acks(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [l for l in path.read_text().split("\n") if l]


def _check(project: Path, acks: list[str]) -> int:
    """The project opens, is intact, and holds every acknowledged answer. Returns how many."""
    with Project.open(project):  # opens for writing: the dead writer's lock is gone
        pass
    assert integrity_ok(project)
    now = current_labels(project)
    n = 0
    for a in acks:
        kind, *rest = a.split()
        assert kind != "E", f"a labeling command failed: {a}"
        if kind == "L":
            assert now.get(rest[0]) == ("labeled", rest[1]), f"acknowledged label lost: {a}"
            n += 1
        elif kind == "S":
            assert now.get(rest[0], ("?",))[0] == "skipped", f"acknowledged skip lost: {a}"
            n += 1
    return n


def test_sigkill_during_label_loops_loses_no_acknowledged_label(text_project, tmp_path):
    """36 SIGKILLs at random moments of `shoal label` / `shoal label --csv` / `shoal next` loops."""
    project = text_project(n=2000, embed=200)
    proc = subprocess.Popen([sys.executable, str(HERE / "label_driver.py")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=_env(), cwd=tmp_path)
    rng = random.Random(7)
    acked, killed = 0, 0
    try:
        assert proc.stdout.readline().strip() == "READY"
        scratch = tmp_path / "scratch.shoal"
        shutil.copy(project, scratch)
        proc.stdin.write(f"warm {scratch}\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "WARM"
        for k in range(36):
            ackfile = tmp_path / f"acks-{k}.txt"
            proc.stdin.write(f"go {project} {ackfile} {k}\n")
            proc.stdin.flush()
            pid = int(proc.stdout.readline().split()[1])
            time.sleep(rng.uniform(0.0, 0.35))
            proc.stdin.write(f"kill {pid}\n")
            proc.stdin.flush()
            status = int(proc.stdout.readline().split()[1])
            killed += os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            acks = _acks(ackfile)
            assert "DONE" not in acks, "the loop ran out of items before the kill"
            acked += _check(project, acks)
        proc.stdin.write("quit\n")
        proc.stdin.flush()
    finally:
        proc.kill()
        proc.wait()
    assert killed >= 32
    assert acked >= 40, f"too few acknowledged answers to mean anything ({acked})"


def test_sigkill_of_real_shoal_label_processes(text_project, tmp_path):
    """10 kills of the installed entry point (`python -m desktop_app label ...`) at random moments."""
    project = text_project(n=200, embed=0)
    items = uids(project)
    rng = random.Random(3)
    acks: list[str] = []
    for k in range(10):
        uid = items[k]
        p = subprocess.Popen([sys.executable, "-m", "desktop_app", "label", str(project), uid, "b"],
                             env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0.1, 0.6))
        p.send_signal(signal.SIGKILL)
        rc = p.wait()
        if rc == 0:
            acks.append(f"L {uid} b")
        else:
            assert rc == -signal.SIGKILL, p.stderr.read()
        _check(project, acks)


def test_a_round_interrupted_after_it_was_recorded_is_not_recorded_twice(text_project):
    """A kill between `finish_round` (round recorded) and saving the next queue: the next
    `shoal next` must not record the same round again (it would skew the stopping signals)."""
    from desktop_app.ops.loop import finish_round, next_batch, open_session

    project = text_project(n=60, embed=-1)
    with Project.open(project) as p:
        for _ in range(2):
            batch = next_batch(p, n=4)
            p.set_labels([(e["idx"], p.label_id("ab"[i % 2], create=True), "labeled") for i, e in enumerate(batch)])
        n_rounds = len(p.rounds())
        finish_round(p, open_session(p), "seals")  # ... and the process dies here
        assert len(p.rounds()) == n_rounds + 1
        next_batch(p, n=4)
        assert len(p.rounds()) == n_rounds + 1
        assert [r["n_labeled"] for r in p.rounds()] == sorted({r["n_labeled"] for r in p.rounds()})
