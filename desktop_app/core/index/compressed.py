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
from pathlib import Path
from typing import Any, Callable

import numpy as np

from desktop_app.core.index.hnsw import file_crc

I8_STEP = 1.0 / 127  # usearch maps [-1, 1] onto int8 by truncating x * 127


class UsearchIndex:
    """Cosine kNN over L2-normalised rows stored as int8, keyed by item index (int)."""

    kind = "usearch"
    probe_atol = I8_STEP + 1e-4  # how far a stored vector may be from its float32 row

    def __init__(self, dim: int, max_elements: int, *, connectivity: int = 16, expansion_add: int = 64,
                 ef: int = 128, dtype: str = "i8"):
        from usearch.index import Index

        self.dim = dim
        self._ef = ef
        self._lock = threading.Lock()
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

    def query(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, similarities), each (n, k'); k' = min(k, count)."""
        q = np.ascontiguousarray(vectors, dtype=np.float32)
        k = min(k, self.count)
        if k == 0:
            return np.empty((len(q), 0), np.int64), np.empty((len(q), 0), np.float32)
        with self._lock:
            self._index.expansion_search = max(self._ef, k + 1)  # type: ignore[misc]
            # a round's few queries run on one thread: 20 queries took 2.6 ms on one thread and
            # 9.2 ms on two (starting the threads costs more than the search, on 2 busy cores)
            found: Any = self._index.search(q, k, threads=1 if len(q) < 256 else (os.cpu_count() or 1))
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
        from usearch.index import Index

        if crc is not None and file_crc(path) != crc:
            raise ValueError(f"{path} is damaged (checksum mismatch)")
        try:
            index = Index.restore(str(path), view=False)
        except (RuntimeError, ValueError) as e:
            raise ValueError(f"{path} is not a usearch index ({e})") from None
        if index is None or index.ndim != dim:
            raise ValueError(f"{path} is not a {dim}-d usearch index")
        self = cls.__new__(cls)
        self.dim = dim
        self._ef = ef
        self._lock = threading.Lock()
        self._index = index
        self._index.expansion_search = ef  # type: ignore[misc]
        return self
