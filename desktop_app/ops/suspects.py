"""Suspicious labels of a project (`shoal suspects`, the GUI's review of suspicious labels).

The labeled, embedded items go to desktop_app.core.suspects; what comes back is named the way the user
sees it: the item's own id, label names, the nearest labeled neighbours."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from desktop_app.core.suspects import find_suspects
from desktop_app.errors import ShoalError
from desktop_app.ops.embed import check_encoder, embedded_mask
from desktop_app.store.project import Project

SHOWN_NEIGHBOURS = 5  # neighbours an entry names (the score counts core.suspects.NEIGHBOURS)
REVIEW_SCORE = 0.5  # the GUI walks the items flagged by confident learning or scoring at least this ...
REVIEW_LEAST, REVIEW_MOST = 10, 500  # ... but never fewer / more than these


@dataclass(frozen=True)
class Neighbour:
    idx: int
    id: str
    label: str


@dataclass(frozen=True)
class SuspectEntry:
    idx: int
    id: str                  # the id the user sees
    path: str | None         # its file, for items read from files
    label: str               # the label it carries
    suggested: str           # the label the evidence points to
    score: float             # 0..1, higher = more suspicious
    label_proba: float       # out-of-fold probability of its label
    suggested_proba: float   # out-of-fold probability of the suggestion
    flagged: bool            # cleanlab's confident-learning filter calls it a label issue
    disagree: int            # nearest labeled neighbours that carry another label ...
    asked: int               # ... out of this many
    neighbour_label: str     # the other label they carry most
    neighbours: tuple[Neighbour, ...]

    def reason(self) -> str:
        parts = [(f"a model that never saw it gives {self.suggested!r} {self.suggested_proba:.2f}, "
                  f"its label {self.label_proba:.2f}")]
        if self.disagree:
            parts.append(f"{self.disagree} of its {self.asked} nearest labeled items carry another label "
                         f"(most: {self.neighbour_label!r})")
        if self.flagged:
            parts.append("a likely label error (confident learning)")
        return "; ".join(parts)

    def as_row(self) -> dict:
        row = {"id": self.id, "label": self.label, "suggested": self.suggested, "score": round(self.score, 4),
               "reason": self.reason()}
        return {**row, "path": self.path} if self.path is not None else row


def labeled_embedded(project: Project) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(idx, label ids, embeddings) of the labeled items that have an embedding."""
    lab_idx, lab_ids, _ = project.current_labels()
    mask = embedded_mask(project)
    keep = mask[lab_idx] if len(lab_idx) else np.zeros(0, bool)
    lab_idx, lab_ids = lab_idx[keep], lab_ids[keep]
    emb = project.load_embeddings()
    return lab_idx, lab_ids, np.asarray(emb[lab_idx], np.float32)


def worth_review(ranked: list) -> list:
    """The head of a ranking worth a person's look: flagged or scoring REVIEW_SCORE or more, within
    [REVIEW_LEAST, REVIEW_MOST] items."""
    n = sum(1 for s in ranked if s.flagged or s.score >= REVIEW_SCORE)
    return ranked[:min(REVIEW_MOST, max(REVIEW_LEAST, n))]


def project_suspects(project: Project, n: int | None = None, progress: Callable[[int, int], None] | None = None,
                     cancel: Callable[[], bool] | None = None, to_review: bool = False) -> list[SuspectEntry]:
    """The labeled items, most suspicious first (the first n when n is given; with `to_review`, those
    worth_review picks). Items not embedded yet are left out: embed them first (`shoal suspects` does)."""
    check_encoder(project)
    idx, ids, X = labeled_embedded(project)
    names = {l["id"]: l["name"] for l in project.label_set()}
    if len(np.unique(ids)) < 2 or len(ids) < 10:
        n, k = len(ids), len(np.unique(ids))
        raise ShoalError(f"finding suspicious labels needs at least 10 embedded labeled items of two labels or more "
                         f"(this project has {n} labeled item{'s' if n != 1 else ''} of {k} label{'s' if k != 1 else ''})")
    ranked = find_suspects(X, ids, progress=progress, cancel=cancel)
    if to_review:
        ranked = worth_review(ranked)
    if n is not None:
        ranked = ranked[:max(0, int(n))]
    shown = sorted({int(idx[s.pos]) for s in ranked} | {int(idx[j]) for s in ranked
                                                          for j in s.neighbours[:SHOWN_NEIGHBOURS]})
    rows = {r["idx"]: r for r in project.items(shown)}
    user_ids = {i: r["id"] for i, r in rows.items()}
    return [SuspectEntry(
        idx=int(idx[s.pos]), id=user_ids[int(idx[s.pos])], path=rows[int(idx[s.pos])]["path"], label=names[s.label],
        suggested=names[s.suggested],
        score=s.score, label_proba=s.label_proba, suggested_proba=s.suggested_proba, flagged=s.flagged,
        disagree=s.disagree, asked=len(s.neighbours), neighbour_label=names[s.neighbour_vote],
        neighbours=tuple(Neighbour(int(idx[j]), user_ids[int(idx[j])], names[int(ids[j])])
                         for j in s.neighbours[:SHOWN_NEIGHBOURS])) for s in ranked]


class SuspectQueue:
    """The walk through a suspects list (the GUI's review of suspicious labels), Qt-free: a cursor and
    what the person decided for each item ("kept" or the label given)."""

    def __init__(self, entries: list[SuspectEntry]):
        self.entries = list(entries)
        self.pos = 0
        self.decided: dict[int, str] = {}  # idx -> "kept" or the new label's name

    def current(self) -> SuspectEntry | None:
        return self.entries[self.pos] if 0 <= self.pos < len(self.entries) else None

    @property
    def done(self) -> bool:
        return self.pos >= len(self.entries)

    def decide(self, decision: str) -> None:
        cur = self.current()
        if cur is not None:
            self.decided[cur.idx] = decision
            self.pos += 1

    def back(self) -> None:
        if self.pos > 0:
            self.pos = min(self.pos, len(self.entries)) - 1

    def reopen(self, idx: int) -> bool:
        """An answer was undone: show that item again, undecided. False when it is not in the list."""
        where = [i for i, e in enumerate(self.entries) if e.idx == idx]
        if not where:
            return False
        self.pos = where[0]
        self.decided.pop(idx, None)
        return True

    def counts(self) -> tuple[int, int]:
        """(relabeled, kept) so far."""
        kept = sum(1 for d in self.decided.values() if d == "kept")
        return len(self.decided) - kept, kept
