"""Expected gradient length (Settles, Craven & Ray 2008): expected model change for the logistic head.

If item x gets label c, the loss gradient with respect to the head's weights is (p - e_c) ⊗ [x, 1]; its
expected length under the head's own probabilities is ||[x, 1]|| · Σ_c p_c ||p - e_c||. The items that
would move the head most are asked, thinned for diversity like the other full-pool strategies."""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import Pick, SelectionContext
from desktop_app.core.selection.diversity import cold_start, thin_batch


def expected_gradient_length(proba: np.ndarray, x: np.ndarray) -> np.ndarray:
    p = np.asarray(proba, np.float64)
    sq = (p * p).sum(axis=1, keepdims=True)
    # ||p - e_c||² = Σ_j p_j² - 2 p_c + 1
    per_class = np.sqrt(np.maximum(sq - 2.0 * p + 1.0, 0.0))
    xnorm = np.sqrt((np.asarray(x, np.float64) ** 2).sum(axis=1) + 1.0)
    return xnorm * (p * per_class).sum(axis=1)


def egl(ctx: SelectionContext, n: int) -> list[Pick]:
    if not ctx.has_model:
        return cold_start(ctx, n)
    assert ctx.predict_proba is not None  # has_model
    cand = ctx.sample_unlabeled()
    if len(cand) == 0:
        return []
    scores = expected_gradient_length(ctx.predict_proba(cand), ctx.embeddings[cand])
    picks = thin_batch(ctx, cand, scores, n, lambda i, s: f"would change the model most (expected gradient "
                       f"length {s:.2f})")
    for p in picks:
        p.kind = "uncertain"
    return picks
