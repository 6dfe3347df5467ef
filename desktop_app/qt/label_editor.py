"""Label-set editor: add, rename, merge, delete — saying what happens to the items already labeled."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QHBoxLayout, QInputDialog, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout

from desktop_app.errors import ShoalError
from desktop_app.qt.dialogs import ask_text, confirm, show_error
from desktop_app.qt.labeling_view import plain_label


class LabelEditor(QDialog):
    def __init__(self, pc, lc, parent=None):
        super().__init__(parent)
        self.pc, self.lc = pc, lc
        self.setWindowTitle("Label set")
        self.resize(520, 420)
        lay = QVBoxLayout(self)
        lay.addWidget(plain_label("Labels are numbered in the order they joined the set; the number is the key "
                                  "that assigns the label (1–9).", "color: palette(dark);"))
        row = QHBoxLayout()
        self.list = QListWidget()
        row.addWidget(self.list, 1)
        col = QVBoxLayout()
        for text, slot in (("Add…", self.add), ("Rename…", self.rename), ("Merge into…", self.merge),
                           ("Delete…", self.delete)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            col.addWidget(b)
        col.addStretch(1)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        col.addWidget(close)
        row.addLayout(col)
        lay.addLayout(row)
        self.note = plain_label("")
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        pc.label_set_changed.connect(self.refresh)
        pc.labels_changed.connect(self.refresh)
        self.refresh()

    def refresh(self, *_) -> None:
        counts = self.pc.project.label_counts()
        row = self.list.currentRow()
        self.list.clear()
        for i, l in enumerate(self.lc.labels()):
            item = QListWidgetItem(f"{i + 1 if i < 9 else ' '}   {l['name']}   ({counts.get(l['name'], 0)} items)")
            item.setData(256, l["id"])
            item.setData(257, l["name"])
            self.list.addItem(item)
        self.list.setCurrentRow(min(max(row, 0), self.list.count() - 1))

    def _current(self):
        item = self.list.currentItem()
        return (item.data(256), item.data(257)) if item else (None, None)

    def _run(self, fn, *args):
        try:
            return fn(*args)
        except ShoalError as e:
            show_error(self, str(e))
            return None

    def add(self) -> None:
        name = ask_text(self, "Add label", "Name of the new label:")
        if name:
            self._run(self.lc.add_label, name)

    def rename(self) -> None:
        lid, name = self._current()
        if lid is None:
            return
        new = ask_text(self, "Rename label", f"New name for {name!r} (its items keep the label):", name)
        if new and new != name:
            self._run(self.lc.rename_label, lid, new)

    def merge(self) -> None:
        lid, name = self._current()
        others = [l for l in self.lc.labels() if l["id"] != lid]
        if lid is None or not others:
            return
        target, ok = QInputDialog.getItem(self, "Merge label", f"Merge {name!r} into:", [l["name"] for l in others],
                                          0, False)
        if not ok:
            return
        n = self.pc.project.label_counts().get(name, 0)
        if confirm(self, "Merge labels", f"Merge {name!r} into {target!r}?",
                   f"The {n} items labeled {name!r} become {target!r}, and {name!r} leaves the set; the keys of "
                   f"the labels after it move up by one. Undo (Ctrl+Z) brings {name!r} back on exactly these items.",
                   ok="Merge"):
            tid = next(l["id"] for l in others if l["name"] == target)
            moved = self._run(self.lc.merge_labels, lid, tid)
            if moved is not None:
                self.note.setText(f"Moved {moved} items from {name!r} to {target!r}.")

    def delete(self) -> None:
        lid, name = self._current()
        if lid is None:
            return
        n = self.pc.project.label_counts().get(name, 0)
        if confirm(self, "Delete label", f"Delete the label {name!r}?",
                   f"Its {n} items go back to unlabeled and may be asked again (their history is kept in the "
                   "project file); the keys of the labels after it move up by one. Undo (Ctrl+Z) brings the "
                   "label back, with its key, on these items.", ok="Delete"):
            cleared = self._run(self.lc.delete_label, lid)
            if cleared is not None:
                self.note.setText(f"Deleted {name!r}; {cleared} items are unlabeled again.")
