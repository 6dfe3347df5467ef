"""Out-of-fold class probabilities of a head on labeled embeddings (stratified k-fold).

Shared by everything that must judge labeled items with a model that did not see them: suspicious
labels, core-set ranking, the out-of-fold figures of `shoal train`."""
from __future__ import annotations

import numpy as np

from desktop_app.core.learning.heads import LinearHead


def out_of_fold_proba(X: np.ndarray, y: np.ndarray, folds: int = 5, seed: int = 0,
                      head_factory=LinearHead) -> tuple[np.ndarray, np.ndarray]:
    """(proba (n, n_classes) in the order of `classes`, classes). Each row comes from a head trained
    on the other folds. Classes with fewer members than folds lower the fold count (at least 2);
    a class with a single member gets the prior of a head that never saw it (probability 0 for it)."""
    from sklearn.model_selection import StratifiedKFold

    X = np.asarray(X, np.float32)
    y = np.asarray(y, np.int64)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError("out-of-fold probabilities need at least two classes")
    k = int(max(2, min(folds, counts.max(), len(y) // 2)))
    proba = np.zeros((len(y), len(classes)), np.float32)
    import warnings

    with warnings.catch_warnings():  # classes smaller than k: sklearn warns, folds stay valid
        warnings.simplefilter("ignore", UserWarning)
        splits = list(StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y))
    for train, test in splits:
        head = head_factory().fit(X[train], y[train])
        if not head.is_fitted:  # one class in this training fold
            proba[np.ix_(test, np.searchsorted(classes, head.classes_))] = 1.0
            continue
        cols = np.searchsorted(classes, head.classes_)
        proba[np.ix_(test, cols)] = head.predict_proba(X[test])
    return proba, classes
