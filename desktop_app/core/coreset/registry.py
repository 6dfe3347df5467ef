"""Core-set method name -> Method(fn, help, uses_proxy). `auto` names the method the development-set
benchmark (desktop_app.quality_bench.coreset, figures in docs/benchmarks.md) found best: `weighted`
(`prototypes` whose kept items carry the weight of their k-means group, plus boundary items above 30%
kept), level with or ahead of the unweighted `prototypes` at every share on the three development sets."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from desktop_app.core.coreset import weighted as _weighted
from desktop_app.core.coreset.base import CoresetInput, Kept
from desktop_app.core.coreset.ccs import ccs
from desktop_app.core.coreset.kcenter import kcenter
from desktop_app.core.coreset.moderate import moderate
from desktop_app.core.coreset.prototypes import prototypes
from desktop_app.core.coreset.random_keep import random_keep
from desktop_app.core.coreset.redundancy import redundancy
from desktop_app.core.coreset.uncertainty import uncertainty
from desktop_app.errors import ShoalError


@dataclass(frozen=True)
class Method:
    fn: Callable[[CoresetInput], Kept]
    help: str
    uses_proxy: bool   # trains the head out-of-fold (5 fits) before ranking, and needs two labels for it


METHODS = {
    "weighted": Method(_weighted.weighted, "prototypes carrying the weight of their k-means group, plus boundary "
                       "items above 30% kept (a weighted core-set: train with the weight column)", False),
    "prototypes": Method(prototypes, "per class, one item nearest each of k-means' groups (no model)", False),
    "kcenter": Method(kcenter, "greedy k-center on the embeddings, per class", False),
    "uncertainty": Method(uncertainty, "hardest for the out-of-fold head, plus the most typical per class", True),
    "ccs": Method(ccs, "drop the hardest 10%, then cover easy to hard evenly (out-of-fold head)", True),
    "moderate": Method(moderate, "items at the median distance to their class centre", False),
    "redundancy": Method(redundancy, "drop easy near-duplicates first (kNN within each class)", True),
    "random": Method(random_keep, "a random subset (the baseline)", False),
}
AUTO = "weighted"


def resolve(name: str) -> str:
    name = AUTO if name == "auto" else name
    if name not in METHODS:
        raise ShoalError(f"unknown core-set method {name!r}; choose from: auto, {', '.join(METHODS)}")
    return name


def select(inp: CoresetInput, method: str = "auto") -> Kept:
    return METHODS[resolve(method)].fn(inp)
