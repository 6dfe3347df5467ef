"""Item embeddings in the project file (float32 or float16 rows as raw bytes, never pickle), and the
embeddings .npy cache beside it (derived: stamped with the project id and rebuilt when its checks fail).

A project keeps its vectors as float32 (the default) or float16 (the `embedding_dtype` setting: half
the disk, ~1e-3 from float32 per component). A blob's length says which it is (dim x 4 or dim x 2
bytes), so a file holding both, old float32 rows and new float16 ones, reads right; the .npy cache is in
the project's dtype (its header says which) and is read back as float32 (core/index/rows.RowFile)."""
from __future__ import annotations

import json
from typing import Iterable

import numpy as np

from desktop_app.store import sidecar
from desktop_app.store.base import ProjectParts

EMBEDDING_DTYPES = ("float32", "float16")


def decode_vector(blob, dim: int) -> np.ndarray | None:
    """A stored vector as float32, by its length (float32 or float16); None if it is neither."""
    if not isinstance(blob, bytes):
        return None
    if len(blob) == 4 * dim:
        return np.frombuffer(blob, dtype=np.float32)
    if len(blob) == 2 * dim:
        return np.frombuffer(blob, dtype=np.float16).astype(np.float32)
    return None


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
        vectors = np.asarray(vectors, dtype=np.float32).astype(self.embedding_dtype(), copy=False)
        with self.tx():
            self.conn.executemany("INSERT OR REPLACE INTO embeddings(idx, vec) VALUES (?, ?)",
                                  [(int(i), v.tobytes()) for i, v in zip(idxs, vectors)])
            self.conn.executemany("UPDATE items SET embedded=1 WHERE idx=?", [(int(i),) for i in idxs])
            self.conn.executemany("UPDATE items SET skip_reason=? WHERE idx=?",
                                  [(reason, int(i)) for i, reason in failures.items()])
            self.conn.execute("INSERT INTO meta(key, value) VALUES ('emb_stamp', '1') ON CONFLICT(key) "
                              "DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def embedding_dtype(self) -> str:
        dtype = str(self.meta("embedding_dtype", "float32"))
        return dtype if dtype in EMBEDDING_DTYPES else "float32"  # an unknown mark: read as the default

    def set_embedding_dtype(self, dtype: str, block: int = 4096, progress=None) -> int:
        """Keep the vectors as `dtype` from now on and rewrite the stored ones, in one transaction;
        return how many were rewritten. (SQLite reuses the freed pages; VACUUM shrinks the file.)
        `progress(done, total)` is called after each block of rows read."""
        if dtype not in EMBEDDING_DTYPES:
            raise ValueError(f"embedding dtype must be one of {', '.join(EMBEDDING_DTYPES)}, not {dtype!r}")
        dim, width = int(self.meta("dim", 0)), np.dtype(dtype).itemsize
        done, seen, after = 0, 0, -1
        total = self.conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] if progress else 0
        with self.tx():
            self.conn.execute("INSERT INTO meta(key, value) VALUES ('embedding_dtype', ?) ON CONFLICT(key) "
                              "DO UPDATE SET value = excluded.value", (json.dumps(dtype),))
            while True:
                rows = self.conn.execute("SELECT idx, vec FROM embeddings WHERE idx > ? ORDER BY idx LIMIT ?",
                                         (after, block)).fetchall()
                if not rows:
                    break
                after = rows[-1][0]
                change = []
                for idx, blob in rows:
                    vec = decode_vector(blob, dim)
                    if vec is not None and len(blob) != dim * width:  # rows already in dtype stay as they are
                        change.append((vec.astype(dtype).tobytes(), idx))
                self.conn.executemany("UPDATE embeddings SET vec=? WHERE idx=?", change)
                done += len(change)
                seen += len(rows)
                if progress:
                    progress(seen, total)
            self.conn.execute("INSERT INTO meta(key, value) VALUES ('emb_stamp', '1') ON CONFLICT(key) "
                              "DO UPDATE SET value = CAST(value AS INTEGER) + 1")
        return done

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
                f"{self.n_items}:{int(self.meta('dim', 0))}" + ("" if self.embedding_dtype() == "float32" else ":f16"))

    def load_embeddings(self) -> np.ndarray:
        """(n_items, dim) float32, memory-mapped from the cache; rows not embedded are zero.
        A cache is used only when its stamp matches and a few of its rows equal the database's;
        otherwise it is rebuilt (in memory, without writing, when the project is open read-only).
        A float16 project's cache is float16, read as float32 rows by a RowFile."""
        dim = int(self.meta("dim", 0))
        stamp = self.embeddings_cache_stamp()
        dtype = np.dtype(self.embedding_dtype())
        npy = self.cache_dir / "embeddings.npy"
        arr = sidecar.read_stamped(npy, stamp, mmap=True, valid=lambda a: a.shape == (self.n_items, dim)
                                   and a.dtype == dtype and self._rows_agree(a))
        if arr is not None:
            return _as_float32(arr)
        n, width = self.n_items, max(dim, 1)
        if self.readonly:
            out = np.zeros((n, width), np.float32)
            for start, block in self._embedding_blocks(n, dim, width):
                out[start:start + len(block)] = block
            return out

        def write(f) -> None:
            np.lib.format.write_array_header_1_0(f, {"descr": np.lib.format.dtype_to_descr(dtype),
                                                     "fortran_order": False, "shape": (n, width)})
            for _, block in self._embedding_blocks(n, dim, width):
                # plain writes, no writable memory map: a full disk is an error, not SIGBUS
                f.write(block.astype(dtype, copy=False).tobytes())
            f.flush()  # no fsync: a cache torn by a power cut fails its shape or spot check and is rebuilt
        sidecar.write_stamped(npy, stamp, write=write)  # a stale stamp never outlives the rewrite
        return _as_float32(sidecar.load_npy(npy, mmap=True))

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
            vec = decode_vector(blob, dim)
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
            vec = decode_vector(blob, arr.shape[1])
            if not 0 <= idx < n or (vec is not None and np.asarray(arr[idx]).tobytes() != vec.astype(arr.dtype).tobytes()):
                return False
        return True


def _as_float32(arr: np.ndarray):
    """A float32 map as it is; a float16 one as a RowFile, whose rows come back as float32."""
    if arr.dtype == np.float32:
        return arr
    from desktop_app.core.index.rows import RowFile

    return RowFile.from_memmap(arr)
