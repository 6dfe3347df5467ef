"""Coreset selection (Sener & Savarese): greedy k-center over the unlabeled items, far from every
labeled item and from each other. Needs no model; ignores uncertainty."""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import Pick, SelectionContext
from desktop_app.core.selection.diversity import cold_start, kcenter_greedy


def kcenter(ctx: SelectionContext, n: int, sample: int = 20000) -> list[Pick]:
    labeled = ctx.labeled
    if len(labeled) == 0:
        return cold_start(ctx, n)
    cand = ctx.sample_unlabeled(sample)
    vecs = np.asarray(ctx.embeddings[cand], np.float32)
    centres = np.asarray(ctx.embeddings[labeled], np.float32)
    chosen = kcenter_greedy(vecs, n, centers=centres)
    far = 1.0 - np.max(vecs[chosen] @ centres.T, axis=1) if chosen else []
    return [Pick(int(cand[c]), float(d), f"far from labeled items (coreset, distance {d:.2f})")
            for c, d in zip(chosen, far)]
