"""random: a random subset within the class quotas (the baseline every other method must beat)."""
from __future__ import annotations

import numpy as np

from desktop_app.core.coreset.base import CoresetInput, Kept, quotas, top_per_group


def random_keep(inp: CoresetInput) -> Kept:
    score = np.random.default_rng(inp.seed).random(len(inp.y))
    kept = top_per_group(score, quotas(inp.y, inp.n_keep, inp.stratify))
    return Kept(kept, score[kept], ["random pick" for _ in kept])
