"""Strategy name -> Strategy(stateless function (ctx, n) -> list[Pick], and its facts)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from desktop_app.core.selection.badge import badge
from desktop_app.core.selection.committee import qbc
from desktop_app.core.selection.egl import egl
from desktop_app.core.selection.hybrid import hybrid
from desktop_app.core.selection.kcenter import kcenter
from desktop_app.core.selection.random_pick import random_pick
from desktop_app.core.selection.seals import seals, seals_plain
from desktop_app.core.selection.search import search
from desktop_app.core.selection.typiclust import tcm, tcm_seals, typiclust
from desktop_app.core.selection.uncertain import entropy, least_confidence, margin


@dataclass(frozen=True)
class Strategy:
    """A selection strategy and the facts the session and the interfaces need about it. A new strategy is
    one module with its function plus one line here."""
    fn: Callable
    help: str
    uses_pool: bool = False      # candidates come from the SEALS kNN pool (the session keeps it up to date)
    uses_anchors: bool = False   # also gets representatives of regions with no label yet (ctx.anchors)
    audit: bool = True           # batches get audit picks (not "find more of": it asks for positives only)
    uses_query: bool = False     # gets the nearest items of the user's query (ctx.query_near), when there is one


REGISTRY: dict[str, Strategy] = {
    "seals": Strategy(seals, "uncertain items among the kNN of labeled items, plus unlabeled regions (default)",
                      uses_pool=True, uses_anchors=True),
    "seals-plain": Strategy(seals_plain, "SEALS as published: uncertain items among the kNN of labeled items",
                            uses_pool=True),
    "hybrid": Strategy(hybrid, "like seals, with a share of medium-uncertainty pool items (fewer outliers)",
                       uses_pool=True, uses_anchors=True),
    "search": Strategy(search, "find more of one label: the items most likely to carry it", uses_pool=True,
                       uses_anchors=True, audit=False, uses_query=True),
    "entropy": Strategy(entropy, "full pool, highest entropy of the class probabilities"),
    "margin": Strategy(margin, "full pool, smallest gap between the top two classes"),
    "least-confidence": Strategy(least_confidence, "full pool, lowest top-class probability"),
    "kcenter": Strategy(kcenter, "coverage: the items farthest from everything labeled (k-center greedy)"),
    "tcm": Strategy(tcm, "budget-aware: typical items of dense unlabeled regions while labels are few (under 3 a "
                    "class), then margin (TypiClust then margin, Hacohen et al. 2022)"),
    "tcm-seals": Strategy(tcm_seals, "budget-aware: typical items of dense unlabeled regions while labels are few "
                          "(under 3 a class), then seals", uses_pool=True, uses_anchors=True),
    "typiclust": Strategy(typiclust, "typical items of the dense regions holding the fewest labels (TypiClust)"),
    "badge": Strategy(badge, "uncertain and diverse: k-means++ on the head's gradient embeddings (BADGE)"),
    "qbc": Strategy(qbc, "query by committee: where 5 heads trained on bootstrap resamples disagree (vote entropy)"),
    "egl": Strategy(egl, "expected model change: the largest expected gradient of the head (expected gradient length)"),
    "random": Strategy(random_pick, "uniformly at random (a baseline)"),
}

# derived views, for the callers that only need one fact
STRATEGIES = {name: s.fn for name, s in REGISTRY.items()}
USES_POOL = {name for name, s in REGISTRY.items() if s.uses_pool}
NO_AUDIT = {name for name, s in REGISTRY.items() if not s.audit}
USES_ANCHORS = {name for name, s in REGISTRY.items() if s.uses_anchors}
USES_QUERY = {name for name, s in REGISTRY.items() if s.uses_query}


def strategy_help() -> str:
    """One line per strategy, for --help and tooltips."""
    return "; ".join(f"{name}: {s.help}" for name, s in REGISTRY.items())


def get_strategy(name: str):
    from desktop_app.errors import ShoalError

    try:
        return STRATEGIES[name]
    except KeyError:
        raise ShoalError(f"unknown strategy {name!r}; choose from: {', '.join(sorted(STRATEGIES))}") from None
