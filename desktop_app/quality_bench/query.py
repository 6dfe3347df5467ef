"""Rare classes from the first minute: search mode seeded by a query, on the development set.

    python -m desktop_app.quality_bench.query --seeds 10

20 Newsgroups *test* posts (the 2,000-post development set, MiniLM), each of the 20 groups in turn made
rare: every other post kept, the group's own posts subsampled to 1.6% prevalence. Per group and seed
(same split, start set and kNN index for every variant: paired), `search` replays with and without the
group's query phrase below (fixed before any result was seen: the group's topic in plain words), embedded
with MiniLM exactly as `shoal mode P LABEL search --query "..."` embeds it. Reported: labels needed until
the 10th positive is labeled (start labels included; in the order the picks were served) and the share of
the pool's positives found once 5% of the pool is labeled. Two starts: `forced` (10 random labels, one of
them a positive: the benchmark's rare start) and `cold` (10 random labels, usually no positive: the user
has just named the label).
"""
from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

from desktop_app.core.selection import search as search_mod
from desktop_app.core.simulate import replay_index, run_one, split
from desktop_app.quality_bench import datasets

PREVALENCE = 0.016
TOP_N = 10   # "labels before the first 10 positives"
PHRASES = {  # the query a user would type for each group: its topic in words, fixed before measuring
    "alt.atheism": "atheism",
    "comp.graphics": "computer graphics",
    "comp.os.ms-windows.misc": "Microsoft Windows",
    "comp.sys.ibm.pc.hardware": "IBM PC hardware",
    "comp.sys.mac.hardware": "Apple Macintosh hardware",
    "comp.windows.x": "the X Window System",
    "misc.forsale": "items for sale",
    "rec.autos": "cars",
    "rec.motorcycles": "motorcycles",
    "rec.sport.baseball": "baseball",
    "rec.sport.hockey": "ice hockey",
    "sci.crypt": "cryptography and encryption",
    "sci.electronics": "electronics",
    "sci.med": "medicine and health",
    "sci.space": "space exploration",
    "soc.religion.christian": "Christianity",
    "talk.politics.guns": "gun control and firearms",
    "talk.politics.mideast": "Middle East politics",
    "talk.politics.misc": "politics",
    "talk.religion.misc": "religion",
}
# variant: (uses the query, share of a batch from the query's neighbours once a positive is labeled,
# positives labeled before they stop contributing, rank-fuse the head with similarity to the positives)
VARIANTS = {"no query": (False, 0.0, 0, False), "query: first batch only": (True, 0.0, 1, False),
            "query: half until 10": (True, 0.5, 10, False), "query: all until 10": (True, 1.0, 10, False),
            "query: quarter throughout": (True, 0.25, 10**9, False),
            "query: half throughout": (True, 0.5, 10**9, False),
            "no query + fused ranking": (False, 0.0, 0, True), "query: half until 10 + fused": (True, 0.5, 10, True)}


def order_labeled(curve: list[dict]) -> list[int]:
    """Train-pool positions in the order they were labeled: the start set, then every pick as served."""
    out = list(curve[0].get("start", []))
    for p in curve:
        out += p.get("asked", [])
    return out


def run_metrics(order: list[int], ytr_pos: np.ndarray, at: int) -> dict:
    hits = np.cumsum(ytr_pos[np.asarray(order, np.int64)]) if order else np.zeros(0)
    reach = np.flatnonzero(hits >= TOP_N)
    return {"to_10": int(reach[0]) + 1 if len(reach) else None,
            "found_at_5pct": int(hits[min(at, len(hits)) - 1]) if len(hits) else 0,
            "pool_positives": int(ytr_pos.sum())}


def replay_group(X, y, group: int, query: np.ndarray, seeds: int, budget: int, batch: int, init: int,
                 variants: dict, starts=("forced", "cold"), name: str = "") -> list[dict]:
    Xr, yr = datasets.rare(X, y, group, PREVALENCE)
    rows = []
    for seed in range(seeds):
        train, test = split(yr, seed)
        index = replay_index(Xr[train])
        ytr_pos = (yr[train] == group).astype(np.int64)
        at = math.ceil(0.05 * len(train))
        for start in starts:
            for variant, (use, share, until, fuse) in variants.items():
                search_mod.QUERY_SHARE, search_mod.QUERY_UNTIL, search_mod.FUSE = share, until, fuse
                curve = run_one(Xr, yr, "search", budget=budget, batch=batch, init=init, seed=seed,
                                positive=group, split_idx=(train, test), index=index,
                                query=query if use else None, force_positive=start == "forced")
                rows.append({"group": int(group), "name": name, "seed": seed, "start": start, "variant": variant,
                             "pool": len(train), "at": at, **run_metrics(order_labeled(curve), ytr_pos, at)})
    return rows


def _boot(diffs: np.ndarray, n: int = 2000, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = [diffs[rng.integers(0, len(diffs), len(diffs))].mean() for _ in range(n)]
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def summary(rows: list[dict], budget: int) -> str:
    """Per start and variant: median labels to the 10th positive (a run that never got there counts as
    the budget + 1, a lower bound), how many runs got there, mean share of pool positives found at 5% of
    the pool, and the paired difference to `no query` (mean, 95% bootstrap interval)."""
    out = ["| start | variant | labels to the 10th positive, median [IQR] | reached (runs) | pool positives "
           "found at 5% of the pool, mean [share of runs >= 90%] | labels saved vs no query, mean [95% CI] "
           "| positives gained at 5%, mean [95% CI] |", "|---|---|---|---|---|---|---|"]
    key = {(r["group"], r["seed"], r["start"], r["variant"]): r for r in rows}
    for start in dict.fromkeys(r["start"] for r in rows):
        for v in dict.fromkeys(r["variant"] for r in rows):
            rs = [r for r in rows if r["start"] == start and r["variant"] == v]
            to10 = np.array([r["to_10"] if r["to_10"] is not None else budget + 1 for r in rs], float)
            share = np.array([r["found_at_5pct"] / max(r["pool_positives"], 1) for r in rs])
            base = [key[(r["group"], r["seed"], start, "no query")] for r in rs]
            b10 = np.array([b["to_10"] if b["to_10"] is not None else budget + 1 for b in base], float)
            b5 = np.array([b["found_at_5pct"] for b in base], float)
            saved = b10 - to10
            gain = np.array([r["found_at_5pct"] for r in rs], float) - b5
            q1, q3 = np.percentile(to10, [25, 75])
            cmp_ = ("—" if v == "no query" else
                    "{:+.1f} [{:+.1f} to {:+.1f}]".format(saved.mean(), *_boot(saved)))
            cmp5 = ("—" if v == "no query" else
                    "{:+.2f} [{:+.2f} to {:+.2f}]".format(gain.mean(), *_boot(gain)))
            out.append(f"| {start} | {v} | {np.median(to10):.0f} [{q1:.0f}-{q3:.0f}] | "
                       f"{sum(r['to_10'] is not None for r in rs)}/{len(rs)} | {share.mean():.1%} "
                       f"[{(share >= 0.9).mean():.0%}] | {cmp_} | {cmp5} |")
    return "\n".join(out)


START, END = "<!-- rare-query:start -->", "<!-- rare-query:end -->"
DEFAULT = "query: half until 10"   # what search_mod.QUERY_SHARE / QUERY_UNTIL ship as


def per_group(rows: list[dict], budget: int, start: str = "cold") -> str:
    out = [f"| group ({start} start) | query | labels to the 10th positive: no query → query (median) "
           "| pool positives found at 5%: no query → query (mean) |", "|---|---|---|---|"]
    for g in dict.fromkeys(r["group"] for r in rows):
        cell = []
        for v in ("no query", DEFAULT):
            rs = [r for r in rows if r["group"] == g and r["start"] == start and r["variant"] == v]
            to10 = [r["to_10"] if r["to_10"] is not None else budget + 1 for r in rs]
            cell.append((np.median(to10), np.mean([r["found_at_5pct"] / max(r["pool_positives"], 1) for r in rs])))
        group = next(r["name"] for r in rows if r["group"] == g)
        out.append(f"| {group} | {PHRASES[group]} | {cell[0][0]:.0f} → {cell[1][0]:.0f} | "
                   f"{cell[0][1]:.0%} → {cell[1][1]:.0%} |")
    return "\n".join(out)


def docs_block(saved: dict) -> str:
    a, rows = saved["args"], saved["rows"]
    groups = len({r["group"] for r in rows})
    pool = int(np.median([r["pool"] for r in rows]))
    cmd = "python -m desktop_app.quality_bench.query " + " ".join(
        f"--{k} {v}" for k, v in (("seeds", a["seeds"]), ("budget", a["budget"]), ("batch", a["batch"])))
    if a.get("variants"):
        cmd += f' --variants "{a["variants"]}"'
    return "\n".join([
        START, "### Seeding the search with a query (development set)\n",
        f"```\n{cmd} --out rows.json --write-docs docs/benchmarks.md\n```\n",
        f"20 Newsgroups *test* posts (the 2,000-post development set, MiniLM); each of {groups} groups in turn made "
        f"rare at {PREVALENCE:.1%} (every other post kept), {a['seeds']} seeds per group, paired (same split, start "
        f"set and index for every variant). Pool ≈ {pool} posts holding ≈ "
        f"{np.median([r['pool_positives'] for r in rows]):.0f} positives; 5% of the pool = "
        f"{int(np.median([r['at'] for r in rows]))} labels; budget {a['budget']}, batch {a['batch']}, "
        f"{a['init']} start labels. The query is the group's topic in plain words (the phrases in "
        "`desktop_app/quality_bench/query.py`, fixed before any result was seen, e.g. `sci.space`: \"space "
        "exploration\", `rec.autos`: \"cars\"), embedded with MiniLM as `shoal mode P LABEL search --query` "
        "embeds it. `forced`: 10 random start labels, one of them a positive (the rare benchmark's start); "
        "`cold`: 10 random start labels, usually no positive (the label was just named). Labels are counted in the "
        "order the picks were served, start labels included; a run that never reached 10 positives counts as "
        "the budget + 1.\n",
        summary(rows, a["budget"]), "",
        f"Default (`{DEFAULT}`: the whole batch near the query while no positive is labeled, then half of each "
        "batch until 10 are), per group:\n", per_group(rows, a["budget"]), END])


def write_docs(path, block: str) -> None:
    """Put the block at the end of the "## rare" section (replacing an older one)."""
    from pathlib import Path

    page = Path(path)
    text = page.read_text()
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        at = text.index("## rare")
        nxt = text.find("\n## ", at + 1)
        nxt = len(text) if nxt < 0 else nxt + 1
        text = text[:nxt] + block + "\n\n" + text[nxt:]
    page.write_text(text)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--budget", type=int, default=200)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--init", type=int, default=10)
    ap.add_argument("--groups", help="comma-separated newsgroup names (default: all 20)")
    ap.add_argument("--variants", help="comma-separated subset of: " + ", ".join(VARIANTS))
    ap.add_argument("--out", help="write the per-run rows here (JSON)")
    ap.add_argument("--summarise", metavar="JSON", help="print the table of a saved --out file and stop")
    ap.add_argument("--write-docs", metavar="PAGE", help="also write the section into PAGE (docs/benchmarks.md)")
    args = ap.parse_args(argv)
    if args.summarise:
        with open(args.summarise) as f:
            saved = json.load(f)
        print(summary(saved["rows"], saved["args"]["budget"]))
        if args.write_docs:
            write_docs(args.write_docs, docs_block(saved))
        return 0
    from desktop_app.core.embedding.registry import get_encoder

    t0 = time.time()
    X, y, names = datasets.newsgroups(2000, part="test")
    enc = get_encoder("minilm")
    groups = args.groups.split(",") if args.groups else list(PHRASES)
    variants = {v: VARIANTS[v] for v in args.variants.split(",")} if args.variants else VARIANTS
    if "no query" not in variants:
        variants = {"no query": VARIANTS["no query"], **variants}
    rows: list[dict] = []
    for g in groups:
        q = enc.encode([enc.prepare(PHRASES[g])])[0]
        rows += replay_group(X, y, names.index(g), q, args.seeds, args.budget, args.batch, args.init, variants,
                             name=g)
        print(f"{g}: done ({time.time() - t0:.0f} s)", flush=True)
        if args.out:  # after every group: a long run that is stopped keeps what it measured
            with open(args.out, "w") as f:
                json.dump({"args": vars(args), "rows": rows, "phrases": {g: PHRASES[g] for g in groups}}, f)
    print(f"{len(groups)} groups x {args.seeds} seeds, prevalence {PREVALENCE:.1%}, budget {args.budget}, "
          f"batch {args.batch}, {args.init} start labels; {time.time() - t0:.0f} s")
    print(summary(rows, args.budget))
    if args.write_docs:
        write_docs(args.write_docs, docs_block({"args": vars(args), "rows": rows}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
