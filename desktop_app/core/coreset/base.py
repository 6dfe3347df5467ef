"""What every core-set method gets (CoresetInput) and returns (Kept), and the shared helpers:
how many to keep (keep_count), per-class quotas (quotas) and top-k within each group (top_per_group)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from desktop_app.errors import ShoalError

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


class Cancelled(ShoalError):
    """The user cancelled a core-set run."""


@dataclass
class CoresetInput:
    X: np.ndarray            # (n, d) float32, unit-length rows (embeddings)
    y: np.ndarray            # (n,) int64 class ids
    n_keep: int
    stratify: bool = True    # per-class quotas proportional to class sizes, no class vanishes
    seed: int = 0
    progress: Progress | None = None
    cancel: Cancel | None = None
    names: dict[int, str] = field(default_factory=dict)   # class id -> label name, for reasons
    proxy: tuple[np.ndarray, np.ndarray] | None = None      # (own-label p, margin) out-of-fold, once computed
    top2: np.ndarray | None = None   # with proxy: the own label is among the out-of-fold head's two likeliest

    def check_cancel(self) -> None:
        if self.cancel and self.cancel():
            raise Cancelled("core-set selection cancelled")

    def report(self, done: int, total: int) -> None:
        if self.progress:
            self.progress(done, total)

    def name(self, c) -> str:
        return self.names.get(int(c), str(int(c)))


@dataclass
class Kept:
    """The kept items: positions into X (most useful first within the method's own order), a score
    (higher = more useful to keep; its meaning is the method's) and a reason line per kept item.
    `weights` (a weighted core-set; None: every kept item counts once): how many pool items each kept
    item stands for, to train the head with as sample weights; they sum to the pool size per group."""
    positions: np.ndarray
    scores: np.ndarray
    reasons: list[str]
    weights: np.ndarray | None = None


def keep_count(keep: str | float, n: int) -> int:
    """--keep 0.3 (a share, 0 < x < 1 ... 1 keeps all) or --keep 5000 (a count, at most n)."""
    text = str(keep).strip()
    try:
        value = float(text)
    except ValueError:
        raise ShoalError(f"--keep {text!r}: give a share like 0.3 or a count like 5000") from None
    if not np.isfinite(value) or value <= 0:
        raise ShoalError(f"--keep {text!r}: must be a share above 0 (like 0.3) or a positive count")
    if value <= 1 and ("." in text or "e" in text.lower()):
        k = int(round(value * n))
    elif value != int(value):
        raise ShoalError(f"--keep {text!r}: a count must be a whole number; a share must be at most 1")
    else:
        k = int(value)
        if k > n:
            raise ShoalError(f"--keep {k}: only {n} labeled items to choose from")
    return max(1, min(k, n))


def quotas(y: np.ndarray, n_keep: int, stratify: bool) -> list[tuple[np.ndarray, int]]:
    """(positions of a group, how many to keep from it). Stratified: one group per class, quotas
    proportional to class size (largest remainder), each class keeping at least one item while the
    budget allows. Otherwise a single group of everything."""
    y = np.asarray(y)
    if not stratify:
        return [(np.arange(len(y)), n_keep)]
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    exact = counts * (n_keep / len(y))
    q = np.minimum(np.floor(exact).astype(int), counts)
    if n_keep >= len(classes):   # no class vanishes while the budget has room for one of each
        q = np.maximum(q, 1)
    while q.sum() > n_keep:      # that floor may overshoot: take back from the largest quotas
        q[int(np.argmax(q))] -= 1
    rest = exact - q
    while q.sum() < n_keep:
        room = np.flatnonzero(q < counts)
        c = room[int(np.argmax(rest[room]))]
        q[c] += 1
        rest[c] -= 1
    return [(np.flatnonzero(inverse == c), int(q[c])) for c in range(len(classes)) if q[c] > 0]


def top_per_group(score: np.ndarray, groups: list[tuple[np.ndarray, int]]) -> np.ndarray:
    """Positions of the k highest scores within each group, best first overall."""
    picked = [g[np.argsort(-score[g], kind="stable")[:k]] for g, k in groups]
    out = np.concatenate(picked) if picked else np.empty(0, np.int64)
    return out[np.argsort(-score[out], kind="stable")]


def class_centres(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(classes, unit-length mean vector of each class)."""
    classes, inverse = np.unique(y, return_inverse=True)
    sums = np.zeros((len(classes), X.shape[1]), np.float64)
    np.add.at(sums, inverse, X)
    sums /= np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return classes, sums.astype(np.float32)
