"""The rounds of a project, its current batch (the queue) and what the head said when each item was
served (`asked`, the prequential answers the accuracy estimate is built from)."""
from __future__ import annotations

import json
import time
from typing import Any

import numpy as np

from desktop_app.store import checks
from desktop_app.store.base import ProjectParts


class RoundsMixin(ProjectParts):
    def add_round(self, n_labeled: int, stats: dict[str, Any]) -> int:
        with self.tx():
            cur = self.conn.execute("INSERT INTO rounds(round, at, n_labeled, stats) VALUES "
                                    "((SELECT coalesce(max(round), 0) + 1 FROM rounds), ?, ?, ?)",
                                    (time.time(), n_labeled, json.dumps(stats)))
            return int(self.conn.execute("SELECT round FROM rounds WHERE rowid=?", (cur.lastrowid,)).fetchone()[0])

    def rounds(self) -> list[dict[str, Any]]:
        return [{"round": r, "at": at, "n_labeled": n if type(n) is int else 0, **checks.round_stats(s)}
                for r, at, n, s in self.conn.execute("SELECT round, at, n_labeled, stats FROM rounds ORDER BY round")]

    def save_queue(self, picks: list[dict[str, Any]], round_: int) -> None:
        """Make `picks` the current batch. Picks that carry the head's probabilities ("proba" with
        "classes") are recorded in `asked`, the prequential answers the accuracy estimate is built from."""
        now = time.time()
        with self.tx():
            self.conn.execute("DELETE FROM queue")
            self.conn.executemany(
                "INSERT INTO queue(position, idx, score, reason, neighbour_of, round, audit, kind) "
                "VALUES (?,?,?,?,?,?,?,?)",
                [(i, p["idx"], p["score"], p["reason"], p.get("neighbour_of"), round_, int(bool(p.get("audit"))),
                  str(p.get("kind") or "")) for i, p in enumerate(picks)])
            self.conn.executemany(
                "INSERT OR REPLACE INTO asked(idx, round, audit, classes, proba, at) VALUES (?,?,?,?,?,?)",
                [(int(p["idx"]), round_, int(bool(p.get("audit"))), json.dumps([int(c) for c in p["classes"]]),
                  np.asarray(p["proba"], np.float32).tobytes(), now)
                 for p in picks if p.get("proba") is not None and p.get("classes") is not None
                 and self.current_label(int(p["idx"])) is None])

    def load_queue(self) -> list[dict[str, Any]]:
        """The saved batch; entries that cannot be served (an item out of range, a score that is not
        a number...) are dropped: the queue is derived, a new batch replaces it."""
        n = self.conn.execute("SELECT coalesce(max(idx), -1) + 1 FROM items").fetchone()[0]  # dense idx: n_items
        rows = self.conn.execute("SELECT idx, score, reason, neighbour_of, round, audit, kind FROM queue "
                                 "ORDER BY position")
        return [e for e in (checks.queue_entry(r, n) for r in rows) if e is not None]

    def asked_probabilities(self, idxs: list[int]) -> dict[int, tuple[list[int], np.ndarray]]:
        """{idx: (class ids, probabilities)} recorded when these items were served."""
        out = {}
        idxs = [int(i) for i in idxs]
        for s in range(0, len(idxs), 500):
            part = idxs[s:s + 500]
            for idx, classes, blob in self.conn.execute(
                    f"SELECT idx, classes, proba FROM asked WHERE idx IN ({','.join('?' * len(part))})", part):
                cls, proba = _asked_row(classes, blob)
                if cls is not None:
                    out[int(idx)] = (cls, proba)
        return out

    def audit_idxs(self, labeled_only: bool = False) -> np.ndarray:
        """Sorted idx of the items served as audit picks (drawn at random; what the accuracy estimate rests on);
        labeled_only: only those labeled since."""
        if labeled_only:
            rows = self.conn.execute("SELECT a.idx FROM asked a JOIN labels l ON l.idx = a.idx WHERE a.audit = 1 "
                                     "AND l.state = 'labeled' ORDER BY a.idx").fetchall()
        else:
            rows = self.conn.execute("SELECT idx FROM asked WHERE audit = 1 ORDER BY idx").fetchall()
        return np.array([r[0] for r in rows], np.int64)

    def answered_asks(self) -> list[tuple[list[int], np.ndarray, bool, int, int]]:
        """(class ids, probabilities, audit, true label id, round served) for every item labeled after it
        was served."""
        out = []
        for classes, blob, audit, label_id, round_ in self.conn.execute(
                "SELECT a.classes, a.proba, a.audit, l.label_id, a.round FROM asked a JOIN labels l ON l.idx = a.idx "
                "WHERE l.state = 'labeled' AND l.label_id IS NOT NULL ORDER BY a.idx"):
            cls, proba = _asked_row(classes, blob)
            if cls is not None and isinstance(label_id, int) and isinstance(round_, int):
                out.append((cls, proba, bool(audit), label_id, round_))
        return out


def _asked_row(classes, blob) -> tuple[list[int] | None, np.ndarray]:
    """A damaged `asked` row (it is derived data) is ignored, never trusted."""
    try:
        cls = json.loads(classes)
        proba = np.frombuffer(blob, np.float32)
    except (TypeError, ValueError):
        return None, np.empty(0, np.float32)
    if (not isinstance(cls, list) or len(cls) != len(proba) or not all(type(c) is int for c in cls)
            or not np.isfinite(proba).all()):
        return None, np.empty(0, np.float32)
    return cls, proba
