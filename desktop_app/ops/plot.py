"""Learning-curve PNGs for simulate results (matplotlib, headless)."""
from __future__ import annotations

import numpy as np


def _curves(result: dict, strat: str, metric: str):
    curves = [r["curve"] for r in result["runs"] if r["strategy"] == strat]
    n = min(len(c) for c in curves)
    xs = np.array([[c[i]["n_labeled"] for i in range(n)] for c in curves]).mean(axis=0)
    ys = np.array([[c[i][metric] for i in range(n)] for c in curves])
    return xs, ys


def plot_curves(result: dict, path, metric: str = "macro_f1", strategies=None, marks=None,
                full_line: bool = True) -> None:
    """Median over seeds per strategy with a min-max band. `marks`: {label: (x, y)} points to annotate
    (e.g. where the stopping recommendation fired)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    full = result.get("full_supervision", {}).get(metric) if full_line else None
    zoom = full is not None and full > 0
    fig, axes = plt.subplots(1, 2 if zoom else 1, figsize=(11 if zoom else 6.4, 4.2), dpi=110, squeeze=False)
    for ax in axes[0]:
        for strat in strategies or dict.fromkeys(r["strategy"] for r in result["runs"]):
            xs, ys = _curves(result, strat, metric)
            ax.plot(xs, np.median(ys, axis=0), label=strat, lw=2 if strat in ("seals", "search") else 1.2)
            ax.fill_between(xs, ys.min(axis=0), ys.max(axis=0), alpha=0.15)
        if full is not None:
            ax.axhline(full, color="grey", ls="--", lw=1, label="full supervision")
            ax.axhline(0.95 * full, color="grey", ls=":", lw=1, label="95% of full")
        for label, (x, y) in (marks or {}).items():
            ax.plot([x], [y], "kv", ms=8)
            ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, -14), fontsize=8)
        ax.set_xlabel("labels")
        ax.set_ylabel(metric.replace("_", " "))
        ax.grid(alpha=0.3)
    n_seeds = len({r["seed"] for r in result["runs"]})
    axes[0][0].set_title(f"{result['dataset']} ({result['n_items']} items, {n_seeds} seeds)")
    axes[0][0].legend(loc="lower right", fontsize=8)
    if zoom:
        axes[0][1].set_ylim(0.85 * full, 1.02 * full)
        axes[0][1].set_title("zoom: near full supervision")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
