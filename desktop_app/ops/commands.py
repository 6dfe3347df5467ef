"""Undoable edits of a project, as plain objects (no Qt).

Each command's `do()` / `undo()` writes to the project file in one transaction and returns
what changed — a list of (idx, label_id | None, state) — so the caller can refresh views and the
in-memory session (Anki's rule: an operation returns its changes). The GUI wraps these in
QUndoCommands; a CLI or a test can drive them directly.
"""
from __future__ import annotations

from dataclasses import dataclass, field

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
            with self.project.tx():
                pos = self.project.conn.execute("SELECT coalesce(max(position), 0) + 1 FROM label_set").fetchone()[0]
                self.project.conn.execute("INSERT INTO label_set(id, name, position) VALUES (?,?,?)",
                                          (self.label_id, self.name, pos))
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


@dataclass
class MergeLabels:
    """Not undoable (the source label leaves the set); returns the moved items."""
    project: Project
    source_id: int
    target_id: int

    def do(self) -> list[Change]:
        moved = [r[0] for r in self.project.conn.execute("SELECT idx FROM labels WHERE label_id=?", (self.source_id,))]
        self.project.merge_labels(self.source_id, self.target_id)
        return [(i, self.target_id, "labeled") for i in moved]


@dataclass
class DeleteLabel:
    """Not undoable: the label leaves the set and its items go back to unlabeled (history is kept)."""
    project: Project
    label_id: int

    def do(self) -> list[Change]:
        cleared = [r[0] for r in self.project.conn.execute("SELECT idx FROM labels WHERE label_id=?", (self.label_id,))]
        self.project.delete_label(self.label_id)
        return [(i, None, "cleared") for i in cleared]
