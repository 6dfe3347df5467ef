"""Labeling actions on the open project: digits, skip, back, undo/redo, label-set edits.

Every edit is a Qt-free command (desktop_app.ops.commands) pushed on a QUndoStack; the label is
committed to the project file inside `push` (redo), before the view moves on."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from desktop_app.errors import ShoalError
from desktop_app.ops.commands import AddLabel, DeleteLabel, MergeLabels, RenameLabel, SetLabels
from desktop_app.ops.loop import describe
from desktop_app.qt.controller import ProjectController
from desktop_app.qt.undo import OpCommand


class LabelingController(QObject):
    message = Signal(str)
    undone = Signal(list)  # the changes of an answer that was undone (views that walk items show it again)
    show_labeling = Signal()  # a view asked to show an item in the labeling view

    def __init__(self, pc: ProjectController, parent: QObject | None = None):
        super().__init__(parent)
        self.pc = pc
        self.undo_stack = QUndoStack(self)
        pc.opened.connect(self.undo_stack.clear)
        pc.closed.connect(self.undo_stack.clear)

    # ---- label set ------------------------------------------------------------------------------
    def labels(self) -> list[dict]:
        return self.pc.project.label_set() if self.pc.project else []

    def label_for_digit(self, digit: int) -> dict | None:
        labels = self.labels()
        return labels[digit - 1] if 1 <= digit <= len(labels) else None

    def add_label(self, name: str) -> None:
        self._push(AddLabel(self.pc.project, name), f"add label {name}")

    def rename_label(self, label_id: int, name: str) -> None:
        self._push(RenameLabel(self.pc.project, label_id, name), f"rename label to {name}")

    def merge_labels(self, source_id: int, target_id: int) -> int:
        """Undoable: undo brings the source label back on exactly the items it had."""
        op = MergeLabels(self.pc.project, source_id, target_id)
        return len(self._push(op, lambda: f"merge label {op._row['name']}"))

    def delete_label(self, label_id: int) -> int:
        """Undoable: undo brings the label back (same key) on the items it had."""
        op = DeleteLabel(self.pc.project, label_id)
        return len(self._push(op, lambda: f"delete label {op._row['name']}"))

    def _push(self, op, text) -> list:
        """Run a label-set edit, then put it on the undo stack. It runs before the push so that a refusal
        (a bad name, a full disk) reaches the caller as the plain ShoalError, with nothing pushed: an
        error raised inside QUndoStack.push comes out reworded and leaves a dead command on the stack."""
        changes = op.do()
        self.undo_stack.push(OpCommand(op, text() if callable(text) else text, self._changed, done=changes))
        return changes

    # ---- labeling ---------------------------------------------------------------------------------
    def press_digit(self, digit: int, idxs: list[int] | None = None) -> bool:
        """Label the current item (or `idxs`) with the digit's label; False when nothing happened."""
        label = self.label_for_digit(digit)
        if label is None:
            n = len(self.labels())
            self.message.emit(f"No label {digit}: the label set has {n} label{'s' if n != 1 else ''} — "
                              "press N to add one")
            return False
        return self._answer(idxs, label["id"], "labeled", f"label {label['name']}")

    def skip(self, idxs: list[int] | None = None) -> bool:
        return self._answer(idxs, None, "skipped", "skip")

    def clear(self, idxs: list[int]) -> bool:
        return self._answer(idxs, None, "cleared", "clear label")

    def _answer(self, idxs, label_id, state, text) -> bool:
        pc = self.pc
        single = idxs is None
        if single:
            cur = pc.current()
            if cur is None:
                return False
            idxs = [cur.idx]
        if not idxs:
            return False
        op = SetLabels(pc.project, list(idxs), label_id, state)
        try:  # run before it goes on the undo stack: a failed save (disk full...) leaves no command there
            changes = op.do()
        except ShoalError as e:  # the store words every SQLite failure as a ShoalError
            pc.error.emit(str(e))
            return False  # the item stays unanswered and current
        self.undo_stack.push(OpCommand(op, text, self._changed, done=changes))
        queue = pc.queue
        if single:
            queue.advance()
            finished = queue.done
            if queue.pos == len(queue) - 4:  # re-rank with the labels of this batch so far, before it ends
                pc.request_round(mid_batch=True)
        else:
            finished = bool(set(queue.idxs()) & set(idxs)) and queue.all_answered
        if finished:
            queue.finish()
            pc.next_batch()
        else:
            pc.batch_changed.emit()
        return True

    def open_item(self, idx: int, why: str = "opened from the review table") -> None:
        """Show one item (e.g. double-clicked in the Review tab) as the current item of the labeling view;
        the rest of the batch follows it. Asks the window to switch to the labeling view (`show_labeling`)."""
        pc = self.pc
        if not pc.queue.jump(idx):  # not in this batch: it comes in at the cursor
            entry = describe(pc.project, [{"idx": idx, "score": 0.0, "reason": ""}])[0]
            entry.note = why
            pc.queue.insert_current(entry, answered=pc.project.current_label(idx) is not None)
        pc.batch_changed.emit()
        self.show_labeling.emit()

    def back(self) -> None:
        if self.pc.queue.back():
            self.pc.batch_changed.emit()

    def forward(self) -> None:
        if self.pc.queue.forward():
            self.pc.batch_changed.emit()

    def next_unanswered(self) -> bool:
        moved = self.pc.queue.next_unanswered()
        if moved:
            self.pc.batch_changed.emit()
        return moved

    def _changed(self, changes, op, undone: bool) -> None:
        pc = self.pc
        if isinstance(op, (AddLabel, RenameLabel, MergeLabels, DeleteLabel)):
            pc.label_set_changed.emit()
            if changes:
                pc.labels_changed.emit(changes)
            return
        if undone and changes:
            self.undone.emit(changes)
        if undone and changes and pc.queue.jump(changes[0][0]):  # show the undone item, when in this batch
            pc.batch_changed.emit()
        pc.labels_changed.emit(changes)  # the queue's answers follow (ProjectController._answers_changed)

    def answer_of(self, idx: int) -> str | None:
        cur = self.pc.project.current_label(idx) if self.pc.project else None
        if cur is None:
            return None
        if cur[1] == "skipped":
            return "skipped"
        return next((l["name"] for l in self.labels() if l["id"] == cur[0]), None)
