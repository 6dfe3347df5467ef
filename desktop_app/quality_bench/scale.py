"""Selection time per round as the pool grows: `seals` vs full-pool `entropy` on synthetic clustered
embeddings (the real benchmark sets are too small to show the trend)."""
from __future__ import annotations

import time

import numpy as np

from desktop_app.core.index.hnsw import build_index
from desktop_app.core.selection.base import UNLABELED
from desktop_app.core.session import Session


def clustered(n: int, dim: int = 384, clusters: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim)).astype(np.float32)
    y = rng.integers(0, clusters, n)
    X = centres[y] + 0.8 * rng.standard_normal((n, dim)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, y % 10


def time_selection(n: int, strategies=("seals", "seals-plain", "entropy"), labeled: int = 500, batch: int = 50,
                   repeats: int = 3, seed: int = 0) -> dict:
    """Median seconds of one select() call per strategy, after a warm-up call (the first call also builds
    the coverage clusters, once per session)."""
    X, y = clustered(n, seed=seed)
    index = build_index(X, np.arange(n))
    rng = np.random.default_rng(seed)
    out = {"n_items": n}
    for strat in strategies:
        state = np.full(n, UNLABELED, np.int64)
        lab = rng.choice(n, labeled, replace=False)
        state[lab] = y[lab]
        session = Session(X, state, index=index, seed=seed)
        session.refit()
        session.select(batch, strat)
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            picks = session.select(batch, strat)
            times.append(time.perf_counter() - t)
            got = np.array([p.idx for p in picks], np.int64)   # answer the batch: the pool grows
            session.set_state(got, y[got])
            session.refit()
        out[strat] = float(np.median(times))
    return out
