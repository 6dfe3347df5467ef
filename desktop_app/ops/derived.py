"""Derived state read back from a project (the head, the prediction snapshot), checked before use.

A damaged derived row (NaN weights, wrong shapes, a pickle, a snapshot pointing past the items)
is dropped: the caller gets an untrained head or no snapshot, the next round rebuilds them and
overwrites the damaged rows. `shoal status` says what was dropped (`problems`)."""
from __future__ import annotations

import numpy as np

from desktop_app.core.learning.heads import LinearHead
from desktop_app.store.project import Project


def _dim(project: Project) -> int | None:
    dim = project.meta("dim")
    return dim if type(dim) is int and dim > 0 else None


def load_head(project: Project) -> LinearHead:
    """The saved head, or an untrained one when none is saved or the saved one is damaged."""
    arrays = project.derived_arrays("head")
    if not arrays:
        return LinearHead()
    try:
        return LinearHead.from_arrays(arrays, dim=_dim(project))
    except ValueError:
        return LinearHead()


def head_damaged(project: Project) -> bool:
    arrays = project.derived_arrays("head")
    if arrays is None:
        return True
    if not arrays:
        return False
    try:
        LinearHead.from_arrays(arrays, dim=_dim(project))
        return False
    except ValueError:
        return True


def load_snapshot(project: Project) -> dict[str, np.ndarray]:
    """The tracked predictions {idx, pred}, or {} when none are saved or they are damaged."""
    snap = project.derived_arrays("snapshot") or {}
    idx, pred = snap.get("idx"), snap.get("pred")
    if idx is None:
        return {}
    n = project.n_items
    if (idx.ndim != 1 or idx.dtype.kind not in "iu" or (len(idx) and (idx.min() < 0 or idx.max() >= n))
            or (pred is not None and (pred.shape != idx.shape or pred.dtype.kind not in "iu"))):
        return {}
    return {"idx": idx.astype(np.int64), **({"pred": pred.astype(np.int64)} if pred is not None else {})}


def problems(project: Project) -> list[str]:
    """One line per damaged row found (and what Shoal does about it), for `shoal status`."""
    out = []
    if head_damaged(project):
        out.append("the saved model (head) is damaged: it is ignored and retrained at the next round")
    snap = project.derived_arrays("snapshot")
    if snap is None or (snap and not load_snapshot(project)):
        out.append("the saved prediction snapshot is damaged: it is ignored and rebuilt at the next round")
    bad = project.damaged_labels()
    if bad:
        out.append(f"{bad} label row(s) are damaged (a label id that is not a label, or an item that does not "
                   "exist): they are kept in the file but ignored")
    return out
