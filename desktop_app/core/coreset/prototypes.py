"""prototypes: per class, cluster the items into as many groups as the class keeps and keep the member
nearest each group's centre. Dense regions (near-duplicates, the easy redundant mass) collapse into one
representative each, sparse regions still get theirs: per-class coverage without the redundancy. Needs
no model. k-means (one init, 50 Lloyd steps) on 32 principal components; a class of more than CHUNK
items is first cut into pieces of about CHUNK items by a coarse k-means, and each piece keeps its share
of the quota, so the cost grows linearly with the items instead of with items x kept."""
from __future__ import annotations

import warnings

import numpy as np

from desktop_app.core.coreset.base import CoresetInput, Kept, quotas
from desktop_app.core.learning.heads import threadpool_limits

CHUNK = 5000
DIMS = 32   # clustering runs on the first DIMS principal components of the embeddings (0: all of them)


def _nearest_members(v: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One member per non-empty cluster: the one nearest its centre; and each one's cluster size."""
    d = np.einsum("ij,ij->i", v - centres[labels], v - centres[labels])
    order = np.lexsort((d, labels))
    first = order[np.r_[True, labels[order][1:] != labels[order][:-1]]]
    sizes = np.bincount(labels)[labels[first]]
    return first, sizes


def _kmeans(v: np.ndarray, k: int, seed: int, max_iter: int = 50) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.cluster import KMeans

    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")   # fewer distinct points than clusters: sklearn warns, result stays valid
        model = KMeans(n_clusters=k, n_init=1, max_iter=max_iter, random_state=seed).fit(v)
    return model.labels_, model.cluster_centers_.astype(np.float32)


def _pick(v: np.ndarray, k: int, seed: int, inp: CoresetInput) -> tuple[np.ndarray, np.ndarray]:
    """k positions into v (one per group, nearest its centre) and the size of each one's group."""
    if k >= len(v):
        return np.arange(len(v)), np.ones(len(v), int)
    if len(v) > CHUNK:   # coarse pieces first, each keeping its share of k (largest remainder)
        coarse, _ = _kmeans(v, int(np.ceil(len(v) / CHUNK)), seed, max_iter=20)
        chosen, sizes = [], []
        for piece, kp in quotas(coarse, k, stratify=True):
            inp.check_cancel()
            c, sz = _pick(v[piece], kp, seed, inp) if len(piece) < len(v) else _pick_flat(v[piece], kp, seed)
            chosen.append(piece[c])
            sizes.append(sz)
        return np.concatenate(chosen), np.concatenate(sizes)
    return _pick_flat(v, k, seed)


def _pick_flat(v: np.ndarray, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if k >= len(v):
        return np.arange(len(v)), np.ones(len(v), int)
    labels, centres = _kmeans(v, k, seed)
    chosen, sizes = _nearest_members(v, labels, centres)
    if len(chosen) < k:   # empty groups (duplicates): fill up at random
        rest = np.setdiff1d(np.arange(len(v)), chosen)
        extra = np.random.default_rng(seed).choice(rest, k - len(chosen), replace=False)
        chosen, sizes = np.r_[chosen, extra], np.r_[sizes, np.ones(len(extra), int)]
    return chosen, sizes


def _reduced(X: np.ndarray, seed: int) -> np.ndarray:
    if not DIMS or X.shape[1] <= DIMS or len(X) <= DIMS:
        return X
    from sklearn.decomposition import PCA

    sample = np.random.default_rng(seed).choice(len(X), min(len(X), 20000), replace=False)
    with threadpool_limits(1):
        pca = PCA(DIMS, svd_solver="randomized", random_state=seed).fit(X[sample])
        return np.concatenate([pca.transform(X[s:s + 50000]) for s in range(0, len(X), 50000)]).astype(np.float32)


def prototypes(inp: CoresetInput) -> Kept:
    X = _reduced(np.asarray(inp.X, np.float32), inp.seed)
    groups = quotas(inp.y, inp.n_keep, inp.stratify)
    positions, scores, reasons = [], [], []
    for done, (group, k) in enumerate(groups):
        inp.check_cancel()
        label = inp.name(inp.y[group[0]]) if inp.stratify else None
        chosen, sizes = _pick(X[group], k, inp.seed, inp)
        positions.append(group[chosen])
        scores.append(sizes.astype(np.float32))
        where = f" of {label!r}" if label else ""
        reasons += [f"stands for {s} similar item{'s' if s != 1 else ''}{where} (nearest the centre of its group)"
                    for s in sizes]
        inp.report(done + 1, len(groups))
    pos = np.concatenate(positions) if positions else np.empty(0, np.int64)
    sc = np.concatenate(scores) if scores else np.empty(0, np.float32)
    order = np.argsort(-sc, kind="stable")
    return Kept(pos[order], sc[order], [reasons[i] for i in order])
