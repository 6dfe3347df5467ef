"""Greedy k-center: diverse cold-start seeds and batch thinning."""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import Pick, SelectionContext


def kcenter_greedy(vectors: np.ndarray, n: int, centers: np.ndarray | None = None,
                   first: int = 0) -> list[int]:
    """Pick n rows of `vectors` (positions) that are far from each other and from `centers`."""
    n = min(n, len(vectors))
    if n <= 0:
        return []
    v = np.asarray(vectors, dtype=np.float32)
    if centers is not None and len(centers):
        # cosine distance on unit vectors = 1 - dot
        mind = 1.0 - np.max(v @ np.asarray(centers, np.float32).T, axis=1)
        chosen: list[int] = []
    else:
        chosen = [first]
        mind = 1.0 - v @ v[first]
    mind = mind.astype(np.float32)
    if chosen:
        mind[first] = -np.inf
    while len(chosen) < n:
        nxt = int(np.argmax(mind))
        if not np.isfinite(mind[nxt]):
            break
        chosen.append(nxt)
        mind = np.minimum(mind, 1.0 - v @ v[nxt])
        mind[chosen] = -np.inf
    return chosen


def thin_batch(ctx: SelectionContext, cand: np.ndarray, scores: np.ndarray, n: int,
               reason, widen: int = 4) -> list[Pick]:
    """Take the top widen*n candidates by score, then keep n diverse ones (greedy k-center,
    starting from the highest score), returned in descending score order."""
    if len(cand) == 0:
        return []
    order = np.argsort(-scores, kind="stable")[: max(n, widen * n)]
    top, top_scores = cand[order], scores[order]
    if len(top) > n:
        keep = kcenter_greedy(np.asarray(ctx.embeddings[top]), n, first=0)
        top, top_scores = top[keep], top_scores[keep]
        resort = np.argsort(-top_scores, kind="stable")
        top, top_scores = top[resort], top_scores[resort]
    return [Pick(int(i), float(s), reason(int(i), float(s)), ctx.pool_source.get(int(i)))
            for i, s in zip(top, top_scores)]


def cold_start(ctx: SelectionContext, n: int, sample: int = 20000) -> list[Pick]:
    """Diverse seeds when no model can be trained yet (fewer than 2 classes labeled)."""
    cand = ctx.sample_unlabeled(sample)
    if len(cand) == 0:
        return []
    vecs = np.asarray(ctx.embeddings[cand], dtype=np.float32)
    labeled = ctx.labeled
    centers = np.asarray(ctx.embeddings[labeled], np.float32) if len(labeled) else None
    # start from the item nearest the data mean: typical, not an outlier
    first = int(np.argmax(vecs @ vecs.mean(axis=0))) if centers is None else 0
    chosen = kcenter_greedy(vecs, n, centers=centers, first=first)
    return [Pick(int(cand[c]), 0.0, "diverse seed (cold start: fewer than 2 labels known)") for c in chosen]
