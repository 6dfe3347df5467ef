"""The core-set section of docs/benchmarks.md and docs/curves/coreset.png, from the saved results
(docs/curves/results/coreset.json). Written by `python -m desktop_app.benchmarks.coreset --docs docs`,
and kept by the report (desktop_app.benchmarks.write keeps what follows its KEPT marker)."""
from __future__ import annotations

import json
import re
from pathlib import Path

START, END = "<!-- coreset: written by desktop_app.benchmarks.coreset -->", "<!-- /coreset -->"


def _pts(t) -> str:
    return f"{100 * t[0]:+.1f} [{100 * t[1]:+.1f}, {100 * t[2]:+.1f}]"


def section(res: dict) -> list[str]:
    from desktop_app.core.coreset.registry import AUTO

    L = [START, "## Core-set selection: training on a kept subset (`shoal coreset`)", "",
         f"Regenerate: `{res['command']}` ({res['minutes']} min on 2 shared cores). Development sets only "
         "(sklearn digits; Fashion-MNIST *t10k*, 4,000 images; 20 Newsgroups *test*, 2,000 posts), so `auto` is "
         "chosen without touching the benchmark sets. Per seed: a stratified 80/20 split; each method keeps a "
         "share of the 80% pool; the app's head (logistic regression, C=10, balanced) is trained on the kept "
         "items and scored (macro-F1) on the 20%. `vs all`: points against training on the whole pool; "
         "`vs random`: points against a random subset of the same size and the same class quotas (the stricter "
         f"baseline; `random-plain` ignores classes). Means over {res['seeds']} seeds, 95% bootstrap intervals "
         f"over seeds in brackets. `auto` = `{AUTO}`."
         + "".join(f" {', '.join(f'`{m}`' for m in a['methods'])} added by `{a['command']}` ({a['minutes']} min; the "
                   "methods both runs hold agree seed for seed, so the tables are those of one run with all methods)."
                   for a in res.get("added", [])), ""]
    for name, s in res["sets"].items():
        full = sum(s["all"]) / len(s["all"])
        L += [f"### {name} ({s['n_items']} items, all-pool macro-F1 {full:.3f}, {s['seconds']} s)", "",
              "| kept | method | macro-F1 | vs all (points) | vs random (points) |", "|---|---|---|---|---|"]
        for r in s["rows"]:
            vr = _pts(r["vs_random"]) if "vs_random" in r else "—"
            bold = "**" if r["method"] == AUTO else ""
            L.append(f"| {r['keep']:.0%} | {bold}{r['method']}{bold} | {r['macro_f1'][0]:.3f} | {_pts(r['vs_all'])} "
                     f"| {vr} |")
        L.append("")
    L += ["![core-set curves](curves/coreset.png)", "", "**Targets** (issue 16), computed from this run:", "",
          *verdict(res, AUTO), ""]
    L += confirmation(res.get("confirm"), AUTO) + [CORESET_ANALYSIS, END]
    return L


def verdict(res: dict, method: str) -> list[str]:
    """The issue's two targets for `method`, computed from the saved run: met or missed, per set."""
    out = []
    for keep, key, goal, text in ((0.5, "vs_all", -0.01, "at 50% kept, within 1 point of all items"),
                                  (0.3, "vs_random", 0.02, "at 30% kept, at least 2 points above random")):
        parts = []
        for name, s in res["sets"].items():
            row = next((r for r in s["rows"] if r["method"] == method and abs(r["keep"] - keep) < 1e-9), None)
            if row is None or key not in row:
                continue
            best = max((r for r in s["rows"] if abs(r["keep"] - keep) < 1e-9 and key in r), key=lambda r: r[key][0])
            got = row[key][0]
            parts.append(f"{name} {100 * got:+.1f} ({'met' if got >= goal else 'missed'}; best method "
                         f"`{best['method']}` {100 * best[key][0]:+.1f})")
        out.append(f"- {text}: `{method}` " + ", ".join(parts))
    return out


CORESET_ANALYSIS = """**Why the targets are missed, and why `prototypes`.** A linear head on frozen embeddings is not a deep
net trained from scratch: on these development sets its learning curve is still rising at the full pool
(a random half loses 1-3 points), so most items still carry information and no half can be free of cost.
Selection via proxy (Coleman et al.) keeps what the proxy finds *hard*; that pays when the labels are
clean and the data redundant (digits: `uncertainty` and `redundancy` match all items at 30-50% kept),
but on the noisier sets the hardest items are the ambiguous and mislabeled ones, and keeping them first
(`uncertainty`, `redundancy` weighted by the proxy, `kcenter`, which favours outliers) is well below
random at 10-30% there. Keeping only the typical items (`moderate`) fails the other way. What held up on all
three sets is what data-pruning studies predict for small budgets (Sorscher et al. 2022): keep
*coverage* within each class and drop *redundancy*. `prototypes` (one item nearest each k-means centre
within a class) turns a dense region of near-duplicates into one representative while sparse regions
still get theirs; it is never significantly below random, and it is the only method significantly
above random at 10% kept on all three sets. Its lead shrinks as the share grows, because a random 30-50% already
covers each class, which is why the 30% target (+2 over random) is missed: the gain there is about a
point. `ccs` (coverage over proxy-hardness bins, hardest 10% dropped) stays close to random.
Clustering runs on 32 principal components: in a side run on the development sets (5 seeds) that was as
good as clustering the full embeddings, and it is 3x faster (20,000 synthetic 384-d items, 30% kept:
14 s instead of 43 s)."""


def confirmation(conf: dict | None, method: str) -> list[str]:
    """The benchmark-set run that confirms (or not) the development-set choice: `method` vs random."""
    if not conf:
        return []
    L = [f"**Confirmation on the benchmark sets** (not used to choose; `{conf['command']}`, {conf['seeds']} "
         "seeds):", "", "| set | kept | `" + method + "` macro-F1 | vs all (points) | vs random (points) | best method "
         "vs random |", "|---|---|---|---|---|---|"]
    for name, s in conf["sets"].items():
        for r in (r for r in s["rows"] if r["method"] == method):
            same = [o for o in s["rows"] if o["keep"] == r["keep"] and "vs_random" in o]
            best = max(same, key=lambda o: o["vs_random"][0]) if same else None
            vr = _pts(r["vs_random"]) if "vs_random" in r else "—"
            L.append(f"| {name} | {r['keep']:.0%} | {r['macro_f1'][0]:.3f} | {_pts(r['vs_all'])} | {vr} | "
                     + (f"`{best['method']}` {100 * best['vs_random'][0]:+.1f}" if best else "—") + " |")
    return L + [""]


def add_confirmation(docs, conf: dict) -> None:
    docs = Path(docs)
    path = docs / "curves" / "results" / "coreset.json"
    res = json.loads(path.read_text())
    res["confirm"] = conf
    path.write_text(json.dumps(res))
    splice(docs / "benchmarks.md", section(res))


def add_methods(docs, new: dict) -> None:
    """Join a run of more methods to the saved results (same sets, seeds and shares): its per-seed figures
    for the methods the saved run lacks are added, and the rows recomputed. The methods both hold (at least
    `random`) and the all-items figures must agree seed for seed, else nothing is changed."""
    from desktop_app.benchmarks.coreset import summary

    docs = Path(docs)
    res = json.loads((docs / "curves" / "results" / "coreset.json").read_text())
    if new["seeds"] != res["seeds"] or sorted(new["keeps"]) != sorted(res["keeps"]) or set(new["sets"]) != set(res["sets"]):
        raise ValueError("the saved core-set run has other sets, seeds or shares: run the full command instead")
    added = [m for m in new["methods"] if m not in res["methods"]]
    for name, s in new["sets"].items():
        old = res["sets"][name]
        shared = [k for k in s["per_seed"] if k in old["per_seed"]]
        if not shared or any(abs(a - b) > 1e-9 for k in shared for a, b in zip(s["per_seed"][k], old["per_seed"][k])) \
                or any(abs(a - b) > 1e-9 for a, b in zip(s["all"], old["all"])):
            raise ValueError(f"{name}: the methods both runs hold differ seed by seed; run the full command instead")
        old["per_seed"].update({k: v for k, v in s["per_seed"].items() if k.split("@")[0] in added})
        old["seconds"] += s["seconds"]
    res["methods"] = added + res["methods"]
    for s in res["sets"].values():
        scores = {"all": s["all"], **{(k.rsplit("@", 1)[0], float(k.rsplit("@", 1)[1])): v
                                      for k, v in s["per_seed"].items()}}
        s["rows"] = summary(scores, res["methods"], res["keeps"])
    res.setdefault("added", []).append({"methods": added, "command": new["command"], "minutes": new["minutes"]})
    write_docs(docs, res)


def plot(res: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from desktop_app.core.coreset.registry import AUTO

    sets = res["sets"]
    fig, axes = plt.subplots(1, len(sets), figsize=(4.6 * len(sets), 3.8), dpi=100, squeeze=False)
    for ax, (name, s) in zip(axes[0], sets.items()):
        full = sum(s["all"]) / len(s["all"])
        for m in res["methods"]:
            rows = [r for r in s["rows"] if r["method"] == m]
            xs = [r["keep"] for r in rows] + [1.0]
            ys = [r["macro_f1"][0] for r in rows] + [full]
            style = {"random": dict(ls="--", color="#777"), "random-plain": dict(ls=":", color="#aaa")}.get(m, {})
            ax.plot(xs, ys, marker="o", ms=3, lw=2 if m == AUTO else 1.1, label=m, **style)
        ax.axhline(full, color="#3a9d4a", lw=0.8)
        ax.set_title(name)
        ax.set_xlabel("share of the pool kept")
        ax.set_ylabel("macro-F1 (test)")
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def splice(page: Path, lines: list[str]) -> None:
    """Put the section into the page: in place of its previous version, else at the end; always below
    the report's KEPT marker, so `python -m desktop_app.benchmarks.report` keeps it when it rewrites the page."""
    from desktop_app.benchmarks.write import KEPT

    text = page.read_text() if page.exists() else ""
    block = "\n".join(lines)
    if START in text and END in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    if KEPT not in text or text.index(KEPT) > text.index(START):
        text = text.replace(KEPT + "\n", "").replace(START, KEPT + "\n\n" + START, 1)
    page.write_text(text)


def write_docs(docs, res: dict) -> None:
    docs = Path(docs)
    (docs / "curves" / "results").mkdir(parents=True, exist_ok=True)
    (docs / "curves" / "results" / "coreset.json").write_text(json.dumps(res))
    plot(res, docs / "curves" / "coreset.png")
    splice(docs / "benchmarks.md", section(res))
