"""A small MLP head (scikit-learn's MLPClassifier, early-stopped), saved as plain arrays (never pickled).

The forward pass is numpy (ReLU hidden layers; a logistic output for two classes, softmax otherwise),
so a saved head predicts without scikit-learn and the ONNX export computes the same thing."""
from __future__ import annotations

import numpy as np

from desktop_app.core.learning.heads import threadpool_limits

# fewer labels than this, or a class with fewer than 3: too few held out to stop on (the L2 penalty regularises)
EARLY_STOP_MIN = 100


class MLPHead:
    kind = "mlp"

    def __init__(self, hidden: int = 256, alpha: float = 1.0, max_iter: int = 300, seed: int = 0, lr: float = 1e-3):
        self.hidden, self.alpha, self.max_iter, self.seed = int(hidden), float(alpha), int(max_iter), int(seed)
        self.lr = float(lr)  # Adam's step (fit only; not saved)
        self.classes_: np.ndarray = np.empty(0, np.int64)
        self.weights: list[np.ndarray] = []
        self.biases: list[np.ndarray] = []

    @property
    def is_fitted(self) -> bool:
        return bool(self.weights)

    def fit(self, X: np.ndarray, y: np.ndarray) -> "MLPHead":
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        y = np.asarray(y, np.int64)
        classes, counts = np.unique(y, return_counts=True)
        self.classes_, self.weights, self.biases = classes, [], []
        if len(classes) < 2:
            return self
        early = len(y) >= EARLY_STOP_MIN and counts.min() >= 3
        model = MLPClassifier(hidden_layer_sizes=(self.hidden,), alpha=self.alpha, max_iter=self.max_iter,
                              early_stopping=early, validation_fraction=0.15, n_iter_no_change=20,
                              learning_rate_init=self.lr, random_state=self.seed)
        # standardised inputs (L2-normalised embeddings have features ~1/sqrt(dim): Adam then stalls and
        # early stopping gives up after a few epochs); the scaling is folded into the first layer afterwards
        X = np.asarray(X, np.float64)
        mu, sd = X.mean(axis=0), X.std(axis=0)
        sd[sd < 1e-8] = 1.0
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit((X - mu) / sd, y)
        w0, b0 = model.coefs_[0] / sd[:, None], model.intercepts_[0] - (mu / sd) @ model.coefs_[0]
        self.classes_ = model.classes_.astype(np.int64)
        self.weights = [w.astype(np.float32) for w in [w0, *model.coefs_[1:]]]
        self.biases = [b.astype(np.float32) for b in [b0, *model.intercepts_[1:]]]
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        n = len(X)
        if not self.is_fitted:
            k = max(1, len(self.classes_))
            return np.full((n, k), 1.0 / k, np.float32)
        h = np.asarray(X, np.float32)
        for w, b in zip(self.weights[:-1], self.biases[:-1]):
            h = np.maximum(h @ w + b, 0)
        z = h @ self.weights[-1] + self.biases[-1]
        if z.shape[1] == 1:
            p = 1.0 / (1.0 + np.exp(-z[:, 0]))
            return np.stack([1 - p, p], axis=1).astype(np.float32)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)

    def predict(self, X: np.ndarray) -> np.ndarray:
        if len(self.classes_) == 0:
            return np.full(len(X), -1, np.int64)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    # ---- plain-array persistence -------------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        out = {"classes": self.classes_.astype(np.int64),
               "params": np.array([self.hidden, self.alpha, self.max_iter, self.seed], np.float64)}
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            out[f"w{i}"], out[f"b{i}"] = w, b
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], dim: int | None = None) -> "MLPHead":
        """Raises ValueError when the arrays cannot be an MLP head (shapes that do not chain, NaN...)."""
        try:
            params = np.asarray(arrays["params"], np.float64)
            classes = np.asarray(arrays["classes"])
        except (KeyError, TypeError, ValueError):
            raise ValueError("head: params or classes missing") from None
        if params.shape != (4,) or not np.isfinite(params).all() or params[0] < 1 or params[2] < 1:
            raise ValueError("head: bad params")
        if classes.ndim != 1 or classes.dtype.kind not in "iu" or len(np.unique(classes)) != len(classes):
            raise ValueError("head: bad classes")
        head = cls(hidden=int(params[0]), alpha=float(params[1]), max_iter=int(params[2]), seed=int(params[3]))
        head.classes_ = classes.astype(np.int64)
        i = 0
        while f"w{i}" in arrays:
            w, b = np.asarray(arrays[f"w{i}"], np.float32), np.asarray(arrays.get(f"b{i}"), np.float32)
            if w.ndim != 2 or b.shape != (w.shape[1],) or (head.weights and head.weights[-1].shape[1] != w.shape[0]):
                raise ValueError("head: weights of the wrong shape")
            if not (np.isfinite(w).all() and np.isfinite(b).all()):
                raise ValueError("head: weights are not finite numbers")
            head.weights.append(w)
            head.biases.append(b)
            i += 1
        if head.weights:
            out = head.weights[-1].shape[1]
            if len(classes) < 2 or out != (1 if len(classes) == 2 else len(classes)) or \
                    (dim is not None and head.weights[0].shape[0] != dim):
                raise ValueError("head: weights of the wrong shape")
        return head
