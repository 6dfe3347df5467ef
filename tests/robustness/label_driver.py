"""A zygote for kill tests: imports Shoal once, then forks one labeling process per request.

Protocol (one line each way):  `warm SCRATCH_PROJECT` -> `WARM`;  `go PROJECT ACKFILE SEED` -> `PID n`;
`kill n` -> `DEAD status`;  `quit`.
Each child runs a labeling loop through the real CLI entry point (`desktop_app.cli.main`, the code
behind `shoal label` / `shoal next`) and appends `L uid label` / `S uid` to ACKFILE only after the
command returned 0: those answers are *acknowledged* and must survive a SIGKILL at any moment.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import sqlite3
import sys

import sklearn.linear_model  # noqa: F401

import desktop_app.ops.export  # noqa: F401  (import everything a child may need before forking)
import desktop_app.ops.loop  # noqa: F401
import desktop_app.ops.status  # noqa: F401
from desktop_app.cli import main

LABELS = ["a", "b", "c"]


def _ack(fd: int, line: str) -> None:
    os.write(fd, (line + "\n").encode())


def child(project: str, ackfile: str, seed: int) -> None:
    rng = random.Random(seed)
    fd = os.open(ackfile, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    con = sqlite3.connect(f"file:{project}?mode=ro", uri=True)
    todo = [r[0] for r in con.execute("SELECT coalesce(source_id, uid) FROM items "
                                      "WHERE idx NOT IN (SELECT idx FROM labels) ORDER BY idx")]
    con.close()
    rng.shuffle(todo)
    answers = os.path.join(os.path.dirname(ackfile), f"answers-{os.getpid()}.csv")
    while todo:
        op = rng.random()
        if op < 0.55:
            uid, label = todo.pop(), rng.choice(LABELS + [f"new{rng.randrange(3)}"])
            rc = main(["label", project, uid, label, "--new-label"])  # new labels join the set mid-run
            _ack(fd, f"L {uid} {label}" if rc == 0 else f"E {rc}")
        elif op < 0.65:
            uid = todo.pop()
            rc = main(["label", project, uid, "--skip"])
            _ack(fd, f"S {uid}" if rc == 0 else f"E {rc}")
        elif op < 0.85:
            batch = [(todo.pop(), rng.choice(LABELS)) for _ in range(min(4, len(todo)))]
            with open(answers, "w") as f:
                f.write("item,label\n" + "".join(f"{u},{l}\n" for u, l in batch))
            rc = main(["label", project, "--csv", answers])
            _ack(fd, "".join(f"L {u} {l}\n" for u, l in batch).rstrip("\n") if rc == 0 else f"E {rc}")
        else:  # refit + select + save the queue (head arrays, rounds, queue, caches); answer the batch
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                rc = main(["next", project, "-n", "3", "--json"])
            if rc != 0:
                _ack(fd, f"E next {rc}")
                continue
            for entry in json.loads(out.getvalue()):
                label = rng.choice(LABELS)
                if main(["label", project, entry["id"], label]) == 0:
                    _ack(fd, f"L {entry['id']} {label}")
                if entry["id"] in todo:
                    todo.remove(entry["id"])
    _ack(fd, "DONE")


def serve() -> None:
    print("READY", flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "go":
            pid = os.fork()
            if pid == 0:
                try:
                    child(cmd[1], cmd[2], int(cmd[3]))
                finally:
                    os._exit(0)
            print(f"PID {pid}", flush=True)
        elif cmd[0] == "warm":  # run one `next` on a scratch copy: lazy imports happen once, here
            with contextlib.redirect_stdout(io.StringIO()):
                main(["next", cmd[1], "-n", "3", "--json"])
            print("WARM", flush=True)
        elif cmd[0] == "kill":
            pid = int(cmd[1])
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            print(f"DEAD {status}", flush=True)
        elif cmd[0] == "quit":
            return


if __name__ == "__main__":
    serve()
