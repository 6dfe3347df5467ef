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


@dataclass(frozen=True)
class Neighbour:
    idx: int
    id: str
    label: str


@dataclass(frozen=True)
class SuspectEntry:
    idx: int
    id: str                  # the id the user sees
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
        return {"id": self.id, "label": self.label, "suggested": self.suggested, "score": round(self.score, 4),
                "reason": self.reason()}


def labeled_embedded(project: Project) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(idx, label ids, embeddings) of the labeled items that have an embedding."""
    lab_idx, lab_ids, _ = project.current_labels()
    mask = embedded_mask(project)
    keep = mask[lab_idx] if len(lab_idx) else np.zeros(0, bool)
    lab_idx, lab_ids = lab_idx[keep], lab_ids[keep]
    emb = project.load_embeddings()
    return lab_idx, lab_ids, np.asarray(emb[lab_idx], np.float32)


def project_suspects(project: Project, n: int | None = None, progress: Callable[[int, int], None] | None = None,
                     cancel: Callable[[], bool] | None = None) -> list[SuspectEntry]:
    """The labeled items, most suspicious first (the first n when n is given). Items not embedded yet
    are left out: embed them first (`shoal suspects` does)."""
    check_encoder(project)
    idx, ids, X = labeled_embedded(project)
    names = {l["id"]: l["name"] for l in project.label_set()}
    if len(np.unique(ids)) < 2 or len(ids) < 10:
        raise ShoalError(f"finding suspicious labels needs at least 10 embedded labeled items of two labels or more "
                         f"(this project has {len(ids)} of {len(np.unique(ids))} label(s))")
    ranked = find_suspects(X, ids, progress=progress, cancel=cancel)
    if n is not None:
        ranked = ranked[:max(0, int(n))]
    shown = sorted({int(idx[s.pos]) for s in ranked} | {int(idx[j]) for s in ranked
                                                          for j in s.neighbours[:SHOWN_NEIGHBOURS]})
    user_ids = {r["idx"]: r["id"] for r in project.items(shown)}
    return [SuspectEntry(
        idx=int(idx[s.pos]), id=user_ids[int(idx[s.pos])], label=names[s.label], suggested=names[s.suggested],
        score=s.score, label_proba=s.label_proba, suggested_proba=s.suggested_proba, flagged=s.flagged,
        disagree=s.disagree, asked=len(s.neighbours), neighbour_label=names[s.neighbour_vote],
        neighbours=tuple(Neighbour(int(idx[j]), user_ids[int(idx[j])], names[int(ids[j])])
                         for j in s.neighbours[:SHOWN_NEIGHBOURS])) for s in ranked]
