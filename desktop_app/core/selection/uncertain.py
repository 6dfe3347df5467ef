"""Full-pool uncertainty strategies: entropy, margin, least-confidence."""
from __future__ import annotations

from functools import partial

from desktop_app.core.selection.base import Pick, SelectionContext
from desktop_app.core.selection.diversity import cold_start, thin_batch
from desktop_app.core.selection.scores import UNCERTAINTY


def rank_by_uncertainty(ctx: SelectionContext, cand, n: int, measure: str, where: str) -> list[Pick]:
    assert ctx.predict_proba is not None, "ranking needs a model (ctx.has_model)"
    proba = ctx.predict_proba(cand)
    scores = UNCERTAINTY[measure](proba)
    picks = thin_batch(ctx, cand, scores, n, lambda i, s: f"uncertain ({_words(measure, s)}){where}")
    for p in picks:
        p.kind = "uncertain"
    return picks


def _words(measure: str, score: float) -> str:
    """The score as a person reads it: for margin the gap between the top two classes (small = unsure)."""
    if measure == "margin":
        return f"top two {1 - score:.2f} apart"
    if measure == "least-confidence":
        return f"top class {1 - score:.2f}"
    return f"entropy {score:.2f}"


def full_pool(ctx: SelectionContext, n: int, measure: str) -> list[Pick]:
    if not ctx.has_model:
        return cold_start(ctx, n)
    return rank_by_uncertainty(ctx, ctx.sample_unlabeled(), n, measure, "")


entropy = partial(full_pool, measure="entropy")
margin = partial(full_pool, measure="margin")
least_confidence = partial(full_pool, measure="least-confidence")
