"""Issue 14's targets for a method, from the curves a peers run saved (`peers --json FILE`).

    python -m desktop_app.quality_bench.targets FILE [--methods a,b]

Per set and method: labels to 95% (crossing of the mean curve) ÷ the best small-text strategy's
(target ≤ 0.85) and ÷ random's (`st:RandomSampling`, else Shoal's `random`; target ≤ 0.5); the worst round's mean macro-F1 ÷
random's at the same budget (target ≥ 0.9: never far below random at any budget); the final macro-F1
minus full-pool margin's (`st:BreakingTies`, target ≥ -0.01).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from desktop_app.quality_bench.estimate import crossing

RANDOM, MARGIN = "st:RandomSampling", "st:BreakingTies"


def mean_curve(curves: list[list[dict]]) -> np.ndarray:
    n = min(len(c) for c in curves)
    return np.mean([[p["macro_f1"] for p in c[:n]] for c in curves], axis=0)


def checks(res: dict, methods: list[str] | None = None) -> list[dict]:
    runs, s = res["runs"], res["summary"]
    best = s["best_peer"]
    cross = {m: crossing(c, s["target"]) for m, c in runs.items()}
    rand_name = RANDOM if RANDOM in runs else "random"
    rand = mean_curve(runs[rand_name]) if rand_name in runs else None
    rows = []
    for m in methods or list(runs):
        if m not in runs:
            continue
        c, mc = cross[m], mean_curve(runs[m])
        row = {"method": m, "labels": c,
               "vs_best": None if c is None or cross[best] is None else c / cross[best],
               "vs_random": None if c is None or cross.get(rand_name) is None else c / cross[rand_name],
               "worst_vs_random": None, "final_vs_margin": None}
        if rand is not None:
            k = min(len(mc), len(rand))
            row["worst_vs_random"] = float(np.min(mc[:k] / rand[:k]))
        if MARGIN in runs:
            row["final_vs_margin"] = float(np.mean([x[-1]["macro_f1"] for x in runs[m]])
                                           - np.mean([x[-1]["macro_f1"] for x in runs[MARGIN]]))
        rows.append(row)
    return rows


def _f(x, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def table(results: dict, methods: list[str] | None = None) -> str:
    lines = []
    for key, res in results.items():
        lines += [f"{key}: best peer {res['summary']['best_peer']}",
                  "| method | labels to 95% | ÷ best peer (≤ 0.85) | ÷ random (≤ 0.5) | worst round ÷ random "
                  "(≥ 0.9) | final − full-pool margin (≥ −0.010) |", "|---|---|---|---|---|---|"]
        for r in sorted(checks(res, methods), key=lambda r: 1e9 if r["labels"] is None else r["labels"]):
            lines.append(f"| {r['method']} | {_f(r['labels'], '.0f')} | {_f(r['vs_best'], '.2f')} | "
                         f"{_f(r['vs_random'], '.2f')} | {_f(r['worst_vs_random'], '.2f')} | "
                         f"{_f(r['final_vs_margin'], '+.3f')} |")
        lines.append("")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("json")
    ap.add_argument("--methods")
    args = ap.parse_args(argv)
    results = json.loads(Path(args.json).read_text())
    print(table(results, args.methods.split(",") if args.methods else None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
