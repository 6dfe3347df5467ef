"""Lightweight heads on frozen embeddings, saved as plain arrays (never pickled)."""
from __future__ import annotations

import numpy as np

from desktop_app.core.learning.kernels import linear_proba, probabilities  # noqa: F401  (mlp.py's softmax)

_blas = None


def threadpool_limits(n: int):
    """BLAS limited to n threads. threadpoolctl.threadpool_limits re-scans the loaded libraries on
    every call (~10 ms, more than a warm refit); one kept controller does not."""
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController()
    return _blas.limit(limits=n, user_api="blas")


class LinearHead:
    """Multinomial logistic regression; class ids are the caller's ints (label ids)."""

    kind = "logreg"

    def __init__(self, C: float = 10.0, max_iter: int = 300, balanced: bool = True):
        self.C = C
        self.max_iter = max_iter
        self.balanced = balanced
        self.classes_: np.ndarray = np.empty(0, np.int64)
        self.coef_: np.ndarray | None = None       # (n_classes, dim) or (1, dim) for binary
        self.intercept_: np.ndarray | None = None

    @property
    def is_fitted(self) -> bool:
        return self.coef_ is not None

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> "LinearHead":
        """sample_weight: how many items each row stands for (a weighted core-set's `weight`); None: 1 each."""
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(y, dtype=np.int64)
        classes = np.unique(y)
        if len(classes) < 2:
            self.classes_, self.coef_, self.intercept_ = classes, None, None
            return self
        model = LogisticRegression(C=self.C, max_iter=self.max_iter,
                                   class_weight="balanced" if self.balanced else None)
        if self.is_fitted and np.array_equal(classes, self.classes_):
            model.set_params(warm_start=True)
            assert self.coef_ is not None and self.intercept_ is not None  # is_fitted
            model.coef_, model.intercept_, model.classes_ = self.coef_.copy(), self.intercept_.copy(), classes
        with threadpool_limits(1):
            model.fit(np.asarray(X, dtype=np.float32), y,
                      sample_weight=None if sample_weight is None else np.asarray(sample_weight, np.float64))
        self.classes_ = model.classes_.astype(np.int64)
        self.coef_ = model.coef_.astype(np.float32)
        self.intercept_ = model.intercept_.astype(np.float32)
        return self

    def decision(self, X: np.ndarray) -> np.ndarray:
        assert self.coef_ is not None and self.intercept_ is not None, "the head is not fitted"
        return np.asarray(X, dtype=np.float32) @ self.coef_.T + self.intercept_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """(n, n_classes) probabilities in the order of classes_."""
        n = len(X)
        if not self.is_fitted:
            k = max(1, len(self.classes_))
            return np.full((n, k), 1.0 / k, dtype=np.float32)
        assert self.coef_ is not None and self.intercept_ is not None
        return linear_proba(X, self.coef_, self.intercept_)

    def predict(self, X: np.ndarray) -> np.ndarray:
        if len(self.classes_) == 0:
            return np.full(len(X), -1, np.int64)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    # ---- plain-array persistence -------------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {"classes": self.classes_.astype(np.int64),
                                      "params": np.array([self.C, self.max_iter, float(self.balanced)], np.float64)}
        if self.coef_ is not None and self.intercept_ is not None:
            out["coef"], out["intercept"] = self.coef_, self.intercept_
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], dim: int | None = None) -> "LinearHead":
        """The head saved by to_arrays. Raises ValueError when the arrays cannot be a head (NaN or
        infinite weights, shapes that do not fit each other or `dim`, repeated classes...)."""
        try:
            params = np.asarray(arrays["params"], np.float64)
            classes = np.asarray(arrays["classes"])
        except (KeyError, TypeError, ValueError):
            raise ValueError("head: params or classes missing") from None
        if params.shape != (3,) or not np.isfinite(params).all() or params[0] <= 0 or params[1] < 1:
            raise ValueError("head: bad params")
        if classes.ndim != 1 or classes.dtype.kind not in "iu" or len(np.unique(classes)) != len(classes):
            raise ValueError("head: bad classes")
        c, it, bal = params.tolist()
        head = cls(C=float(c), max_iter=int(it), balanced=bool(bal))
        head.classes_ = classes.astype(np.int64)
        if "coef" in arrays or "intercept" in arrays:
            coef = np.asarray(arrays.get("coef"), np.float32)
            intercept = np.asarray(arrays.get("intercept"), np.float32)
            rows = 1 if len(classes) == 2 else len(classes)
            if (len(classes) < 2 or coef.ndim != 2 or coef.shape[0] != rows or intercept.shape != (rows,)
                    or (dim is not None and coef.shape[1] != dim)):
                raise ValueError("head: weights of the wrong shape")
            if not (np.isfinite(coef).all() and np.isfinite(intercept).all()):
                raise ValueError("head: weights are not finite numbers")
            head.coef_, head.intercept_ = coef, intercept
        return head


HEADS = {"logreg": LinearHead}
