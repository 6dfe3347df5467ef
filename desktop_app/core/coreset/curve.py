"""The learning curve of a choice, for the GUI: macro-F1 on a held-out 20% of the labeled items of the
head trained on what a method keeps of the other 80%, at several shares, beside a random subset of the
same size (same class quotas) and beside all of the 80%."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from desktop_app.core.coreset.base import CoresetInput
from desktop_app.core.coreset.registry import METHODS, resolve

SHARES = (0.1, 0.2, 0.3, 0.5, 0.7)


@dataclass
class CurvePoint:
    share: float
    n: int
    method_f1: float
    random_f1: float


@dataclass
class Curve:
    method: str
    points: list[CurvePoint]
    all_f1: float
    n_train: int
    n_test: int


def _f1(X_tr, y_tr, X_te, y_te) -> float:
    from sklearn.metrics import f1_score

    from desktop_app.core.learning.heads import LinearHead

    return float(f1_score(y_te, LinearHead().fit(X_tr, y_tr).predict(X_te), average="macro", zero_division=0))


def learning_curve(inp: CoresetInput, method: str, shares=SHARES) -> Curve | None:
    """None when there are too few items to hold any out (fewer than 2 per class or 40 in all)."""
    from desktop_app.core.simulate import split

    y = np.asarray(inp.y)
    _, counts = np.unique(y, return_counts=True)
    if len(counts) < 2 or counts.min() < 2 or len(y) < 40:
        return None
    name = resolve(method)
    tr, te = split(y, inp.seed)
    X, Xte, ytr, yte = inp.X[tr], inp.X[te], y[tr], y[te]
    base = replace(inp, X=X, y=ytr, proxy=None, progress=None)
    points = []
    for i, share in enumerate(shares):
        inp.check_cancel()
        n = max(1, int(round(share * len(tr))))
        step = replace(base, n_keep=n, proxy=base.proxy)
        kept = METHODS[name].fn(step).positions
        base.proxy = step.proxy
        rnd = METHODS["random"].fn(replace(base, n_keep=n)).positions
        points.append(CurvePoint(share, n, _f1(X[kept], ytr[kept], Xte, yte), _f1(X[rnd], ytr[rnd], Xte, yte)))
        inp.report(i + 1, len(shares) + 1)
    all_f1 = _f1(X, ytr, Xte, yte)
    inp.report(len(shares) + 1, len(shares) + 1)
    return Curve(name, points, all_f1, len(tr), len(te))
