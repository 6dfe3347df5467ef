"""The labeling loop over arrays: pool -> select batch -> labels -> refit -> re-rank.

No Qt, no SQLite: the project layer (ops/) and the simulator both drive this class.
"""
from __future__ import annotations

import time

import numpy as np

from desktop_app.core.index.rows import CachedRows, RowCache, one_blas_thread
from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.selection.audit import with_audit
from desktop_app.core.selection.base import EXCLUDED, UNLABELED, Pick, SelectionContext
from desktop_app.core.selection.pool import CandidatePool
from desktop_app.core.selection.registry import NO_AUDIT, USES_ANCHORS, USES_POOL, USES_QUERY, get_strategy


class Session:
    def __init__(self, embeddings: np.ndarray, state: np.ndarray, index=None, head: LinearHead | None = None,
                 k: int = 100, uncertainty: str = "margin", seed: int = 0, positive: int | None = None,
                 audit_share: float = 0.0):
        self.embeddings = embeddings
        self.state = np.asarray(state, dtype=np.int64).copy()
        self.index = index
        self.head = head or LinearHead()
        self.pool = CandidatePool(len(self.state), k=k)
        self.rows = RowCache(embeddings)        # in-RAM copy of the pool's rows (scored every round)
        self.uncertainty = uncertainty
        self.positive = positive
        self.audit_share = audit_share          # share of each batch drawn at random (selection/audit.py)
        self.rng = np.random.default_rng(seed)
        self.last_fit_ms = 0.0
        self.last_select_ms = 0.0
        self.query: np.ndarray | None = None    # search: the user's query vector (set_query)
        self._query_near: tuple[np.ndarray, np.ndarray] | None = None

    def set_query(self, vector: np.ndarray | None) -> None:
        """The query of "find more of" (a phrase or an example image, embedded by the project's encoder),
        or None. Its nearest items are looked up in the kNN index when a batch is selected."""
        if vector is None:
            self.query = None
        else:
            v = np.asarray(vector, np.float32).reshape(-1)
            self.query = v / max(float(np.linalg.norm(v)), 1e-12)
        self._query_near = None

    def query_neighbours(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """At least n unlabeled items nearest the query (when that many exist), nearest first, with their
        cosine similarities. One kNN query, widened when the labels used up the neighbours found so far."""
        assert self.query is not None
        want = max(4 * n, 100)
        near = self._query_near
        if near is not None and ((self.state[near[0]] == UNLABELED).sum() >= want or len(near[0]) >= self._indexed()):
            return near
        k = min(self._indexed(), int((self.state >= 0).sum()) + 2 * want)
        if self.index is not None:
            ids, sims = self.index.query(self.query[None, :], k)
            ids, sims = ids[0], sims[0]
        else:  # no index (a tiny replay): exact
            all_sims = np.asarray(self.embeddings, np.float32) @ self.query
            ids = np.argsort(-all_sims, kind="stable")[:k]
            sims = all_sims[ids]
        keep = (ids >= 0) & (ids < len(self.state))
        self._query_near = (ids[keep].astype(np.int64), sims[keep].astype(np.float32))
        return self._query_near

    def _indexed(self) -> int:
        return int(self.index.count) if self.index is not None else len(self.state)

    # ---- labels ------------------------------------------------------------------
    def set_state(self, idx, value: int) -> None:
        self.state[np.asarray(idx, dtype=np.int64)] = value

    @property
    def labeled(self) -> np.ndarray:
        return np.flatnonzero(self.state >= 0)

    @property
    def n_classes_labeled(self) -> int:
        return len(np.unique(self.state[self.state >= 0]))

    # ---- model -------------------------------------------------------------------
    def refit(self) -> float:
        """Retrain the head on all labels; returns the fit time in ms."""
        t = time.perf_counter()
        lab = self.labeled
        if len(lab):
            self.head.fit(self.rows_of(lab), self.state[lab])
        self.last_fit_ms = (time.perf_counter() - t) * 1000
        return self.last_fit_ms

    def rows_of(self, idx: np.ndarray) -> np.ndarray:
        """float32 embeddings of `idx`; rows the pool's in-RAM copy holds come from it (over a RowFile each
        other row is a pread: the labeled rows are read each round, by the refit and the CV accuracy)."""
        X = self.rows.gather(idx) if self.rows.embeddings is self.embeddings else self.embeddings[idx]
        return np.asarray(X, np.float32)

    def predict_proba(self, idx: np.ndarray) -> np.ndarray:
        idx = np.asarray(idx, dtype=np.int64)
        out = np.empty((len(idx), max(1, len(self.head.classes_))), np.float32)
        pos = self.rows.rows(idx) if self.rows.embeddings is self.embeddings else None
        if pos is not None:  # pool members: scored from the in-RAM copy
            return self.rows.apply(self.head.predict_proba, pos, out.shape[1])
        for s in range(0, len(idx), 65536):
            out[s:s + 65536] = self.head.predict_proba(np.asarray(self.embeddings[idx[s:s + 65536]], np.float32))
        return out

    def predict(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(class id, confidence) per item; class -1 when no model is trained."""
        proba = self.predict_proba(idx)
        if not self.head.is_fitted:
            return np.full(len(idx), -1, np.int64), np.zeros(len(idx), np.float32)
        best = np.argmax(proba, axis=1)
        return self.head.classes_[best], proba[np.arange(len(idx)), best]

    def finish_round(self, asked: list, snapshot_idx: np.ndarray | None = None,
                     previous_pred: np.ndarray | None = None, head_factory=None):
        """Refit and compute the round's stopping signals (core/rounds.py): the one computation the CLI,
        the GUI (through ops.loop.finish_round) and `shoal simulate` share. Returns a RoundResult."""
        from desktop_app.core.rounds import finish_round

        return finish_round(self, asked, snapshot_idx, previous_pred, head_factory)

    # ---- selection ---------------------------------------------------------------
    def context(self, exclude=()) -> SelectionContext:
        state = self.state
        ex = np.asarray(list(exclude), dtype=np.int64)
        ex = ex[state[ex] == UNLABELED] if len(ex) else ex   # only unanswered items are held back: an answered
        if len(ex):                                          # one keeps its label (seeds, classes known)
            state = state.copy()
            state[ex] = EXCLUDED
        return SelectionContext(
            embeddings=self._rows_view(), state=state,
            predict_proba=self.predict_proba if self.head.is_fitted else None,
            classes=self.head.classes_, rng=self.rng,
            pool=self.pool.members(), pool_source=self.pool.source,
            uncertainty=self.uncertainty, positive=self.positive, query=self.query)

    def _rows_view(self):
        """The embeddings for selection: an array as is; rows read from a file (RowFile) come from the
        pool's in-RAM copy where it holds them."""
        if isinstance(self.embeddings, np.ndarray) or self.rows.embeddings is not self.embeddings:
            return self.embeddings
        return CachedRows(self.rows)

    def select(self, n: int, strategy: str = "seals", exclude=()) -> list[Pick]:
        """The next batch. Each pick carries the head's probabilities at this moment (recorded before
        its label exists: the accuracy estimate is built from them), and audit picks are mixed in."""
        fn = get_strategy(strategy)
        if not self.head.is_fitted and self.n_classes_labeled >= 2:
            self.refit()  # two classes known: rank with a model, not as a cold start
        t = time.perf_counter()
        if strategy in USES_POOL:
            self.pool.update(self.index, self.embeddings, self.labeled)
            if self.rows.embeddings is self.embeddings:
                self.rows.add(self.pool.members())
        with one_blas_thread():  # small tall matmuls: one BLAS thread is faster on 2 cores
            ctx = self.context(exclude)
            if strategy in USES_ANCHORS:  # re-anchor: representatives of regions with no label yet
                ctx.anchors = self.pool.coverage.uncovered(ctx.embeddings, ctx.state)
            if self.query is not None and strategy in USES_QUERY:
                ctx.query_near, ctx.query_sims = self.query_neighbours(n)
            picks = fn(ctx, n)
            if self.head.is_fitted and picks:
                if strategy not in NO_AUDIT:
                    picks = with_audit(ctx, picks, n, self.audit_share)
                proba = self.predict_proba(np.array([p.idx for p in picks], np.int64))
                for p, row in zip(picks, proba):
                    p.proba = row
        self.last_select_ms = (time.perf_counter() - t) * 1000
        return picks

    def n_unlabeled(self) -> int:
        return int((self.state == UNLABELED).sum())
