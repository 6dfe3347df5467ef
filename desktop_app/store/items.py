"""Items and their embeddings in the project file, plus the embeddings .npy cache."""
from __future__ import annotations

import json
import os
from typing import Iterable

import numpy as np

from desktop_app.core.sources.base import ItemRecord


class ItemsMixin:
    # ---- items -----------------------------------------------------------------------
    def add_items(self, records: Iterable[ItemRecord]) -> int:
        """Add records whose uid is new; return how many were added. Ids stay dense."""
        added = 0
        with self.tx():
            nxt = self.conn.execute("SELECT coalesce(max(idx), -1) + 1 FROM items").fetchone()[0]
            for r in records:
                cur = self.conn.execute(
                    "INSERT OR IGNORE INTO items(idx, uid, path, text, source_label, skip_reason, file_size, "
                    "file_mtime_ns, file_inode) VALUES (?,?,?,?,?,?,?,?,?)",
                    (nxt, r.uid, r.path, r.text, r.label, r.skip_reason, r.size, r.mtime_ns, r.inode))
                if cur.rowcount:
                    nxt += 1
                    added += 1
        return added

    @property
    def n_items(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM items").fetchone()[0])

    def items(self, idxs: Iterable[int]) -> list[dict]:
        idxs = [int(i) for i in idxs]
        rows = {}
        for s in range(0, len(idxs), 500):
            part = idxs[s:s + 500]
            review = "review_reason" if self._tracks_files() else "NULL"
            q = (f"SELECT idx, uid, path, text, source_label, skip_reason, embedded, {review} FROM items "
                 f"WHERE idx IN ({','.join('?' * len(part))})")
            for r in self.conn.execute(q, part):
                rows[r[0]] = dict(zip(("idx", "uid", "path", "text", "source_label", "skip_reason", "embedded",
                                       "review_reason"), r))
        return [rows[i] for i in idxs if i in rows]

    def item(self, idx: int) -> dict | None:
        found = self.items([idx])
        return found[0] if found else None

    def idx_of(self, uid: str) -> int | None:
        row = self.conn.execute("SELECT idx FROM items WHERE uid=?", (uid,)).fetchone()
        return int(row[0]) if row else None

    def source_labels(self) -> list[tuple[int, str]]:
        return [(int(i), s) for i, s in self.conn.execute(
            "SELECT idx, source_label FROM items WHERE source_label IS NOT NULL ORDER BY idx")]

    def skipped_items(self, limit: int | None = None) -> list[dict]:
        q = "SELECT idx, uid, path, skip_reason FROM items WHERE skip_reason IS NOT NULL ORDER BY idx"
        if limit:
            q += f" LIMIT {int(limit)}"
        return [dict(zip(("idx", "uid", "path", "reason"), r)) for r in self.conn.execute(q)]

    def counts(self) -> dict[str, int]:
        n, emb, bad = self.conn.execute(
            "SELECT count(*), coalesce(sum(embedded), 0), coalesce(sum(skip_reason IS NOT NULL), 0) FROM items").fetchone()
        return {"n_items": n, "n_embedded": emb, "n_skipped": bad}

    # ---- what a scan finds again: known items, moved and changed files, merged copies ------
    def find_uids(self, uids: list[str]) -> dict[str, tuple[int, str | None]]:
        """uid -> (idx, path) of the items among `uids` the project holds."""
        out = {}
        for s in range(0, len(uids), 500):
            part = uids[s:s + 500]
            q = f"SELECT uid, idx, path FROM items WHERE uid IN ({','.join('?' * len(part))})"
            out.update({u: (int(i), p) for u, i, p in self.conn.execute(q, part)})
        return out

    def find_paths(self, paths: list[str]) -> dict[str, tuple[int, str]]:
        """path -> (idx, uid) of the items stored at those paths."""
        out = {}
        for s in range(0, len(paths), 500):
            part = paths[s:s + 500]
            q = f"SELECT path, idx, uid FROM items WHERE path IN ({','.join('?' * len(part))})"
            out.update({p: (int(i), u) for p, i, u in self.conn.execute(q, part)})
        return out

    def file_stamps(self) -> dict[str, tuple[tuple[int, int, int], str]]:
        """path -> ((size, mtime_ns, inode), uid) of the file items a scan has stat'ed."""
        if not self._tracks_files():
            return {}
        return {p: ((int(n), int(t), int(i)), u) for p, n, t, i, u in self.conn.execute(
            "SELECT path, file_size, file_mtime_ns, file_inode, uid FROM items WHERE path IS NOT NULL "
            "AND file_size IS NOT NULL AND file_mtime_ns IS NOT NULL AND file_inode IS NOT NULL")}

    def restamp(self, records: list[ItemRecord]) -> None:
        """Record the size, mtime and inode a scan found for known files (only changed rows are written)."""
        with self.tx():
            self.conn.executemany(
                "UPDATE items SET file_size=?, file_mtime_ns=?, file_inode=? WHERE uid=? AND (file_size IS NOT ? "
                "OR file_mtime_ns IS NOT ? OR file_inode IS NOT ?)",
                [(r.size, r.mtime_ns, r.inode, r.uid, r.size, r.mtime_ns, r.inode) for r in records])

    def move_item(self, idx: int, rec: ItemRecord, review: str | None = None) -> None:
        """The item's file is now at rec.path (same content): its label and vector stay."""
        with self.tx():
            self.conn.execute("UPDATE items SET path=?, file_size=?, file_mtime_ns=?, file_inode=?, source_label=?, "
                              "review_reason=coalesce(?, review_reason) WHERE idx=?",
                              (rec.path, rec.size, rec.mtime_ns, rec.inode, rec.label, review, idx))

    def replace_content(self, idx: int, rec: ItemRecord, review: str) -> None:
        """The item's file holds new content: embed it again; a label given to the old content is
        kept but flagged for review."""
        with self.tx():
            labeled = self.conn.execute("SELECT 1 FROM labels WHERE idx=?", (idx,)).fetchone() is not None
            self.conn.execute("UPDATE items SET uid=?, text=?, source_label=?, skip_reason=?, file_size=?, "
                              "file_mtime_ns=?, file_inode=?, embedded=0, review_reason=? WHERE idx=?",
                              (rec.uid, rec.text, rec.label, rec.skip_reason, rec.size, rec.mtime_ns, rec.inode,
                               review if labeled else None, idx))
            self.conn.execute("DELETE FROM embeddings WHERE idx=?", (idx,))
            self.conn.execute("INSERT INTO meta(key, value) VALUES ('emb_stamp', '1') ON CONFLICT(key) "
                              "DO UPDATE SET value = CAST(value AS INTEGER) + 1")

    def set_merged(self, rows: list[tuple[int, int, list[str]]]) -> None:
        """(into idx, copies, their paths) found by the last scan: identical items kept once."""
        with self.tx():
            self.conn.execute("DELETE FROM merged")
            self.conn.executemany("INSERT INTO merged(into_idx, copies, paths) VALUES (?,?,?)",
                                  [(int(i), int(n), json.dumps(p)) for i, n, p in rows])

    def _tracks_files(self) -> bool:
        """Whether the file has the file-tracking schema step (an older file opened read-only has not)."""
        if getattr(self, "_file_tracking", None) is None:
            cols = {r[1] for r in self.conn.execute("PRAGMA table_info(items)")}
            self._file_tracking = "review_reason" in cols
        return bool(self._file_tracking)

    def merged(self) -> list[dict]:
        if not self._tracks_files():
            return []
        q = "SELECT m.into_idx, i.uid, m.copies, m.paths FROM merged m JOIN items i ON i.idx=m.into_idx ORDER BY m.into_idx"
        return [{"idx": i, "uid": u, "copies": n, "paths": json.loads(p)} for i, u, n, p in self.conn.execute(q)]

    def unimported_source_labels(self) -> list[tuple[int, str]]:
        """Items whose source gives a label and that never had any label event: a label to import.
        (An item the user labeled, cleared or changed since keeps the user's answer.)"""
        return [(int(i), s) for i, s in self.conn.execute(
            "SELECT idx, source_label FROM items i WHERE source_label IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM label_events e WHERE e.idx = i.idx) ORDER BY idx")]

    def review_items(self, limit: int | None = None) -> list[dict]:
        if not self._tracks_files():
            return []
        q = "SELECT idx, uid, path, review_reason FROM items WHERE review_reason IS NOT NULL ORDER BY idx"
        if limit:
            q += f" LIMIT {int(limit)}"
        return [dict(zip(("idx", "uid", "path", "reason"), r)) for r in self.conn.execute(q)]

    def retry_missing(self, reason: str) -> None:
        """Items skipped for `reason` and never embedded get another chance (after a relink)."""
        with self.tx():
            self.conn.execute("UPDATE items SET skip_reason=NULL WHERE embedded=0 AND skip_reason=?", (reason,))

    def n_review(self) -> int:
        if not self._tracks_files():
            return 0
        return int(self.conn.execute("SELECT count(*) FROM items WHERE review_reason IS NOT NULL").fetchone()[0])

    # ---- embeddings --------------------------------------------------------------------
    def pending_embedding(self, limit: int) -> list[dict]:
        rows = self.conn.execute("SELECT idx, path, text FROM items WHERE embedded=0 AND skip_reason IS NULL "
                                 "ORDER BY idx LIMIT ?", (int(limit),))
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

    def embedded_mask(self) -> np.ndarray:
        mask = np.zeros(self.n_items, dtype=bool)
        idx = np.fromiter((r[0] for r in self.conn.execute("SELECT idx FROM embeddings")), dtype=np.int64)
        mask[idx] = True
        return mask

    def embeddings_stamp(self) -> int:
        return int(self.meta("emb_stamp", 0))

    def load_embeddings(self) -> np.ndarray:
        """(n_items, dim) float32, memory-mapped from the cache; rows not embedded are zero."""
        dim = int(self.meta("dim", 0))
        stamp = f"{self.meta('encoder_identity')}:{self.embeddings_stamp()}:{self.n_items}:{dim}"
        npy, info = self.cache_dir / "embeddings.npy", self.cache_dir / "embeddings.json"
        try:
            if json.loads(info.read_text())["stamp"] == stamp:
                arr = np.load(npy, mmap_mode="r")
                if arr.shape == (self.n_items, dim):
                    return arr
        except (OSError, ValueError, KeyError):
            pass
        tmp = npy.with_suffix(".tmp.npy")
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=(self.n_items, max(dim, 1)))
        for idx, blob in self.conn.execute("SELECT idx, vec FROM embeddings"):
            vec = np.frombuffer(blob, dtype=np.float32)
            if vec.shape == (dim,):
                out[idx] = vec
        out.flush()
        del out
        os.replace(tmp, npy)
        info.write_text(json.dumps({"stamp": stamp}))
        return np.load(npy, mmap_mode="r")
