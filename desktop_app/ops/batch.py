"""A batch as the app and `shoal next` see it, Qt-free: `BatchEntry` (one item to label, with why it was
picked and what the model says) and `LabelingQueue` (the batch, its cursor, which items are answered, and
the next batch prepared ahead). The GUI's ProjectController owns one queue; only the queue moves the cursor.
The view layer reads entries; it never re-parses their text (napari's split: evented models Qt-free,
views in _qt)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

NEIGHBOUR_SUFFIX = " · neighbour of a labeled item"   # how core.selection words a neighbour pick's reason


@dataclass
class BatchEntry:
    idx: int                                  # internal row number (never shown)
    id: str                                   # the item's own id, as the source gives it
    score: float = 0.0
    reason: str = ""                          # the strategy's own words
    kind: str = ""                            # "uncertain", "audit", "neighbour", ... (core.selection Pick.kind)
    audit: bool = False                       # drawn at random for the accuracy estimate
    path: str | None = None                   # payload: the image path (image projects) ...
    text: str | None = None                   # ... or the text
    top: list[dict] = field(default_factory=list)   # the model's top two classes when the item was picked
    neighbour_of: int | None = None           # idx of the labeled item this pick was reached from
    neighbour_id: str | None = None           # that item's own id
    neighbour_name: str | None = None         # how "why" names it: its path (image projects) or its id
    guess: int | None = None                  # the model's label id for the item now (annotate)
    confidence: float = 0.0
    neighbours: list[dict] = field(default_factory=list)  # nearest labeled items (annotate)
    proba: Any = field(default=None, compare=False)  # the head's probabilities at selection, until saved
    classes: list[int] | None = None
    note: str | None = None                   # why it is shown when a view put it here ("opened from the map")

    @property
    def why(self) -> str:
        """'Why this item', in words, built from the parts (never parsed back by a view)."""
        if self.note:
            return self.note
        if self.audit:
            text = "audit: drawn at random from the unlabeled items, so the accuracy estimate stays honest"
        elif self.kind == "uncertain" and len(self.top) == 2:
            a, b = self.top
            text = f"the model is unsure: top two {a['label']} {a['p']:.2f} / {b['label']} {b['p']:.2f}"
        else:
            text = str(self.reason or "").replace(NEIGHBOUR_SUFFIX, "")
        if self.neighbour_name:
            text += f" · neighbour of {self.neighbour_name}"
        return text

    def to_json(self) -> dict:
        """The `shoal next --json` form (its keys are a public interface: keep them)."""
        out: dict = {"id": self.id, "idx": self.idx, "score": round(float(self.score), 6), "reason": self.reason,
                     "audit": bool(self.audit), "kind": self.kind}
        if self.path:
            out["path"] = self.path
        else:
            out["text"] = self.text
        if self.top:
            out["top"] = self.top
        if self.neighbour_id is not None:
            out["neighbour_of"] = self.neighbour_id
        out["why"] = self.why
        return out

    def queue_row(self) -> dict:
        """The form store.save_queue keeps (idx, not id; the probabilities go to `asked`)."""
        return {"idx": self.idx, "score": float(self.score), "reason": self.reason, "neighbour_of": self.neighbour_of,
                "kind": self.kind, "audit": self.audit, "proba": self.proba, "classes": self.classes}


class LabelingQueue:
    """The current batch and its cursor. `answered` holds the items of this batch that have an answer
    (a label or a skip); the owner keeps it in step with the store (`mark`). `prefetched`: the next batch,
    prepared in the background; `waiting`: the person is waiting for it (the batch is used up)."""

    def __init__(self, entries: Iterable[BatchEntry] = (), answered: Iterable[int] = ()):
        self.entries: list[BatchEntry] = []
        self.pos = 0
        self.answered: set[int] = set()
        self.prefetched: list[BatchEntry] | None = None
        self.waiting = False
        self.load(entries, answered)

    # ---- reading -------------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.entries)

    def current(self) -> BatchEntry | None:
        return self.entries[self.pos] if 0 <= self.pos < len(self.entries) else None

    @property
    def done(self) -> bool:
        """The cursor went past the last entry (an empty queue is not done: it has not started)."""
        return bool(self.entries) and self.pos >= len(self.entries)

    @property
    def all_answered(self) -> bool:
        return bool(self.entries) and all(e.idx in self.answered for e in self.entries)

    def idxs(self) -> list[int]:
        return [e.idx for e in self.entries]

    def unanswered(self) -> list[BatchEntry]:
        return [e for e in self.entries if e.idx not in self.answered]

    def upcoming(self, n: int) -> list[BatchEntry]:
        """The current entry and the n - 1 after it (what to load ahead)."""
        return self.entries[self.pos:self.pos + n]

    # ---- moving the cursor -----------------------------------------------------------------------------
    def load(self, entries: Iterable[BatchEntry], answered: Iterable[int] = ()) -> None:
        """A new batch; the cursor on its first unanswered entry (past the end when all are answered)."""
        self.entries = list(entries)
        self.answered = set(answered) & set(self.idxs())
        self.pos = next((i for i, e in enumerate(self.entries) if e.idx not in self.answered), len(self.entries))
        self.waiting = False

    def clear(self) -> None:
        self.entries, self.pos, self.answered, self.prefetched, self.waiting = [], 0, set(), None, False

    def advance(self) -> BatchEntry | None:
        """The current entry was answered: mark it and move on. Returns the new current entry."""
        cur = self.current()
        if cur is not None:
            self.answered.add(cur.idx)
            self.pos += 1
        return self.current()

    def forward(self) -> bool:
        """Next entry of the batch; never past the last one (the batch ends by answering, not browsing)."""
        if self.pos + 1 < len(self.entries):
            self.pos += 1
            return True
        return False

    def back(self) -> bool:
        if self.pos <= 0:
            return False
        self.pos = min(self.pos, len(self.entries)) - 1
        return True

    def next_unanswered(self) -> bool:
        """Put the cursor on the next entry with no answer (after the cursor, then from the start).
        False when every entry of the batch is answered."""
        n = len(self.entries)
        for step in range(1, n + 1):
            i = (self.pos + step) % n
            if self.entries[i].idx not in self.answered:
                self.pos = i
                return True
        return False

    def jump(self, idx: int) -> bool:
        """Put the cursor on item `idx` (an undone answer shows its item again). False when not in the batch."""
        where = next((i for i, e in enumerate(self.entries) if e.idx == idx), None)
        if where is None:
            return False
        self.pos = where
        return True

    def insert_current(self, entry: BatchEntry, answered: bool = False) -> None:
        """Show `entry` now (an item opened from another view): inserted at the cursor, the rest follows."""
        self.pos = min(self.pos, len(self.entries))
        self.entries.insert(self.pos, entry)
        self.mark(entry.idx, answered)

    def finish(self) -> None:
        self.pos = len(self.entries)

    def mark(self, idx: int, answered: bool = True) -> None:
        """An answer for `idx` was saved (or cleared / undone) by any view."""
        if answered:
            self.answered.add(idx)
        else:
            self.answered.discard(idx)

    def replace_rest(self, entries: Iterable[BatchEntry] = ()) -> None:
        """Drop the unanswered entries ("Find more of": they were chosen for the old mode) and append
        `entries`; the cursor goes to the first new one (past the end while none came yet)."""
        kept = [e for e in self.entries if e.idx in self.answered]
        self.entries = kept + list(entries)
        self.pos = len(kept)

    # ---- the next batch ----------------------------------------------------------------------------------
    def take_prefetched(self) -> list[BatchEntry] | None:
        pre, self.prefetched = self.prefetched, None
        return pre

    def annotate(self, annotated: Iterable[BatchEntry]) -> None:
        """Copy the model's guess and the labeled neighbours onto the entries of the same items."""
        by_idx = {a.idx: a for a in annotated}
        for e in self.entries:
            a = by_idx.get(e.idx)
            if a is not None:
                e.guess, e.confidence, e.neighbours = a.guess, a.confidence, a.neighbours
