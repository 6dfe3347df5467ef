"""Is the accuracy Shoal shows true? Replays with hidden truth: at every round, the estimate (and its
95% interval) against the head's real accuracy on the items still unlabeled, and against the old
cross-validation figure. Also the cost of audit picks in labels.

    python -m desktop_app.quality_bench.estimate --dataset newsgroups --seeds 10 --audit 0 --audit 0.05 --audit 0.1

Prints, per audit share: coverage of the interval after 200 labels, mean interval width, mean error of
the estimate and of the CV figure, and labels to 95% of full-supervision macro-F1 (crossing of the mean
curve). --json writes every round.
"""
from __future__ import annotations

import argparse
import json

import numpy as np

from desktop_app.core.simulate import full_supervision, run_one
from desktop_app.quality_bench import datasets


def load(name: str):
    if name == "newsgroups":
        X, y, _ = datasets.newsgroups(2000, part="test")
    elif name == "fashion":
        X, y, _ = datasets.fashion_mnist(4000, part="t10k")
    elif name == "digits":
        X, y, _ = datasets.digits()
    else:
        raise SystemExit(f"unknown dataset {name}")
    return X, y


def crossing(curves: list[list[dict]], target: float) -> float | None:
    """Labels where the mean macro-F1 curve first reaches target (linear interpolation between rounds)."""
    n = min(len(c) for c in curves)
    xs = np.mean([[p["n_labeled"] for p in c[:n]] for c in curves], axis=0)
    ys = np.mean([[p["macro_f1"] for p in c[:n]] for c in curves], axis=0)
    for i in range(len(ys)):
        if ys[i] >= target:
            if i == 0:
                return float(xs[0])
            f = (target - ys[i - 1]) / (ys[i] - ys[i - 1])
            return float(xs[i - 1] + f * (xs[i] - xs[i - 1]))
    return None


def paired_cost_interval(base: list[list[dict]], other: list[list[dict]], target: float, reps: int = 2000,
                         seed: int = 0) -> tuple[float, float]:
    """95% bootstrap interval of the extra labels `other` needs to reach target over `base`, resampling the
    seeds in pairs (same splits and start sets); resamples where a curve never reaches target are left out."""
    rng = np.random.default_rng(seed)
    n = min(len(base), len(other))
    diffs = []
    for _ in range(reps):
        pick = rng.integers(0, n, n)
        a, b = crossing([base[i] for i in pick], target), crossing([other[i] for i in pick], target)
        if a is not None and b is not None:
            diffs.append(b - a)
    if not diffs:
        return float("nan"), float("nan")
    return float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))


def summarise(curves: list[list[dict]], after: int = 200) -> dict:
    rows = [p for c in curves for p in c if p.get("estimate") and p["n_labeled"] >= after]
    if not rows:
        return {}
    truth = np.array([p["true_accuracy_unlabeled"] for p in rows])
    est = np.array([p["estimate"]["accuracy"] for p in rows])
    lo = np.array([p["estimate"]["accuracy_interval"][0] for p in rows])
    hi = np.array([p["estimate"]["accuracy_interval"][1] for p in rows])
    cv = np.array([p["cv_accuracy"] if p.get("cv_accuracy") is not None else np.nan for p in rows])
    audit = [p["estimate"].get("audit") for p in rows]
    au = np.array([a["accuracy"] if a else np.nan for a in audit])
    return {"rounds": len(rows), "coverage": float(((lo <= truth) & (truth <= hi)).mean()),
            "mean_width": float((hi - lo).mean()), "max_width": float((hi - lo).max()),
            "mean_error": float((est - truth).mean()), "mean_abs_error": float(np.abs(est - truth).mean()),
            "cv_mean_error": float(np.nanmean(cv - truth)), "audit_mean_error": float(np.nanmean(au - truth))
            if np.isfinite(au).any() else None}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="newsgroups", choices=["newsgroups", "fashion", "digits"])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--audit", type=float, action="append")
    ap.add_argument("--budget", type=int, default=800)
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--init", type=int, default=10)
    ap.add_argument("--strategy", default="seals")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    X, y = load(args.dataset)
    out = {}
    for share in args.audit or [0.0, 0.05, 0.1]:
        curves, fulls = [], []
        for seed in range(args.seeds):
            curves.append(run_one(X, y, args.strategy, budget=args.budget, batch=args.batch, init=args.init,
                                  seed=seed, signals=True, audit_share=share))
            fulls.append(full_supervision(X, y, seed, None)["macro_f1"])
        target = 0.95 * float(np.median(fulls))
        res = {"labels_to_95": crossing(curves, target), **summarise(curves)}
        out[str(share)] = {"summary": res, "curves": curves}
        print(f"{args.dataset} audit {share:.2f}: " + ", ".join(
            f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in res.items()), flush=True)
    if "0.0" in out and len(out) > 1:
        base = out["0.0"]["curves"]
        for share, res in out.items():
            if share != "0.0":
                lo, hi = paired_cost_interval(base, res["curves"], target)
                res["summary"]["extra_labels_interval"] = [lo, hi]
                print(f"{args.dataset} audit {float(share):.2f}: labels to 95% vs no audit, paired bootstrap 95%: "
                      f"[{lo:+.0f}, {hi:+.0f}]", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, default=lambda o: o.tolist() if hasattr(o, "tolist") else str(o))


if __name__ == "__main__":
    main()
