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

    def __len__(self) -> int:
        return int(self.mask.sum())
