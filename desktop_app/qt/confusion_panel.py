"""The Review tab's out-of-fold confusion matrix (rows: the label, columns: the guess of a head that did not see
the item). Computed on the runner's "confusion" channel, off the GUI thread; clicking a cell filters the review
table to those items."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from desktop_app.ops.confusion import cell_items, oof_confusion
from desktop_app.qt.label_bar import plain_tip
from desktop_app.qt.labeling_view import plain_label

CELL_PX = 34


class ConfusionPanel(QWidget):
    cell_chosen = Signal(str, object)   # (description, sorted idx)

    def __init__(self, pc, parent=None):
        super().__init__(parent)
        self.pc = pc
        self.conf: dict | None = None
        self.stale = True
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 6, 0, 0)
        self.title = plain_label("Out-of-fold confusion (rows: label · columns: the guess, by row number)", "font-weight: 600;")
        self.title.setWordWrap(True)
        self.note = plain_label("", "color: palette(dark); font-size: 11px;")
        self.note.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SingleSelection)
        self.table.setFocusPolicy(Qt.NoFocus)
        for header in (self.table.horizontalHeader(), self.table.verticalHeader()):
            header.setSectionResizeMode(QHeaderView.Fixed)
            header.setDefaultSectionSize(CELL_PX)
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.cellClicked.connect(self._clicked)
        self.button = QPushButton("Compute")
        self.button.setFocusPolicy(Qt.NoFocus)
        self.button.setToolTip(plain_tip("Judge every labeled item with a model trained on the other folds"))
        self.button.clicked.connect(self.compute)
        lay.addWidget(self.title)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.note)
        lay.addWidget(self.button)
        pc.opened.connect(self._reset)
        pc.closed.connect(self._reset)
        pc.labels_changed.connect(self._labels_changed)

    def _reset(self, *_) -> None:
        self.pc.runner.cancel("confusion")
        self.conf, self.stale = None, True
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.note.setText("")

    def _labels_changed(self, *_) -> None:
        self.stale = True
        if self.conf is not None:
            self.note.setText("Labels changed since: press Refresh")
            self.button.setText("Refresh")

    def compute(self) -> None:
        project = self.pc.project
        if project is None:
            return
        self.stale = False
        self.button.setEnabled(False)
        self.note.setText("Computing (each labeled item judged by a model that did not see it)…")
        self.pc.runner.submit("confusion", lambda p, c: oof_confusion(project, cancel=c), on_done=self._show,
                              on_error=self._failed)

    def _failed(self, message: str) -> None:
        self.button.setEnabled(True)
        self.note.setText(message)

    def _show(self, conf: dict) -> None:
        self.conf = conf
        self.button.setEnabled(True)
        self.button.setText("Refresh")
        m, names = conf["matrix"], conf["names"]
        k = len(names)
        self.table.setRowCount(k)
        self.table.setColumnCount(k)
        self.table.setHorizontalHeaderLabels([str(i + 1) for i in range(k)])   # guesses, by row number
        self.table.setVerticalHeaderLabels([f"{i + 1}  {n if len(n) <= 14 else n[:13] + '…'}"
                                            for i, n in enumerate(names)])
        for i, n in enumerate(names):
            self.table.horizontalHeaderItem(i).setToolTip(plain_tip(f"guessed {n}"))
            self.table.verticalHeaderItem(i).setToolTip(plain_tip(f"labeled {n}"))
        peak = max(1, int(m.max()))
        for r in range(k):
            for c in range(k):
                item = QTableWidgetItem(str(int(m[r, c])))
                item.setTextAlignment(Qt.AlignCenter)
                shade = int(255 - 150 * m[r, c] / peak)
                item.setBackground(QColor(shade, shade, 255) if r == c else QColor(255, shade, shade))
                item.setToolTip(plain_tip(f"labeled {names[r]}, guessed {names[c]}: {int(m[r, c])} — click to list"))
                self.table.setItem(r, c, item)
        right = int(np.trace(m))
        self.note.setText(f"{right:,} of {int(m.sum()):,} labels agree with the out-of-fold guess · "
                          "click a cell to list its items in the table")

    def _clicked(self, row: int, col: int) -> None:
        if self.conf is None:
            return
        names, classes = self.conf["names"], self.conf["classes"]
        idxs = cell_items(self.conf, classes[row], classes[col])
        self.cell_chosen.emit(f"labeled {names[row]}, guessed {names[col]}", idxs)
