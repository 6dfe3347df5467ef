"""QUndoCommand adapter over the Qt-free command objects of desktop_app.ops.commands."""
from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QUndoCommand


class OpCommand(QUndoCommand):
    """Runs `op.do()` / `op.undo()` and hands what changed to `on_change(changes, op, undone)`."""

    def __init__(self, op, text: str, on_change: Callable, done: list | None = None):
        """done: the changes of an `op.do()` the caller already ran (so a failure there, e.g. a full
        disk, could be reported before anything went on the undo stack); the first redo only reports them."""
        super().__init__(text)
        self.op = op
        self.on_change = on_change
        self._done = done

    def redo(self) -> None:
        if self._done is not None:
            changes, self._done = self._done, None
        else:
            changes = self.op.do()
        self.on_change(changes, self.op, False)

    def undo(self) -> None:
        self.on_change(self.op.undo(), self.op, True)
