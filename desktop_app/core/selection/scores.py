"""Uncertainty scores from class probabilities: higher means more worth labeling."""
from __future__ import annotations

import numpy as np


def entropy(proba: np.ndarray) -> np.ndarray:
    p = np.clip(proba, 1e-12, 1.0)
    return -(p * np.log(p)).sum(axis=1)


def margin(proba: np.ndarray) -> np.ndarray:
    if proba.shape[1] < 2:
        return np.zeros(len(proba))
    top2 = np.sort(proba, axis=1)[:, -2:]
    return 1.0 - (top2[:, 1] - top2[:, 0])


def least_confidence(proba: np.ndarray) -> np.ndarray:
    return 1.0 - proba.max(axis=1)


UNCERTAINTY = {"entropy": entropy, "margin": margin, "least-confidence": least_confidence}
