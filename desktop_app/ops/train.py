"""`shoal train`: the final head on every label (logistic regression or a small MLP), with out-of-fold figures,
stored as plain arrays beside what it was trained on (the label names, the encoder identity)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from desktop_app.core.learning.oof import out_of_fold_proba
from desktop_app.core.learning.registry import HEADS
from desktop_app.errors import ShoalError
from desktop_app.ops.embed import embedded_mask
from desktop_app.store.project import Project

MODEL = "model"  # arrays prefix and meta key of the trained model


@dataclass
class TrainedModel:
    head: Any              # a fitted head of core.learning.registry.HEADS
    kind: str              # its registry name
    class_names: list[str]  # label names in the order of the head's classes
    info: dict


def labeled_matrix(project: Project, only=None) -> tuple[np.ndarray, np.ndarray, int]:
    """(X, y label ids, how many labeled items were left out because they have no vector). `only`: item
    rows to restrict to (ops.coreset.resolve_only)."""
    X, y, left_out, _ = _labeled(project, only)
    return X, y, left_out


def _labeled(project: Project, only=None):
    lab_idx, lab_ids, _ = project.current_labels()
    if only is not None:
        inside = np.isin(lab_idx, np.fromiter(only, np.int64, len(only)))
        lab_idx, lab_ids = lab_idx[inside], lab_ids[inside]
    keep = embedded_mask(project)[lab_idx] if len(lab_idx) else np.zeros(0, bool)
    emb = project.load_embeddings()
    rows = lab_idx[keep]
    X = np.asarray(emb[np.sort(rows)], np.float32) if len(rows) else np.zeros((0, int(project.meta("dim", 1))))
    order = np.argsort(rows)
    return X, lab_ids[keep][order], int((~keep).sum()), np.sort(rows)


def train(project: Project, head: str = "logreg", folds: int = 5, only=None) -> dict:
    """`only` (ops.coreset.resolve_only of a keep file): train on those labeled items alone; a dict
    {item row: weight} (a weighted core-set) trains the logistic head with those sample weights."""
    if head not in HEADS:
        raise ShoalError(f"unknown head {head!r}; choose from: {', '.join(HEADS)}")
    weighted = isinstance(only, dict)
    if weighted and head != "logreg":
        raise ShoalError(f"the keep file has weights; only --head logreg trains with them (not {head!r})")
    X, y, left_out, rows = _labeled(project, only)
    weights = np.array([only[int(r)] for r in rows], np.float64) if weighted else None
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ShoalError(f"training needs labeled, embedded items of two labels at least (now: {len(y)} items, "
                         f"{len(classes)} label{'s' if len(classes) != 1 else ''})")
    from sklearn.metrics import f1_score

    t = time.perf_counter()
    oof = None
    if len(y) >= 4:
        proba, oof_classes = out_of_fold_proba(X, y, folds=folds, head_factory=HEADS[head])
        pred = oof_classes[proba.argmax(axis=1)]
        oof = {"accuracy": round(float((pred == y).mean()), 4),
               "macro_f1": round(float(f1_score(y, pred, average="macro")), 4)}
    fitted = HEADS[head]().fit(X, y, sample_weight=weights) if weights is not None else HEADS[head]().fit(X, y)
    names = {l["id"]: l["name"] for l in project.label_set()}
    rounds = project.rounds()
    estimate = rounds[-1].get("estimate") if rounds else None
    info = {"head": head, "classes": [names.get(int(c), str(c)) for c in fitted.classes_],
            "n_labeled": int(len(y)), "per_class": {names.get(int(c), str(c)): int(n) for c, n in zip(classes, counts)},
            "left_out_unembedded": left_out, "oof": oof, "loop_estimate": estimate,
            "subset": None if only is None else {"items": int(len(y)), "weighted": weighted,
                                                  "weight_sum": None if weights is None else float(weights.sum())},
            "encoder": project.meta("encoder"), "encoder_identity": project.meta("encoder_identity"),
            "dim": int(X.shape[1]), "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "seconds": round(time.perf_counter() - t, 2)}
    with project.tx():
        project.put_arrays(MODEL, fitted.to_arrays())
        project.set_meta({MODEL: info})
    return info


def load_model(project: Project) -> TrainedModel:
    """The model `shoal train` stored, checked: the arrays make a head of the stored kind, and it was trained
    on vectors of the project's current encoder."""
    info = project.meta(MODEL)
    hint = f"train one with: shoal train {project.path}"
    if not isinstance(info, dict) or info.get("head") not in HEADS:
        raise ShoalError(f"{project.path.name} has no trained model yet; {hint}")
    arrays = project.derived_arrays(MODEL)
    try:
        head = HEADS[info["head"]].from_arrays(arrays or {}, dim=int(project.meta("dim", 0)) or None)
    except (ValueError, TypeError):
        head = None
    names = info.get("classes")
    if head is None or not head.is_fitted or not isinstance(names, list) or len(names) != len(head.classes_) \
            or not all(isinstance(n, str) for n in names):
        raise ShoalError(f"the trained model in {project.path.name} is damaged; {hint}")
    if info.get("encoder_identity") != project.meta("encoder_identity"):
        raise ShoalError(f"the trained model was fitted on vectors of {info.get('encoder_identity')}, but the project "
                         f"now holds vectors of {project.meta('encoder_identity')}; {hint}")
    return TrainedModel(head=head, kind=info["head"], class_names=names, info=info)
