"""Stopping signals: interval, stability, and a recommendation that fires once learning has plateaued."""
from __future__ import annotations

import numpy as np

from desktop_app.core import stopping
from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.simulate import run_one


def test_wilson_interval_brackets_the_rate():
    lo, hi = stopping.wilson_interval(80, 100)
    assert lo < 0.8 < hi and 0.0 <= lo and hi <= 1.0
    assert stopping.wilson_interval(0, 0) == (0.0, 1.0)


def test_changed_fraction():
    assert stopping.changed_fraction(None, np.array([1, 2])) is None
    assert stopping.changed_fraction(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 4])) == 0.25


def test_cv_accuracy_is_high_on_separable_labels():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 40)
    X = np.eye(4)[y] + 0.1 * rng.standard_normal((80, 4))
    cv = stopping.cv_accuracy(LinearHead, X, y)
    assert cv["accuracy"] > 0.95 and cv["low"] <= cv["accuracy"] <= cv["high"]


def test_recommendation_waits_for_stable_rounds():
    moving = [{"changed_fraction": 0.2, "cv_accuracy": 0.7}] * 4
    assert stopping.recommendation(moving).startswith("keep labeling")
    still = moving + [{"changed_fraction": 0.001, "cv_accuracy": 0.9}] * 3
    assert "consider stopping" in stopping.recommendation(still)


def test_recommendation_fires_after_the_plateau_on_an_easy_problem():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 900)
    X = np.eye(16)[y] + 0.35 * rng.standard_normal((900, 16))
    X = (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32)
    curve = run_one(X, y, "seals", budget=300, batch=20, init=10, seed=0, signals=True)
    stop = next(p for p in curve if "consider stopping" in p["recommendation"])
    best = max(p["macro_f1"] for p in curve)
    assert stop["macro_f1"] >= best - 0.03      # fired on the plateau, not before it
    assert stop["n_labeled"] < 300              # and before the budget ran out
