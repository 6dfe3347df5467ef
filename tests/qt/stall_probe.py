"""Measure the GUI event loop's worst stalls while Shoal embeds 5,000 texts and while it refits.

    QT_QPA_PLATFORM=offscreen python tests/qt/stall_probe.py [--n 5000] [--labels 1000]

A 10 ms QTimer heartbeat runs on the GUI thread of a real MainWindow; a stall is how late each beat
fires (interval - 10 ms). Phase "embed": the project is created from a CSV of N short texts and
embedded in the background until the session is ready. Phase "refit": after labeling --labels items
(five topics), --rounds rounds are requested one after another (20 more labels before each):
refit + cross-validated accuracy + prediction snapshot + SEALS selection, all on the worker, then the
views refresh. Prints p50/p99/max stall per phase as JSON."""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def make_texts(path: Path, n: int, seed: int = 0) -> list[str]:
    from desktop_app.resources_path import resource

    with open(resource("demo", "texts.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    vocab: dict[str, list[str]] = {}
    for r in rows:
        vocab.setdefault(r["label"], []).extend(w for w in r["text"].split() if len(w) > 3)
    rng = random.Random(seed)
    topics = sorted(vocab)
    truth = []
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(n):
            t = topics[i % len(topics)]
            truth.append(t)
            w.writerow([f"s{i}", " ".join(rng.choice(vocab[t]) for _ in range(rng.randint(8, 20)))])
    return truth


def stats(intervals_ms: list[float], period: float) -> dict:
    import numpy as np

    stall = np.maximum(np.asarray(intervals_ms) - period, 0.0)
    if not len(stall):
        return {"beats": 0}
    return {"beats": int(len(stall)), "p50_ms": round(float(np.percentile(stall, 50)), 1),
            "p99_ms": round(float(np.percentile(stall, 99)), 1), "max_ms": round(float(stall.max()), 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--labels", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--period", type=int, default=10)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="shoal-stall-"))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        os.environ[var] = str(tmp / var.lower())
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    from desktop_app.app import main_window, make_app
    from desktop_app.core.sources.base import SourceOptions

    _app = make_app(["shoal"])  # kept alive for the whole run
    truth = make_texts(tmp / "texts.csv", args.n)
    w = main_window()
    w.resize(1280, 800)
    w.show()
    beats: list[float] = []
    last = [time.perf_counter()]

    def beat():
        now = time.perf_counter()
        beats.append((now - last[0]) * 1000)
        last[0] = now
    timer = QTimer()
    timer.setTimerType(Qt.PreciseTimer)
    timer.timeout.connect(beat)

    def run_until(cond, timeout=1800):
        t0 = time.monotonic()
        while not cond():
            if time.monotonic() - t0 > timeout:
                raise TimeoutError
            loop = QEventLoop()
            QTimer.singleShot(50, loop.quit)
            loop.exec()

    def measure(start, cond):
        beats.clear()
        last[0] = time.perf_counter()
        timer.start(args.period)
        t0 = time.perf_counter()
        start()
        run_until(cond)
        timer.stop()
        return time.perf_counter() - t0

    pc = w.pc
    out = {"n_items": args.n}
    secs = measure(lambda: w.flows.create(str(tmp / "stall.shoal"), str(tmp / "texts.csv"),
                                          SourceOptions(text_column="text", id_column="id"), None,
                                          ["a", "b", "c", "d", "e"]),
                   lambda: pc.project is not None and pc.session_ready and not pc.embedding)
    out["embed"] = {"seconds": round(secs, 1), **stats(beats, args.period)}
    # label items by topic (on the GUI thread, as the review table would), then refit rounds:
    # each round is preceded by one more batch of labels, so every round really refits
    topics = sorted(set(truth))
    rng = random.Random(1)
    order = rng.sample(range(args.n), args.labels + args.rounds * 20)
    idx_of = {r["uid"]: r["idx"] for r in pc.project.items(range(pc.project.n_items))}

    def label(items):
        for d, t in enumerate(topics, start=1):
            w.lc.press_digit(d, [idx_of[f"id:s{i}"] for i in items if truth[i] == t])
    label(order[:args.labels])
    done = []
    pc.round_done.connect(lambda s: done.append(s))
    all_beats, secs, fits = [], 0.0, []
    for r in range(args.rounds):
        if r:
            label(order[args.labels + 20 * (r - 1):args.labels + 20 * r])
        run_until(lambda: not pc.runner.busy("round"))
        n_done = len(done)
        secs += measure(lambda: pc.request_round(), lambda n_done=n_done: len(done) > n_done and not pc.runner.busy("round"))
        all_beats += beats
        fits.append(done[-1].get("fit_ms"))
    out["refit"] = {"rounds": args.rounds, "labels": pc.project.n_labeled(), "seconds": round(secs, 1),
                    "fit_ms": fits, **stats(all_beats, args.period)}
    print(json.dumps(out, indent=1))
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
