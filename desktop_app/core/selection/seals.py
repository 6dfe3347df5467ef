"""SEALS (Coleman et al.): rank only the kNN neighbourhood of labeled items by uncertainty.

`seals` also re-anchors: a small share of each batch goes to representatives of regions that hold no
label yet (see anchors.py), so clusters with no labeled neighbour are reached; their neighbours then join
the pool. `seals-plain` is the method as published, kept to measure the difference.
"""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import UNLABELED, Pick, SelectionContext
from desktop_app.core.selection.diversity import cold_start
from desktop_app.core.selection.uncertain import rank_by_uncertainty

WHERE = " · neighbour of a labeled item"


def seals_candidates(ctx: SelectionContext, n: int) -> np.ndarray:
    assert ctx.pool is not None, "SEALS needs the candidate pool"
    pool = ctx.pool[ctx.state[ctx.pool] == UNLABELED] if len(ctx.pool) else ctx.pool
    if len(pool) < n:  # pool exhausted: widen to everything (rare; tiny datasets)
        pool = np.union1d(pool, ctx.sample_unlabeled(max(10 * n, 1000)))
    return pool


def explore_count(ctx: SelectionContext, n: int) -> int:
    """How many of n picks go to unlabeled regions: explore_share of the batch (at least 1), and more
    while the head has seen fewer labels than the batch asks for. Uncertainty from a head trained on a
    handful of labels is unreliable; in that low-budget regime typical items of unexplored regions teach
    more (Hacohen et al. 2022, "Active learning on a budget")."""
    share = max(ctx.explore_share, 1.0 - len(ctx.labeled) / max(n, 1))
    return max(1, int(round(share * n)))


def anchor_picks(ctx: SelectionContext, n: int) -> list[Pick]:
    """Representatives of unlabeled regions (most isolated first), explore_count(ctx, n) of them."""
    if ctx.anchors is None or len(ctx.anchors) == 0 or n <= 1:
        return []
    take = explore_count(ctx, n)
    return [Pick(int(i), 0.0, "explore: represents a region with no label yet", kind="explore") for i in ctx.anchors[:take]]


def seals_plain(ctx: SelectionContext, n: int) -> list[Pick]:
    if not ctx.has_model or ctx.pool is None:
        return cold_start(ctx, n)
    return rank_by_uncertainty(ctx, seals_candidates(ctx, n), n, ctx.uncertainty, WHERE)


def seals(ctx: SelectionContext, n: int) -> list[Pick]:
    if not ctx.has_model or ctx.pool is None:
        return cold_start(ctx, n)
    explore = anchor_picks(ctx, n)
    taken = np.array([p.idx for p in explore], np.int64)
    cand = seals_candidates(ctx, n)
    cand = cand[~np.isin(cand, taken)]
    return explore + rank_by_uncertainty(ctx, cand, n - len(explore), ctx.uncertainty, WHERE)
