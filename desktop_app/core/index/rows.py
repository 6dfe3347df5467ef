"""An in-memory copy of the embedding rows the loop scores every round (the SEALS pool).

The embeddings stay memory-mapped; a round scores only the candidate pool, and gathering
100k+ scattered rows from the map each round costs more than the scoring itself. This cache
copies each pool member's row once, when it joins the pool, into one contiguous array.
"""
from __future__ import annotations

import os

import numpy as np

RELEASE_AFTER = 10_000  # rows copied in one go after which the map's pages are given back


def release_pages(array: np.ndarray) -> None:
    """Drop a read-only memory map's pages from this process's resident set (they stay in the
    OS page cache). Scattered pool rows touch ~half the pages of a 1.5 GB map; once copied into
    the cache they are not needed, and would otherwise count ~0.7 GB towards the app's memory."""
    import mmap

    base: object = array
    while base is not None and not isinstance(getattr(base, "_mmap", None), mmap.mmap):
        base = getattr(base, "base", None)
    mm = getattr(base, "_mmap", None) if base is not None else None
    if isinstance(mm, mmap.mmap) and hasattr(mm, "madvise"):
        try:
            mm.madvise(mmap.MADV_DONTNEED)
        except (OSError, ValueError):
            pass


class RowCache:
    """Rows kept in fixed-size blocks: growing never copies what is cached (a 300 MB copy would
    be a latency spike in the round that triggers it)."""

    def __init__(self, embeddings: np.ndarray, block: int = 16384):
        self.embeddings = embeddings
        self.dim = embeddings.shape[1] if embeddings.ndim == 2 else 0
        self.block = block
        self.pos = np.full(len(embeddings), -1, np.int64)   # item -> row number in the cache, -1 if absent
        self.blocks: list[np.ndarray] = []
        self.n = 0
        self._order: list[np.ndarray] = []   # item ids in cache row order, one array per add

    def __len__(self) -> int:
        return self.n

    def add(self, idx: np.ndarray) -> int:
        """Copy in the rows of items not cached yet; return how many were added."""
        idx = np.asarray(idx, np.int64)
        if len(self.pos) < len(self.embeddings):  # the project grew (new files scanned)
            self.pos = np.concatenate([self.pos, np.full(len(self.embeddings) - len(self.pos), -1, np.int64)])
        new = np.unique(idx[self.pos[idx] < 0])   # sorted: the map is read in order
        if len(new) == 0:
            return 0
        self._append(new, lambda part: self.embeddings[part])
        if len(new) >= RELEASE_AFTER:
            release_pages(self.embeddings)
        return len(new)

    def add_rows(self, ids: np.ndarray, rows: np.ndarray) -> None:
        """Adopt rows read elsewhere (a saved copy of the cache) for items not cached yet."""
        ids = np.asarray(ids, np.int64)
        fresh = self.pos[ids] < 0
        ids, rows = ids[fresh], rows[fresh]
        if len(ids):
            at = [0]

            def source(part):  # _append asks for consecutive slices of ids
                k = at[0]
                at[0] = k + len(part)
                return rows[k:k + len(part)]
            self._append(ids, source)

    def order(self) -> np.ndarray:
        """Item ids in cache row order (row r of the cache is item order()[r])."""
        if len(self._order) > 1:
            self._order = [np.concatenate(self._order)]
        return self._order[0] if self._order else np.empty(0, np.int64)

    def _append(self, new: np.ndarray, source) -> None:
        self._order.append(new)
        done = 0
        while done < len(new):
            if self.n == len(self.blocks) * self.block:
                self.blocks.append(np.empty((self.block, self.dim), np.float32))
            at = self.n % self.block
            take = min(self.block - at, len(new) - done)
            part = new[done:done + take]
            self.blocks[-1][at:at + take] = source(part)
            self.pos[part] = np.arange(self.n, self.n + take)
            self.n += take
            done += take

    def rows_from(self, start: int) -> np.ndarray:
        """Cached rows start..n, in cache order (to append to a saved copy)."""
        parts = []
        for k in range(start // self.block, len(self.blocks)):
            lo = max(start - k * self.block, 0)
            hi = min(self.block, self.n - k * self.block)
            if hi > lo:
                parts.append(self.blocks[k][lo:hi])
        return np.concatenate(parts) if parts else np.empty((0, self.dim), np.float32)

    def rows(self, idx: np.ndarray) -> np.ndarray | None:
        """Cache row numbers of idx, or None if any of them is not cached."""
        idx = np.asarray(idx, np.int64)
        if len(idx) == 0 or idx.max() >= len(self.pos):
            return None
        pos = self.pos[idx]
        return pos if (pos >= 0).all() else None

    def take(self, pos: np.ndarray) -> np.ndarray:
        out = np.empty((len(pos), self.dim), np.float32)
        b, off = np.divmod(pos, self.block)
        for k in np.unique(b):
            sel = np.flatnonzero(b == k)
            out[sel] = self.blocks[k][off[sel]]
        return out

    def gather(self, idx: np.ndarray) -> np.ndarray:
        """Rows of idx: cached ones from the cache, the others read from the embeddings."""
        idx = np.asarray(idx, np.int64)
        pos = self.pos[idx] if len(idx) and idx.max() < len(self.pos) else np.full(len(idx), -1, np.int64)
        hit = pos >= 0
        if hit.all():
            return self.take(pos)
        out = np.empty((len(idx), self.dim), np.float32)
        if hit.any():
            out[hit] = self.take(pos[hit])
        out[~hit] = self.embeddings[idx[~hit]]
        return out

    def apply(self, fn, pos: np.ndarray, width: int) -> np.ndarray:
        """fn(rows) -> (len(rows), width) for the cached rows at `pos`. When most of the cache is
        asked for (the usual pool re-rank), fn runs block by block over contiguous rows (no
        gather) and the answer is picked out afterwards."""
        if len(pos) >= self.n // 2:
            full = np.empty((self.n, width), np.float32)
            for k, blk in enumerate(self.blocks):
                s = k * self.block
                full[s:min(s + self.block, self.n)] = fn(blk[:min(self.block, self.n - s)])
            return full[pos]
        out = np.empty((len(pos), width), np.float32)
        for s in range(0, len(pos), self.block):
            out[s:s + self.block] = fn(self.take(pos[s:s + self.block]))
        return out


class CachedRows:
    """The embeddings as selection reads them (`x[ids]`, slices, len, shape): rows the RowCache holds
    come from it, the others from the embeddings; the same values either way. Over a RowFile every
    uncached row is a pread: at 5M items re-reading the 2,000 labeled rows each round took 18 ms."""

    ndim = 2
    dtype = np.dtype(np.float32)

    def __init__(self, cache: RowCache):
        self.cache = cache
        self.shape = tuple(cache.embeddings.shape)

    def __len__(self) -> int:
        return len(self.cache.embeddings)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.cache.embeddings, dtype)

    def __getitem__(self, key):
        if isinstance(key, (list, np.ndarray)):
            idx = np.asarray(key)
            if idx.ndim == 1 and idx.dtype.kind in "iu" and (len(idx) == 0 or idx.min() >= 0):
                return self.cache.gather(idx)
        return self.cache.embeddings[key]


_controller = None


def one_blas_thread():
    """Context manager: BLAS on one thread. The round's matmuls are small and tall; on 2 cores a
    second BLAS thread mostly spins and competes with the GUI thread."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.limit(limits=1, user_api="blas")


GATHER_JOIN_BYTES = 64 << 20  # a gather up to this size is read in one joined pass


class RowFile:
    """A 2-D float32 or float16 .npy file as a read-only float32 array for row gathers (`x[ids]`,
    `x[a:b]`, len, shape), read with pread instead of a memory map. A float16 file (a project
    that keeps its embeddings as float16, half the disk) is widened to float32 as it is read.

    Scattered reads through a memory map count towards the process's resident memory, and on
    kernels that map whole large folios per fault (8 MB readahead here) 2,000 scattered rows
    showed as 1 GB resident. pread copies only the rows asked for; the file stays in the OS
    page cache, shared and reclaimable, as with the map."""

    ndim = 2
    dtype = np.dtype(np.float32)

    def __init__(self, path, offset: int, shape: tuple[int, int], stored: str = "float32"):
        self.filename = str(path)
        self.offset = int(offset)
        self.shape = (int(shape[0]), int(shape[1]))
        self.stored = np.dtype(stored)  # the file's dtype; rows are always returned as float32
        if self.stored not in (np.float32, np.float16):
            raise ValueError(f"rows must be float32 or float16, not {self.stored}")
        self._row = self.shape[1] * self.stored.itemsize
        self._fd = os.open(self.filename, os.O_RDONLY)

    @classmethod
    def from_memmap(cls, mm: np.ndarray) -> "RowFile | np.ndarray":
        """The same rows as a float32 or float16 C-order np.memmap of a file; anything else is returned as is."""
        if (not isinstance(mm, np.memmap) or mm.filename is None or mm.dtype not in (np.float32, np.float16)
                or mm.ndim != 2 or not mm.flags.c_contiguous):
            return mm
        return cls(mm.filename, mm.offset, mm.shape, stored=mm.dtype.name)

    def __len__(self) -> int:
        return self.shape[0]

    def __del__(self):
        fd, self._fd = getattr(self, "_fd", None), None
        if fd is not None:
            os.close(fd)

    def __array__(self, dtype=None, copy=None):
        out = self[0:len(self)]
        return out if dtype is None else out.astype(dtype, copy=False)

    def __getitem__(self, key):
        n = self.shape[0]
        if isinstance(key, tuple):
            rows = self[key[0]]
            return rows[(slice(None),) + key[1:]] if rows.ndim == 2 else rows[key[1:]]
        if isinstance(key, slice):
            start, stop, step = key.indices(n)
            if step == 1:
                out = np.empty((max(stop - start, 0), self.shape[1]), np.float32)
                self._read(start, out)
                return out
            return self[np.arange(start, stop, step)]
        if isinstance(key, (int, np.integer)):
            i = int(key) + (n if key < 0 else 0)
            if not 0 <= i < n:
                raise IndexError(f"row {key} out of range for {n} rows")
            return self[i:i + 1][0]
        idx = np.asarray(key)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        idx = idx.astype(np.int64, copy=False).ravel()
        idx = np.where(idx < 0, idx + n, idx)
        if len(idx) and (idx.min() < 0 or idx.max() >= n):
            raise IndexError(f"row index out of range for {n} rows")
        if len(idx) == 0:
            return np.empty((0, self.shape[1]), np.float32)
        order = np.argsort(idx, kind="stable")
        ids = idx[order]
        # runs of consecutive ids are read in one call each
        breaks = np.flatnonzero(np.diff(ids) != 1) + 1
        starts = np.concatenate([[0], breaks]).astype(np.int64)
        ends = np.concatenate([breaks, [len(ids)]]).astype(np.int64)
        if len(ids) * self._row <= GATHER_JOIN_BYTES:  # a re-rank's scattered candidates: the reads in
            # one list comprehension, joined (half the Python cost per row of the loop below)
            fd, row = self._fd, self._row
            raw = b"".join([os.pread(fd, (e - a) * row, self.offset + i * row)
                            for a, e, i in zip(starts.tolist(), ends.tolist(), ids[starts].tolist())])
            if len(raw) != len(ids) * row:
                raise OSError(f"short read from {self.filename}")
            out = np.empty((len(ids), self.shape[1]), np.float32)
            out[order] = np.frombuffer(raw, self.stored).reshape(len(ids), self.shape[1])
            return out
        buf = np.empty((len(ids), self.shape[1]), np.float32)
        for a, b in zip(starts.tolist(), ends.tolist()):
            if b > a:
                self._read(int(ids[a]), buf[a:b])
        out = np.empty_like(buf)
        out[order] = buf
        return out

    def _read(self, start: int, out: np.ndarray) -> None:
        if self.stored != np.float32:
            raw = np.empty(out.shape, self.stored)
            self._read_raw(start, raw)
            out[...] = raw
            return
        self._read_raw(start, out)

    def _read_raw(self, start: int, out: np.ndarray) -> None:
        want = out.nbytes
        view = out.data.cast("B")
        got = 0
        while got < want:
            k = os.preadv(self._fd, [view[got:]], self.offset + start * self._row + got)
            if k <= 0:
                raise OSError(f"short read from {self.filename}")
            got += k
