"""The SEALS candidate pool: union of the k nearest neighbours of every labeled item.

It grows incrementally: only labels not seen before are queried against the index.
"""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.anchors import Coverage


class CandidatePool:
    def __init__(self, n_items: int, k: int = 100):
        self.k = k
        self.mask = np.zeros(n_items, dtype=bool)
        self.source: dict[int, int] = {}       # pool item -> the labeled item that brought it in
        self._anchored = np.zeros(n_items, dtype=bool)
        self.coverage = Coverage()             # regions of the space, for re-anchoring

    def update(self, index, embeddings: np.ndarray, labeled: np.ndarray) -> int:
        """Add the neighbours of labeled items not queried yet; return how many were queried."""
        labeled = np.asarray(labeled, dtype=np.int64)
        new = labeled[~self._anchored[labeled]]
        if len(new) == 0 or index is None or index.count == 0:
            return 0
        ids, _ = index.query(np.asarray(embeddings[np.sort(new)], np.float32), self.k + 1)
        for anchor, row in zip(np.sort(new), ids):
            fresh = row[~self.mask[row]]
            self.mask[fresh] = True
            for j in fresh.tolist():
                self.source.setdefault(j, int(anchor))
        self._anchored[new] = True
        return len(new)

    def members(self) -> np.ndarray:
        return np.flatnonzero(self.mask)

    # ---- plain-array persistence (as LinearHead): what a new session restores instead of re-querying ----
    def to_arrays(self) -> dict[str, np.ndarray]:
        """members, anchored (the labels queried so far), source (pool item, its anchor) and the
        coverage's arrays prefixed cov_ (when it was fitted)."""
        src = np.fromiter(self.source.items(), dtype=np.dtype((np.int64, 2)), count=len(self.source)).reshape(-1, 2)
        out = {"members": np.flatnonzero(self.mask), "anchored": np.flatnonzero(self._anchored), "source": src}
        out.update({f"cov_{k}": v for k, v in self.coverage.to_arrays().items()})
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], n_items: int, k: int = 100) -> "CandidatePool":
        """The pool to_arrays saved; ValueError when its arrays do not fit n_items. Coverage arrays that
        do not fit are left out (the regions are computed again when needed)."""
        pool = cls(n_items, k=k)
        try:
            members, anchored = np.asarray(arrays["members"]), np.asarray(arrays["anchored"])
            src = np.asarray(arrays["source"]).reshape(-1, 2)
        except (KeyError, ValueError) as e:
            raise ValueError(f"not a saved pool: {e}") from None
        for a in (members, anchored, src.ravel()):
            if a.dtype.kind not in "iu" or (len(a) and (a.min() < 0 or a.max() >= n_items)):
                raise ValueError("a saved pool's items are out of range")
        pool.mask[members] = True
        pool._anchored[anchored] = True
        pool.source.update(zip(src[:, 0].tolist(), src[:, 1].tolist()))
        cov = {key[4:]: v for key, v in arrays.items() if key.startswith("cov_")}
        if cov:
            try:
                pool.coverage = Coverage.from_arrays(cov, n_items)
            except ValueError:
                pass
        return pool

    def __len__(self) -> int:
        return int(self.mask.sum())
