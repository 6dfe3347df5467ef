"""Learning-curve PNGs for simulate results (matplotlib, headless)."""
from __future__ import annotations

import numpy as np


def plot_curves(result: dict, path, metric: str = "macro_f1") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=110)
    for strat in dict.fromkeys(r["strategy"] for r in result["runs"]):
        curves = [r["curve"] for r in result["runs"] if r["strategy"] == strat]
        n = min(len(c) for c in curves)
        xs = np.array([c[i]["n_labeled"] for c in curves for i in range(n)]).reshape(len(curves), n).mean(axis=0)
        ys = np.array([[c[i][metric] for i in range(n)] for c in curves])
        med = np.median(ys, axis=0)
        ax.plot(xs, med, label=strat)
        ax.fill_between(xs, ys.min(axis=0), ys.max(axis=0), alpha=0.15)
    full = result["full_supervision"][metric]
    ax.axhline(full, color="grey", ls="--", lw=1, label="full supervision")
    ax.axhline(0.95 * full, color="grey", ls=":", lw=1, label="95% of full")
    ax.set_xlabel("labels")
    ax.set_ylabel(metric)
    ax.set_title(f"{result['dataset']} ({result['n_items']} items)")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
