"""Audit picks: a small share of every batch drawn uniformly at random from the unlabeled items.

They let the accuracy estimate (core/estimate.py) see answers from the same distribution as the pool,
not only the hard items the strategy chose. They are labeled and trained on like every other item."""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import UNLABELED, Pick, SelectionContext

REASON = "audit: drawn at random from the unlabeled items, to measure accuracy"


def audit_count(share: float, n: int, rng: np.random.Generator) -> int:
    """share * n audit picks, rounded at random so that small batches still get their share on average."""
    if share <= 0 or n <= 1:
        return 0
    want = share * n
    return min(n - 1, int(want) + int(rng.random() < want - int(want)))


def with_audit(ctx: SelectionContext, picks: list[Pick], n: int, share: float) -> list[Pick]:
    """Replace the lowest-ranked picks by uniform draws from the unlabeled items not already picked."""
    k = audit_count(share, min(n, len(picks)), ctx.rng)
    if k == 0:
        return picks
    # the unlabeled items not picked, in index order: np.setdiff1d(ctx.unlabeled, taken) without its sort
    # of every unlabeled id (seconds at 5M items, on each round of the app)
    free = ctx.state == UNLABELED
    free[np.array([p.idx for p in picks], np.int64)] = False
    cand = np.flatnonzero(free)
    if len(cand) == 0:
        return picks
    draw = ctx.rng.choice(cand, size=min(k, len(cand)), replace=False)
    return picks[:len(picks) - len(draw)] + [Pick(int(i), 0.0, REASON, kind="audit", audit=True) for i in draw]
