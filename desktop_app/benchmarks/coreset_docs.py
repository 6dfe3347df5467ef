"""The core-set section of docs/benchmarks.md and docs/curves/coreset.png, from the saved results
(docs/curves/results/coreset.json). Written by `python -m desktop_app.benchmarks.coreset --docs docs`,
and again by the report (desktop_app.benchmarks.write) whenever it rewrites the page."""
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
         f"over seeds in brackets. `auto` = `{AUTO}`.", ""]
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
    L += ["![core-set curves](curves/coreset.png)", "", CORESET_ANALYSIS, END]
    return L


CORESET_ANALYSIS = """**Targets** (issue 16): at 50% kept, within 1 point of all items; at 30% kept, at least 2 points above
a random 30%. See the tables: the 30% target is met on 20 Newsgroups only, and the 50% target is missed
on Fashion-MNIST and 20 Newsgroups by every method measured (including random).

**Why.** A linear head on frozen embeddings is not a deep net trained from scratch: it has ~d x classes
weights, and on these sets its learning curve is still rising at the full pool (20 Newsgroups loses ~3
points between 100% and a random 50%), so every item still carries information and no choice of half can
be free. Selection via proxy (Coleman et al.) keeps what the proxy finds *hard*; that helps a large model
with a surplus of easy data, but for a small head with little data the hardest items are the mislabeled
and ambiguous ones, and keeping them first (`uncertainty`, `redundancy` weighted by the proxy, `kcenter`
which favours outliers) is worse than random at 10-30% on the noisy sets (up to -13 points). Keeping only
the easy ones (`moderate`, a pure "typical" ranking) fails the other way on clean data (digits). What
works is what the literature on data pruning for small budgets predicts (Sorscher et al. 2022): keep
*coverage* per class and drop *redundancy* - `prototypes`, one item nearest each k-means centre within
each class, so dense regions of near-duplicates give one representative and sparse regions still get
theirs. It is the only method never significantly below random on any set and share, and it is
well above random at small shares; its advantage fades at 50% where a random half already covers the
class. `ccs` (coverage over proxy-hardness bins, hardest 10% dropped) stays close to random everywhere."""


def plot(res: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sets = res["sets"]
    fig, axes = plt.subplots(1, len(sets), figsize=(4.6 * len(sets), 3.8), dpi=100, squeeze=False)
    for ax, (name, s) in zip(axes[0], sets.items()):
        full = sum(s["all"]) / len(s["all"])
        for m in res["methods"]:
            rows = [r for r in s["rows"] if r["method"] == m]
            xs = [r["keep"] for r in rows] + [1.0]
            ys = [r["macro_f1"][0] for r in rows] + [full]
            style = {"random": dict(ls="--", color="#777"), "random-plain": dict(ls=":", color="#aaa")}.get(m, {})
            ax.plot(xs, ys, marker="o", ms=3, lw=2 if m == "prototypes" else 1.1, label=m, **style)
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
    text = page.read_text() if page.exists() else ""
    block = "\n".join(lines)
    if START in text and END in text:
        text = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    page.write_text(text)


def write_docs(docs, res: dict) -> None:
    docs = Path(docs)
    (docs / "curves" / "results").mkdir(parents=True, exist_ok=True)
    (docs / "curves" / "results" / "coreset.json").write_text(json.dumps(res))
    plot(res, docs / "curves" / "coreset.png")
    splice(docs / "benchmarks.md", section(res))


def saved_section(docs) -> list[str]:
    """For the report: the section from the saved results, or nothing before the first core-set run."""
    path = Path(docs) / "curves" / "results" / "coreset.json"
    return section(json.loads(path.read_text())) if path.exists() else []
