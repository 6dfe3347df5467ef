"""A 2D map of the embeddings: UMAP (umap-learn, the `map` extra) fitted on a sample, the other items
placed among their nearest sampled neighbours.

UMAP keeps classes apart where PCA smears them together; fitting it on a sample bounds the cost (fit
time grows faster than linearly), and placing the rest at the similarity-weighted mean of their k
nearest sampled items (cosine, exact or HNSW) is one kNN query per item, instead of UMAP's own
transform, which costs as much again. Pure numpy: no Qt, no SQLite."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from desktop_app.errors import ShoalError

SAMPLE = 5000     # items UMAP is fitted on; the rest are placed by their neighbours
PLACE_K = 10      # sampled neighbours that place an item not in the sample
INSTALL = "the map needs umap-learn: pip install 'shoal[map]' (or pip install umap-learn)"


def _l2(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, np.float32)
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


def fit_map(X: np.ndarray, sample: int = SAMPLE, seed: int = 0, n_neighbors: int = 15,
            progress: Callable[[int, int], None] | None = None,
            cancel: Callable[[], bool] | None = None) -> np.ndarray | None:
    """(n, 2) float32 coordinates of the rows of X, or None when cancelled. Raises ShoalError when
    umap-learn is not installed."""
    X = np.asarray(X, np.float32)
    n = len(X)
    if n == 0:
        return np.empty((0, 2), np.float32)
    if n < 4:  # too few for a neighbour graph: a line is as good as a map
        return np.stack([np.arange(n, dtype=np.float32), np.zeros(n, np.float32)], axis=1)
    import warnings

    try:
        import umap
    except ImportError:
        raise ShoalError(INSTALL) from None

    rng = np.random.default_rng(seed)
    fit_rows = np.sort(rng.choice(n, sample, replace=False)) if n > sample else np.arange(n)
    if progress:
        progress(0, 2)
    with warnings.catch_warnings():  # "n_jobs overridden by random_state": wanted, a map that replays
        warnings.simplefilter("ignore")
        reducer = umap.UMAP(n_components=2, n_neighbors=min(n_neighbors, len(fit_rows) - 1), metric="cosine",
                            random_state=seed, low_memory=True)
        fitted = np.asarray(reducer.fit_transform(X[fit_rows]), np.float32)
    if cancel and cancel():
        return None
    if progress:
        progress(1, 2)
    out = np.empty((n, 2), np.float32)
    out[fit_rows] = fitted
    rest = np.setdiff1d(np.arange(n), fit_rows)
    if len(rest):
        out[rest] = place(X[fit_rows], fitted, X[rest], cancel=cancel)
    if cancel and cancel():
        return None
    if progress:
        progress(2, 2)
    return out


def warm_up(seed: int = 0) -> None:
    """Fit a tiny map in the calling thread: umap-learn's numba functions compile on first use (about a
    minute on 2 cores) and are cached on disk. The test suite calls this in its main thread first: a first
    compile inside a Qt worker thread was seen to stall the GUI tests in a fresh environment."""
    import warnings

    import umap

    X = np.random.default_rng(seed).normal(size=(64, 8)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        umap.UMAP(n_components=2, n_neighbors=10, metric="cosine", random_state=seed, low_memory=True).fit_transform(X)


def place(X_fit: np.ndarray, Y_fit: np.ndarray, X_new: np.ndarray, k: int = PLACE_K,
          cancel: Callable[[], bool] | None = None, chunk: int = 20000) -> np.ndarray:
    """2D positions for X_new: the similarity-weighted mean of the positions of their k nearest rows
    of X_fit (cosine)."""
    from desktop_app.core.index.hnsw import build_index

    index = build_index(_l2(X_fit), np.arange(len(X_fit), dtype=np.int64))
    out = np.empty((len(X_new), 2), np.float32)
    for s in range(0, len(X_new), chunk):
        if cancel and cancel():
            break
        ids, sims = index.query(_l2(X_new[s:s + chunk]), k)
        w = np.maximum(sims, 0) + 1e-6
        out[s:s + chunk] = (Y_fit[ids] * w[..., None]).sum(axis=1) / w.sum(axis=1, keepdims=True)
    return out


def inside(xy: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """(n,) bool: which points of xy lie inside the polygon ((k, 2) vertices, closed implicitly)."""
    from matplotlib.path import Path

    polygon = np.asarray(polygon, np.float64)
    if len(polygon) < 3 or not len(xy):
        return np.zeros(len(xy), bool)
    return Path(polygon).contains_points(np.asarray(xy, np.float64))
