"""moderate: per class, keep the items whose distance to the class centre is closest to the class's
median distance (Xia et al., Moderate Coreset, ICLR 2023): neither the redundant easy core nor the
outliers and likely mislabels. Needs no model: one pass over the embeddings."""
from __future__ import annotations

import numpy as np

from desktop_app.core.coreset.base import (
    CoresetInput,
    Kept,
    class_centres,
    quotas,
    top_per_group,
)


def moderate(inp: CoresetInput) -> Kept:
    X = np.asarray(inp.X, np.float32)
    classes, centres = class_centres(X, inp.y)
    dist = 1.0 - np.einsum("ij,ij->i", X, centres[np.searchsorted(classes, inp.y)])
    score = np.zeros(len(dist), np.float32)
    for c in classes:
        members = np.flatnonzero(inp.y == c)
        score[members] = -np.abs(dist[members] - np.median(dist[members]))
    kept = top_per_group(score, quotas(inp.y, inp.n_keep, inp.stratify))
    return Kept(kept, score[kept], [f"moderate item of {inp.name(inp.y[i])!r} (distance {dist[i]:.3f} to the class "
                                    f"centre, near the class median)" for i in kept])
