"""Core-set benchmark: macro-F1 of the head trained on the kept subset, vs on every pool item and vs a
random subset of the same size, on the development sets (no item shared with the benchmark sets; the
`-bench` sets are the benchmark sets, for confirming a choice, never for making it).

    python -m desktop_app.quality_bench.coreset --sets digits,newsgroups --keep 0.1,0.3,0.5 --seeds 10

Per set and seed: a stratified 80/20 split (the 20% is the test set), the pool is the 80%; each method
keeps a share of the pool; the head (the app's LinearHead) is trained on what is kept. Printed per method
and share: mean macro-F1, the mean difference to all items and to random, each with a 95% bootstrap
interval over seeds. `random` is a random subset with the same class quotas (stratified), the stricter
baseline; `random-plain` ignores classes.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace

import numpy as np

from desktop_app.core.coreset.base import CoresetInput
from desktop_app.core.coreset.proxy import own_label_proba
from desktop_app.core.coreset.registry import METHODS
from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.simulate import split


def _sets():
    from desktop_app.quality_bench import datasets

    return {
        "digits": datasets.digits,
        "newsgroups": lambda: datasets.newsgroups(2000, part="test"),        # development set
        "fashion": lambda: datasets.fashion_mnist(4000, part="t10k"),         # development set
        # the benchmark sets: only to confirm a choice made on the development sets, never to make it
        "newsgroups-bench": lambda: datasets.newsgroups(4000),
        "fashion-bench": lambda: datasets.fashion_mnist(10000),
    }


SETS = _sets()


def macro_f1(X_tr, y_tr, X_te, y_te, weights=None) -> float:
    """weights: a weighted core-set's sample weights (None: each kept item counts once)."""
    from sklearn.metrics import f1_score

    head = LinearHead().fit(X_tr, y_tr, sample_weight=weights)
    return float(f1_score(y_te, head.predict(X_te), average="macro", zero_division=0))


def bootstrap(values, n: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """(mean, low, high): 95% percentile interval of the mean over resampled seeds."""
    v = np.asarray(values, float)
    means = v[np.random.default_rng(seed).integers(0, len(v), (n, len(v)))].mean(axis=1)
    return float(v.mean()), float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def run_set(X, y, methods, keeps, seeds, log=print) -> dict:
    scores: dict = {"all": []}
    for seed in range(seeds):
        tr, te = split(y, seed)
        full = macro_f1(X[tr], y[tr], X[te], y[te])
        scores["all"].append(full)
        base = CoresetInput(X[tr], y[tr], n_keep=1, seed=seed)
        if any(METHODS[m].uses_proxy for m in methods if m in METHODS):
            own_label_proba(base)   # the out-of-fold proxy once per seed, shared by every method and share
        for keep in keeps:
            n_keep = int(round(keep * len(tr)))
            for name in methods:
                t = time.time()
                stratify = name != "random-plain"
                fn = METHODS["random" if name == "random-plain" else name].fn
                res = fn(replace(base, n_keep=n_keep, stratify=stratify, proxy=base.proxy, top2=base.top2))
                kept = res.positions
                f1 = macro_f1(X[tr][kept], y[tr][kept], X[te], y[te], res.weights)
                scores.setdefault((name, keep), []).append(f1)
                log(f"  seed {seed} keep {keep:.0%} {name:<12} {f1:.3f} (all {full:.3f}) {time.time() - t:4.1f}s")
    return scores


def summary(scores: dict, methods, keeps) -> list[dict]:
    rows = []
    full = np.array(scores["all"])
    for keep in keeps:
        rnd = np.array(scores[("random", keep)]) if ("random", keep) in scores else None
        for name in methods:
            f1 = np.array(scores[(name, keep)])
            row = {"keep": keep, "method": name, "macro_f1": bootstrap(f1), "vs_all": bootstrap(f1 - full)}
            if rnd is not None and name != "random":
                row["vs_random"] = bootstrap(f1 - rnd)
            rows.append(row)
    return rows


def table(set_name: str, scores: dict, rows: list[dict]) -> str:
    full = bootstrap(scores["all"])
    lines = [f"{set_name}: all items macro-F1 {full[0]:.3f} [{full[1]:.3f}, {full[2]:.3f}] "
             f"over {len(scores['all'])} seeds",
             "| kept | method | macro-F1 | vs all (points) | vs random (points) |", "|---|---|---|---|---|"]

    def pts(t):
        return f"{100 * t[0]:+.1f} [{100 * t[1]:+.1f}, {100 * t[2]:+.1f}]"

    for r in rows:
        vr = pts(r["vs_random"]) if "vs_random" in r else "—"
        lines.append(f"| {r['keep']:.0%} | {r['method']} | {r['macro_f1'][0]:.3f} | {pts(r['vs_all'])} | {vr} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="digits", help=f"comma-separated: {', '.join(SETS)}")
    ap.add_argument("--methods", default=",".join(list(METHODS) + ["random-plain"]))
    ap.add_argument("--keep", default="0.1,0.3,0.5", help="comma-separated shares of the pool")
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--json", help="also write the per-seed scores and the summary here")
    ap.add_argument("--quiet", action="store_true", help="no per-seed lines")
    ap.add_argument("--docs", help="also write DOCS/curves/results/coreset.json, DOCS/curves/coreset.png and the "
                                   "core-set section of DOCS/benchmarks.md")
    ap.add_argument("--confirm-docs", metavar="DOCS",
                    help="add this run (the -bench sets) to the saved section as a confirmation, keeping the "
                         "development-set figures")
    ap.add_argument("--add-to-docs", metavar="DOCS",
                    help="add this run's new methods to the saved development-set run (same sets, seeds, shares; "
                         "the methods both hold must agree seed for seed) and rewrite the section")
    args = ap.parse_args(argv)
    methods = args.methods.split(",")
    if "random" not in methods:
        methods.append("random")
    keeps = [float(k) for k in args.keep.split(",")]
    out: dict = {}
    t0 = time.time()
    for set_name in args.sets.split(","):
        X, y, _ = SETS[set_name]()
        t = time.time()
        scores = run_set(X, y, methods, keeps, args.seeds, log=(lambda *a: None) if args.quiet else print)
        rows = summary(scores, methods, keeps)
        print(table(set_name, scores, rows) + f"\n({len(y)} items, {time.time() - t:.0f}s)\n", flush=True)
        out[set_name] = {"rows": rows, "all": scores["all"], "n_items": len(y), "seconds": round(time.time() - t),
                         "per_seed": {f"{m}@{k}": v for (m, k), v in
                                      ((key, val) for key, val in scores.items() if key != "all")}}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    command = "python -m desktop_app.quality_bench.coreset " + " ".join(argv or sys.argv[1:])
    if args.confirm_docs:
        from desktop_app.quality_bench.coreset_docs import add_confirmation

        add_confirmation(args.confirm_docs, {"sets": out, "seeds": args.seeds, "command": command})
    if args.add_to_docs:
        from desktop_app.quality_bench.coreset_docs import add_methods

        add_methods(args.add_to_docs, {"sets": out, "seeds": args.seeds, "keeps": keeps, "methods": methods,
                                       "command": command, "minutes": round((time.time() - t0) / 60, 1)})
    if args.docs:
        from desktop_app.quality_bench.coreset_docs import write_docs

        write_docs(args.docs, {"sets": out, "seeds": args.seeds, "keeps": keeps, "methods": methods,
                               "command": command,
                               "minutes": round((time.time() - t0) / 60, 1)})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
