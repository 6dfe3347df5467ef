"""Active search for a rare class ("find more like this"): rank candidates by the head's probability
of the positive class (ctx.positive). Candidates are the SEALS pool plus representatives of regions
with no label yet, so positives in clusters far from every label can still be reached. Before the
head can be trained, rank by cosine similarity to the labeled positives."""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import Pick, SelectionContext
from desktop_app.core.selection.diversity import cold_start
from desktop_app.core.selection.seals import seals_candidates


def _candidates(ctx: SelectionContext, n: int) -> np.ndarray:
    cand = seals_candidates(ctx, n) if ctx.pool is not None else ctx.sample_unlabeled()
    if ctx.anchors is not None and len(ctx.anchors):
        cand = np.union1d(cand, ctx.anchors)
    return cand


def search(ctx: SelectionContext, n: int) -> list[Pick]:
    pos = ctx.positive
    if pos is None:
        from desktop_app.errors import ShoalError

        raise ShoalError("search needs a positive label: switch a label to search mode (--positive)")
    labeled = ctx.labeled
    positives = labeled[ctx.state[labeled] == pos]
    cand = _candidates(ctx, n)
    if len(cand) == 0:
        return []
    if ctx.has_model and ctx.predict_proba is not None and pos in ctx.classes:
        scores = ctx.predict_proba(cand)[:, list(ctx.classes).index(pos)]
        why = "likely positive (p={:.2f})"
    elif len(positives):
        sims = np.asarray(ctx.embeddings[cand], np.float32) @ np.asarray(ctx.embeddings[positives], np.float32).T
        scores = sims.max(axis=1)
        why = "similar to a positive (cos {:.2f})"
    else:
        return cold_start(ctx, n)
    top = np.argsort(-scores, kind="stable")[:n]
    return [Pick(int(cand[t]), float(scores[t]), why.format(scores[t]), ctx.pool_source.get(int(cand[t])),
                 kind="search") for t in top]
