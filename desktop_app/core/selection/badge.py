"""BADGE (Ash et al. 2020): batches from k-means++ seeding on the head's gradient embeddings.

For the logistic head, the gradient of the cross-entropy loss with respect to the last layer, taking the
head's own prediction as the label, is g(x) = (p - onehot(argmax p)) ⊗ [x, 1]: its length grows with
uncertainty (p far from one-hot) and its direction says which classes and which features the label would
move. k-means++ seeding on g picks items that are uncertain (D²-weighted draws favour long gradients)
and unlike each other (a pick pushes its neighbours' distances to 0). g is never materialised: with
g_i = a_i ⊗ x_i, <g_i, g_j> = <a_i, a_j> <x_i, x_j>, so each seeding step costs O(N (C + d)).
"""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import Pick, SelectionContext
from desktop_app.core.selection.diversity import cold_start


def gradient_parts(proba: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(a, x1): the gradient embedding of row i is a[i] ⊗ x1[i] (x with a bias column of 1)."""
    a = np.asarray(proba, np.float64).copy()
    a[np.arange(len(a)), np.argmax(a, axis=1)] -= 1.0
    x1 = np.hstack([np.asarray(x, np.float64), np.ones((len(x), 1))])
    return a, x1


def kmeanspp_kron(a: np.ndarray, x: np.ndarray, n: int, rng: np.random.Generator) -> list[int]:
    """k-means++ seeding (first: the longest vector, then D² draws) on rows a[i] ⊗ x[i]."""
    sq = (a * a).sum(axis=1) * (x * x).sum(axis=1)
    n = min(n, len(sq))
    if n <= 0:
        return []
    chosen = [int(np.argmax(sq))]
    mind = np.maximum(sq + sq[chosen[0]] - 2.0 * (a @ a[chosen[0]]) * (x @ x[chosen[0]]), 0.0)
    mind[chosen[0]] = 0.0
    while len(chosen) < n:
        total = mind.sum()
        if total <= 1e-12:  # every item's gradient equals a chosen one's: fill by length, unchosen first
            rest = [int(i) for i in np.argsort(-sq, kind="stable") if int(i) not in set(chosen)]
            chosen += rest[: n - len(chosen)]
            break
        nxt = int(rng.choice(len(mind), p=mind / total))
        chosen.append(nxt)
        d = np.maximum(sq + sq[nxt] - 2.0 * (a @ a[nxt]) * (x @ x[nxt]), 0.0)
        mind = np.minimum(mind, d)
        mind[chosen] = 0.0
    return chosen


def badge(ctx: SelectionContext, n: int) -> list[Pick]:
    if not ctx.has_model:
        return cold_start(ctx, n)
    assert ctx.predict_proba is not None  # has_model
    cand = ctx.sample_unlabeled()
    if len(cand) == 0:
        return []
    a, x1 = gradient_parts(ctx.predict_proba(cand), ctx.embeddings[cand])
    chosen = kmeanspp_kron(a, x1, n, ctx.rng)
    length = np.sqrt((a * a).sum(axis=1) * (x1 * x1).sum(axis=1))
    return [Pick(int(cand[c]), float(length[c]), f"uncertain and unlike the rest of the batch (BADGE, gradient "
                 f"length {length[c]:.2f})", kind="uncertain") for c in chosen]
