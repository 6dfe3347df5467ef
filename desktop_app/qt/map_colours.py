"""How the Map tab colours its points: a registry of colourings (label, prediction, uncertainty, suspicion,
audit). Each takes the map, the rows drawn and what the view knows, and returns RGBA colours, point sizes and
legend entries [(rgb, text)]."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from desktop_app.ops.map import UNLABELED

GREY = (200, 200, 200, 160)
PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
           (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]  # matplotlib's tab10, as in `shoal map`
RED = (214, 39, 40)
PURPLE = (120, 60, 170)
SURE, UNSURE = np.array((44, 120, 200)), np.array((230, 80, 30))


@dataclass
class Known:
    """What the view knows besides the map: suspects, audit picks (sorted idx) and the model's guesses."""
    suspects: np.ndarray | None = None
    audit: np.ndarray | None = None
    preds: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None   # (sorted idx, class id, confidence)


Colouring = Callable[[object, np.ndarray, Known], tuple[np.ndarray, np.ndarray, list]]


def _base(n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.tile(np.array(GREY, np.int64), (n, 1)), np.full(n, 4.0)


def _by_class(m, rows: np.ndarray, classes: np.ndarray, suffix: str = "") -> tuple[np.ndarray, np.ndarray, list]:
    colours, sizes = _base(len(rows))
    legend = []
    for i, (lid, name) in enumerate(m.names.items()):
        sel = classes == lid
        colours[sel] = (*PALETTE[i % len(PALETTE)], 230)
        sizes[sel] = 7.0
        if sel.any():
            legend.append((PALETTE[i % len(PALETTE)], f"{name}{suffix} ({int(sel.sum()):,})"))
    return colours, sizes, legend


def by_label(m, rows, known):
    return _by_class(m, rows, m.label[rows])


def _predicted(m, rows, known) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(has a guess, class id, confidence) per drawn row."""
    idx = m.idx[rows]
    has = np.zeros(len(rows), bool)
    pred = np.full(len(rows), UNLABELED, np.int64)
    conf = np.zeros(len(rows), np.float32)
    if known.preds is not None and len(known.preds[0]):
        p_idx, p_cls, p_conf = known.preds
        pos = np.clip(np.searchsorted(p_idx, idx), 0, len(p_idx) - 1)
        has = (p_idx[pos] == idx) & (p_cls[pos] >= 0)
        pred[has], conf[has] = p_cls[pos[has]], p_conf[pos[has]]
    return has, pred, conf


def by_prediction(m, rows, known):
    _, pred, _ = _predicted(m, rows, known)
    return _by_class(m, rows, pred, suffix=" (guess)")


def by_uncertainty(m, rows, known):
    has, _, conf = _predicted(m, rows, known)
    colours, sizes = _base(len(rows))
    if not has.any():
        return colours, sizes, []
    k = max(2, len(m.names))
    unsure = np.clip((1.0 - conf[has]) * k / (k - 1), 0, 1)[:, None]   # 0: certain, 1: all classes even
    colours[has, :3] = np.rint(SURE * (1 - unsure) + UNSURE * unsure).astype(np.int64)
    colours[has, 3] = 220
    sizes[has] = 5.0 + 4.0 * unsure[:, 0]
    n_unsure = int((unsure[:, 0] >= 0.5).sum())
    return colours, sizes, [(tuple(SURE), "sure"), (tuple(UNSURE), f"unsure ({n_unsure:,} at least half-way)")]


def _members(m, rows, among: np.ndarray | None, rgb, text: str):
    colours, sizes = _base(len(rows))
    if among is None:
        return colours, sizes, []
    sel = np.isin(m.idx[rows], among)
    colours[sel] = (*rgb, 240)
    sizes[sel] = 8.0
    return colours, sizes, [(rgb, f"{text} ({int(sel.sum()):,})")]


def by_suspicion(m, rows, known):
    return _members(m, rows, known.suspects, RED, "suspicious")


def by_audit(m, rows, known):
    return _members(m, rows, known.audit, PURPLE, "audit picks")


# key -> (combo text, colouring, what it needs but lacks: a hint shown when that is missing)
COLOUR_BY: dict[str, tuple[str, Colouring]] = {
    "label": ("Colour by label", by_label),
    "prediction": ("Colour by the model's guess", by_prediction),
    "uncertainty": ("Colour by uncertainty", by_uncertainty),
    "suspicion": ("Colour by suspicion (Suspicious tab)", by_suspicion),
    "audit": ("Colour by audit picks", by_audit),
}
