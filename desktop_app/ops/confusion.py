"""The out-of-fold confusion matrix of the labeled items: each item judged by a head that did not see it
(core/learning/oof.py), so the matrix shows where the labels and the model part ways, per class."""
from __future__ import annotations

from typing import Callable

import numpy as np

from desktop_app.core.learning.oof import out_of_fold_proba
from desktop_app.errors import ShoalError
from desktop_app.ops.suspects import labeled_embedded
from desktop_app.store.project import Project


def oof_confusion(project: Project, folds: int = 5, cancel: Callable[[], bool] | None = None) -> dict:
    """{"classes": label ids, "names", "matrix": (k, k) counts (rows: label, columns: out-of-fold guess),
    "idx", "true", "pred": per labeled, embedded item}."""
    idx, y, X = labeled_embedded(project)
    if len(np.unique(y)) < 2:
        raise ShoalError("the confusion matrix needs labeled, embedded items of at least two labels")
    proba, classes = out_of_fold_proba(X, y, folds=folds)
    if cancel is not None and cancel():
        raise ShoalError("cancelled")
    pred = classes[np.argmax(proba, axis=1)]
    pos = {int(c): i for i, c in enumerate(classes)}
    matrix = np.zeros((len(classes), len(classes)), np.int64)
    np.add.at(matrix, (np.array([pos[int(v)] for v in y]), np.array([pos[int(v)] for v in pred])), 1)
    names = {l["id"]: l["name"] for l in project.label_set()}
    return {"classes": [int(c) for c in classes], "names": [names.get(int(c), str(c)) for c in classes],
            "matrix": matrix, "idx": idx, "true": y, "pred": pred}


def cell_items(conf: dict, true_id: int, pred_id: int) -> np.ndarray:
    """Sorted idx of the items labeled `true_id` that the out-of-fold head guessed as `pred_id`."""
    keep = (conf["true"] == true_id) & (conf["pred"] == pred_id)
    return np.sort(np.asarray(conf["idx"])[keep])
