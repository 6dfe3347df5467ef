"""The label set and the label events of a project."""
from __future__ import annotations

import time
import unicodedata
from typing import Iterable

import numpy as np

from desktop_app.errors import ShoalError
from desktop_app.store.base import ProjectParts
from desktop_app.store.checks import VALID_LABEL, VALID_SKIP, text

MAX_LABEL_LEN = 200


# Characters a label name may not hold: controls (Cc), format characters (Cf: zero-width spaces and
# joiners, bidi overrides such as U+202E that reorder what is shown), line/paragraph separators (Zl, Zp)
# and lone surrogates (Cs, which cannot be stored). Two names that look the same must be the same name.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def invisible_chars(name: str) -> list[str]:
    return [c for c in name if unicodedata.category(c) in INVISIBLE_CATEGORIES]


def describe_char(c: str) -> str:
    """'U+202E (RIGHT-TO-LEFT OVERRIDE)'."""
    name = unicodedata.name(c, "")
    return f"U+{ord(c):04X}" + (f" ({name})" if name else "")


def clean_label_name(name: str) -> str:
    """A label name as stored: NFC, no surrounding spaces; refused when empty, too long, or holding a
    character that is invisible or changes how the text around it is shown."""
    name = unicodedata.normalize("NFC", str(name)).strip()
    if not name:
        raise ShoalError("a label name cannot be empty")
    if len(name) > MAX_LABEL_LEN:
        raise ShoalError(f"a label name can have at most {MAX_LABEL_LEN} characters")
    bad = invisible_chars(name)
    if bad:
        shown = ", ".join(dict.fromkeys(describe_char(c) for c in bad))
        marked = "".join(f"<U+{ord(c):04X}>" if c in bad else c for c in name)
        raise ShoalError(f"a label name cannot contain invisible or control characters (newlines, tabs, "
                         f"zero-width or text-direction characters): {marked!r} contains {shown}")
    return name


class LabelsMixin(ProjectParts):
    # ---- label set ---------------------------------------------------------------------
    def label_set(self) -> list[dict]:
        return [{"id": i, "name": text(name), "position": pos, "mode": text(mode)} for i, name, pos, mode in
                self.conn.execute("SELECT id, name, position, mode FROM label_set ORDER BY position")]

    def label_id(self, name: str, create: bool = False) -> int:
        name = clean_label_name(name)
        row = self.conn.execute("SELECT id FROM label_set WHERE CAST(name AS TEXT)=?", (name,)).fetchone()
        if row:
            return int(row[0])
        if not create:
            known = ", ".join(l["name"] for l in self.label_set()) or "none yet"
            raise ShoalError(f"unknown label {name!r} (labels: {known})")
        return self.add_label(name)

    def add_label(self, name: str) -> int:
        name = clean_label_name(name)
        with self.tx():
            if self.conn.execute("SELECT 1 FROM label_set WHERE CAST(name AS TEXT)=?", (name,)).fetchone():
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

    def restore_label(self, label: dict) -> None:
        """Bring back a label that left the set (undo), with its own id, name, key position and mode."""
        with self.tx():
            pos = label.get("position")
            if pos is None:
                pos = self.conn.execute("SELECT coalesce(max(position), 0) + 1 FROM label_set").fetchone()[0]
            self.conn.execute("INSERT INTO label_set(id, name, position, mode) VALUES (?,?,?,?)",
                              (label["id"], label["name"], pos, label.get("mode") or "learn"))

    def items_with_label(self, label_id: int) -> list[int]:
        return [int(r[0]) for r in self.conn.execute(
            "SELECT idx FROM labels WHERE label_id=? AND state='labeled' ORDER BY idx", (label_id,))]

    def find_label(self, name: str) -> dict | None:
        """The label a user names (NFC, surrounding spaces ignored), without judging the name itself, so a
        name stored before a rule existed can still be renamed or deleted."""
        name = unicodedata.normalize("NFC", str(name)).strip()
        return next((l for l in self.label_set() if l["name"] == name), None)

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
        """(labeled idx, their label ids, skipped idx). Label rows that cannot be used (see
        store/checks.py) are left out: they stay in the file, and damaged_labels() counts them."""
        lab = self.conn.execute(f"SELECT l.idx, l.label_id FROM labels l WHERE l.state='labeled' AND {VALID_LABEL} "
                                "ORDER BY l.idx").fetchall()
        skipped = [r[0] for r in self.conn.execute(f"SELECT l.idx FROM labels l WHERE l.state='skipped' AND {VALID_SKIP}")]
        idx = np.array([r[0] for r in lab], np.int64)
        ids = np.array([r[1] for r in lab], np.int64)
        return idx, ids, np.array(skipped, np.int64)

    def answered(self, idxs: Iterable[int]) -> set[int]:
        """Those of `idxs` that have an answer (a label or a skip)."""
        idxs = [int(i) for i in idxs]
        out: set[int] = set()
        for s in range(0, len(idxs), 500):
            part = idxs[s:s + 500]
            rows = self.conn.execute(f"SELECT idx FROM labels WHERE idx IN ({','.join('?' * len(part))})", part)
            out.update(int(r[0]) for r in rows)
        return out

    def unanswered_readable(self) -> np.ndarray:
        """idx of the items with no answer yet that can be read (skip_reason unset): the cold-start pool."""
        rows = self.conn.execute(
            "SELECT idx FROM items WHERE skip_reason IS NULL AND idx NOT IN (SELECT idx FROM labels) ORDER BY idx")
        return np.fromiter((r[0] for r in rows), np.int64)

    def labeled_pairs(self, label_id: int | None = None, only_review: bool = False, contains: str = "",
                      by_item: bool = True, descending: bool = False) -> np.ndarray:
        """(n, 2) array of (idx, label id) of the labeled items, as the review table lists them: only
        `label_id`, only items flagged for review, only those whose id, path or text contains `contains`;
        ordered by item (path or id) or by labeling time."""
        if only_review and not self._tracks_files():  # an older file read as it is: nothing flagged
            return np.empty((0, 2), np.int64)
        pairs_q = ("SELECT l.idx, l.label_id FROM labels l JOIN items i ON i.idx = l.idx "
                   f"WHERE l.state = 'labeled' AND {VALID_LABEL}")
        args: list = []
        if label_id is not None:
            pairs_q += " AND l.label_id = ?"
            args.append(int(label_id))
        if only_review:
            pairs_q += " AND i.review_reason IS NOT NULL"
        if contains:
            like = f"%{contains}%"
            pairs_q += (" AND (coalesce(i.source_id, i.uid) LIKE ? OR coalesce(i.path, '') LIKE ? "
                        "OR coalesce(i.text, '') LIKE ?)")
            args += [like, like, like]
        if by_item:
            pairs_q += (" ORDER BY coalesce(i.path, i.source_id, i.uid) DESC, l.idx DESC" if descending
                        else " ORDER BY coalesce(i.path, i.source_id, i.uid), l.idx")
        else:
            pairs_q += " ORDER BY l.at, l.idx"
        return np.array(self.conn.execute(pairs_q, args).fetchall(), np.int64).reshape(-1, 2)

    def labeled_rows(self) -> list[dict]:
        q = ("SELECT i.idx, coalesce(i.source_id, i.uid), i.path, i.text, s.name, l.at FROM labels l "
             "JOIN items i ON i.idx=l.idx JOIN label_set s ON s.id=l.label_id WHERE l.state='labeled' "
             "ORDER BY l.at, i.idx")
        return [{"idx": i, "id": text(u), "path": text(p), "text": text(t), "label": text(name), "labeled_at": at}
                for i, u, p, t, name, at in self.conn.execute(q)]

    def label_counts(self) -> dict[str, int]:
        counts = {l["name"]: 0 for l in self.label_set()}
        for name, n in self.conn.execute("SELECT s.name, count(*) FROM labels l JOIN label_set s ON s.id=l.label_id "
                                         "WHERE l.state='labeled' GROUP BY s.name"):
            counts[text(name)] = n
        return counts

    def n_labeled(self) -> int:
        return int(self.conn.execute(f"SELECT count(*) FROM labels l WHERE l.state='labeled' AND {VALID_LABEL}").fetchone()[0])

    def damaged_labels(self) -> int:
        """Label rows that cannot be used: a label id that is not a label of the set (or not even a
        number), an item index out of range (-1 would otherwise label the last item), an unknown state."""
        return int(self.conn.execute(
            f"SELECT count(*) FROM labels l WHERE NOT ((l.state='labeled' AND {VALID_LABEL}) OR "
            f"(l.state='skipped' AND {VALID_SKIP}))").fetchone()[0])

    def events(self, limit: int = 100) -> list[dict]:
        return [dict(zip(("id", "idx", "label_id", "state", "at", "origin"), r)) for r in self.conn.execute(
            "SELECT id, idx, label_id, state, at, origin FROM label_events ORDER BY id DESC LIMIT ?", (limit,))]
