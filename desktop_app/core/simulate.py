"""Oracle replay: hide known labels, let a strategy ask for them, record learning curves."""
from __future__ import annotations

import time

import numpy as np

from desktop_app.core.index.hnsw import build_index
from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.rounds import accuracy_estimate, snapshot_sample
from desktop_app.core.selection.base import UNLABELED
from desktop_app.core.session import Session


def replay_index(X: np.ndarray):
    """The kNN index of a replay: built single-threaded, so the same seed gives the same curve."""
    return build_index(X, np.arange(len(X)), threads=1)


def split(y: np.ndarray, seed: int, test_frac: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    strat = y if np.unique(y, return_counts=True)[1].min() >= 2 else None
    train, test = train_test_split(idx, test_size=test_frac, random_state=seed, stratify=strat)
    return np.sort(train), np.sort(test)


def evaluate(head: LinearHead, X: np.ndarray, y: np.ndarray, positive: int | None) -> dict:
    from sklearn.metrics import accuracy_score, average_precision_score, f1_score

    pred = head.predict(X)
    out = {"accuracy": float(accuracy_score(y, pred)),
           "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0))}
    if positive is not None:
        if head.is_fitted and positive in head.classes_:
            score = head.predict_proba(X)[:, list(head.classes_).index(positive)]
        else:
            score = np.zeros(len(y))
        out["average_precision"] = float(average_precision_score(y == positive, score))
    return out


def initial_set(y: np.ndarray, n: int, rng: np.random.Generator, positive: int | None,
                force_positive: bool = True) -> np.ndarray:
    chosen = rng.choice(len(y), size=min(n, len(y)), replace=False)
    if force_positive and positive is not None and not (y[chosen] == positive).any():
        chosen[0] = rng.choice(np.flatnonzero(y == positive))
    return np.unique(chosen)


def run_one(X: np.ndarray, y: np.ndarray, strategy: str, *, budget: int, batch: int, init: int, seed: int,
            positive: int | None = None, k: int = 100, head_factory=LinearHead, index=None,
            split_idx: tuple[np.ndarray, np.ndarray] | None = None, signals: bool = False,
            audit_share: float = 0.0, query: np.ndarray | None = None, force_positive: bool = True) -> list[dict]:
    """One replay; a point per round. `query`: the search query's vector (find more of, seeded by a
    phrase or an example image); force_positive=False lets the start set hold no positive at all.
    With signals, also the stopping signals the app computes, by the app's own computation
    (Session.finish_round, core/rounds.py: the same folds, sample sizes and tracked-prediction sample):
    cross-validated accuracy on the labels, share of predictions changed, the recommendation, and the
    accuracy estimate beside the true accuracy of the head on the items still unlabeled."""
    from desktop_app.core import stopping

    train, test = split_idx or split(y, seed)
    Xtr, ytr, Xte, yte = X[train], y[train], X[test], y[test]
    if positive is not None:
        ytr, yte = (ytr == positive).astype(np.int64), (yte == positive).astype(np.int64)
        positive = 1
    rng = np.random.default_rng(seed)
    state = np.full(len(ytr), UNLABELED, np.int64)
    first = initial_set(ytr, init, rng, positive, force_positive)
    state[first] = ytr[first]
    index = index if index is not None else replay_index(Xtr)
    session = Session(Xtr, state, index=index, head=head_factory(), k=k, seed=seed, positive=positive,
                      audit_share=audit_share)
    session.set_query(query)
    asked: list[tuple] = []  # (proba when picked, classes, audit, truth, labels then): the accuracy estimate
    curve: list[dict] = []
    select_s = 0.0
    snapshot, prev_pred = None, None  # the tracked predictions, drawn at the first round as the app does
    while True:
        if signals:
            result = session.finish_round(asked, snapshot_idx=snapshot, previous_pred=prev_pred,
                                          head_factory=head_factory)
            fit_ms = result.stats["fit_ms"]
            if result.snapshot is not None:
                snapshot, prev_pred = result.snapshot["idx"], result.snapshot["pred"]
        else:
            fit_ms = session.refit()
        n_lab = len(session.labeled)
        point = {"n_labeled": n_lab, **evaluate(session.head, Xte, yte, positive),
                 "select_seconds": select_s, "train_seconds": fit_ms / 1000}
        if positive is not None:
            point["positives_found"] = int((session.state == positive).sum())
        if not curve:
            point["start"] = first.tolist()  # the shared start set (train-pool positions)
        if signals and session.head.is_fitted:
            point["changed_fraction"] = result.stats.get("changed_fraction")
            point["cv_accuracy"] = result.stats.get("cv_accuracy")
            point.update(true_accuracy_point(session, ytr, result.stats.get("estimate")))
            point["recommendation"] = stopping.recommendation(curve + [point])
        elif audit_share > 0:  # the estimate the app would show, beside the truth
            if snapshot is None and session.head.is_fitted:
                snapshot = snapshot_sample(session.state)
            point.update(estimate_point(session, asked, ytr, snapshot))
        curve.append(point)
        if n_lab >= budget or session.n_unlabeled() == 0:
            break
        t = time.perf_counter()
        picks = session.select(min(batch, budget - n_lab), strategy)
        select_s = time.perf_counter() - t
        if not picks:
            break
        got = np.array([p.idx for p in picks], np.int64)
        asked += [(p.proba, session.head.classes_.copy(), p.audit, int(ytr[p.idx]), n_lab) for p in picks
                  if p.proba is not None]
        session.set_state(got, ytr[got])
        curve[-1]["asked"] = got.tolist()  # train-pool positions asked for after this point
    return curve


def estimate_point(session: Session, asked: list, ytr: np.ndarray, sample: np.ndarray | None) -> dict:
    """The app's accuracy estimate for the current head (core.rounds.accuracy_estimate, on the unlabeled
    members of the tracked sample, as ops.loop.finish_round computes it on a project), and the truth it
    estimates. `asked`: (probabilities when picked, classes, audit, truth, labels then) per pick."""
    if sample is None or not asked:
        return {}
    return true_accuracy_point(session, ytr, accuracy_estimate(session, asked, sample))


def true_accuracy_point(session: Session, ytr: np.ndarray, estimate: dict | None) -> dict:
    """The estimate beside the truth it estimates: the head's accuracy on every item still unlabeled."""
    unl = np.flatnonzero(session.state == UNLABELED)
    if not estimate or not len(unl):
        return {}
    pred = session.head.classes_[np.argmax(session.predict_proba(unl), axis=1)]
    return {"true_accuracy_unlabeled": float((pred == ytr[unl]).mean()), "estimate": estimate}


def full_supervision(X, y, seed: int, positive: int | None, head_factory=LinearHead) -> dict:
    train, test = split(y, seed)
    ytr, yte = y[train], y[test]
    if positive is not None:
        ytr, yte, positive = (ytr == positive).astype(np.int64), (yte == positive).astype(np.int64), 1
    head = head_factory().fit(X[train], ytr)
    return evaluate(head, X[test], yte, positive)


def labels_to_reach(curve: list[dict], target: float, metric: str = "macro_f1") -> int | None:
    for p in curve:
        if p[metric] >= target:
            return p["n_labeled"]
    return None


def summary_table(result: dict, metric: str = "macro_f1") -> str:
    full = result["full_supervision"][metric]
    target = 0.95 * full
    lines = [f"{result['dataset']}: {result['n_items']} items; full supervision {metric} {full:.3f}; "
             f"target 95% = {target:.3f}",
             f"{'strategy':<18}{'final ' + metric:>16}{'labels to target (median)':>28}{'select s/round':>16}"]
    for strat in dict.fromkeys(r["strategy"] for r in result["runs"]):
        runs = [r for r in result["runs"] if r["strategy"] == strat]
        finals = [r["curve"][-1][metric] for r in runs]
        reach = [labels_to_reach(r["curve"], target, metric) for r in runs]
        reached = [x for x in reach if x is not None]
        med = f"{int(np.median(reached))} ({len(reached)}/{len(runs)} runs)" if reached else "not reached"
        sel = np.mean([p["select_seconds"] for r in runs for p in r["curve"][1:]] or [0])
        lines.append(f"{strat:<18}{np.median(finals):>16.3f}{med:>28}{sel:>16.4f}")
    for strat in dict.fromkeys(r["strategy"] for r in result["runs"]):
        pts = [p for r in result["runs"] if r["strategy"] == strat for p in r["curve"]
               if p.get("estimate") and p["n_labeled"] >= 200]
        if pts:
            inside = np.mean([p["estimate"]["accuracy_interval"][0] <= p["true_accuracy_unlabeled"]
                              <= p["estimate"]["accuracy_interval"][1] for p in pts])
            width = np.mean([p["estimate"]["accuracy_interval"][1] - p["estimate"]["accuracy_interval"][0] for p in pts])
            lines.append(f"{strat}: accuracy estimate covers the true accuracy on the unlabeled items at {inside:.0%} "
                         f"of {len(pts)} rounds after 200 labels (95% interval, mean width {width:.3f})")
    return "\n".join(lines)
