"""Suspicious labels: labeled items whose label the data argues against.

Two witnesses, both computed on the labeled items only:
- the model: out-of-fold probabilities of the head (each item judged by a head that never saw it),
  ranked with cleanlab's label quality score and flagged with its confident-learning filter;
- the neighbours: the share of an item's nearest labeled neighbours (cosine) that carry another label.

The score mixes both (higher = more suspicious); docs/benchmarks.md measures it with flipped labels.
Pure numpy/sklearn/cleanlab: no Qt, no SQLite."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from desktop_app.core.learning.oof import out_of_fold_proba

NEIGHBOURS = 10  # nearest labeled neighbours asked for each item
NEIGHBOUR_WEIGHT = 0.5  # weight of the neighbours' disagreement in the score (the model's is 1 - this)


@dataclass(frozen=True)
class Suspect:
    """One labeled item under suspicion. Positions index the arrays given to find_suspects."""
    pos: int
    label: int                 # the class it carries (the caller's id)
    suggested: int             # the class the evidence points to
    score: float               # 0..1, higher = more suspicious
    label_proba: float         # out-of-fold probability of its own label
    suggested_proba: float     # out-of-fold probability of the suggested class
    flagged: bool              # cleanlab's confident-learning filter calls it a label issue
    neighbours: tuple[int, ...]  # positions of its nearest labeled neighbours, nearest first
    disagree: int              # how many of them carry another label
    neighbour_vote: int        # the other label its neighbours carry most (its own when none disagree)


def _l2(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, np.float32)
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


def labeled_neighbours(X: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """(n, k') positions of each row's nearest other rows (cosine), nearest first; k' = min(k, n - 1).
    An exact search for small sets, HNSW over the labeled rows otherwise."""
    from desktop_app.core.index.hnsw import build_index

    X = _l2(X)
    n = len(X)
    k = min(k, n - 1)
    if k <= 0:
        return np.empty((n, 0), np.int64)
    index = build_index(X, np.arange(n, dtype=np.int64))
    ids, _ = index.query(X, k + 1)
    out = np.empty((n, k), np.int64)
    for i in range(n):  # drop the row itself (or, with duplicates, one copy of it)
        row = ids[i][ids[i] != i]
        out[i] = row[:k] if len(row) >= k else np.concatenate([row, ids[i][:k - len(row)]])
    return out


def find_suspects(X: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0, k: int = NEIGHBOURS,
                  neighbour_weight: float = NEIGHBOUR_WEIGHT, progress: Callable[[int, int], None] | None = None,
                  cancel: Callable[[], bool] | None = None) -> list[Suspect]:
    """Every labeled item, most suspicious first. X: (n, dim) embeddings of the labeled items, y: (n,)
    their class ids. Raises ValueError with fewer than two classes or two items. `cancel()` true: []."""
    import warnings

    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    y = np.asarray(y, np.int64)
    if len(y) < 2 or len(np.unique(y)) < 2:
        raise ValueError("suspicious labels need labeled items of at least two labels")
    steps = 3
    if progress:
        progress(0, steps)
    proba, classes = out_of_fold_proba(X, y, folds=folds, seed=seed)
    if cancel and cancel():
        return []
    if progress:
        progress(1, steps)
    given = np.searchsorted(classes, y)
    with warnings.catch_warnings():  # tiny classes: cleanlab warns, its answers stay usable
        warnings.simplefilter("ignore")
        quality = get_label_quality_scores(given, proba, method="self_confidence")
        flagged = find_label_issues(given, proba, filter_by="prune_by_noise_rate") if len(y) >= 10 \
            else np.zeros(len(y), bool)
    nbrs = labeled_neighbours(X, k)
    if cancel and cancel():
        return []
    if progress:
        progress(2, steps)
    nb_labels = given[nbrs]  # (n, k') label positions of the neighbours
    disagree = (nb_labels != given[:, None]).sum(axis=1) if nbrs.shape[1] else np.zeros(len(y), np.int64)
    share = disagree / max(1, nbrs.shape[1])
    votes = np.array([np.bincount(r, minlength=len(classes)) for r in nb_labels]) if nbrs.shape[1] \
        else np.zeros((len(y), len(classes)), np.int64)
    score = (1 - neighbour_weight) * (1 - quality) + neighbour_weight * share
    other = proba.copy()
    other[np.arange(len(y)), given] = -1.0
    best_other = other.argmax(axis=1)
    # the suggestion: the model's best other class; where the model has no opinion, the neighbours'
    vote_other = votes.copy()
    vote_other[np.arange(len(y)), given] = -1
    neighbour_vote = vote_other.argmax(axis=1) if nbrs.shape[1] else best_other
    order = np.lexsort((np.arange(len(y)), -score))
    out = []
    for i in order:
        sug = best_other[i] if proba[i, best_other[i]] > 0 else neighbour_vote[i]
        out.append(Suspect(pos=int(i), label=int(classes[given[i]]), suggested=int(classes[sug]),
                           score=float(score[i]), label_proba=float(proba[i, given[i]]),
                           suggested_proba=float(proba[i, sug]), flagged=bool(flagged[i]),
                           neighbours=tuple(int(j) for j in nbrs[i]), disagree=int(disagree[i]),
                           neighbour_vote=int(classes[neighbour_vote[i]]) if nbrs.shape[1] else int(classes[sug])))
    if progress:
        progress(steps, steps)
    return out
