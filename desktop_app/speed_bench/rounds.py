"""Round latency: the time from a batch of answers to the next batch on screen.

One round = refit the head warm-started on all labels + grow the SEALS pool with the new
labels' neighbours + score the pool and pick a diverse batch, with the app's share of audit picks
(drawn at random from the unlabeled items; at 5M items their draw once took 4.8 s of a round). Labels come from an oracle
(the synthetic clusters, or Fashion-MNIST's classes), like `shoal simulate`.
"""
from __future__ import annotations

import time

import numpy as np

from desktop_app.core.selection.base import UNLABELED
from desktop_app.core.session import Session
from desktop_app.ops.loop import DEFAULT_AUDIT_SHARE
from desktop_app.speed_bench.common import pct, read_through


def run_rounds(embeddings: np.ndarray, truth: np.ndarray, index, n_labels: int, rounds: int,
               batch: int = 20, seed: int = 0, k: int = 100) -> dict:
    """Start from n_labels oracle labels (a random sample, pool already grown), then time rounds."""
    n = len(truth)
    rng = np.random.default_rng(seed)
    state = np.full(n, UNLABELED, np.int64)
    start = np.sort(rng.choice(n, size=min(n_labels, n - batch * rounds), replace=False))
    state[start] = truth[start]
    session = Session(embeddings, state, index=index, k=k, seed=seed, audit_share=DEFAULT_AUDIT_SHARE)
    t = time.perf_counter()
    session.refit()
    picks = session.select(batch, "seals")
    setup_s = time.perf_counter() - t
    path = getattr(embeddings, "filename", None)   # a RowFile or memory map: warm the OS cache (common.py)
    warm_s = read_through(path) if path else 0.0
    times, fit, select, cpu = [], [], [], []
    for _ in range(rounds):
        idx = np.array([p.idx for p in picks], np.int64)
        t, c = time.perf_counter(), time.process_time()
        session.set_state(idx, truth[idx])        # the batch's answers arrive
        fit.append(session.refit())               # warm-started
        picks = session.select(batch, "seals")    # pool growth + re-rank + diverse batch
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)   # all threads: the load-independent figure
        select.append(session.last_select_ms)
    unl = np.flatnonzero(session.state == UNLABELED)
    probe = np.sort(rng.choice(unl, size=min(20000, len(unl)), replace=False))
    pred, _ = session.predict(probe)
    return {"round_p50_ms": pct(times, 50), "round_p95_ms": pct(times, 95), "round_max_ms": max(times),
            "round_cpu_p50_ms": pct(cpu, 50), "round_cpu_p95_ms": pct(cpu, 95),
            "fit_p50_ms": pct(fit, 50), "select_p50_ms": pct(select, 50), "pool_size": len(session.pool),
            "labels_end": int(len(session.labeled)), "setup_s": setup_s, "warm_read_s": warm_s,
            "accuracy_unlabeled": float(np.mean(pred == truth[probe])), "session": session}
