"""Review tab: every labeled item, sortable and filterable; change labels; disagreements flagged."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.qt.item_view import ItemView
from desktop_app.qt.label_bar import button_text
from desktop_app.qt.labeling_view import plain_label
from desktop_app.qt.review_model import ReviewModel

PREVIEW = 1024


class ReviewView(QWidget):
    def __init__(self, pc, lc, images=None, parent=None):
        super().__init__(parent)
        self.pc, self.lc, self.images = pc, lc, images
        self.suspects: np.ndarray | None = None  # idx of the last suspicious-labels list (Suspicious tab)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter by id, path or text…")
        self.search.setClearButtonEnabled(True)
        self.label_filter = QComboBox()
        self.pred_filter = QComboBox()  # by the model's guess
        self.pred_filter.setToolTip("Only the items the model guesses as this label")
        self.pred_filter.setMinimumContentsLength(9)
        self.disagree = QCheckBox("Only disagreements with the model")
        self.changed = QCheckBox("Only changed files")  # shown when a scan found labeled files changed
        self.changed.setToolTip("Items whose file changed after they were labeled (found by a scan): "
                                "check their labels")
        self.changed.setVisible(False)
        self.suspicious = QCheckBox("Only suspicious")  # shown once the Suspicious tab has judged the labels
        self.suspicious.setToolTip("Only the items of the last suspicious-labels list (Suspicious tab, Ctrl+4)")
        self.suspicious.setVisible(False)
        self.count = plain_label("", "color: palette(dark);")
        bar.addWidget(self.search, 2)
        bar.addWidget(self.label_filter, 1)
        bar.addWidget(self.pred_filter, 1)
        bar.addWidget(self.disagree)
        bar.addWidget(self.changed)
        bar.addWidget(self.suspicious)
        bar.addWidget(self.count)
        lay.addLayout(bar)
        self.model = ReviewModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.AscendingOrder)  # labeling order until a click
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.ElideRight)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setStretchLastSection(False)
        for col, width in enumerate((130, 380, 130, 130, 80, 80)):
            self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(1, QHeaderView.Stretch)
        self.table.setContextMenuPolicy(Qt.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)
        self.empty = plain_label("No labels yet — label items in the Label tab and they appear here.",
                                 "color: palette(mid); font-size: 15px;")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)  # beside the preview pane: must not widen the window's minimum
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        self.preview = ItemView()  # the current row's item: the image, or the whole text
        self.preview.text.zoom(0.75)  # a side pane: the labeling view's reading size would be too large here
        self.preview.show_empty("Select a row to see its item; double-click to relabel it in the Label tab")
        self.preview_caption = plain_label("", "font-weight: 600;")
        self.preview_caption.setWordWrap(True)
        side = QWidget()
        side_lay = QVBoxLayout(side)
        side_lay.setContentsMargins(6, 0, 0, 0)
        side_lay.addWidget(self.preview_caption)
        side_lay.addWidget(self.preview, 1)
        self.split = QSplitter(Qt.Horizontal)
        self.split.addWidget(self.stack)
        self.split.addWidget(side)
        self.split.setStretchFactor(0, 3)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([660, 280])
        lay.addWidget(self.split, 1)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _: self._show_row(cur.row()))
        self.model.modelReset.connect(lambda: self._show_row(self.table.currentIndex().row()))
        self.table.doubleClicked.connect(lambda index: self.lc.open_item(self.model.idx_at(index.row())))
        if images is not None:
            images.loaded.connect(self._image_loaded)
        self._debounce = QTimer(self, singleShot=True, interval=250, timeout=self.reload)
        self.search.textChanged.connect(lambda _: self._debounce.start())
        self.label_filter.currentIndexChanged.connect(lambda _: self.reload())
        self.pred_filter.currentIndexChanged.connect(lambda _: self.reload())
        self.disagree.toggled.connect(lambda _: self.reload())
        self.changed.toggled.connect(lambda _: self.reload())
        self.suspicious.toggled.connect(lambda _: self.reload())
        pc.review_changed.connect(self.reload)
        pc.labels_changed.connect(lambda *_: self._debounce.start())
        pc.label_set_changed.connect(self._labels_changed)
        pc.opened.connect(self._labels_changed)
        pc.opened.connect(self._columns_for_kind)
        pc.closed.connect(self.reload)

    def _columns_for_kind(self) -> None:
        image = self.pc.project.meta("kind") == "image"  # images: the path says it all, no content column
        self.table.setColumnHidden(1, image)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch if image else QHeaderView.Interactive)

    def _labels_changed(self) -> None:
        for combo, first in ((self.label_filter, "All labels"), (self.pred_filter, "Any guess")):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(first, None)
            for l in self.lc.labels():
                combo.addItem(l["name"] if combo is self.label_filter else f"guess: {l['name']}", l["id"])
            combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.blockSignals(False)
        self.reload()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty:
            self.reload()

    _dirty = True

    def reload(self) -> None:
        if not self.isVisible() and self.pc.project is not None:
            self._dirty = True  # refreshed when the tab is shown: no GUI work per round while hidden
            return
        self._dirty = False
        m = self.model
        m.filter_text = self.search.text().strip()
        m.filter_label = self.label_filter.currentData()
        m.filter_pred = self.pred_filter.currentData()
        m.only_disagree = self.disagree.isChecked()
        n_review = self.pc.project.n_review() if self.pc.project is not None else 0
        self.changed.setText(f"Only changed files ({n_review})")
        self.changed.setVisible(bool(n_review) or self.changed.isChecked())
        m.only_review = self.changed.isChecked()
        self.suspicious.setVisible(self.suspects is not None)
        m.only_among = self.suspects if self.suspicious.isChecked() and self.suspects is not None else None
        m.reload(self.pc.project, self.pc.preds)
        n = m.rowCount()
        self.count.setText(f"{n} item{'s' if n != 1 else ''} · {int(m.disagree().sum())} flagged")
        filtered = bool(m.filter_text or m.filter_label is not None or m.only_disagree or m.only_review
                        or m.only_among is not None or m.filter_pred is not None)
        self.empty.setText("Nothing matches the filter." if filtered else
                           "No labels yet — label items in the Label tab and they appear here.")
        self.stack.setCurrentWidget(self.table if n else self.empty)

    def set_suspects(self, idxs) -> None:
        """The items of the latest suspicious-labels list (None: none yet, e.g. another project)."""
        self.suspects = None if idxs is None else np.unique(np.asarray(idxs, np.int64))
        if self.suspects is None:
            self.suspicious.setChecked(False)
        self.suspicious.setText(f"Only suspicious ({len(self.suspects)})" if self.suspects is not None
                                else "Only suspicious")
        self.reload()

    # ---- preview of the current row ------------------------------------------------------------------
    def _show_row(self, row: int) -> None:
        project = self.pc.project
        if project is None or not 0 <= row < self.model.rowCount():
            self.preview_caption.setText("")
            self.preview.show_empty("Select a row to see its item; double-click to relabel it in the Label tab")
            return
        item = project.item(self.model.idx_at(row)) or {}
        label = self.model.index(row, 2).data()
        guess = self.model.index(row, 3).data()
        self.preview_caption.setText(f"{item.get('path') or item.get('id', '')}\nlabel: {label}   ·   model: {guess}")
        if project.meta("kind") == "image":
            img = self.images.get(project.item_path(item.get("path")), PREVIEW) if self.images is not None else None
            self.preview.show_image(img)
        else:
            self.preview.show_text(item.get("text") or "")

    def _image_loaded(self, path: str, size: int) -> None:
        if size == PREVIEW and self.isVisible():
            self._show_row(self.table.currentIndex().row())

    def selected_idxs(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.idx_at(r) for r in rows]

    def _menu(self, pos) -> None:
        idxs = self.selected_idxs()
        if not idxs:
            return
        menu = QMenu(self)
        sub = menu.addMenu(f"Set label of {len(idxs)} item{'s' if len(idxs) != 1 else ''}")
        for i, l in enumerate(self.lc.labels()):
            act = QAction(button_text(l["name"]), sub)
            act.triggered.connect(lambda _=False, d=i + 1: self.lc.press_digit(d, idxs))
            sub.addAction(act)
        menu.addAction("Clear label (back to unlabeled)", lambda: self.lc.clear(idxs))
        menu.exec(self.table.viewport().mapToGlobal(pos))
