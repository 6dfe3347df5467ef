"""The proxy's view of each labeled item: out-of-fold probability of its own label (the head trained on
the other folds), shared by the methods that rank by hardness (selection via proxy)."""
from __future__ import annotations

import numpy as np

from desktop_app.core.coreset.base import CoresetInput

FOLDS = 5


def own_label_proba(inp: CoresetInput, folds: int = FOLDS) -> tuple[np.ndarray, np.ndarray]:
    """(p of the item's own label, margin = p(own) - best other p), both out-of-fold."""
    from desktop_app.core.learning.oof import out_of_fold_proba

    if inp.proxy is not None:
        return inp.proxy
    inp.check_cancel()
    proba, classes = out_of_fold_proba(inp.X, inp.y, folds=folds, seed=inp.seed)
    inp.check_cancel()
    col = np.searchsorted(classes, inp.y)
    rows = np.arange(len(inp.y))
    own = proba[rows, col].copy()
    other = proba.copy()
    other[rows, col] = -1.0
    inp.proxy = (own, own - other.max(axis=1))
    inp.top2 = (proba > own[:, None]).sum(axis=1) <= 1   # at most one label likelier than the own one
    return inp.proxy
