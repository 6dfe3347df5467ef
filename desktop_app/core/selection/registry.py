"""Strategy name -> stateless function (ctx, n) -> list[Pick]."""
from __future__ import annotations

from desktop_app.core.selection.hybrid import hybrid
from desktop_app.core.selection.kcenter import kcenter
from desktop_app.core.selection.random_pick import random_pick
from desktop_app.core.selection.seals import seals, seals_plain
from desktop_app.core.selection.search import search
from desktop_app.core.selection.uncertain import entropy, least_confidence, margin

STRATEGIES = {
    "seals": seals,
    "seals-plain": seals_plain,
    "hybrid": hybrid,
    "search": search,
    "entropy": entropy,
    "margin": margin,
    "least-confidence": least_confidence,
    "kcenter": kcenter,
    "random": random_pick,
}

# strategies whose candidates come from the SEALS kNN pool (the session keeps it up to date)
USES_POOL = {"seals", "seals-plain", "hybrid", "search"}
# strategies whose batches get no audit picks: "find more of" asks for positives only
NO_AUDIT = {"search"}
# strategies that also get representatives of regions with no label yet (ctx.anchors)
USES_ANCHORS = {"seals", "hybrid", "search"}


def get_strategy(name: str):
    from desktop_app.errors import ShoalError

    try:
        return STRATEGIES[name]
    except KeyError:
        raise ShoalError(f"unknown strategy {name!r}; choose from: {', '.join(sorted(STRATEGIES))}") from None
