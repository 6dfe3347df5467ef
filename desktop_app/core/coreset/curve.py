"""The learning curve of a choice, for the GUI: macro-F1 on a held-out 20% of the labeled items of the
head trained on what a method keeps of the other 80%, at several shares, beside a random subset of the
same size (same class quotas) and beside all of the 80%."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from desktop_app.core.coreset.base import CoresetInput
from desktop_app.core.coreset.registry import METHODS, resolve

SHARES = (0.1, 0.2, 0.3, 0.5, 0.7)
REPEAT_BELOW = 5000


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
    repeats: int = 1


def _f1(X_tr, y_tr, X_te, y_te, weights=None) -> float:
    from sklearn.metrics import f1_score

    from desktop_app.core.learning.heads import LinearHead

    head = LinearHead().fit(X_tr, y_tr, sample_weight=weights)
    return float(f1_score(y_te, head.predict(X_te), average="macro", zero_division=0))


def learning_curve(inp: CoresetInput, method: str, shares=SHARES) -> Curve | None:
    """None when there are too few items to hold any out (fewer than 2 per class or 40 in all). Below
    REPEAT_BELOW items the figures are means over 3 splits (a small held-out set is noisy)."""
    from desktop_app.core.simulate import split

    y = np.asarray(inp.y)
    _, counts = np.unique(y, return_counts=True)
    if len(counts) < 2 or counts.min() < 2 or len(y) < 40:
        return None
    name = resolve(method)
    repeats = 3 if len(y) < REPEAT_BELOW else 1
    sums = np.zeros((len(shares), 2))
    all_f1 = 0.0
    for r in range(repeats):
        tr, te = split(y, inp.seed + r)
        X, Xte, ytr, yte = inp.X[tr], inp.X[te], y[tr], y[te]
        base = replace(inp, X=X, y=ytr, seed=inp.seed + r, proxy=None, top2=None, progress=None)
        for i, share in enumerate(shares):
            inp.check_cancel()
            n = max(1, int(round(share * len(tr))))
            step = replace(base, n_keep=n, proxy=base.proxy, top2=base.top2)
            got = METHODS[name].fn(step)
            kept = got.positions
            base.proxy, base.top2 = step.proxy, step.top2
            rnd = METHODS["random"].fn(replace(base, n_keep=n)).positions
            sums[i] += (_f1(X[kept], ytr[kept], Xte, yte, got.weights), _f1(X[rnd], ytr[rnd], Xte, yte))
            inp.report(r * (len(shares) + 1) + i + 1, repeats * (len(shares) + 1))
        all_f1 += _f1(X, ytr, Xte, yte)
        inp.report((r + 1) * (len(shares) + 1), repeats * (len(shares) + 1))
    points = [CurvePoint(share, max(1, int(round(share * len(tr)))), float(a / repeats), float(b / repeats))
              for share, (a, b) in zip(shares, sums)]
    return Curve(name, points, all_f1 / repeats, len(tr), len(te), repeats)
