"""A semi-supervised head, measured on the development sets before it may become one of Shoal's heads.

`SpreadHead` spreads the labels over a kNN graph of the unlabeled pool (label spreading, Zhou et al.
2004: F <- a S F + (1 - a) Y, with S the symmetrically normalised kNN affinity), takes the items the
spread is most sure of as pseudo-labels, and fits the same logistic regression as `LinearHead` on the
labels (weight 1) plus the pseudo-labels (weight `weight`). It predicts like `LinearHead` (a linear
model), so selection and evaluation run unchanged. Labels of each class are normalised to one unit of
mass, so a class with few labels spreads as far as a class with many.
"""
from __future__ import annotations

import numpy as np

from desktop_app.core.learning.heads import LinearHead, threadpool_limits


def knn_graph(X: np.ndarray, k: int = 10, block: int = 1024):
    """Symmetric sparse affinity: W_ij = max(cos, 0)^3 for j among the k nearest of i (or i of j)."""
    from scipy import sparse

    X = np.asarray(X, np.float32)
    n = len(X)
    rows, cols, vals = [], [], []
    for s in range(0, n, block):
        sims = X[s:s + block] @ X.T
        np.fill_diagonal(sims[:, s:s + block], -np.inf)
        nn = np.argpartition(-sims, k, axis=1)[:, :k]
        rows.append(np.repeat(np.arange(s, s + len(sims)), k))
        cols.append(nn.ravel())
        vals.append(np.maximum(np.take_along_axis(sims, nn, axis=1), 0).ravel() ** 3)
    W = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
    W = W.maximum(W.T)
    d = np.asarray(W.sum(axis=1)).ravel()
    inv = 1.0 / np.sqrt(np.maximum(d, 1e-12))
    return sparse.diags(inv) @ W @ sparse.diags(inv)


class SpreadHead(LinearHead):
    kind = "spread"

    def __init__(self, pool: np.ndarray, *, k: int = 10, alpha: float = 0.9, share: float = 0.5,
                 weight: float = 0.3, iters: int = 20, C: float = 10.0, max_iter: int = 300,
                 decay: float | None = None, agree: bool = False):
        super().__init__(C=C, max_iter=max_iter, balanced=True)
        self.pool = np.asarray(pool, np.float32)
        self.S = knn_graph(self.pool, k)
        self.alpha, self.share, self.weight, self.iters = alpha, share, weight, iters
        self.decay, self.agree = decay, agree  # weight x min(1, decay / labels); keep where LR agrees
        self._plain = LinearHead(C=C, max_iter=max_iter)
        self._where = {row.tobytes(): i for i, row in enumerate(self.pool)}

    def spread(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pool positions, pseudo-label, confidence) of the unlabeled pool items, most confident first."""
        classes = np.unique(y)
        at = np.array([self._where.get(np.asarray(r, np.float32).tobytes(), -1) for r in X], np.int64)
        known = at >= 0
        Y = np.zeros((len(self.pool), len(classes)), np.float32)
        for c_i, c in enumerate(classes):
            members = at[known & (y == c)]
            if len(members):
                Y[members, c_i] = 1.0 / len(members)
        F = Y.copy()
        for _ in range(self.iters):
            F = self.alpha * (self.S @ F) + (1 - self.alpha) * Y
        free = np.ones(len(self.pool), bool)
        free[at[known]] = False
        pos = np.flatnonzero(free & (F.sum(axis=1) > 0))
        P = F[pos] / np.maximum(F[pos].sum(axis=1, keepdims=True), 1e-12)
        conf = P.max(axis=1)
        order = np.argsort(-conf, kind="stable")[: int(self.share * len(pos))]
        return pos[order], classes[np.argmax(P[order], axis=1)], conf[order]

    def fit(self, X: np.ndarray, y: np.ndarray) -> SpreadHead:
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(y, np.int64)
        classes = np.unique(y)
        if len(classes) < 2:
            return super().fit(X, y)
        pos, pseudo, _ = self.spread(X, y)
        if self.agree:
            self._plain.fit(X, y)
            same = self._plain.predict(self.pool[pos]) == pseudo
            pos, pseudo = pos[same], pseudo[same]
        weight = self.weight * (min(1.0, self.decay / len(y)) if self.decay else 1.0)
        Xa = np.concatenate([np.asarray(X, np.float32), self.pool[pos]])
        ya = np.concatenate([y, pseudo])
        w = np.concatenate([np.ones(len(y)), np.full(len(pos), weight)])
        cw = {c: len(y) / (len(classes) * max(1, int((y == c).sum()))) for c in classes}  # balanced on true labels
        w *= np.array([cw[c] for c in ya])
        model = LogisticRegression(C=self.C, max_iter=self.max_iter)
        if self.is_fitted and np.array_equal(classes, self.classes_):
            model.set_params(warm_start=True)
            model.coef_, model.intercept_, model.classes_ = self.coef_.copy(), self.intercept_.copy(), classes
        with threadpool_limits(1):
            model.fit(Xa, ya, sample_weight=w)
        self.classes_ = model.classes_.astype(np.int64)
        self.coef_ = model.coef_.astype(np.float32)
        self.intercept_ = model.intercept_.astype(np.float32)
        return self
