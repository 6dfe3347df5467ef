"""The report's figures, computed from simulate results (dicts as written by simulate_arrays)."""
from __future__ import annotations

import numpy as np

from desktop_app.core.simulate import labels_to_reach


def runs_of(result: dict, strategy: str) -> dict[int, list[dict]]:
    return {r["seed"]: r["curve"] for r in result["runs"] if r["strategy"] == strategy}


def spread(values) -> str:
    """'median [min-max] (n)' over seeds; '-' when empty."""
    v = [x for x in values if x is not None]
    if not v:
        return "-"
    if all(float(x).is_integer() for x in v):
        return f"{np.median(v):g} [{min(v):g}-{max(v):g}]"
    return f"{np.median(v):.2f} [{min(v):.2f} to {max(v):.2f}]"


def labels_ratio(result: dict, strategy: str, base: str = "random", share: float = 0.95,
                 metric: str = "macro_f1") -> dict:
    """Per seed: labels `strategy` needs to reach share x full-supervision metric (same split) over the
    labels `base` needs. A run that never reaches it within the budget gives no ratio (counted)."""
    fulls = result["full_supervision_per_seed"]
    a, b = runs_of(result, strategy), runs_of(result, base)
    ratios, need_a, need_b, censored = [], [], [], 0
    for seed in sorted(a):
        target = share * fulls[seed][metric]
        la, lb = labels_to_reach(a[seed], target, metric), labels_to_reach(b[seed], target, metric)
        need_a.append(la)
        need_b.append(lb)
        if la is not None and lb is None:  # base needs more than the budget: la / budget is an upper bound
            lb, censored = b[seed][-1]["n_labeled"], censored + 1
        ratios.append(la / lb if la is not None and lb is not None else None)
    return {"ratios": ratios, "labels": need_a, "base_labels": need_b, "censored": censored,
            "reached": sum(x is not None for x in need_a), "base_reached": sum(x is not None for x in need_b),
            "seeds": len(a)}


def final_gap(result: dict, strategy: str, other: str, metric: str = "macro_f1") -> list[float]:
    """Per seed: final metric of strategy minus that of other, in points (x100)."""
    a, b = runs_of(result, strategy), runs_of(result, other)
    return [100 * (a[s][-1][metric] - b[s][-1][metric]) for s in sorted(a) if s in b]


def worst_ratio(result: dict, strategy: str, base: str = "random", metric: str = "macro_f1") -> dict:
    """Smallest ratio over budgets of median metric (strategy / base), skipping the shared start point;
    also the smallest per-seed ratio and the budget where the median ratio is lowest."""
    a, b = runs_of(result, strategy), runs_of(result, base)
    n = min(min(len(c) for c in a.values()), min(len(c) for c in b.values()))
    ya = np.array([[a[s][i][metric] for i in range(1, n)] for s in sorted(a)])
    yb = np.array([[b[s][i][metric] for i in range(1, n)] for s in sorted(a)])
    med = np.median(ya, axis=0) / np.maximum(np.median(yb, axis=0), 1e-9)
    per_seed = ya / np.maximum(yb, 1e-9)
    at = int(np.argmin(med))
    return {"median_min": float(med[at]), "at_labels": int(a[sorted(a)[0]][at + 1]["n_labeled"]),
            "seed_min": float(per_seed.min())}


def select_time(result: dict, strategy: str) -> float:
    """Median selection seconds per round (all rounds after the first, all seeds)."""
    return float(np.median([p["select_seconds"] for c in runs_of(result, strategy).values() for p in c[1:]]))


def positives_at(curve: list[dict], budget: int) -> int:
    """Positives found once `budget` labels are in (the first point at or past it)."""
    for p in curve:
        if p["n_labeled"] >= budget:
            return p["positives_found"]
    return curve[-1]["positives_found"]


def stop_point(curve: list[dict]) -> dict | None:
    """The first round where the recommendation says to consider stopping."""
    for p in curve:
        if "consider stopping" in str(p.get("recommendation", "")):
            return p
    return None


def plateau_point(curve: list[dict], metric: str = "macro_f1", within: float = 0.01) -> dict:
    """The first round whose metric is within `within` of the best the run ever reached."""
    best = max(p[metric] for p in curve)
    return next(p for p in curve if p[metric] >= best - within)


def stopping_rows(result: dict, strategy: str = "seals", metric: str = "macro_f1") -> list[dict]:
    rows = []
    for seed, curve in sorted(runs_of(result, strategy).items()):
        stop, plat = stop_point(curve), plateau_point(curve, metric)
        best = max(p[metric] for p in curve)
        rows.append({"seed": seed, "stop_labels": stop["n_labeled"] if stop else None,
                     "stop_metric": stop[metric] if stop else None,
                     "plateau_labels": plat["n_labeled"], "best": best, "final": curve[-1][metric],
                     "early": bool(stop and stop["n_labeled"] < plat["n_labeled"]),
                     "gap_points": 100 * (best - stop[metric]) if stop else None})
    return rows
