"""Approximate kNN with usearch over 8-bit vectors: the index for millions of items.

hnswlib keeps float32 vectors plus its graph in RAM (~1.7 KB per 384-d item, ~8.5 GB at 5M).
usearch's HNSW with i8 scalar quantisation keeps 384 bytes of vector per item plus the graph
(~0.8 KB per item measured), at a small cost in recall (docs/scale.md). Same interface as
`hnsw.KnnIndex`: a cache, always rebuildable from the stored embeddings, saved atomically and
checked by CRC-32 before it is loaded.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from desktop_app.core.index.hnsw import drop_cached, file_crc

I8_STEP = 1.0 / 127  # usearch maps [-1, 1] onto int8 by truncating x * 127
RERANK = 2  # candidates fetched per neighbour asked for, re-ranked by exact cosine (docs/scale.md)
# Graph density. 16/64 (hnswlib's M/ef_construction) gave recall@100 0.887 at 2M even with re-ranking;
# 32/128 gave 0.995 for 660 instead of 533 bytes per item and a 2.3x slower build (docs/scale.md).
CONNECTIVITY = 32
EXPANSION_ADD = 128


def usearch_index_class():
    """usearch's Index class, with onnxruntime loaded first: importing onnxruntime 1.32 after usearch 2.26
    crashes the process (SIGSEGV in libstdc++'s codecvt, from onnxruntime's module initialiser), and
    every project opens its encoder or the linear head's kernels (learning/kernels.py) sooner or later.
    The other order is safe (tests/test_usearch_index.py runs both in a fresh process)."""
    import onnxruntime  # noqa: F401  (the order matters, see above)
    from usearch.index import Index

    return Index


PARALLEL_ITEMS = 1_000_000  # from this many items a round's few queries are worth a second thread


def _let_others_run() -> Callable[[int, int], bool]:
    """usearch's load holds the GIL throughout: at 5M items the GUI froze for 7 s while a worker loaded
    the index. It calls this once per node; every 20 ms it sleeps for no time, which hands the GIL to the
    GUI thread. Measured at 5M: the longest freeze 2.2 s instead of 7.1 s (the part before usearch starts
    calling back), the load 7.3 s as before (docs/scale.md)."""
    last = [time.perf_counter()]

    def progress(done: int, total: int) -> bool:
        now = time.perf_counter()
        if now - last[0] > 0.02:
            last[0] = now
            time.sleep(0)
        return True

    # usearch checks the callback's annotations, which `from __future__ import annotations` makes strings
    progress.__annotations__ = {"done": int, "total": int, "return": bool}
    return progress


def search_threads(queries: int, items: int) -> int:
    """Threads for one search call. A round's 20 queries at 100k items took 2.6 ms on one thread and
    9.2 ms on two (starting the threads costs more than the search); at 5M they took 72 ms on one
    and 37 ms on two (docs/scale.md)."""
    cores = os.cpu_count() or 1
    if queries >= 256 or (items >= PARALLEL_ITEMS and queries >= 2):
        return min(cores, queries)
    return 1


class UsearchIndex:
    """Cosine kNN over L2-normalised rows stored as int8, keyed by item index (int)."""

    kind = "usearch"
    dtype = "i8"
    probe_atol = I8_STEP + 1e-4  # how far a stored vector may be from its float32 row

    def __init__(self, dim: int, max_elements: int, *, connectivity: int = CONNECTIVITY,
                 expansion_add: int = EXPANSION_ADD, ef: int = 128, dtype: str | None = None, rerank: int = RERANK):
        dtype = dtype or self.dtype
        Index = usearch_index_class()

        self.dim = dim
        self._ef = ef
        self._lock = threading.Lock()
        self.rerank = rerank
        self._rows: Any = None
        self._index = Index(ndim=dim, metric="cos", dtype=dtype, connectivity=connectivity,  # grows as needed
                            expansion_add=expansion_add, expansion_search=ef)

    @property
    def count(self) -> int:
        return len(self._index)

    def add(self, vectors: np.ndarray, ids: np.ndarray, progress: Callable[[int, int], None] | None = None,
            cancel: Callable[[], bool] | None = None, chunk: int = 20000) -> None:
        ids = np.asarray(ids, dtype=np.uint64)
        total = len(ids)
        for start in range(0, total, chunk):
            if cancel and cancel():
                return
            rows = np.ascontiguousarray(vectors[start:start + chunk], dtype=np.float32)
            with self._lock:
                self._index.add(ids[start:start + chunk], rows, threads=os.cpu_count() or 1)
            if progress:
                progress(min(start + chunk, total), total)

    def attach_rows(self, rows: Any) -> None:
        """The float32 rows the index was built from (an array, memory map or RowFile: `rows[ids]`),
        keyed like the index. With them and rerank > 1, a query fetches rerank x k candidates from the
        int8 graph and keeps the k nearest by exact cosine: the int8 rounding misorders near-ties,
        which a larger search expansion does not repair (recall@100 0.914 at 1M)."""
        self._rows = rows

    def query(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, similarities), each (n, k'); k' = min(k, count)."""
        q = np.ascontiguousarray(vectors, dtype=np.float32)
        k = min(k, self.count)
        if k == 0:
            return np.empty((len(q), 0), np.int64), np.empty((len(q), 0), np.float32)
        if self._rows is None or self.rerank <= 1 or len(q) == 0:
            return self._search(q, k)
        keys, _ = self._search(q, min(k * self.rerank, self.count))
        return self._exact(q, keys, k)

    def _exact(self, q: np.ndarray, keys: np.ndarray, k: int, chunk: int = 128) -> tuple[np.ndarray, np.ndarray]:
        """The k of each row's candidates nearest by exact cosine, from the float32 rows (read
        `chunk` queries at a time: 128 x 200 candidates of 384-d is 39 MB)."""
        ids = np.empty((len(q), k), np.int64)
        best = np.empty((len(q), k), np.float32)
        for s in range(0, len(q), chunk):
            cand = keys[s:s + chunk]
            uniq, inverse = np.unique(cand, return_inverse=True)  # a short answer's repeats read once
            rows = np.asarray(self._rows[uniq], np.float32)
            rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
            qn = q[s:s + chunk] / np.maximum(np.linalg.norm(q[s:s + chunk], axis=1, keepdims=True), 1e-12)
            inverse = inverse.reshape(cand.shape)
            sims = np.einsum("nd,nkd->nk", qn, rows[inverse])
            srt = np.sort(cand, axis=1)
            for r in np.flatnonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1)):  # repeated ids count once
                _, first = np.unique(cand[r], return_index=True)
                keep = np.zeros(cand.shape[1], bool)
                keep[first] = True
                sims[r, ~keep] = -np.inf
            top = np.argsort(-sims, axis=1, kind="stable")[:, :k]
            got_ids, got = np.take_along_axis(cand, top, axis=1), np.take_along_axis(sims, top, axis=1)
            lost = ~np.isfinite(got)  # fewer distinct candidates than k: repeat the nearest, as _search does
            ids[s:s + chunk] = np.where(lost, got_ids[:, :1], got_ids)
            best[s:s + chunk] = np.where(lost, got[:, :1], got)
        return ids, best

    def _search(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            self._index.expansion_search = max(self._ef, k + 1)
            found: Any = self._index.search(q, k, threads=search_threads(len(q), len(self._index)))
        keys = np.asarray(found.keys, np.int64).reshape(len(q), -1)
        sims = (1.0 - np.asarray(found.distances, np.float32)).reshape(len(q), -1)
        counts = np.asarray(found.counts).reshape(-1)
        short = np.flatnonzero(counts < k)
        for r in short:  # a rare short answer: repeat the row's nearest (callers take a union)
            c = max(int(counts[r]), 1)
            keys[r, c:], sims[r, c:] = keys[r, 0], sims[r, 0]
        return keys[:, :k], sims[:, :k]

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored (dequantised) vectors of these ids."""
        with self._lock:
            got = self._index.get(np.asarray(ids, np.uint64), dtype="f32")
        return np.asarray(got, np.float32).reshape(len(ids), self.dim)

    def save(self, path: Path) -> int:
        """Write the index atomically; return the file's CRC-32."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{os.urandom(4).hex()}")
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644))  # never a planted link
        try:
            with self._lock:
                self._index.save(str(tmp))  # raises on a short write
            crc = file_crc(tmp)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return crc

    @classmethod
    def load(cls, path: Path, dim: int, ef: int = 128, crc: int | None = None) -> "UsearchIndex":
        """Load a saved index; with `crc`, a file whose checksum differs is refused (ValueError)."""
        Index = usearch_index_class()
        if crc is not None and file_crc(path) != crc:
            raise ValueError(f"{path} is damaged (checksum mismatch)")
        try:
            meta = Index.metadata(str(path))
            index = None
            if meta:  # Index.restore, with a progress callback that lets other threads run (below)
                index = Index(ndim=meta["dimensions"], dtype=meta["kind_scalar"], metric=meta["kind_metric"])
                index.load(str(path), progress=_let_others_run())
        except (RuntimeError, ValueError) as e:
            raise ValueError(f"{path} is not a usearch index ({e})") from None
        if index is None or index.ndim != dim:
            raise ValueError(f"{path} is not a {dim}-d usearch index")
        if str(index.dtype).rsplit(".", 1)[-1].lower() != cls.dtype:  # an int8 file is not an f16 index
            raise ValueError(f"{path} holds {index.dtype} vectors, not {cls.dtype}")
        self = cls.__new__(cls)
        self.dim = dim
        self._ef = ef
        self._lock = threading.Lock()
        self.rerank = RERANK
        self._rows = None
        self._index = index
        self._index.expansion_search = ef
        drop_cached(path)
        return self

