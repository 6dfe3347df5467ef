"""Undoable edits of a project, as plain objects (no Qt).

Each command's `do()` / `undo()` writes to the project file in one transaction and returns
what changed — a list of (idx, label_id | None, state) — so the caller can refresh views and the
in-memory session (Anki's rule: an operation returns its changes). The GUI wraps these in
QUndoCommands; a CLI or a test can drive them directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from desktop_app.errors import ShoalError
from desktop_app.store.labels import clean_label_name
from desktop_app.store.project import Project

Change = tuple[int, "int | None", str]


def _snapshot(project: Project, idxs: list[int]) -> list[Change]:
    out = []
    for idx in idxs:
        cur = project.current_label(idx)
        out.append((idx, None, "cleared") if cur is None else (idx, cur[0], cur[1]))
    return out


@dataclass
class SetLabels:
    """Give items a label (state 'labeled'), skip them ('skipped') or clear them ('cleared')."""
    project: Project
    idxs: list[int]
    label_id: int | None
    state: str = "labeled"
    text: str = ""
    _before: list[Change] = field(default_factory=list)

    def do(self) -> list[Change]:
        with self.project.tx():
            self._before = _snapshot(self.project, self.idxs)
            changes = [(i, self.label_id if self.state == "labeled" else None, self.state) for i in self.idxs]
            self.project.set_labels(changes, origin="gui")
        return changes

    def undo(self) -> list[Change]:
        self.project.set_labels(self._before, origin="undo")
        return list(self._before)


@dataclass
class AddLabel:
    project: Project
    name: str
    label_id: int | None = None
    text: str = ""

    def do(self) -> list[Change]:
        if self.label_id is None:
            self.label_id = self.project.add_label(self.name)
        else:  # redo: bring the same id back so later commands that refer to it still work
            self.project.restore_label({"id": self.label_id, "name": clean_label_name(self.name)})
        return []

    def undo(self) -> list[Change]:
        self.project.delete_label(self.label_id, origin="undo")
        return []


@dataclass
class RenameLabel:
    project: Project
    label_id: int
    new_name: str
    old_name: str = ""
    text: str = ""

    def do(self) -> list[Change]:
        if not self.old_name:
            self.old_name = next(l["name"] for l in self.project.label_set() if l["id"] == self.label_id)
        self.project.rename_label(self.label_id, self.new_name)
        return []

    def undo(self) -> list[Change]:
        self.project.rename_label(self.label_id, self.old_name)
        return []


def _label_row(project: Project, label_id: int) -> dict:
    row = next((l for l in project.label_set() if l["id"] == label_id), None)
    if row is None:
        raise ShoalError("that label is no longer in the label set")
    return row


def _restore_label(project: Project, row: dict, idxs: list[int]) -> list[Change]:
    """Bring a label back with its own id, name, key position and mode, and give it its items again."""
    with project.tx():
        project.restore_label(row)
        changes = [(i, row["id"], "labeled") for i in idxs]
        project.set_labels(changes, origin="undo")
    return changes


@dataclass
class MergeLabels:
    """Every item labeled `source` becomes `target`; `source` leaves the set. Undo brings `source` back
    (same id, name, key and mode) with exactly the items it had."""
    project: Project
    source_id: int
    target_id: int
    text: str = ""
    _row: dict = field(default_factory=dict)
    _moved: list[int] = field(default_factory=list)

    def do(self) -> list[Change]:
        with self.project.tx():
            self._row = _label_row(self.project, self.source_id)
            _label_row(self.project, self.target_id)
            self._moved = self.project.items_with_label(self.source_id)
            self.project.merge_labels(self.source_id, self.target_id)
        return [(i, self.target_id, "labeled") for i in self._moved]

    def undo(self) -> list[Change]:
        return _restore_label(self.project, self._row, self._moved)


@dataclass
class DeleteLabel:
    """The label leaves the set and its items go back to unlabeled (history is kept). Undo brings the
    label back (same id, name, key and mode) on the items it had."""
    project: Project
    label_id: int
    text: str = ""
    _row: dict = field(default_factory=dict)
    _cleared: list[int] = field(default_factory=list)

    def do(self) -> list[Change]:
        with self.project.tx():
            self._row = _label_row(self.project, self.label_id)
            self._cleared = self.project.items_with_label(self.label_id)
            self.project.delete_label(self.label_id)
        return [(i, None, "cleared") for i in self._cleared]

    def undo(self) -> list[Change]:
        return _restore_label(self.project, self._row, self._cleared)
