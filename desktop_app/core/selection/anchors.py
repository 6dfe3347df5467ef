"""Coverage of the embedding space, for re-anchoring SEALS and for diverse cold-start seeds.

SEALS only looks at the kNN of labeled items, so a cluster with no labeled neighbour is never reached
(its local-exploration weakness). We cluster a sample of the items once (k-means on unit vectors), and
each round report the representative item (the member nearest the centroid) of every cluster that holds
no labeled item yet, biggest cluster first: AnchorAL-style anchors in under-covered regions.
"""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import UNLABELED


def kmeans_medoids(vectors: np.ndarray, k: int, seed: int = 0, iters: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """(medoid row per cluster, cluster size), biggest cluster first. Cosine k-means (k-means++ init)."""
    from sklearn.cluster import KMeans, MiniBatchKMeans
    from threadpoolctl import threadpool_limits

    v = np.asarray(vectors, np.float32)
    k = int(min(k, len(v)))
    if k <= 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    est = (KMeans(k, n_init=1, max_iter=iters, random_state=seed) if len(v) <= 20000 else
           MiniBatchKMeans(k, n_init=1, max_iter=iters, random_state=seed, batch_size=4096))
    with threadpool_limits(1):
        assign = est.fit_predict(v)
    centres = est.cluster_centers_.astype(np.float32)
    sims = v @ centres.T
    medoids, sizes = [], []
    for c in range(k):
        members = np.flatnonzero(assign == c)
        if len(members) == 0:
            continue
        medoids.append(int(members[np.argmax(sims[members, c])]))
        sizes.append(len(members))
    order = np.argsort(-np.asarray(sizes), kind="stable")
    return np.asarray(medoids, np.int64)[order], np.asarray(sizes, np.int64)[order]


def n_regions(n_items: int) -> int:
    """How many regions to watch: about one per 100 items, between 8 and 100."""
    return int(np.clip(n_items // 100, 8, 100))


class Coverage:
    """Clusters of the embedding space (computed once per item count) and which are still unlabeled."""

    def __init__(self, sample: int = 5000, seed: int = 0, iters: int = 5):
        self.sample = sample
        self.seed = seed
        self.iters = iters  # a rough clustering is enough to find empty regions; keeps the first select fast
        self._n = -1
        self.centres: np.ndarray | None = None   # (k, d) unit vectors
        self.medoids = np.empty(0, np.int64)       # item index per cluster
        self.sizes = np.empty(0, np.int64)

    def fit(self, embeddings: np.ndarray) -> None:
        n = len(embeddings)
        if n == self._n:
            return
        rng = np.random.default_rng(self.seed)
        rows = np.arange(n) if n <= self.sample else np.sort(rng.choice(n, self.sample, replace=False))
        vecs = np.asarray(embeddings[rows], np.float32)
        med, self.sizes = kmeans_medoids(vecs, n_regions(n), seed=self.seed, iters=self.iters)
        self.medoids = rows[med]
        c = vecs[med]
        self.centres = c / np.maximum(np.linalg.norm(c, axis=1, keepdims=True), 1e-12)
        self._n = n

    def to_arrays(self) -> dict[str, np.ndarray]:
        """n, centres, medoids, sizes; {} before the first fit (re-fitting: k-means of a sample, ~1 s)."""
        if self.centres is None:
            return {}
        return {"n": np.array(self._n), "centres": self.centres, "medoids": self.medoids, "sizes": self.sizes}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], n_items: int, **kwargs) -> "Coverage":
        """The regions to_arrays saved, for n_items items; ValueError when they do not fit."""
        try:
            n, centres = int(arrays["n"]), np.asarray(arrays["centres"], np.float32)
            medoids, sizes = np.asarray(arrays["medoids"]), np.asarray(arrays["sizes"])
        except (KeyError, TypeError, ValueError) as e:
            raise ValueError(f"not saved regions: {e}") from None
        if n != n_items or medoids.dtype.kind not in "iu" or (len(medoids) and (medoids.min() < 0 or medoids.max() >= n)) \
                or centres.ndim != 2 or len(centres) != len(medoids) or len(sizes) != len(medoids):
            raise ValueError("saved regions of another item count or shape")
        cov = cls(**kwargs)
        cov._n, cov.centres, cov.medoids, cov.sizes = n, centres, medoids.astype(np.int64), sizes.astype(np.int64)
        return cov

    def uncovered(self, embeddings: np.ndarray, state: np.ndarray) -> np.ndarray:
        """Representative unlabeled items of the regions no labeled item falls in, the most isolated
        first: priority = cosine distance to the nearest labeled item x sqrt(region size), so a small
        cluster far from every label comes before a slice of a big cluster that is already labeled."""
        self.fit(embeddings)
        if self.centres is None or len(self.medoids) == 0:
            return np.empty(0, np.int64)
        labeled = np.flatnonzero(state >= 0)
        covered = np.zeros(len(self.medoids), bool)
        nearest = np.full(len(self.medoids), -1.0, np.float32)   # best cosine similarity to a label
        med = np.asarray(embeddings[self.medoids], np.float32)
        for s in range(0, len(labeled), 8192):
            lab = np.asarray(embeddings[labeled[s:s + 8192]], np.float32)
            covered[np.argmax(lab @ self.centres.T, axis=1)] = True
            nearest = np.maximum(nearest, (med @ lab.T).max(axis=1))
        keep = ~covered & (state[self.medoids] == UNLABELED)
        priority = (1.0 - nearest) * np.sqrt(self.sizes)
        order = np.flatnonzero(keep)[np.argsort(-priority[keep], kind="stable")]
        return self.medoids[order]
