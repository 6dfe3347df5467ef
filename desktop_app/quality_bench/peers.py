"""Shoal's strategies side by side with small-text's, on the development sets, in one run.

    pip install .[bench]        # small-text: a benchmark-only extra
    python -m desktop_app.quality_bench.peers --seeds 10
    python -m desktop_app.quality_bench.peers --methods "seals,seals+spread-decay,st:BreakingTies" --docs ''

A method name with "+HEAD" (spread, spread-decay, spread-agree, spread-both) replays it with that variant of
the semi-supervised head of quality_bench/spread.py instead of Shoal's LinearHead (an experiment).

Same cached embeddings, same split, same start set and the same head (Shoal's LinearHead, refitted after
every batch) for every method; only the selection differs. Shoal's strategies run through
core/simulate.run_one with audit_share=0 (every pick is a selection pick, none drawn for the accuracy
estimate). small-text's run through the loop below, with Shoal's head wrapped as its classifier; its
`SEALS` builds its hnswlib index single-threaded (as Shoal's replays do) so runs are reproducible.
Prints the table and writes it, with the mean curves, into docs/benchmarks.md (between the peers
markers, which the report's regeneration keeps).
"""
from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from pathlib import Path

import numpy as np

from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.simulate import evaluate, full_supervision, initial_set, replay_index, run_one, split
from desktop_app.quality_bench import compare

SHOAL = ["seals", "seals-plain", "hybrid", "margin", "entropy", "kcenter", "random"]
# st:GreedyCoreset is left out by default: it picks exactly what Shoal's kcenter picks (tests/test_peers.py)
# at about 60x its selection time (7 s a round on the Fashion dev pool); --methods can add it back
PEERS = ["st:RandomSampling", "st:BreakingTies", "st:PredictionEntropy", "st:SEALS(BreakingTies)",
         "st:EmbeddingKMeans"]
DATASETS = {"fashion": "Fashion-MNIST t10k, 4,000-image stratified subset, EfficientNet-Lite0",
            "newsgroups": "20 Newsgroups test part, 2,000-post stratified subset, MiniLM"}
COMMAND = "python -m desktop_app.quality_bench.peers"
# 95% of full supervision is reached near 200-400 labels on the Fashion pool (3,200) and near 500-900 on
# the 20 Newsgroups pool (1,600): each budget leaves room for random to get there
BUDGET = {"fashion": 500, "newsgroups": 1000}
SPREAD = {"spread": {}, "spread-decay": {"decay": 50.0}, "spread-agree": {"agree": True},
          "spread-both": {"decay": 100.0, "agree": True}}  # SpreadHead variants (quality_bench/spread.py)


class HeadClassifier:
    """Shoal's head as a small-text classifier: predict_proba and embed over a small-text dataset
    (the embeddings are the features, so `embed` returns them)."""

    def __init__(self, head: LinearHead):
        self.head = head

    def predict_proba(self, dataset) -> np.ndarray:
        return self.head.predict_proba(np.asarray(dataset.x, np.float32))

    def embed(self, dataset, return_proba: bool = False, pbar=None, **_):
        x = np.asarray(dataset.x, np.float32)
        return (x, self.head.predict_proba(x)) if return_proba else x


def peer_strategy(name: str):
    from small_text import query_strategies as qs

    class SingleThreadSEALS(qs.SEALS):
        """small-text's SEALS with its index built on one thread: the same graph every run.
        Index parameters are small-text's defaults."""

        @staticmethod
        def initialize_index(embeddings, indices_unlabeled, hnsw_kwargs):
            import hnswlib

            index = hnswlib.Index(space=hnsw_kwargs.get("space", "l2"), dim=embeddings.shape[1])
            index.init_index(max_elements=embeddings.shape[0], ef_construction=hnsw_kwargs.get("ef_construction", 200),
                             M=hnsw_kwargs.get("M", 64), random_seed=100)
            index.add_items(embeddings[indices_unlabeled], indices_unlabeled, num_threads=1)
            index.set_ef(hnsw_kwargs.get("ef", 200))
            return index

    make = {"st:RandomSampling": qs.RandomSampling, "st:BreakingTies": qs.BreakingTies,
            "st:PredictionEntropy": qs.PredictionEntropy,
            "st:SEALS(BreakingTies)": lambda: SingleThreadSEALS(qs.BreakingTies(), k=100),
            "st:EmbeddingKMeans": qs.EmbeddingKMeans,
            # small-text's default metric (euclidean); its cosine variant takes arccos of float32
            # similarities slightly above 1 (NaN distances) on unit vectors
            "st:GreedyCoreset": qs.GreedyCoreset}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "default distance metric has changed" (GreedyCoreset)
        return make[name]()


def run_peer(X: np.ndarray, y: np.ndarray, name: str, *, budget: int, batch: int, init: int, seed: int,
             split_idx, head_factory=LinearHead) -> list[dict]:
    """One replay of a small-text strategy; the start set is the one run_one draws for this seed."""
    with warnings.catch_warnings():  # small-text's own call of its deprecated get_flattened_unique_labels
        warnings.filterwarnings("ignore", "The function get_flattened_unique_labels", DeprecationWarning)
        return _peer_loop(X, y, name, budget, batch, init, seed, split_idx, head_factory)


def _peer_loop(X, y, name, budget, batch, init, seed, split_idx, head_factory) -> list[dict]:
    from small_text.data import SklearnDataset
    train, test = split_idx
    Xtr, ytr, Xte, yte = X[train], y[train], X[test], y[test]
    labeled = np.sort(initial_set(ytr, init, np.random.default_rng(seed), None))
    np.random.seed(seed)  # small-text's RandomSampling and k-means draw from numpy's global generator
    strategy = peer_strategy(name)
    # the strategies see no truth: every label is "unlabeled" (-1) in the dataset they get
    dataset = SklearnDataset(np.asarray(Xtr, np.float32), np.full(len(ytr), -1, np.int64),
                             target_labels=np.unique(ytr))
    head = head_factory()
    clf = HeadClassifier(head)
    curve, select_s = [], 0.0
    while True:
        t = time.perf_counter()
        head.fit(Xtr[labeled], ytr[labeled])
        point = {"n_labeled": len(labeled), **evaluate(head, Xte, yte, None), "select_seconds": select_s,
                 "train_seconds": time.perf_counter() - t}
        if not curve:
            point["start"] = labeled.tolist()
        curve.append(point)
        unl = np.setdiff1d(np.arange(len(ytr)), labeled)
        if len(labeled) >= budget or len(unl) == 0:
            break
        t = time.perf_counter()
        got = np.asarray(strategy.query(clf, dataset, unl, labeled, ytr[labeled], n=min(batch, budget - len(labeled),
                                                                                         len(unl))), np.int64)
        select_s = time.perf_counter() - t
        curve[-1]["asked"] = got.tolist()
        labeled = np.sort(np.concatenate([labeled, got]))
    return curve


def head_of(method: str, pool: np.ndarray):
    """"margin+spread": strategy margin with the semi-supervised SpreadHead over this pool (an experiment,
    quality_bench/spread.py); a plain name: Shoal's LinearHead."""
    name, _, head = method.partition("+")
    if head in SPREAD:
        from desktop_app.quality_bench.spread import SpreadHead

        return name, lambda: SpreadHead(pool, **SPREAD[head])
    if head:
        raise SystemExit(f"unknown head {head!r} in {method!r} (known: {', '.join(SPREAD)})")
    return name, LinearHead


def load(name: str):
    from desktop_app.quality_bench import datasets

    if name == "fashion":
        return datasets.fashion_mnist(4000, part="t10k")[:2]
    return datasets.newsgroups(2000, part="test")[:2]


def compare_on(X, y, methods: list[str], *, seeds: int, budget: int, batch: int, init: int, log=print) -> dict:
    runs: dict[str, list] = {m: [] for m in methods}
    fulls = []
    for seed in range(seeds):
        split_idx = split(y, seed)
        fulls.append(full_supervision(X, y, seed, None)["macro_f1"])
        index = replay_index(X[split_idx[0]])
        for m in methods:
            t = time.time()
            name, head = head_of(m, X[split_idx[0]])
            if name.startswith("st:"):
                curve = run_peer(X, y, name, budget=budget, batch=batch, init=init, seed=seed, split_idx=split_idx,
                                 head_factory=head)
            else:
                curve = run_one(X, y, name, budget=budget, batch=batch, init=init, seed=seed, split_idx=split_idx,
                                index=index, audit_share=0.0, head_factory=head)
            runs[m].append(curve)
            log(f"seed {seed} {m:<24} {time.time() - t:5.1f}s final {curve[-1]['macro_f1']:.3f}")
    target = 0.95 * float(np.median(fulls))
    peers = [m for m in methods if m.startswith("st:") and "+" not in m] or methods
    summary = compare.summarise(runs, target, peers, budget)
    summary["full_supervision"] = float(np.median(fulls))
    return {"runs": runs, "summary": summary}


def plot(res: dict, key: str, path: Path) -> None:
    """Mean macro-F1 curve per method over seeds (small-text's dashed), whole range and near the target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = res["summary"]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4), dpi=110)
    colours = plt.get_cmap("tab20").colors
    for ax in axes:
        for i, (m, cs) in enumerate(res["runs"].items()):
            n = min(len(c) for c in cs)
            x = np.mean([[p["n_labeled"] for p in c[:n]] for c in cs], axis=0)
            y = np.mean([[p["macro_f1"] for p in c[:n]] for c in cs], axis=0)
            ax.plot(x, y, ls="--" if m.startswith("st:") else "-", color=colours[i % 20], label=m,
                    lw=2.2 if m in ("seals", s["best_peer"]) else 1.2)
        ax.axhline(s["full_supervision"], color="grey", ls="--", lw=1, label="full supervision")
        ax.axhline(s["target"], color="grey", ls=":", lw=1, label="95% of full")
        ax.set_xlabel("labels")
        ax.set_ylabel("macro F1 (mean over seeds)")
        ax.grid(alpha=0.3)
    axes[0].set_title(f"{key} (dev): {len(next(iter(res['runs'].values())))} seeds")
    axes[1].set_ylim(s["target"] - 0.06, s["full_supervision"] + 0.01)
    axes[1].set_title("near the target")
    axes[1].legend(loc="lower right", fontsize=7, ncol=2)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def section(results: dict) -> str:
    p = next(iter(results.values()))["params"]
    minutes = sum(r["params"]["minutes"] for r in results.values())
    L = ["## Shoal and small-text side by side (development sets)\n",
         f"```\n{COMMAND} --seeds {p['seeds']} --batch {p['batch']} --init {p['init']}\n```\n",
         f"{p['seeds']} seeds, {minutes:.0f} min in all on one shared core (niced). Every method gets the same cached "
         "embeddings, the same split (80/20 stratified) and the same start set per seed, and the same head (Shoal's "
         "`LinearHead`: logistic regression, C=10, balanced class weights, refitted after every batch of "
         f"{p['batch']}); only the selection differs. `st:` rows are small-text {p['small_text']} query strategies "
         "driving Shoal's head (its `SEALS` with the index built single-threaded, k=100); the others are Shoal's "
         "registry strategies replayed by `core/simulate.run_one` with `audit_share=0`, i.e. without the random "
         "audit picks the app mixes in for its accuracy estimate (selection only). Target: 95% of the median "
         "full-supervision macro-F1. *Labels to 95%*: where the mean macro-F1 curve over seeds first reaches "
         "it, interpolated between rounds; *median of per-seed crossings*: the same per seed (a seed that "
         "never reaches it counts as never); *AULC*: mean macro-F1 from the start set to the budget "
         "(trapezoids), averaged over seeds; *Δ vs best peer*: 95% paired bootstrap "
         "interval over seeds (2,000 resamples, the same seeds for both) of method minus the best small-text "
         "strategy (fewest labels), negative labels / positive AULC = better; a resample whose mean curve "
         "never reaches the target counts as the budget.\n"]
    for key, res in results.items():
        s = res["summary"]
        L.append(f"### {key}: {DATASETS[key]}\n")
        L.append(f"Budget {res['params']['budget']} labels. Pool {res['n_pool']} items, test {res['n_test']}; "
                 "full supervision macro-F1 "
                 f"{s['full_supervision']:.3f}, target {s['target']:.3f}; best peer `{s['best_peer']}`.\n")
        L.append(compare.table(s, res["params"]["budget"], "st:RandomSampling") + "\n")
        L.append(f"![{key}](curves/peers-{key}.png)\n")
    return "\n".join(L)


def _st_version() -> str:
    from importlib.metadata import version

    return version("small-text")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="fashion,newsgroups")
    ap.add_argument("--methods", default=",".join(SHOAL + PEERS))
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, help=f"labels per replay (default per set: {BUDGET})")
    ap.add_argument("--batch", type=int, default=25)
    ap.add_argument("--init", type=int, default=20)
    ap.add_argument("--docs", default="docs", help="where benchmarks.md and curves/ are; '' writes nothing")
    ap.add_argument("--json", help="also write every curve (with the items asked) here")
    ap.add_argument("--render-only", action="store_true", help="rewrite plots and section from docs/curves/peers-*.json")
    args = ap.parse_args(argv)
    if args.render_only:
        render(Path(args.docs))
        return 0
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from threadpoolctl import threadpool_limits

    results = {}
    methods = args.methods.split(",")
    with threadpool_limits(1):
        for key in args.sets.split(","):
            t0 = time.time()
            X, y = load(key)
            budget = args.budget or BUDGET[key]
            res = compare_on(X, y, methods, seeds=args.seeds, budget=budget, batch=args.batch, init=args.init,
                             log=lambda s, k=key: print(f"{k} {s}", flush=True))
            tr, te = split(y, 0)
            res.update(n_pool=len(tr), n_test=len(te))
            res["params"] = {"seeds": args.seeds, "budget": budget, "batch": args.batch, "init": args.init,
                             "small_text": _st_version(), "minutes": (time.time() - t0) / 60}
            results[key] = res
            print(compare.table(res["summary"], budget, "st:RandomSampling"), flush=True)
            if args.json:
                Path(args.json).write_text(json.dumps(results, default=_plain))
            if args.docs:
                write(Path(args.docs), key, res)
    return 0


def _plain(o):
    return o.tolist() if hasattr(o, "tolist") else str(o)


def write(docs: Path, key: str, res: dict) -> None:
    """Save this set's curves (docs/curves/peers-KEY.json, without the items asked) and plot, then rewrite
    the section from every set saved there, so sets can be rerun one at a time."""
    curves = docs / "curves"
    curves.mkdir(parents=True, exist_ok=True)
    keep = ("n_labeled", "macro_f1", "accuracy", "select_seconds")
    slim = {**res, "runs": {m: [[{k: round(p[k], 5) for k in keep} for p in c] for c in cs]
                            for m, cs in res["runs"].items()}}
    (curves / f"peers-{key}.json").write_text(json.dumps(slim, default=_plain))
    render(docs)


def render(docs: Path) -> None:
    """Plots and section from the results saved under docs/curves (peers-SET.json)."""
    curves = docs / "curves"
    saved = {k: json.loads((curves / f"peers-{k}.json").read_text()) for k in DATASETS
             if (curves / f"peers-{k}.json").exists()}
    for key, res in saved.items():
        plot(res, key, curves / f"peers-{key}.png")
    compare.splice(docs / "benchmarks.md", section(saved))
    print(f"wrote {docs / 'benchmarks.md'}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
