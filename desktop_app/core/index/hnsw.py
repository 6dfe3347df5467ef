"""Approximate kNN over embeddings with hnswlib, plus an exact fallback for small sets.

The index is a cache: it can always be rebuilt from the stored embeddings.
hnswlib is not safe for add_items concurrent with knn_query, so one lock guards both.
"""
from __future__ import annotations

import errno
import os
import threading
from pathlib import Path
from typing import Callable

import numpy as np

EXACT_BELOW = 5000  # below this many items a brute-force search is fast and exact


class KnnIndex:
    """Cosine kNN over L2-normalised float32 rows, keyed by item index (int)."""

    kind = "hnsw"
    probe_atol = 1e-5

    def __init__(self, dim: int, max_elements: int, *, m: int = 16, ef_construction: int = 64, ef: int = 128,
                 threads: int | None = None):
        """threads: build threads (default: every core). A multi-threaded build inserts items in a
        racy order, so the graph (and which neighbours a query returns) differs from build to build;
        threads=1 gives the same graph every time (replays use it)."""
        import hnswlib

        self.dim = dim
        self._ef = ef
        self._lock = threading.Lock()
        self._index = hnswlib.Index(space="ip", dim=dim)
        self._index.init_index(max_elements=max(1, max_elements), M=m, ef_construction=ef_construction,
                               allow_replace_deleted=False, random_seed=100)
        self._index.set_ef(ef)
        self._index.set_num_threads(threads or os.cpu_count() or 1)

    @property
    def count(self) -> int:
        return self._index.get_current_count()

    def add(self, vectors: np.ndarray, ids: np.ndarray, progress: Callable[[int, int], None] | None = None,
            cancel: Callable[[], bool] | None = None, chunk: int = 20000) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        total = len(ids)
        with self._lock:
            need = self._index.get_current_count() + total
            if need > self._index.get_max_elements():
                self._index.resize_index(max(need, int(self._index.get_max_elements() * 1.5)))
        for start in range(0, total, chunk):
            if cancel and cancel():
                return
            with self._lock:
                self._index.add_items(np.asarray(vectors[start:start + chunk], dtype=np.float32), ids[start:start + chunk])
            if progress:
                progress(min(start + chunk, total), total)

    def query(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (ids, similarities), each (n, k'); k' = min(k, count)."""
        k = min(k, self.count)
        if k == 0:
            n = len(vectors)
            return np.empty((n, 0), np.int64), np.empty((n, 0), np.float32)
        with self._lock:
            self._index.set_ef(max(self._ef, k + 1))
            ids, dist = self._index.knn_query(np.asarray(vectors, dtype=np.float32), k=k)
        return ids.astype(np.int64), (1.0 - dist).astype(np.float32)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of these ids (to check the index matches the embeddings)."""
        with self._lock:
            return np.asarray(self._index.get_items(np.asarray(ids, np.int64), return_type="numpy"), np.float32)

    def save(self, path: Path) -> int:
        """Write the index atomically; return the file's CRC-32 (keep it to check the file on load)."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{os.urandom(4).hex()}")
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644))  # never a planted link
        try:
            with self._lock:
                self._index.save_index(str(tmp))
                expected = self._index.index_file_size()
            if os.path.getsize(tmp) != expected:  # hnswlib writes a short file silently when the disk is full
                raise OSError(errno.ENOSPC, "no space left to save the index", str(path))
            crc = file_crc(tmp)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return crc

    @classmethod
    def load(cls, path: Path, dim: int, ef: int = 128, crc: int | None = None) -> "KnnIndex":
        """Load a saved index. With `crc`, a file whose checksum differs is refused (ValueError):
        hnswlib trusts its file, and damaged link lists crash the process on the first query."""
        import hnswlib

        if crc is not None and file_crc(path) != crc:
            raise ValueError(f"{path} is damaged (checksum mismatch)")
        self = cls.__new__(cls)
        self.dim = dim
        self._ef = ef
        self._lock = threading.Lock()
        self._index = hnswlib.Index(space="ip", dim=dim)
        self._index.load_index(str(path))
        self._index.set_ef(ef)  # the saved file does not keep ef
        self._index.set_num_threads(os.cpu_count() or 1)
        drop_cached(path)
        return self


def drop_cached(path: Path) -> None:
    """Tell the OS it may drop a file's pages from its cache: an index file loaded into RAM is not read
    again, and its cached copy (3.3 GB at 5M items) would push out the embeddings' pages, which every
    round reads (the re-rank); with them evicted a 5M round took 505 ms instead of ~300 (docs/scale.md)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    except (OSError, AttributeError):  # not on this OS or file system: only a hint
        pass
    finally:
        os.close(fd)


def file_crc(path: Path, block: int = 1 << 24) -> int:
    """CRC-32 of a file (zlib: about 1 GB/s, so a 1M-item index checks in about 2 s)."""
    import zlib

    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(block):
            crc = zlib.crc32(chunk, crc)
    return crc


class ExactIndex:
    """Brute-force cosine kNN; used for small sets and as the recall reference."""

    def __init__(self, vectors: np.ndarray, ids: np.ndarray):
        self._vectors = np.asarray(vectors, dtype=np.float32)
        self._ids = np.asarray(ids, dtype=np.int64)
        self.dim = self._vectors.shape[1] if self._vectors.ndim == 2 else 0

    @property
    def count(self) -> int:
        return len(self._ids)

    def query(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, self.count)
        q = np.asarray(vectors, dtype=np.float32)
        if k == 0:
            return np.empty((len(q), 0), np.int64), np.empty((len(q), 0), np.float32)
        out_ids = np.empty((len(q), k), np.int64)
        out_sim = np.empty((len(q), k), np.float32)
        for start in range(0, len(q), 256):
            sims = q[start:start + 256] @ self._vectors.T
            part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
            psims = np.take_along_axis(sims, part, axis=1)
            order = np.argsort(-psims, axis=1)
            out_ids[start:start + 256] = self._ids[np.take_along_axis(part, order, axis=1)]
            out_sim[start:start + 256] = np.take_along_axis(psims, order, axis=1)
        return out_ids, out_sim


def build_index(vectors: np.ndarray, ids: np.ndarray, progress=None, cancel=None, threads: int | None = None):
    """An exact index for small sets, HNSW otherwise. threads=1: the same graph on every build
    (deterministic replays); default: every core (a faster build whose graph varies slightly)."""
    if len(ids) < EXACT_BELOW:
        return ExactIndex(vectors, ids)
    index = KnnIndex(vectors.shape[1], len(ids), threads=threads)
    index.add(vectors, ids, progress=progress, cancel=cancel)
    return index
