"""What every selection strategy receives and returns.

A strategy is a stateless function ``(ctx: SelectionContext, n: int) -> list[Pick]``.
State that grows over rounds (the SEALS candidate pool) lives in the session and is passed in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

UNLABELED = -1   # eligible for selection
EXCLUDED = -2    # skipped by the user, failed to embed, or not embedded yet


@dataclass
class Pick:
    idx: int
    score: float
    reason: str
    neighbour_of: int | None = None  # a labeled item this one was reached from
    kind: str = ""                   # uncertain | explore | cold-start | search | random | audit | ""
    audit: bool = False              # drawn uniformly at random to measure accuracy (selection/audit.py)
    proba: np.ndarray | None = None  # the head's class probabilities when it was picked (prequential)


@dataclass
class SelectionContext:
    embeddings: np.ndarray                 # (N, d) float32, may be a memmap
    state: np.ndarray                      # (N,) int64: class id >= 0, UNLABELED or EXCLUDED
    predict_proba: Callable[[np.ndarray], np.ndarray] | None  # item indices -> (n, C) proba
    classes: np.ndarray                    # class ids in predict_proba column order
    rng: np.random.Generator
    pool: np.ndarray | None = None         # SEALS candidate pool (unlabeled item indices)
    pool_source: dict[int, int] = field(default_factory=dict)  # pool item -> labeled item it came from
    uncertainty: str = "margin"
    positive: int | None = None            # class id for search / positives
    max_scored: int = 200_000              # full-pool strategies score at most this many (subsample)
    anchors: np.ndarray | None = None      # representatives of regions with no label yet, biggest first
    explore_share: float = 0.1             # share of a batch that re-anchoring may spend on them
    query: np.ndarray | None = None        # (d,) unit vector of the user's query (search: text or example image)
    query_near: np.ndarray | None = None   # the unlabeled items nearest the query, nearest first (kNN index)
    query_sims: np.ndarray | None = None   # their cosine similarities to the query

    @property
    def unlabeled(self) -> np.ndarray:
        return np.flatnonzero(self.state == UNLABELED)

    @property
    def labeled(self) -> np.ndarray:
        return np.flatnonzero(self.state >= 0)

    @property
    def n_classes_labeled(self) -> int:
        s = self.state[self.state >= 0]
        return len(np.unique(s))

    @property
    def has_model(self) -> bool:
        return self.predict_proba is not None and self.n_classes_labeled >= 2

    def sample_unlabeled(self, limit: int | None = None) -> np.ndarray:
        cand = self.unlabeled
        limit = limit or self.max_scored
        if len(cand) > limit:
            cand = np.sort(self.rng.choice(cand, size=limit, replace=False))
        return cand
