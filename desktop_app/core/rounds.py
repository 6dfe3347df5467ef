"""One round: refit the head on every label and compute the stopping signals, the one way the app
(ops.loop.finish_round, for the CLI and the GUI) and `shoal simulate` both do it, so what a replay
measures is what the app shows. Pure computation over a Session; the caller saves the result (ops/
in one transaction) or records it on a curve (core/simulate.py)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from desktop_app.core import estimate as est
from desktop_app.core import stopping
from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.selection.base import UNLABELED

SNAPSHOT_SIZE = 2000  # unlabeled items whose predictions are tracked for stability (a uniform sample)
CV_FOLDS = 5          # the cross-validated accuracy on the labels: stratified folds ...
CV_MAX_ITEMS = 3000   # ... over at most this many labels (a uniform sample beyond)
CV_SEED = 0


@dataclass
class RoundResult:
    stats: dict                                  # fit_ms, n_classes, cv_*, changed_fraction, estimate, positives
    head: dict[str, np.ndarray] | None = None    # head.to_arrays() when a head is fitted
    snapshot: dict[str, np.ndarray] | None = None  # {"idx", "pred"}: the tracked predictions now


def snapshot_sample(state: np.ndarray, seed: int = 0) -> np.ndarray:
    """The items whose predictions are tracked from round to round: a fixed uniform sample of those
    unlabeled when it is first drawn."""
    unl = np.flatnonzero(np.asarray(state) == UNLABELED)
    if not len(unl):
        return unl
    return np.sort(np.random.default_rng(seed).choice(unl, min(SNAPSHOT_SIZE, len(unl)), replace=False))


def accuracy_estimate(session, asked: list, sample: np.ndarray) -> dict | None:
    """core.estimate over the recorded answers `asked` ((probabilities when picked, class ids, audit, true
    class id, labels then) each) and the head's probabilities on the unlabeled members of `sample`."""
    sample = np.asarray(sample, np.int64)
    unl = sample[session.state[sample] == UNLABELED] if len(sample) else sample
    if not len(unl):
        return None
    return est.estimate_from_asked(asked, session.predict_proba(unl), len(session.labeled), seed=len(asked))


def default_head_factory(session) -> Callable[[], object]:
    head = session.head
    return (lambda: LinearHead(C=head.C)) if isinstance(head, LinearHead) else type(head)


def finish_round(session, asked: list, snapshot_idx: np.ndarray | None = None,
                 previous_pred: np.ndarray | None = None, head_factory: Callable[[], object] | None = None,
                 ) -> RoundResult:
    """Refit on all labels; with a fitted head, the cross-validated accuracy (CV_FOLDS, CV_MAX_ITEMS,
    CV_SEED), the share of the tracked predictions that changed since `previous_pred` (on `snapshot_idx`,
    drawn by snapshot_sample when None) and the accuracy estimate; the positives found in search mode."""
    fit_ms = session.refit()
    lab = session.labeled
    stats: dict = {"fit_ms": round(fit_ms, 1), "n_classes": session.n_classes_labeled}
    result = RoundResult(stats)
    if session.head.is_fitted:
        result.head = session.head.to_arrays() if hasattr(session.head, "to_arrays") else None
        X = session.rows_of(lab)
        cv = stopping.cv_accuracy(head_factory or default_head_factory(session), X, session.state[lab],
                                  folds=CV_FOLDS, seed=CV_SEED, max_items=CV_MAX_ITEMS)
        if cv:
            stats.update(cv_accuracy=cv["accuracy"], cv_low=cv["low"], cv_high=cv["high"])
        sample = snapshot_sample(session.state) if snapshot_idx is None else np.asarray(snapshot_idx, np.int64)
        pred, _ = session.predict(sample)
        stats["changed_fraction"] = stopping.changed_fraction(previous_pred, pred)
        found = accuracy_estimate(session, asked, sample)
        if found:
            stats["estimate"] = found
        result.snapshot = {"idx": np.asarray(sample, np.int64), "pred": np.asarray(pred, np.int64)}
    if session.positive is not None:
        stats["positives"] = int((session.state == session.positive).sum())
    return result
