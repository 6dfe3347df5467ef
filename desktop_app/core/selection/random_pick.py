"""Uniform random selection: the baseline every strategy is measured against."""
from __future__ import annotations

import numpy as np

from desktop_app.core.selection.base import Pick, SelectionContext


def random_pick(ctx: SelectionContext, n: int) -> list[Pick]:
    cand = ctx.unlabeled
    take: np.ndarray | list = ctx.rng.choice(cand, size=min(n, len(cand)), replace=False) if len(cand) else []
    return [Pick(int(i), 0.0, "random", kind="random") for i in take]
