"""The label set and the label events of a project."""
from __future__ import annotations

import time
import unicodedata

import numpy as np

from desktop_app.errors import ShoalError

MAX_LABEL_LEN = 200


def clean_label_name(name: str) -> str:
    name = unicodedata.normalize("NFC", str(name)).strip()
    if not name:
        raise ShoalError("a label name cannot be empty")
    if len(name) > MAX_LABEL_LEN:
        raise ShoalError(f"a label name can have at most {MAX_LABEL_LEN} characters")
    if any(unicodedata.category(c) == "Cc" for c in name):
        raise ShoalError("a label name cannot contain control characters (newlines, tabs...)")
    return name


class LabelsMixin:
    # ---- label set ---------------------------------------------------------------------
    def label_set(self) -> list[dict]:
        return [dict(zip(("id", "name", "position", "mode"), r)) for r in self.conn.execute(
            "SELECT id, name, position, mode FROM label_set ORDER BY position")]

    def label_id(self, name: str, create: bool = False) -> int:
        name = clean_label_name(name)
        row = self.conn.execute("SELECT id FROM label_set WHERE name=?", (name,)).fetchone()
        if row:
            return int(row[0])
        if not create:
            known = ", ".join(l["name"] for l in self.label_set()) or "none yet"
            raise ShoalError(f"unknown label {name!r} (labels: {known})")
        return self.add_label(name)

    def add_label(self, name: str) -> int:
        name = clean_label_name(name)
        with self.tx():
            if self.conn.execute("SELECT 1 FROM label_set WHERE name=?", (name,)).fetchone():
                raise ShoalError(f"label {name!r} already exists")
            pos = self.conn.execute("SELECT coalesce(max(position), 0) + 1 FROM label_set").fetchone()[0]
            return int(self.conn.execute("INSERT INTO label_set(name, position) VALUES (?, ?)", (name, pos)).lastrowid)

    def rename_label(self, label_id: int, new_name: str) -> None:
        new_name = clean_label_name(new_name)
        with self.tx():
            clash = self.conn.execute("SELECT id FROM label_set WHERE name=?", (new_name,)).fetchone()
            if clash and clash[0] != label_id:
                raise ShoalError(f"label {new_name!r} already exists; merge instead")
            self.conn.execute("UPDATE label_set SET name=? WHERE id=?", (new_name, label_id))

    def set_label_mode(self, label_id: int, mode: str) -> None:
        with self.tx():
            self.conn.execute("UPDATE label_set SET mode=? WHERE id=?", (mode, label_id))

    def merge_labels(self, source_id: int, target_id: int, origin: str = "merge") -> int:
        """Every item labeled `source` becomes `target`; `source` leaves the set. Returns items moved."""
        with self.tx():
            moved = [r[0] for r in self.conn.execute("SELECT idx FROM labels WHERE label_id=?", (source_id,))]
            for idx in moved:
                self._write_label(idx, target_id, "labeled", origin)
            self.conn.execute("DELETE FROM label_set WHERE id=?", (source_id,))
        return len(moved)

    def delete_label(self, label_id: int, origin: str = "delete") -> int:
        """Remove a label; its items go back to unlabeled (history kept). Returns items cleared."""
        with self.tx():
            cleared = [r[0] for r in self.conn.execute("SELECT idx FROM labels WHERE label_id=?", (label_id,))]
            for idx in cleared:
                self._write_label(idx, None, "cleared", origin)
            self.conn.execute("DELETE FROM label_set WHERE id=?", (label_id,))
        return len(cleared)

    # ---- labels on items -------------------------------------------------------------------
    def _write_label(self, idx: int, label_id: int | None, state: str, origin: str) -> int:
        now = time.time()
        if origin != "import":  # a person answered again: the item's review flag is settled
            self.conn.execute("UPDATE items SET review_reason=NULL WHERE idx=? AND review_reason IS NOT NULL", (idx,))
        if state == "cleared":
            self.conn.execute("DELETE FROM labels WHERE idx=?", (idx,))
        else:
            self.conn.execute("INSERT OR REPLACE INTO labels(idx, label_id, state, at) VALUES (?,?,?,?)",
                              (idx, label_id, state, now))
        return int(self.conn.execute("INSERT INTO label_events(idx, label_id, state, at, origin) VALUES (?,?,?,?,?)",
                                     (idx, label_id, state, now, origin)).lastrowid)

    def set_labels(self, changes: list[tuple[int, int | None, str]], origin: str = "cli") -> None:
        """Apply (idx, label_id, state) changes in one durable transaction.
        state is 'labeled', 'skipped' or 'cleared'."""
        n = self.n_items
        with self.tx():
            for idx, label_id, state in changes:
                if not 0 <= int(idx) < n:
                    raise ShoalError(f"no item with index {idx}")
                if state not in ("labeled", "skipped", "cleared"):
                    raise ValueError(state)
                self._write_label(int(idx), label_id, state, origin)

    def current_label(self, idx: int) -> tuple[int | None, str] | None:
        row = self.conn.execute("SELECT label_id, state FROM labels WHERE idx=?", (idx,)).fetchone()
        return (row[0], row[1]) if row else None

    def current_labels(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(labeled idx, their label ids, skipped idx)."""
        lab = self.conn.execute("SELECT idx, label_id FROM labels WHERE state='labeled' ORDER BY idx").fetchall()
        skipped = [r[0] for r in self.conn.execute("SELECT idx FROM labels WHERE state='skipped'")]
        idx = np.array([r[0] for r in lab], np.int64)
        ids = np.array([r[1] for r in lab], np.int64)
        return idx, ids, np.array(skipped, np.int64)

    def labeled_rows(self) -> list[dict]:
        q = ("SELECT i.idx, i.uid, i.path, i.text, s.name, l.at FROM labels l JOIN items i ON i.idx=l.idx "
             "JOIN label_set s ON s.id=l.label_id WHERE l.state='labeled' ORDER BY l.at, i.idx")
        return [dict(zip(("idx", "uid", "path", "text", "label", "labeled_at"), r)) for r in self.conn.execute(q)]

    def label_counts(self) -> dict[str, int]:
        counts = {l["name"]: 0 for l in self.label_set()}
        for name, n in self.conn.execute("SELECT s.name, count(*) FROM labels l JOIN label_set s ON s.id=l.label_id "
                                         "WHERE l.state='labeled' GROUP BY s.name"):
            counts[name] = n
        return counts

    def n_labeled(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM labels WHERE state='labeled'").fetchone()[0])

    def events(self, limit: int = 100) -> list[dict]:
        return [dict(zip(("id", "idx", "label_id", "state", "at", "origin"), r)) for r in self.conn.execute(
            "SELECT id, idx, label_id, state, at, origin FROM label_events ORDER BY id DESC LIMIT ?", (limit,))]
