"""An estimate of the current head's accuracy and macro-F1 on the unlabeled pool, with a 95% interval.

Cross-validation on the labeled items is biased low (they were chosen because they were hard: 30+ points
low on the text development set), and the items Shoal picked say little about the easy rest. Here:

1. Audit items: a small share of every batch is drawn uniformly at random from the unlabeled items
   (selection/audit.py), so their labels are a sample of the pool. They are trained on like any other.
2. Prequential answers: when an item is picked, the head of that round records its class probabilities
   (the `asked` table); when the label comes, the answer is (those probabilities, was the top class
   right). The audit answers are a uniform sample of the pool as it was; answers count less as the head
   moves on (weight halves every max(100, labels / 3) labels; chosen on the text development set,
   docs/benchmarks.md).
3. Calibration: one temperature T (softmax(log p / T), Guo et al. 2017) is weighed by the audit answers:
   a posterior over a grid of T with a log-normal prior (sd 0.5 in log T) centred on the temperature that
   fits the picked items' answers, so with few audit answers the estimate leans on that and the interval
   stays wide.
4. accuracy = mean over the unlabeled pool (a uniform sample of it for large pools) of the current head's
   tempered top-class confidence; macro-F1 from the expected per-class true and false positives and false
   negatives of the tempered probabilities. The 95% interval draws T from its posterior and adds the
   spread of a finite pool (a sum of Bernoulli outcomes).

Rejected (docs/benchmarks.md, "Accuracy estimate"): fitting T on the picked items alone (they are the hard
ones, and on the text development set it put the estimate 7-10 points above the truth), and a head refit
without the audit items (biased low: the selection adapted to those labels). The plain accuracy of the
prequential audit answers is reported beside it as a check (Wilson interval).
`python -m desktop_app.quality_bench.estimate` measures coverage of the hidden truth in replays.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from desktop_app.core.stopping import wilson_interval

TEMPERATURES = np.exp(np.linspace(np.log(0.05), np.log(10.0), 129))
PRIOR_SD = 0.5          # of log T around the picked items' fit
MIN_ANSWERS = 5         # fewer audit answers than this: no estimate
DRAWS = 400
POOL_SAMPLE = 20000     # unlabeled items scored for the estimate (a uniform sample of larger pools)
HALF_LIFE_FLOOR, HALF_LIFE_SHARE = 100.0, 1 / 3  # recency of audit answers (recency_weights)


@dataclass
class Answers:
    """Prequential answers: the head's probabilities when each item was asked (rows zero-padded to one
    width: heads of earlier rounds may have known fewer classes), and whether its top class was right."""
    proba: np.ndarray        # (n, C) float, rows sum to 1 over the classes that head knew
    correct: np.ndarray      # (n,) bool
    audit: np.ndarray        # (n,) bool
    weight: np.ndarray | None = None   # (n,) how much each answer counts in the fit (recency)

    def __len__(self) -> int:
        return len(self.correct)


def answers_from(probas: list[np.ndarray], classes: list[np.ndarray], truth, audit) -> Answers:
    """Answers from per-item probability vectors (each over its own class list) and true class ids."""
    width = max([len(p) for p in probas] + [2])
    P = np.zeros((len(probas), width))
    right = np.zeros(len(probas), bool)
    for i, (p, c, t) in enumerate(zip(probas, classes, truth)):
        P[i, :len(p)] = p
        right[i] = len(p) > 0 and int(c[int(np.argmax(p))]) == int(t)
    return Answers(P, right, np.asarray(audit, bool).reshape(-1))


def recency_weights(asked_at, n_labeled: int) -> np.ndarray:
    """An answer's weight halves every max(100, n_labeled / 3) labels since it was given: heads of
    earlier rounds were calibrated differently from the current one. (max(100, n / 2) kept too much of
    them: late in a replay the estimate ran 2 points high and covered the truth at only 0.84-0.87.)"""
    half_life = max(HALF_LIFE_FLOOR, n_labeled * HALF_LIFE_SHARE)
    return 0.5 ** (np.maximum(n_labeled - np.asarray(asked_at, np.float64), 0) / half_life)


def tempered_top(proba: np.ndarray, temps: np.ndarray) -> np.ndarray:
    """Top-class probability of softmax(log p / T) for each temperature: (len(temps), n). Classes with
    probability 0 (padding) stay at 0 for every T; the top class does not change with T."""
    p = np.asarray(proba, np.float64)
    top = p.max(axis=1)
    ratio = np.where(p > 0, p / np.maximum(top, 1e-300)[:, None], 0.0)   # in [0, 1], top = 1
    logr = np.log(np.where(ratio > 0, ratio, 1.0))
    out = np.empty((len(temps), len(p)))
    for i, t in enumerate(temps):
        out[i] = 1.0 / np.where(ratio > 0, np.exp(logr / t), 0.0).sum(axis=1)
    return out


def _tempered(proba: np.ndarray, temps: np.ndarray) -> np.ndarray:
    """Tempered probabilities, (len(temps), n, C)."""
    p = np.asarray(proba, np.float64)
    ratio = p / np.maximum(p.max(axis=1, keepdims=True), 1e-300)
    logr = np.log(np.where(ratio > 0, ratio, 1.0))
    e = np.where(ratio[None] > 0, np.exp(logr[None] / temps[:, None, None]), 0.0)
    return e / e.sum(axis=2, keepdims=True)


def _nll_matrix(ans: Answers, temps: np.ndarray) -> np.ndarray:
    """(n, len(temps)) negative log-likelihood of each answer's correctness under each temperature."""
    q = np.clip(tempered_top(ans.proba, temps), 1e-9, 1 - 1e-9).T
    return -np.where(ans.correct[:, None], np.log(q), np.log(1 - q))


def _pool_figures(proba: np.ndarray, temps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per temperature: expected accuracy, expected macro-F1, and the variance of the realised accuracy."""
    top = tempered_top(proba, temps)                                   # (t, n)
    acc = top.mean(axis=1)
    var = (top * (1 - top)).sum(axis=1) / len(proba) ** 2
    f1 = np.empty(len(temps))
    pred = np.argmax(proba, axis=1)
    onehot = np.zeros(proba.shape, bool)
    onehot[np.arange(len(proba)), pred] = True
    for s in range(0, len(temps), 8):
        pt = _tempered(proba, temps[s:s + 8])                          # (t, n, C)
        tp = (pt * onehot).sum(axis=1)                                  # (t, C)
        fp = ((1 - pt) * onehot).sum(axis=1)
        fn = (pt * ~onehot).sum(axis=1)
        denom = 2 * tp + fp + fn
        f1[s:s + 8] = np.where(denom > 0, 2 * tp / np.maximum(denom, 1e-12), 0).mean(axis=1)
    return acc, f1, var


def prior_centre(picked: Answers | None) -> float:
    """log T that best fits the answers on the picked (non-audit) items, recorded before their labels.
    They are a biased sample (hard items), so they only centre the prior; 0 (T = 1) without them."""
    if picked is None or len(picked) < MIN_ANSWERS:
        return 0.0
    return float(np.log(TEMPERATURES[int(np.argmin(_nll_matrix(picked, TEMPERATURES).sum(axis=0)))]))


def estimate(ans: Answers, pool_proba: np.ndarray, seed: int = 0, level: float = 0.95,
             picked: Answers | None = None) -> dict | None:
    """The estimate for the head whose probabilities on the unlabeled pool (or a uniform sample of it)
    are `pool_proba`, calibrated on held-out audit answers `ans` (the prior centred by `picked`).
    None with too few answers or no pool."""
    if len(ans) < MIN_ANSWERS or len(pool_proba) == 0 or pool_proba.shape[1] < 2:
        return None
    temps = TEMPERATURES
    centre = prior_centre(picked)
    w = np.ones(len(ans)) if ans.weight is None else ans.weight
    log_post = -(w @ _nll_matrix(ans, temps)) - 0.5 * ((np.log(temps) - centre) / PRIOR_SD) ** 2
    post = np.exp(log_post - log_post.max())
    post /= post.sum()
    acc, f1, var = _pool_figures(np.asarray(pool_proba, np.float64), temps)
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(temps), size=DRAWS, p=post)
    draws = np.clip(acc[picks] + rng.normal(size=DRAWS) * np.sqrt(var[picks]), 0, 1)
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(draws, [tail, 100 - tail])
    f_lo, f_hi = np.percentile(f1[picks], [tail, 100 - tail])
    point, f_point = float(post @ acc), float(post @ f1)
    out = {"accuracy": round(point, 4),
           "accuracy_interval": [round(float(min(lo, point)), 4), round(float(max(hi, point)), 4)],
           "macro_f1": round(f_point, 4),
           "macro_f1_interval": [round(float(min(f_lo, f_point)), 4), round(float(max(f_hi, f_point)), 4)],
           "n": len(ans), "n_audit": int(ans.audit.sum()), "temperature": round(float(post @ temps), 3),
           "method": "calibrated confidence: mean tempered confidence of the current head over the unlabeled "
                     "items; temperature fitted on audit items (drawn at random), each scored by the head "
                     "of the round that picked it, before its label was given"}
    audit = audit_check(ans)
    if audit:
        out["audit"] = audit
    return out


def estimate_from_asked(asked: list, pool_proba: np.ndarray, n_labeled: int, seed: int = 0) -> dict | None:
    """The estimate from prequential records (probabilities when picked, class ids, audit, true class id,
    labels the project had then): audit answers, weighted by recency, fit the temperature; the other
    picks centre its prior."""
    audit = [a for a in asked if a[2]]
    picked = [a for a in asked if not a[2]]
    if len(audit) < MIN_ANSWERS:
        return None
    ans = answers_from([a[0] for a in audit], [a[1] for a in audit], [a[3] for a in audit], np.ones(len(audit)))
    ans.weight = recency_weights([a[4] for a in audit], n_labeled)
    prior = answers_from([a[0] for a in picked], [a[1] for a in picked], [a[3] for a in picked],
                         np.zeros(len(picked))) if picked else None
    return estimate(ans, pool_proba, seed=seed, picked=prior)


def audit_check(ans: Answers) -> dict | None:
    """Plain accuracy on the audit answers, with a Wilson interval."""
    n = int(ans.audit.sum())
    if n == 0:
        return None
    k = int(ans.correct[ans.audit].sum())
    lo, hi = wilson_interval(k, n)
    return {"accuracy": round(k / n, 4), "interval": [round(lo, 4), round(hi, 4)], "n": n}
