"""Items and their embeddings in the project file, plus the embeddings .npy cache."""
from __future__ import annotations

import json
from typing import Iterable

from desktop_app.core.sources import item_files
from desktop_app.core.sources.base import ItemRecord
from desktop_app.errors import ItemError, ShoalError
from desktop_app.store.base import ProjectParts
from desktop_app.store.checks import text

# The id users see (next, status, export, GUI, `label` arguments) is "id" in every row read here:
# coalesce(source_id, uid), the source's own id verbatim, and the internal uid (content hash, path)
# only for items whose source has none. "uid" is the internal key: never show it.


class ItemsMixin(ProjectParts):
    # ---- items -----------------------------------------------------------------------
    def add_items(self, records: Iterable[ItemRecord]) -> int:
        """Add records whose uid is new; return how many were added. Ids stay dense."""
        added = 0
        with self.tx():
            nxt = self.conn.execute("SELECT coalesce(max(idx), -1) + 1 FROM items").fetchone()[0]
            for r in records:
                cur = self.conn.execute(
                    "INSERT OR IGNORE INTO items(idx, uid, path, text, source_label, skip_reason, source_id, "
                    "file_size, file_mtime_ns, file_inode) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (nxt, r.uid, r.path, r.text, r.label, r.skip_reason, r.source_id, r.size, r.mtime_ns, r.inode))
                if cur.rowcount:
                    nxt += 1
                    added += 1
        return added

    @property
    def n_items(self) -> int:
        # idx is dense 0..n-1 (schema.py), so this is the count without a scan of every row (15 ms at 5M)
        return int(self.conn.execute("SELECT coalesce(max(idx), -1) + 1 FROM items").fetchone()[0])

    def items(self, idxs: Iterable[int]) -> list[dict]:
        idxs = [int(i) for i in idxs]
        rows = {}
        for s in range(0, len(idxs), 500):
            part = idxs[s:s + 500]
            q = (f"SELECT idx, uid, coalesce(source_id, uid), path, text, source_label, skip_reason, embedded, "
                 f"review_reason FROM items WHERE idx IN ({','.join('?' * len(part))})" if self._tracks_files() else
                 f"SELECT idx, uid, coalesce(source_id, uid), path, text, source_label, skip_reason, embedded, "
                 f"NULL FROM items WHERE idx IN ({','.join('?' * len(part))})")
            for r in self.conn.execute(q, part):
                rows[r[0]] = dict(zip(("idx", "uid", "id", "path", "text", "source_label", "skip_reason", "embedded",
                                       "review_reason"), (r[0], *map(text, r[1:7]), r[7], text(r[8]))))
        return [rows[i] for i in idxs if i in rows]

    def item(self, idx: int) -> dict | None:
        found = self.items([idx])
        return found[0] if found else None

    def item_file(self, rel: str | None):
        """The real path of an item's file, inside the real source folder, or ItemError saying why
        it may not be read (every reader of item files comes through here: embed, export, GUI)."""
        from desktop_app.core.sources.image_io import IMAGE_EXTENSIONS

        kind = self.meta("kind")
        return item_files.item_file(self.source_root, rel, IMAGE_EXTENSIONS if kind == "image" else None)

    def item_path(self, rel: str | None) -> str | None:
        """item_file as a string, or None when the file may not be read (for previews)."""
        try:
            return str(self.item_file(rel))
        except (ItemError, ShoalError):
            return None

    def idx_of(self, item_id: str) -> int | None:
        """The item a user means by `item_id`: the source's own id first (a usable item before a skipped
        duplicate), else an item known by its uid (content hash or path; also the old "id:X" form)."""
        by_source = self.conn.execute("SELECT idx FROM items WHERE source_id=? ORDER BY skip_reason IS NOT NULL, idx "
                                      "LIMIT 1", (item_id,)).fetchone()
        by_uid = self.conn.execute("SELECT idx, source_id IS NULL FROM items WHERE uid=?", (item_id,)).fetchone()
        if by_source and by_uid and by_uid[1] and by_uid[0] != by_source[0]:
            raise ShoalError(f"{item_id!r} is the source id of one item and the content id of another; "
                             "cannot tell which is meant")
        found = by_source or by_uid
        return int(found[0]) if found else None

    def idxs_of(self, item_ids: list[str]) -> dict[str, int]:
        """idx_of for many ids at once (500 per query): {id: idx} of the ids the project knows. The
        source's own id first (a usable item before a skipped duplicate), else the item's uid."""
        out: dict[str, int] = {}
        for s in range(0, len(item_ids), 500):
            part = item_ids[s:s + 500]
            q = (f"SELECT source_id, idx FROM items WHERE source_id IN ({','.join('?' * len(part))}) "
                 "ORDER BY skip_reason IS NOT NULL DESC, idx DESC")
            out.update({text(i): int(x) for i, x in self.conn.execute(q, part)})  # the last row written wins
            rest = [i for i in part if i not in out]
            if rest:
                q = f"SELECT uid, idx FROM items WHERE uid IN ({','.join('?' * len(rest))})"
                out.update({text(i): int(x) for i, x in self.conn.execute(q, rest)})
        return out

    def source_labels(self) -> list[tuple[int, str]]:
        """Labels the source gives its usable items (a skipped row, e.g. a duplicate id, gets none)."""
        return [(int(i), s) for i, s in self.conn.execute(
            "SELECT idx, source_label FROM items WHERE source_label IS NOT NULL AND skip_reason IS NULL ORDER BY idx")]

    def skipped_items(self, limit: int | None = None) -> list[dict]:
        q = "SELECT idx, coalesce(source_id, uid), path, skip_reason FROM items WHERE skip_reason IS NOT NULL ORDER BY idx"
        if limit:
            q += f" LIMIT {int(limit)}"
        return [dict(zip(("idx", "id", "path", "reason"), r)) for r in self.conn.execute(q)]

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
        q = ("SELECT m.into_idx, coalesce(i.source_id, i.uid), m.copies, m.paths FROM merged m "
             "JOIN items i ON i.idx=m.into_idx ORDER BY m.into_idx")
        return [{"idx": i, "uid": u, "copies": n, "paths": json.loads(p)} for i, u, n, p in self.conn.execute(q)]

    def unimported_source_labels(self) -> list[tuple[int, str]]:
        """Items whose source gives a label and that never had any label event: a label to import.
        (An item the user labeled, cleared or changed since keeps the user's answer.)"""
        return [(int(i), s) for i, s in self.conn.execute(
            "SELECT idx, source_label FROM items i WHERE source_label IS NOT NULL AND skip_reason IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM label_events e WHERE e.idx = i.idx) ORDER BY idx")]

    def review_items(self, limit: int | None = None) -> list[dict]:
        if not self._tracks_files():
            return []
        q = ("SELECT idx, coalesce(source_id, uid), path, review_reason FROM items WHERE review_reason IS NOT NULL "
             "ORDER BY idx")
        if limit:
            q += f" LIMIT {int(limit)}"
        return [dict(zip(("idx", "id", "path", "reason"), r)) for r in self.conn.execute(q)]

    def retry_missing(self, reason: str) -> None:
        """Items skipped for `reason` and never embedded get another chance (after a relink)."""
        with self.tx():
            self.conn.execute("UPDATE items SET skip_reason=NULL WHERE embedded=0 AND skip_reason=?", (reason,))

    def n_review(self) -> int:
        if not self._tracks_files():
            return 0
        return int(self.conn.execute("SELECT count(*) FROM items WHERE review_reason IS NOT NULL").fetchone()[0])
