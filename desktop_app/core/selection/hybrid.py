"""SEALS with a share of medium-confidence items in each batch.

Pure top-uncertainty batches over-sample outliers, junk and ambiguous items (the Figure Eight lesson).
`hybrid` fills (1 - share) of the batch like `seals` and the rest with random draws among pool items
of medium uncertainty (between the 50th and 90th percentile), which are informative but rarely junk.
"""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import Pick, SelectionContext
from desktop_app.core.selection.scores import UNCERTAINTY
from desktop_app.core.selection.seals import seals, seals_candidates

SHARE = 0.25
BAND = (50, 90)


def hybrid(ctx: SelectionContext, n: int) -> list[Pick]:
    if not ctx.has_model or ctx.predict_proba is None or ctx.pool is None or n < 2:
        return seals(ctx, n)
    n_mix = max(1, int(round(SHARE * n)))
    head = seals(ctx, n - n_mix)
    taken = np.array([p.idx for p in head], np.int64)
    cand = seals_candidates(ctx, n)
    cand = cand[~np.isin(cand, taken)]
    if len(cand) == 0:
        return head
    scores = UNCERTAINTY[ctx.uncertainty](ctx.predict_proba(cand))
    lo, hi = np.percentile(scores, BAND)
    band = np.flatnonzero((scores >= lo) & (scores <= hi))
    if len(band) < n_mix:
        band = np.argsort(-scores)[: max(n_mix, len(band))]
    take = ctx.rng.choice(band, size=min(n_mix, len(band)), replace=False)
    return head + [Pick(int(cand[t]), float(scores[t]), f"medium confidence ({ctx.uncertainty} {scores[t]:.2f})",
                        ctx.pool_source.get(int(cand[t]))) for t in take]
