"""Budget-aware selection (Hacohen, Dekel & Weinshall 2022, "Active learning on a budget").

`typiclust`: while labels are few, the most *typical* items of the densest regions teach the head more
than its uncertain ones (a head trained on a handful of labels is unsure about everything). Cluster the
items into labels + batch clusters (k-means); the batch comes from the clusters holding the fewest labels,
the biggest first, one item each: the member with the highest typicality (inverse mean distance to its
K_NN nearest neighbours in the cluster).
`tcm`: TypiClust while there are fewer than PER_CLASS labels per known class, then `margin` (full pool,
smallest gap between the top two classes, thinned by k-means so the batch is diverse): the paper's TCM.
`tcm-seals`: the same TypiClust phase, then Shoal's `seals` (uncertain kNN neighbours of labeled items plus
representatives of regions with no label yet): the typical first picks also spread the SEALS pool.
"""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import Pick, SelectionContext
from desktop_app.core.selection.seals import seals
from desktop_app.core.selection.uncertain import margin

K_NN = 20            # neighbours for the typicality (the paper's 20)
MIN_SIZE = 5         # clusters smaller than this are never drawn from (outliers)
MAX_CLUSTERS = 300   # the paper caps it at 500; 300 keeps a round of a 5,000-item sample near a second
PER_CLASS = 3        # tcm: TypiClust below this many labels per known class, margin from there on


def typicality(vecs: np.ndarray, k: int = K_NN) -> np.ndarray:
    """1 / mean Euclidean distance to the k nearest other rows (unit vectors), per row."""
    if len(vecs) < 2:
        return np.ones(len(vecs))
    d = np.sqrt(np.maximum(2.0 - 2.0 * (vecs @ vecs.T), 0.0))
    np.fill_diagonal(d, np.inf)
    k = min(k, len(vecs) - 1)
    near = np.partition(d, k - 1, axis=1)[:, :k]
    return 1.0 / np.maximum(near.mean(axis=1), 1e-9)


def typical_picks(ctx: SelectionContext, n: int, sample: int = 5000) -> list[Pick]:
    from sklearn.cluster import KMeans
    from threadpoolctl import threadpool_limits

    labeled = ctx.labeled
    unl = ctx.sample_unlabeled(max(sample - len(labeled), n))
    if len(unl) == 0 or n <= 0:
        return []
    rows = np.concatenate([labeled, unl])
    vecs = np.asarray(ctx.embeddings[rows], np.float32)
    k = int(min(len(labeled) + n, MAX_CLUSTERS, len(rows)))
    with threadpool_limits(1):
        assign = KMeans(k, n_init=1, max_iter=30, random_state=int(ctx.rng.integers(1 << 31))).fit_predict(vecs)
    is_lab = ctx.state[rows] >= 0
    size = np.bincount(assign, minlength=k)
    n_lab = np.bincount(assign[is_lab], minlength=k)
    open_ = np.bincount(assign[~is_lab], minlength=k)
    chosen: list[int] = []
    while len(chosen) < n:
        ok = (size >= MIN_SIZE) & (open_ > 0)
        if not ok.any():  # only small clusters left (tiny pools): take from those
            ok = open_ > 0
        if not ok.any():
            break
        c = int(np.flatnonzero(ok)[np.lexsort((-size[ok], n_lab[ok]))[0]])  # fewest labels, then biggest
        members = np.flatnonzero(assign == c)
        typ = typicality(vecs[members])
        free = ~is_lab[members] & ~np.isin(members, chosen)
        best = int(members[free][np.argmax(typ[free])])
        chosen.append(best)
        n_lab[c] += 1
        open_[c] -= 1
    return [Pick(int(rows[i]), 0.0, f"typical of a dense region with few labels (TypiClust, {int(size[assign[i]])} "
                 "items in its cluster)", kind="explore") for i in chosen]


def typiclust(ctx: SelectionContext, n: int) -> list[Pick]:
    return typical_picks(ctx, n)


def labels_are_few(ctx: SelectionContext) -> bool:
    known = max(len(ctx.classes), ctx.n_classes_labeled, 2)
    return not ctx.has_model or len(ctx.labeled) < PER_CLASS * known


def tcm(ctx: SelectionContext, n: int) -> list[Pick]:
    return typical_picks(ctx, n) if labels_are_few(ctx) else margin(ctx, n)


def tcm_seals(ctx: SelectionContext, n: int) -> list[Pick]:
    return typical_picks(ctx, n) if labels_are_few(ctx) else seals(ctx, n)
