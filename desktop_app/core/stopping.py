"""Stopping signals: cross-validated accuracy with an interval, prediction stability,
positives found vs the random expectation, and a plain recommendation."""
from __future__ import annotations

import math

import numpy as np


def wilson_interval(correct: int, total: int, z: float = 1.96) -> tuple[float, float]:
    if total == 0:
        return 0.0, 1.0
    p = correct / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def cv_accuracy(head_factory, X: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0,
                max_items: int = 3000) -> dict | None:
    """Out-of-fold accuracy of the head on the labeled set (stratified folds)."""
    y = np.asarray(y)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2 or counts.min() < 2 or len(y) < 10:
        return None
    rng = np.random.default_rng(seed)
    if len(y) > max_items:
        keep = rng.choice(len(y), max_items, replace=False)
        X, y = X[keep], y[keep]
    from sklearn.model_selection import StratifiedKFold

    k = int(min(folds, np.unique(y, return_counts=True)[1].min()))
    if k < 2:
        return None
    pred = np.empty_like(y)
    for train, test in StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y):
        pred[test] = head_factory().fit(X[train], y[train]).predict(X[test])
    correct = int((pred == y).sum())
    low, high = wilson_interval(correct, len(y))
    return {"accuracy": correct / len(y), "low": low, "high": high, "n": int(len(y))}


def changed_fraction(previous: np.ndarray | None, current: np.ndarray) -> float | None:
    if previous is None or len(previous) != len(current) or len(current) == 0:
        return None
    return float((previous != current).mean())


def recommendation(rounds: list[dict], stable_below: float = 0.01, stable_rounds: int = 3) -> str:
    """A plain sentence about whether labeling more is still paying off. Uses the accuracy estimate on
    the unlabeled items (core/estimate.py) when rounds carry one, else the cross-validated figure."""
    if len(rounds) < 2:
        return "keep labeling: too few rounds to judge"
    changes = [r.get("changed_fraction") for r in rounds[-stable_rounds:]]
    stable = len(changes) == stable_rounds and all(c is not None and c < stable_below for c in changes)
    ests = [r["estimate"] for r in rounds if r.get("estimate")]
    if ests:
        accs = [e["accuracy"] for e in ests]
        lo, hi = ests[-1]["accuracy_interval"]
        shown = f"{accs[-1]:.2f} [{lo:.2f}, {hi:.2f}] on the unlabeled items"
    else:
        accs = [r.get("cv_accuracy") for r in rounds if r.get("cv_accuracy") is not None]
        shown = f"{accs[-1]:.2f}" if accs else ""
    flat = len(accs) >= 3 and max(accs[-3:]) - min(accs[-3:]) < 0.01
    if stable and flat:
        return (f"predictions stable for {stable_rounds} rounds and estimated accuracy flat at {shown}; "
                "consider stopping")
    if stable:
        return f"predictions stable for {stable_rounds} rounds; consider stopping"
    last = changes[-1] if changes and changes[-1] is not None else None
    if last is not None:
        return f"keep labeling: {last:.1%} of predictions changed last round"
    return "keep labeling"
