"""SEALS (Coleman et al.): rank only the kNN neighbourhood of labeled items by uncertainty."""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import UNLABELED, Pick, SelectionContext
from desktop_app.core.selection.diversity import cold_start
from desktop_app.core.selection.uncertain import rank_by_uncertainty


def seals(ctx: SelectionContext, n: int) -> list[Pick]:
    if not ctx.has_model or ctx.pool is None:
        return cold_start(ctx, n)
    pool = ctx.pool[ctx.state[ctx.pool] == UNLABELED] if len(ctx.pool) else ctx.pool
    if len(pool) < n:  # pool exhausted: widen to everything (rare; tiny datasets)
        pool = np.union1d(pool, ctx.sample_unlabeled(max(10 * n, 1000)))
    return rank_by_uncertainty(ctx, pool, n, ctx.uncertainty, " · neighbour of a labeled item")
