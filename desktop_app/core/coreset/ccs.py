"""ccs: coverage-centric selection over the proxy's hardness (Zheng et al., ICLR 2023). Per class: drop
the hardest share first (likely mislabels and outliers: out-of-fold p(label) lowest), then spread the
quota evenly over hardness bins, so the kept items cover easy, middling and hard items alike instead of
only one end of the range."""
from __future__ import annotations

import numpy as np

from desktop_app.core.coreset.base import CoresetInput, Kept, quotas
from desktop_app.core.coreset.proxy import own_label_proba

DROP_HARDEST = 0.1   # share of each class removed first (never more than the quota leaves room for)
BINS = 20


def _spread(score: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k positions (into score) spread over BINS equal-width score bins: each bin gets an equal share
    of what is left, a bin with fewer items gives its unused share to the others."""
    edges = np.linspace(score.min(), score.max() + 1e-9, BINS + 1)
    bins = [np.flatnonzero((score >= lo) & (score < hi)) for lo, hi in zip(edges[:-1], edges[1:])]
    bins = sorted((b for b in bins if len(b)), key=len)
    out, left = [], k
    for i, b in enumerate(bins):
        take = min(len(b), left // (len(bins) - i))
        out.append(rng.choice(b, take, replace=False))
        left -= take
    return np.concatenate(out) if out else np.empty(0, np.int64)


def ccs(inp: CoresetInput) -> Kept:
    own, margin = own_label_proba(inp)
    rng = np.random.default_rng(inp.seed)
    positions = []
    for group, k in quotas(inp.y, inp.n_keep, inp.stratify):
        order = group[np.argsort(margin[group], kind="stable")]          # hardest first
        n_drop = min(int(DROP_HARDEST * len(group)), len(group) - k)
        pool = order[n_drop:]
        positions.append(pool[_spread(margin[pool], k, rng)])
    pos = np.concatenate(positions) if positions else np.empty(0, np.int64)
    pos = pos[np.argsort(margin[pos], kind="stable")]
    return Kept(pos, (1.0 - own[pos]).astype(np.float32),
                [f"covers the {'hard' if margin[i] < 0 else 'middle' if margin[i] < 0.5 else 'easy'} items of "
                 f"{inp.name(inp.y[i])!r} (out-of-fold p(label) {own[i]:.2f})" for i in pos])
