"""Item embeddings in the project file (float32 rows as raw bytes, never pickle), and the embeddings
.npy cache beside it (derived: stamped with the project id and rebuilt when its checks fail)."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from desktop_app.store import sidecar
from desktop_app.store.base import ProjectParts


class EmbeddingsMixin(ProjectParts):
    def pending_embedding(self, limit: int, after: int = -1) -> list[dict]:
        """Up to `limit` items not embedded yet (and readable), in idx order, from idx `after` + 1 on."""
        rows = self.conn.execute("SELECT idx, path, text FROM items WHERE embedded=0 AND skip_reason IS NULL "
                                 "AND idx > ? ORDER BY idx LIMIT ?", (int(after), int(limit)))
        return [dict(zip(("idx", "path", "text"), r)) for r in rows]

    def n_pending_embedding(self) -> int:
        return int(self.conn.execute(
            "SELECT count(*) FROM items WHERE embedded=0 AND skip_reason IS NULL").fetchone()[0])

    def store_embeddings(self, idxs: Iterable[int], vectors: np.ndarray, failures: dict[int, str]) -> None:
        """Store one encoded batch and the items that failed, in one transaction."""
        vectors = np.asarray(vectors, dtype=np.float32)
        with self.tx():
            self.conn.executemany("INSERT OR REPLACE INTO embeddings(idx, vec) VALUES (?, ?)",
                                  [(int(i), v.tobytes()) for i, v in zip(idxs, vectors)])
            self.conn.executemany("UPDATE items SET embedded=1 WHERE idx=?", [(int(i),) for i in idxs])
            self.conn.executemany("UPDATE items SET skip_reason=? WHERE idx=?",
                                  [(reason, int(i)) for i, reason in failures.items()])
            self.conn.execute("INSERT INTO meta(key, value) VALUES ('emb_stamp', '1') ON CONFLICT(key) "
                              "DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def clear_embeddings(self) -> None:
        with self.tx():
            self.conn.execute("DELETE FROM embeddings")
            self.conn.execute("UPDATE items SET embedded=0")
            # stamps only ever grow, so no cache built before the clear can look current after it
            self.conn.execute("INSERT INTO meta(key, value) VALUES ('emb_stamp', '1') ON CONFLICT(key) "
                              "DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def embedded_flags(self) -> np.ndarray:
        """Which items have an embedding, by the items' own flag (cheap: it never walks the embeddings)."""
        mask = np.zeros(self.n_items, dtype=bool)
        mask[np.fromiter((r[0] for r in self.conn.execute("SELECT idx FROM items WHERE embedded=1")), np.int64)] = True
        return mask

    def embedded_mask(self) -> np.ndarray:
        mask = np.zeros(self.n_items, dtype=bool)
        idx = np.fromiter((r[0] for r in self.conn.execute("SELECT idx FROM embeddings")), dtype=np.int64)
        mask[idx] = True
        return mask

    def embeddings_stamp(self) -> int:
        return int(self.meta("emb_stamp", 0))

    def embeddings_cache_stamp(self) -> str:
        """What the embeddings cache must have been built from: this project (its random id, so a new
        project at the same path never reuses an old cache), its encoder, embedding count and shape."""
        return (f"{self.meta('project_id')}:{self.meta('encoder_identity')}:{self.embeddings_stamp()}:"
                f"{self.n_items}:{int(self.meta('dim', 0))}")

    def load_embeddings(self) -> np.ndarray:
        """(n_items, dim) float32, memory-mapped from the cache; rows not embedded are zero.
        A cache is used only when its stamp matches and a few of its rows equal the database's;
        otherwise it is rebuilt (in memory, without writing, when the project is open read-only)."""
        dim = int(self.meta("dim", 0))
        stamp = self.embeddings_cache_stamp()
        npy = self.cache_dir / "embeddings.npy"
        arr = sidecar.read_stamped(npy, stamp, mmap=True, valid=lambda a: a.shape == (self.n_items, dim)
                                   and a.dtype == np.float32 and self._rows_agree(a))
        if arr is not None:
            return arr
        n, width = self.n_items, max(dim, 1)
        if self.readonly:
            out = np.zeros((n, width), np.float32)
            for start, block in self._embedding_blocks(n, dim, width):
                out[start:start + len(block)] = block
            return out

        def write(f) -> None:
            np.lib.format.write_array_header_1_0(f, {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)),
                                                     "fortran_order": False, "shape": (n, width)})
            for _, block in self._embedding_blocks(n, dim, width):
                f.write(block.tobytes())  # plain writes, no writable memory map: a full disk is an error, not SIGBUS
            f.flush()  # no fsync: a cache torn by a power cut fails its shape or spot check and is rebuilt
        sidecar.write_stamped(npy, stamp, write=write)  # a stale stamp never outlives the rewrite
        return sidecar.load_npy(npy, mmap=True)

    def _embedding_blocks(self, n: int, dim: int, width: int, block: int = 4096):
        """(start, rows) blocks of the (n, width) embeddings matrix, in order, from the database."""
        buf = np.zeros((block, width), np.float32)
        start = 0
        for idx, blob in self.conn.execute("SELECT idx, vec FROM embeddings ORDER BY idx"):
            if not 0 <= idx < n:
                continue
            while idx >= start + block:
                yield start, buf[:min(block, n - start)].copy()
                buf[:] = 0
                start += block
            vec = np.frombuffer(blob, dtype=np.float32) if isinstance(blob, bytes) else None
            if vec is not None and vec.shape == (dim,):
                buf[idx - start] = vec
        while start < n:
            yield start, buf[:min(block, n - start)].copy()
            buf[:] = 0
            start += block

    def _rows_agree(self, arr: np.ndarray, k: int = 8) -> bool:
        """A few cached rows (first, last, spread between) equal the database's vectors."""
        n = len(arr)
        if n == 0:
            return True
        probe = sorted({int(i) for i in np.linspace(0, n - 1, k)})
        rows = list(self.conn.execute(
            f"SELECT idx, vec FROM embeddings WHERE idx IN ({','.join('?' * len(probe))})", probe))
        rows += list(self.conn.execute("SELECT idx, vec FROM embeddings ORDER BY idx LIMIT 1"))
        rows += list(self.conn.execute("SELECT idx, vec FROM embeddings ORDER BY idx DESC LIMIT 1"))
        for idx, blob in rows:
            if not 0 <= idx < n or (len(blob) == arr.shape[1] * 4 and np.asarray(arr[idx]).tobytes() != blob):
                return False
        return True
