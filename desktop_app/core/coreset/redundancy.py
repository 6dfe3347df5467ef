"""redundancy: drop easy near-duplicates first. Per class, a kNN graph of the class's items (hnswlib
above a few thousand items, exact below); repeatedly remove the item that is most similar to a still
kept neighbour of its class, weighted by how easy the proxy finds it (out-of-fold p(label)), until the
quota is left. What stays covers the class without the redundant mass of its dense core."""
from __future__ import annotations

import heapq

import numpy as np

from desktop_app.core.coreset.base import CoresetInput, Kept, quotas
from desktop_app.core.coreset.proxy import own_label_proba

NEIGHBOURS = 10
USE_PROXY = True   # weight redundancy by easiness (False: embeddings only)


def _class_knn(v: np.ndarray, k: int):
    from desktop_app.core.index.hnsw import build_index

    index = build_index(v, np.arange(len(v)))
    ids, sims = index.query(v, min(k + 1, len(v)))
    return ids, sims


def _thin(ids: np.ndarray, sims: np.ndarray, weight: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Local positions of the k items left after greedy removal, and each one's final redundancy."""
    n = len(weight)
    alive = np.ones(n, bool)
    nbrs = [[(int(j), float(s)) for j, s in zip(ids[i], sims[i]) if j != i and j >= 0] for i in range(n)]
    rev: list[list[int]] = [[] for _ in range(n)]
    for i, row in enumerate(nbrs):
        for j, _ in row:
            rev[j].append(i)

    def redundancy(i: int) -> float:
        best = max((s for j, s in nbrs[i] if alive[j]), default=-1.0)
        return (best + 1.0) * weight[i]

    cur = np.array([redundancy(i) for i in range(n)])
    heap = [(-cur[i], i) for i in range(n)]
    heapq.heapify(heap)
    left = n
    while left > k and heap:
        r, i = heapq.heappop(heap)
        if not alive[i] or -r != cur[i]:
            continue
        alive[i] = False
        left -= 1
        for j in rev[i]:   # items that had i as a neighbour: their redundancy can only drop
            if alive[j]:
                cur[j] = redundancy(j)
                heapq.heappush(heap, (-cur[j], j))
    kept = np.flatnonzero(alive)
    return kept, cur[kept]


def redundancy(inp: CoresetInput) -> Kept:
    X = np.asarray(inp.X, np.float32)
    own = own_label_proba(inp)[0] if USE_PROXY else np.ones(len(inp.y), np.float32)
    positions, scores, reasons = [], [], []
    groups = quotas(inp.y, inp.n_keep, inp.stratify)
    for done, (group, k) in enumerate(groups):
        inp.check_cancel()
        ids, sims = _class_knn(X[group], NEIGHBOURS)
        kept, red = _thin(ids, sims, own[group] + 1e-3, k)
        positions.append(group[kept])
        scores.append(-red)
        reasons += [f"not redundant within {inp.name(inp.y[group[i]])!r} (redundancy {r:.2f})" for i, r in zip(kept, red)]
        inp.report(done + 1, len(groups))
    pos = np.concatenate(positions) if positions else np.empty(0, np.int64)
    sc = np.concatenate(scores).astype(np.float32) if scores else np.empty(0, np.float32)
    order = np.argsort(-sc, kind="stable")
    return Kept(pos[order], sc[order], [reasons[i] for i in order])
