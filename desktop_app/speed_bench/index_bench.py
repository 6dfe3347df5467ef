"""Index build time (hnswlib or usearch) and recall@k against exact search, on rows streamed from a .npy file."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from desktop_app.core.index import kinds
from desktop_app.speed_bench.common import log, peak_rss_mb
from desktop_app.speed_bench.synth import read_rows

STREAM = 50_000
GT_STREAM = 20_000


def build(path: Path, n: int, dim: int, progress: bool = True, kind: str = "hnsw"):
    """Build the index the app builds (the kind's defaults), timing only the insertions."""
    from desktop_app.core.index.rows import RowFile

    index = kinds.new_index(kind, dim, n)
    kinds.attach_rows(index, RowFile.from_memmap(np.load(path, mmap_mode="r")))  # as load_index does
    spent = 0.0
    for start in range(0, n, STREAM):
        rows = read_rows(path, start, min(n, start + STREAM))
        t = time.perf_counter()
        index.add(rows, np.arange(start, start + len(rows)))
        spent += time.perf_counter() - t
        if progress and (start // STREAM) % 4 == 3:
            log(f"{kind} index: {start + len(rows):,}/{n:,} rows in {spent:.0f}s, peak RSS {peak_rss_mb():.0f} MB")
    return index, spent


def exact_topk(path: Path, n: int, queries: np.ndarray, k: int) -> np.ndarray:
    """Exact top-k ids by inner product, streaming over the rows (never all in memory)."""
    best_ids = np.empty((len(queries), 0), np.int64)
    best_sim = np.empty((len(queries), 0), np.float32)
    for start in range(0, n, GT_STREAM):
        rows = read_rows(path, start, min(n, start + GT_STREAM))
        sims = queries @ rows.T
        kk = min(k, sims.shape[1])
        part = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]   # this chunk's top-k first
        sims = np.concatenate([best_sim, np.take_along_axis(sims, part, axis=1)], axis=1)
        ids = np.concatenate([best_ids, part + start], axis=1)
        kk = min(k, sims.shape[1])
        keep = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        best_sim = np.take_along_axis(sims, keep, axis=1)
        best_ids = np.take_along_axis(ids, keep, axis=1)
    return best_ids


def recall_at(index, path: Path, n: int, n_queries: int = 1000, k: int = 100, seed: int = 1) -> dict:
    """Mean recall@k of the index's own query path against exact search, on rows of the data."""
    rng = np.random.default_rng(seed)
    q_ids = np.sort(rng.choice(n, size=min(n_queries, n), replace=False))
    queries = np.concatenate([read_rows(path, int(i), int(i) + 1) for i in q_ids])
    truth = exact_topk(path, n, queries, k)
    t = time.perf_counter()
    found, _ = index.query(queries, k)
    query_s = time.perf_counter() - t
    kk = truth.shape[1]
    hits = [len(np.intersect1d(a, b, assume_unique=True)) for a, b in zip(found, truth)]
    return {"recall": float(np.mean(hits) / kk), "query_ms_per_item": 1000 * query_s / len(queries)}
