"""weighted: a weighted core-set. Per class, k-means groups as in `prototypes` (the member nearest each
group's centre is kept), and each kept item carries a weight: how many of the class's items its group
holds, so the head trained on the subset (sample weights) sees each class's density, not only its
coverage. The weights of a class sum to its size. Above a share of BOUNDARY_FROM kept, a growing part
of each class quota (0 at BOUNDARY_FROM, BOUNDARY_MAX from BOUNDARY_FULL on: easy at small budgets,
hard at large ones, as Sorscher et al. 2022 find) goes to boundary items first: the smallest
out-of-fold |margin| among the items whose own label is still one of the proxy head's two likeliest
(hard, but not a likely label error); those count once, and the prototypes of the rest carry the rest
of the class's weight."""
from __future__ import annotations

import numpy as np

from desktop_app.core.coreset.base import CoresetInput, Kept, quotas
from desktop_app.core.coreset.prototypes import _pick, _reduced
from desktop_app.core.coreset.proxy import own_label_proba

BOUNDARY_FROM, BOUNDARY_FULL, BOUNDARY_MAX = 0.3, 0.7, 0.5


def boundary_share(kept_share: float) -> float:
    """The part of each class quota given to boundary items when `kept_share` of the items is kept."""
    ramp = (kept_share - BOUNDARY_FROM) / (BOUNDARY_FULL - BOUNDARY_FROM)
    return float(np.clip(ramp, 0.0, 1.0) * BOUNDARY_MAX)


def _boundary(group: np.ndarray, n: int, margin: np.ndarray, top2: np.ndarray) -> np.ndarray:
    cand = group[top2[group]]
    return cand[np.argsort(np.abs(margin[cand]), kind="stable")[:n]]


def weighted(inp: CoresetInput) -> Kept:
    X = _reduced(np.asarray(inp.X, np.float32), inp.seed)
    groups = quotas(inp.y, inp.n_keep, inp.stratify)
    mix = boundary_share(inp.n_keep / max(len(inp.y), 1)) if len(np.unique(inp.y)) > 1 else 0.0
    margin = top2 = None
    if mix > 0:
        margin = own_label_proba(inp)[1]
        top2 = inp.top2
    positions, weights, reasons = [], [], []
    for done, (group, k) in enumerate(groups):
        inp.check_cancel()
        label = inp.name(inp.y[group[0]]) if inp.stratify else None
        where = f" of {label!r}" if label else ""
        hard = np.empty(0, np.int64)
        if margin is not None and top2 is not None:
            hard = _boundary(group, int(round(mix * k)), margin, top2)
        rest = np.setdiff1d(group, hard) if len(hard) else group
        chosen, sizes = _pick(X[rest], k - len(hard), inp.seed, inp) if k > len(hard) else \
            (np.empty(0, np.int64), np.empty(0, int))
        w = np.r_[np.ones(len(hard)), sizes.astype(np.float64)]
        w *= len(group) / max(w.sum(), 1e-12)   # the class's weights sum to its size
        positions.append(np.r_[hard, rest[chosen]].astype(np.int64))
        weights.append(w)
        reasons += [f"near the boundary{where} (out-of-fold margin {margin[i]:+.2f}); weight {wi:.2f}"
                    for i, wi in zip(hard, w[:len(hard)])] if margin is not None else []
        reasons += [f"stands for {s} similar item{'s' if s != 1 else ''}{where}; weight {wi:.2f}"
                    for s, wi in zip(sizes, w[len(hard):])]
        inp.report(done + 1, len(groups))
    pos = np.concatenate(positions) if positions else np.empty(0, np.int64)
    wt = np.concatenate(weights).astype(np.float32) if weights else np.empty(0, np.float32)
    order = np.argsort(-wt, kind="stable")
    return Kept(pos[order], wt[order], [reasons[i] for i in order], weights=wt[order])
