"""Start page: recent projects (QSettings), new/open/demo buttons, and a drop target hint."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from desktop_app.qt import settings
from desktop_app.qt.label_bar import plain_tip
from desktop_app.qt.labeling_view import plain_label


class StartPage(QWidget):
    open_requested = Signal(str)
    new_requested = Signal()
    open_dialog_requested = Signal()
    demo_requested = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        col = QVBoxLayout()
        col.addStretch(1)
        col.addWidget(plain_label("Shoal", "font-size: 34px; font-weight: 700;"))
        col.addWidget(plain_label("Label a dataset with as few labels as possible: Shoal asks for the items "
                                  "that teach its model most.", "font-size: 14px; color: palette(dark);"))
        buttons = QHBoxLayout()
        for text, slot in (("New project…", self.new_requested.emit), ("Open project…", self.open_dialog_requested.emit),
                           ("Try the image demo", lambda: self.demo_requested.emit("image")),
                           ("Try the text demo", lambda: self.demo_requested.emit("text"))):
            b = QPushButton(text)
            b.setMinimumHeight(34)
            b.clicked.connect(slot)
            buttons.addWidget(b)
        col.addSpacing(12)
        col.addLayout(buttons)
        col.addSpacing(16)
        col.addWidget(plain_label("Recent projects", "font-size: 15px; font-weight: 600;"))
        self.recent = QListWidget()
        self.recent.setMinimumSize(620, 220)
        self.recent.setTextElideMode(Qt.ElideMiddle)
        self.recent.itemActivated.connect(lambda item: self.open_requested.emit(item.data(Qt.UserRole)))
        col.addWidget(self.recent)
        self.empty = plain_label("No recent projects yet — start one from a folder or a CSV/JSONL file, "
                                 "or drop a folder onto this window.", "color: palette(mid);")
        col.addWidget(self.empty)
        col.addStretch(2)
        outer.addLayout(col, 4)
        outer.addStretch(1)
        self.refresh()

    def refresh(self) -> None:
        self.recent.clear()
        for path in settings.recent_projects():
            exists = Path(path).exists()
            item = QListWidgetItem(f"{Path(path).stem}    —    {path}" + ("" if exists else "   (missing)"))
            item.setData(Qt.UserRole, path)
            item.setToolTip(plain_tip(path))
            if not exists:
                item.setFlags(item.flags() & ~Qt.ItemIsEnabled)
            self.recent.addItem(item)
        self.empty.setVisible(self.recent.count() == 0)
        self.recent.setVisible(self.recent.count() > 0)
