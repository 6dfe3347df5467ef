"""uncertainty: keep what the proxy head, trained out-of-fold, finds hardest (smallest margin of the
item's own label over the best other one), plus a floor of the most typical items of each class
(highest own-label probability) so every class keeps its core (selection via proxy, Coleman et al.)."""
from __future__ import annotations

import numpy as np

from desktop_app.core.coreset.base import CoresetInput, Kept, quotas
from desktop_app.core.coreset.proxy import own_label_proba

TYPICAL_FLOOR = 0.2   # share of each class quota given to its most typical items


def uncertainty(inp: CoresetInput) -> Kept:
    own, margin = own_label_proba(inp)
    positions, reasons = [], []
    for group, k in quotas(inp.y, inp.n_keep, inp.stratify):
        n_typical = int(round(TYPICAL_FLOOR * k))
        order = group[np.argsort(-margin[group], kind="stable")]
        typical = order[:n_typical]
        hard = order[n_typical:][::-1][:k - n_typical]
        positions += [hard, typical]
        reasons += [f"hard for the model (out-of-fold p(label) {own[i]:.2f}, margin {margin[i]:+.2f})" for i in hard]
        reasons += [f"typical of {inp.name(inp.y[i])!r} (out-of-fold p(label) {own[i]:.2f})" for i in typical]
    pos = np.concatenate(positions) if positions else np.empty(0, np.int64)
    return Kept(pos, (1.0 - own[pos]).astype(np.float32), reasons)
