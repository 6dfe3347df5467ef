"""The query that seeds "find more of" (search mode): a phrase, or the path of an example image, and its
vector from the project's encoder. One row, for the label in search mode; a new `mode` call replaces it.
The image itself is never copied or kept: only its path (as shown to the user) and its vector."""
from __future__ import annotations

import time

import numpy as np

from desktop_app.store import checks
from desktop_app.store.base import ProjectParts

KINDS = ("text", "image")


class SearchQueryMixin(ProjectParts):
    def set_search_query(self, label_id: int, kind: str, query: str, encoder: str, vector: np.ndarray) -> None:
        vec = np.ascontiguousarray(np.asarray(vector, np.float32).reshape(-1))
        with self.tx():
            self.conn.execute("DELETE FROM search_query")
            self.conn.execute("INSERT INTO search_query(label_id, kind, query, encoder, dim, vec, at) "
                              "VALUES (?,?,?,?,?,?,?)", (label_id, kind, query, encoder, len(vec), vec.tobytes(),
                                                         time.time()))

    def clear_search_query(self) -> None:
        with self.tx():
            self.conn.execute("DELETE FROM search_query")

    def search_query(self) -> dict | None:
        """The stored query of the label in search mode, or None (none stored, it belongs to a label no
        longer in search mode, or the row is damaged: a derived row, dropped rather than trusted)."""
        row = self.conn.execute(
            "SELECT q.label_id, l.name, q.kind, q.query, q.encoder, q.dim, q.vec, q.at FROM search_query q "
            "JOIN label_set l ON l.id = q.label_id AND l.mode = 'search' LIMIT 1").fetchone()
        if row is None:
            return None
        label_id, name, kind, query, encoder, dim, vec, at = row
        kind, query, encoder = checks.text(kind), checks.text(query), checks.text(encoder)
        if (kind not in KINDS or not isinstance(query, str) or not isinstance(encoder, str) or type(dim) is not int
                or not isinstance(vec, bytes) or dim <= 0 or len(vec) != 4 * dim):
            return None
        v = np.frombuffer(vec, np.float32).copy()
        if not np.isfinite(v).all():
            return None
        return {"label_id": int(label_id), "label": checks.text(name), "kind": kind, "query": query,
                "encoder": encoder, "vector": v, "at": at}
