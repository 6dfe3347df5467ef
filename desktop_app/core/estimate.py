"""An estimate of the current head's accuracy and macro-F1 on the unlabeled pool, with a 95% interval.

Cross-validation on the labeled items is biased low: they were chosen because they were hard. Here the
estimate is the mean *calibrated* confidence of the current head over the unlabeled pool:

1. Prequential answers: for every item Shoal asks about, the head's class probabilities are recorded at
   the moment it is asked (before the label exists). Once labeled, each gives (confidence of the top
   class, was the top class right). A share of each batch (`audit`) is drawn uniformly at random from the
   unlabeled items, so some answers come from the same distribution as the pool.
2. One temperature T is fitted to those answers (maximum likelihood of "top class right" under the
   tempered top-class confidence), audit answers weighted up so that they dominate the fit when there
   are enough of them. Tempering is the standard post-hoc calibration for softmax heads (Guo et al. 2017).
3. accuracy = mean over the pool of the tempered top-class confidence; macro-F1 from the expected
   per-class true/false positives and false negatives of the tempered probabilities.
4. The 95% interval comes from a bootstrap over the answers (each resample refits T) combined with the
   sampling spread of a finite pool (a sum of Bernoulli outcomes).

The plain mean over audit answers is reported beside it as a check; it is unbiased for the heads that
made those predictions (earlier ones), so it runs a little low while the model is still improving.
`shoal simulate --audit` measures the coverage of the interval against the hidden truth.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TEMPERATURES = np.exp(np.linspace(np.log(0.2), np.log(5.0), 97))
AUDIT_WEIGHT = 4.0      # an audit answer counts as this many selected answers in the fit
MIN_ANSWERS = 20        # fewer answers than this: no estimate
BOOTSTRAP = 300
POOL_SAMPLE = 20000     # unlabeled items scored for the estimate (a uniform sample of larger pools)


@dataclass
class Answers:
    """Prequential answers: the head's probabilities when each item was asked (rows zero-padded to one
    width: heads of earlier rounds may have known fewer classes), and whether its top class was right."""
    proba: np.ndarray        # (n, C) float, rows sum to 1 over the classes that head knew
    correct: np.ndarray      # (n,) bool
    audit: np.ndarray        # (n,) bool

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


def _weights(ans: Answers) -> np.ndarray:
    return np.where(ans.audit, AUDIT_WEIGHT, 1.0)


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


def estimate(ans: Answers, pool_proba: np.ndarray, seed: int = 0, level: float = 0.95) -> dict | None:
    """The estimate for the head whose probabilities on the unlabeled pool (or a uniform sample of it)
    are `pool_proba`. None when there are too few answers or no pool."""
    if len(ans) < MIN_ANSWERS or len(pool_proba) == 0 or pool_proba.shape[1] < 2:
        return None
    temps = TEMPERATURES
    nll = _nll_matrix(ans, temps)
    w = _weights(ans)
    best = int(np.argmin(w @ nll))
    acc, f1, var = _pool_figures(np.asarray(pool_proba, np.float64), temps)
    rng = np.random.default_rng(seed)
    counts = rng.multinomial(len(ans), np.full(len(ans), 1 / len(ans)), size=BOOTSTRAP)
    picks = np.argmin((counts * w) @ nll, axis=1)
    draws = acc[picks] + rng.normal(size=BOOTSTRAP) * np.sqrt(var[picks])
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(draws, [tail, 100 - tail])
    f_lo, f_hi = np.percentile(f1[picks], [tail, 100 - tail])
    out = {"accuracy": round(float(acc[best]), 4),
           "accuracy_interval": [round(float(min(lo, acc[best])), 4), round(float(max(hi, acc[best])), 4)],
           "macro_f1": round(float(f1[best]), 4),
           "macro_f1_interval": [round(float(min(f_lo, f1[best])), 4), round(float(max(f_hi, f1[best])), 4)],
           "n": int(len(ans)), "n_audit": int(ans.audit.sum()), "temperature": round(float(temps[best]), 3),
           "method": "calibrated confidence: mean tempered confidence of the current head over the unlabeled "
                     "items, temperature fitted on answers recorded before each label was given"}
    audit = audit_check(ans)
    if audit:
        out["audit"] = audit
    return out


def audit_check(ans: Answers) -> dict | None:
    """Plain accuracy of the predictions made before each audit item was labeled, with a Wilson interval."""
    n = int(ans.audit.sum())
    if n == 0:
        return None
    k = int(ans.correct[ans.audit].sum())
    lo, hi = wilson(k, n)
    return {"accuracy": round(k / n, 4), "interval": [round(lo, 4), round(hi, 4)], "n": n}


def wilson(correct: int, total: int, z: float = 1.96) -> tuple[float, float]:
    if total == 0:
        return 0.0, 1.0
    p = correct / total
    denom = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / denom
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)
