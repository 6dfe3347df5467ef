"""Does re-anchoring reach parts of the space plain SEALS never visits?

1. A planted disconnected mode: two well-separated classes plus a small distant cluster belonging to
   class 1 that no start label is near. Measured: how often, and after how many labels, each strategy
   asks about it, and how well the final head classifies it.
2. On real data: how many of 100 regions of the training pool (k-means, a seed the strategies never
   see) hold at least one label after each budget.
"""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import UNLABELED
from desktop_app.core.session import Session
from desktop_app.core.simulate import replay_index, split

MODE_STRATEGIES = ("seals", "seals-plain", "hybrid", "entropy", "random")


def planted_mode(seed: int, dim: int = 32, big: int = 1500, tiny: int = 25, spread: float = 0.5):
    rng = np.random.default_rng(seed)
    axes = np.linalg.qr(rng.standard_normal((dim, dim)))[0][:3]
    parts, group = [], []
    for g, n in enumerate((big, big, tiny)):
        parts.append(axes[g] + spread * rng.standard_normal((n, dim)) / np.sqrt(dim))
        group.append(np.full(n, g))
    X = np.concatenate(parts).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    g = np.concatenate(group)
    return X, np.where(g == 2, 1, g), g


def mode_experiment(seeds: int = 5, budget: int = 200, batch: int = 20) -> dict:
    out = {s: {"found": [], "first": [], "mode_recall": []} for s in MODE_STRATEGIES}
    for seed in range(seeds):
        X, y, g = planted_mode(seed)
        rng = np.random.default_rng(seed)
        start = rng.choice(np.flatnonzero(g < 2), 10, replace=False)
        index = replay_index(X)
        for strat in MODE_STRATEGIES:
            state = np.full(len(X), UNLABELED, np.int64)
            state[start] = y[start]
            s = Session(X, state, index=index, seed=seed)
            first = None
            while len(s.labeled) < budget:
                s.refit()
                got = np.array([p.idx for p in s.select(batch, strat)], np.int64)
                s.set_state(got, y[got])
                if first is None and (g[got] == 2).any():
                    first = len(s.labeled)
            s.refit()
            mode = np.flatnonzero((g == 2) & (s.state == UNLABELED))
            pred, _ = s.predict(mode)
            out[strat]["found"].append(first is not None)
            out[strat]["first"].append(first)
            out[strat]["mode_recall"].append(float((pred == 1).mean()) if len(mode) else 1.0)
    return {"seeds": seeds, "budget": budget, "batch": batch, "strategies": out}


def region_coverage(result: dict, X: np.ndarray, y: np.ndarray, regions: int = 100, at=(100, 300)) -> dict:
    """Median over seeds of the number of the pool's k-means regions holding a label, per strategy and
    budget (None = the end of the run)."""
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    per: dict[str, dict] = {}
    by_seed: dict[int, np.ndarray] = {}
    for run in result["runs"]:
        seed = run["seed"]
        if seed not in by_seed:
            train, _ = split(y, seed)
            with threadpool_limits(1):
                by_seed[seed] = KMeans(regions, n_init=1, max_iter=30, random_state=10_000 + seed) \
                    .fit_predict(np.asarray(X[train], np.float32))
        assign = by_seed[seed]
        asked = list(run["curve"][0].get("start", []))
        row = {}
        for p in run["curve"]:
            for b in at:
                if p["n_labeled"] >= b and b not in row:
                    row[b] = len(np.unique(assign[asked]))
            asked += p.get("asked", [])
        row["end"] = len(np.unique(assign[asked]))
        for b, v in row.items():
            per.setdefault(run["strategy"], {}).setdefault(b, []).append(v)
    return {s: {str(b): float(np.median(v)) for b, v in d.items()} for s, d in per.items()}
