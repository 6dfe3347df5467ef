"""Suspicious labels, measured: flip a share of the labels of a labeled set at random, rank every
labeled item with desktop_app.core.suspects, and see where the flipped ones land.

    python -m desktop_app.quality_bench.suspects digits --seeds 10
    python -m desktop_app.quality_bench.suspects newsgroups --seeds 10

Per seed: recall of the flipped items within the top 2 x (number flipped) suspects, precision in the
top 50; then the mean and the range over seeds, for the mixed score and for each witness alone
(`--weights` lists the neighbour weights to compare; 0 = the model alone, 1 = the neighbours alone).
A flipped label takes another class drawn uniformly. newsgroups = 2,000 posts of the 20 Newsgroups
test split (the development set; MiniLM, cached after the first run)."""
from __future__ import annotations

import argparse
import time

import numpy as np

from desktop_app.core.suspects import NEIGHBOUR_WEIGHT, find_suspects

DATASETS = {
    "digits": lambda: __import__("desktop_app.quality_bench.datasets", fromlist=["digits"]).digits(),
    "newsgroups": lambda: __import__("desktop_app.quality_bench.datasets", fromlist=["newsgroups"]).newsgroups(
        n=2000, part="test"),
    "fashion": lambda: __import__("desktop_app.quality_bench.datasets", fromlist=["fashion_mnist"]).fashion_mnist(
        n=4000, part="t10k"),
}


def flip(y: np.ndarray, share: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(noisy labels, positions flipped): `share` of the items get another class, drawn uniformly."""
    classes = np.unique(y)
    n_flip = max(1, round(share * len(y)))
    pos = np.sort(rng.choice(len(y), n_flip, replace=False))
    noisy = y.copy()
    for i in pos:
        noisy[i] = rng.choice(classes[classes != y[i]])
    return noisy, pos


def measure(X: np.ndarray, y: np.ndarray, seed: int, share: float = 0.05, weight: float = NEIGHBOUR_WEIGHT,
            top: int = 50) -> dict:
    rng = np.random.default_rng(seed)
    noisy, flipped = flip(y, share, rng)
    t = time.perf_counter()
    ranked = [s.pos for s in find_suspects(X, noisy, seed=seed, neighbour_weight=weight)]
    seconds = time.perf_counter() - t
    bad = set(flipped.tolist())
    n = len(bad)
    return {"seed": seed, "n": len(y), "flipped": n, "recall": len(bad & set(ranked[:2 * n])) / n,
            "precision_top": len(bad & set(ranked[:top])) / min(top, len(ranked)), "seconds": seconds}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", choices=sorted(DATASETS))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--share", type=float, default=0.05, help="share of labels flipped")
    ap.add_argument("--weights", default=f"{NEIGHBOUR_WEIGHT},0,1",
                    help="neighbour weights to compare, comma-separated (the first is Shoal's default)")
    args = ap.parse_args(argv)
    X, y, names = DATASETS[args.dataset]()
    print(f"{args.dataset}: {len(y)} items, {len(names)} classes, {args.share:.0%} of labels flipped, "
          f"{args.seeds} seeds")
    for w in [float(s) for s in args.weights.split(",")]:
        rows = [measure(X, y, seed, args.share, w) for seed in range(args.seeds)]
        rec = np.array([r["recall"] for r in rows])
        prec = np.array([r["precision_top"] for r in rows])
        secs = np.median([r["seconds"] for r in rows])
        what = {0.0: "model alone", 1.0: "neighbours alone"}.get(w, f"mixed (neighbour weight {w:g})")
        print(f"  {what:<32} recall@2x{rows[0]['flipped']} {rec.mean():.3f} [{rec.min():.3f}, {rec.max():.3f}]  "
              f"precision@50 {prec.mean():.3f} [{prec.min():.3f}, {prec.max():.3f}]  {secs:.1f} s/run")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
