"""QUndoCommand adapter over the Qt-free command objects of desktop_app.ops.commands."""
from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QUndoCommand


class OpCommand(QUndoCommand):
    """Runs `op.do()` / `op.undo()` and hands what changed to `on_change(changes, op, undone)`."""

    def __init__(self, op, text: str, on_change: Callable):
        super().__init__(text)
        self.op = op
        self.on_change = on_change

    def redo(self) -> None:
        self.on_change(self.op.do(), self.op, False)

    def undo(self) -> None:
        self.on_change(self.op.undo(), self.op, True)
