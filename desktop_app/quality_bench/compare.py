"""Statistics of a side-by-side comparison of strategies on the same seeds, and its table.

Every figure is computed from curves (lists of {"n_labeled", "macro_f1", ...} points, one per round) that
share the label grid: same start-set size, batch and budget. Crossings are interpolated between rounds.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from desktop_app.quality_bench.estimate import crossing

START, END = "<!-- peers:start -->", "<!-- peers:end -->"
NOTES_START, NOTES_END = "<!-- peers:notes -->", "<!-- peers:notes-end -->"


def seed_crossing(curve: list[dict], target: float) -> float | None:
    """Labels where one curve first reaches target (interpolated); None if it never does."""
    return crossing([curve], target)


def aulc(curve: list[dict], metric: str = "macro_f1") -> float:
    """Area under the learning curve over its label range, divided by that range: the mean metric."""
    x = np.array([p["n_labeled"] for p in curve], float)
    y = np.array([p[metric] for p in curve], float)
    if len(x) < 2 or x[-1] <= x[0]:
        return float(y[-1])
    return float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)) / (x[-1] - x[0]))


def _cross_or(curves: list[list[dict]], target: float, cap: float) -> float:
    got = crossing(curves, target)
    return cap if got is None else got


def paired_bootstrap(a: list[list[dict]], b: list[list[dict]], target: float, cap: float, n: int = 2000,
                     seed: int = 0) -> dict:
    """95% intervals of (a - b) over seeds resampled with replacement, the same resample for both (the
    runs of one seed share split and start set): labels to target (crossing of the mean curve of the
    resample; a mean curve that never reaches it counts as `cap`, a lower bound) and AULC."""
    rng = np.random.default_rng(seed)
    k = len(a)
    au_a, au_b = np.array([aulc(c) for c in a]), np.array([aulc(c) for c in b])
    dl, da = [], []
    for _ in range(n):
        s = rng.integers(0, k, k)
        dl.append(_cross_or([a[i] for i in s], target, cap) - _cross_or([b[i] for i in s], target, cap))
        da.append(float(au_a[s].mean() - au_b[s].mean()))
    return {"labels": (float(np.percentile(dl, 2.5)), float(np.percentile(dl, 97.5))),
            "aulc": (float(np.percentile(da, 2.5)), float(np.percentile(da, 97.5)))}


def summarise(runs: dict[str, list[list[dict]]], target: float, peers: list[str], budget: int,
              boot: int = 2000) -> dict:
    """Per method: crossing of the mean curve, median of per-seed crossings (with how many seeds reached
    the target), mean AULC, final macro-F1; the best peer (fewest labels by the mean-curve crossing,
    then highest AULC) and each method's paired bootstrap interval of the difference to it."""
    out: dict = {"target": target, "methods": {}}
    for name, curves in runs.items():
        per_seed = [seed_crossing(c, target) for c in curves]
        reached = [x for x in per_seed if x is not None]
        out["methods"][name] = {
            "crossing": crossing(curves, target),
            "median_seed_crossing": float(np.median([budget * 10 if x is None else x for x in per_seed])),
            "reached": len(reached), "seeds": len(curves),
            "aulc": float(np.mean([aulc(c) for c in curves])),
            "final": float(np.mean([c[-1]["macro_f1"] for c in curves])),
            "select_s": float(np.mean([p.get("select_seconds", 0.0) for c in curves for p in c[1:]] or [0.0]))}
    m = out["methods"]
    best = min(peers, key=lambda p: (budget * 10 if m[p]["crossing"] is None else m[p]["crossing"], -m[p]["aulc"]))
    out["best_peer"] = best
    for name in runs:
        if name != best:
            m[name]["vs_best"] = paired_bootstrap(runs[name], runs[best], target, float(budget), boot)
    return out


def _num(x: float | None, budget: int) -> str:
    return f"> {budget}" if x is None or x > budget else f"{x:.0f}"


def table(summary: dict, budget: int, random_name: str | None = None) -> str:
    m, best = summary["methods"], summary["best_peer"]
    base = m.get(random_name, {}).get("crossing") if random_name else None
    lines = ["| method | labels to 95% (mean curve) | ÷ random | median of per-seed crossings (seeds reached) "
             "| AULC | final macro-F1 | Δ labels vs best peer [95% CI] | Δ AULC vs best peer [95% CI] "
             "| select s/round |",
             "|---|---|---|---|---|---|---|---|---|"]
    order = sorted(m, key=lambda k: (budget * 10 if m[k]["crossing"] is None else m[k]["crossing"], -m[k]["aulc"]))
    for k in order:
        d = m[k]
        if d["crossing"] is None or random_name not in m:
            ratio = "-"
        elif base is None:  # random never reached the target: the ratio is below crossing / budget
            ratio = f"< {d['crossing'] / budget:.2f}"
        else:
            ratio = f"{d['crossing'] / base:.2f}"
        if k == best:
            dl = da = "best peer"
        else:
            (l0, l1), (a0, a1) = d["vs_best"]["labels"], d["vs_best"]["aulc"]
            dl, da = f"{l0:+.0f} to {l1:+.0f}", f"{a0:+.3f} to {a1:+.3f}"
        med = _num(d["median_seed_crossing"], budget)
        lines.append(f"| {k} | {_num(d['crossing'], budget)} | {ratio} | {med} ({d['reached']}/{d['seeds']}) "
                     f"| {d['aulc']:.3f} | {d['final']:.3f} | {dl} | {da} | {d['select_s']:.3f} |")
    return "\n".join(lines)


def splice(path: Path, block: str) -> None:
    """Put `block` between the peers markers of the page (appended with them if absent). Hand-written
    notes between the notes markers inside the old block are kept, after the new block."""
    text = path.read_text() if path.exists() else ""
    old = kept_block(path)
    notes = ""
    if NOTES_START in old and NOTES_END in old:
        notes = "\n\n" + NOTES_START + old.split(NOTES_START, 1)[1].split(NOTES_END, 1)[0] + NOTES_END
    new = f"{START}\n{block.rstrip()}{notes}\n{END}"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + new + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + new + "\n"
    path.write_text(text)


def kept_block(path: Path) -> str:
    """The peers section of an existing page (with its markers), so a regenerated page keeps it."""
    text = path.read_text() if path.exists() else ""
    if START in text and END in text:
        return START + text.split(START, 1)[1].split(END, 1)[0] + END
    return ""
