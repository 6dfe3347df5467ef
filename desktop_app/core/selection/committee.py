"""Query by committee (Seung et al. 1992): a committee of logistic heads, each trained on a bootstrap
resample of the labels (bagging, Abe & Mamitsuka 1998), votes on every candidate; the items the committee
disagrees on most (vote entropy) are asked, thinned for diversity like the other full-pool strategies.
Ties of the vote (a committee of M members has few distinct vote entropies) are broken by the entropy
of the committee's mean probabilities (its soft vote)."""
from __future__ import annotations

import numpy as np

from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.selection.base import Pick, SelectionContext
from desktop_app.core.selection.diversity import cold_start, thin_batch
from desktop_app.core.selection.scores import entropy

MEMBERS = 5
TIE_BREAK = 1e-3  # weight of the soft-vote entropy: below one step of the vote entropy


def bootstrap_rows(y: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A resample of the rows with replacement within each class: every class keeps its size, so every
    member knows every class (the heads' columns line up)."""
    rows = [rng.choice(np.flatnonzero(y == c), size=int((y == c).sum()), replace=True) for c in np.unique(y)]
    return np.concatenate(rows)


def committee_proba(X: np.ndarray, y: np.ndarray, Xc: np.ndarray, rng: np.random.Generator,
                    members: int = MEMBERS) -> np.ndarray:
    """(members, len(Xc), n_classes) probabilities of heads trained on bootstrap resamples of (X, y)."""
    out = []
    for _ in range(members):
        rows = bootstrap_rows(y, rng)
        head = LinearHead().fit(X[rows], y[rows])
        out.append(head.predict_proba(Xc))
    return np.stack(out)


def vote_entropy(votes: np.ndarray, n_classes: int) -> np.ndarray:
    """votes: (members, n) predicted column per member -> entropy of the vote shares per item."""
    m = votes.shape[0]
    share = np.stack([(votes == c).sum(axis=0) for c in range(n_classes)], axis=1) / m
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.nansum(np.where(share > 0, share * np.log(share), 0.0), axis=1)


def qbc(ctx: SelectionContext, n: int) -> list[Pick]:
    if not ctx.has_model:
        return cold_start(ctx, n)
    lab = ctx.labeled
    X, y = np.asarray(ctx.embeddings[lab], np.float32), ctx.state[lab]
    cand = ctx.sample_unlabeled()
    if len(cand) == 0:
        return []
    probs = committee_proba(X, y, np.asarray(ctx.embeddings[cand], np.float32), ctx.rng)
    k = probs.shape[2]
    ve = vote_entropy(np.argmax(probs, axis=2), k)
    scores = ve + TIE_BREAK * entropy(probs.mean(axis=0))
    picks = thin_batch(ctx, cand, scores, n, lambda i, s: f"the committee disagrees (vote entropy {s:.2f} "
                       f"over {MEMBERS} heads)")
    for p in picks:
        p.kind = "uncertain"
    return picks
