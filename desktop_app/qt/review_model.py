"""Review table model: holds item ids only (numpy arrays) and fetches rows lazily in pages,
so a million labeled items scroll smoothly."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QColor

COLUMNS = ["Item", "Content", "Label", "Model guess", "Confidence", "Disagrees"]
PAGE = 256
MAX_PAGES = 64


class ReviewModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self.idx = np.empty(0, np.int64)
        self.label = np.empty(0, np.int64)
        self.pred = np.empty(0, np.int64)
        self.conf = np.empty(0, np.float32)
        self.names: dict[int, str] = {}
        self._pages: OrderedDict[int, dict[int, tuple]] = OrderedDict()
        self.filter_text, self.filter_label, self.only_disagree = "", None, False
        self.only_review = False  # items whose file changed after they were labeled
        self.only_among: np.ndarray | None = None  # keep only these items (sorted idx), e.g. the suspects
        self.filter_pred: int | None = None  # keep only items the model guesses as this label
        self._sort = (-1, Qt.AscendingOrder)
        self._preds: dict | None = None

    # ---- loading --------------------------------------------------------------------------
    def reload(self, project, preds: dict | None) -> None:
        self.beginResetModel()
        self.project = project
        self._pages.clear()
        if project is None:
            self.idx = self.label = self.pred = np.empty(0, np.int64)
            self.conf = np.empty(0, np.float32)
        else:
            self._query(preds)
        self.endResetModel()

    def _query(self, preds: dict | None) -> None:
        self._preds = preds
        self.names = {l["id"]: l["name"] for l in self.project.label_set()}
        rows = self.project.labeled_pairs(self.filter_label, self.only_review, self.filter_text,
                                          by_item=self._sort[0] in (0, 1),
                                          descending=self._sort[1] == Qt.DescendingOrder)
        self.idx, self.label = rows[:, 0].copy(), rows[:, 1].copy()
        self.pred = np.full(len(self.idx), -1, np.int64)
        self.conf = np.full(len(self.idx), np.nan, np.float32)
        if preds is not None and len(preds["idx"]) and len(self.idx):
            pos = np.searchsorted(preds["idx"], self.idx)
            pos = np.clip(pos, 0, len(preds["idx"]) - 1)
            hit = preds["idx"][pos] == self.idx
            self.pred[hit] = preds["pred"][pos[hit]]
            self.conf[hit] = preds["conf"][pos[hit]]
        if self.filter_pred is not None:
            keep = self.pred == self.filter_pred
            self.idx, self.label, self.pred, self.conf = self.idx[keep], self.label[keep], self.pred[keep], self.conf[keep]
        if self.only_among is not None:
            keep = np.isin(self.idx, self.only_among)
            self.idx, self.label, self.pred, self.conf = self.idx[keep], self.label[keep], self.pred[keep], self.conf[keep]
        if self.only_disagree:
            keep = self.disagree()
            self.idx, self.label, self.pred, self.conf = self.idx[keep], self.label[keep], self.pred[keep], self.conf[keep]
        if self._sort[0] >= 2:
            self._apply_sort(*self._sort)

    def disagree(self) -> np.ndarray:
        return (self.pred >= 0) & (self.pred != self.label)

    # ---- Qt model API --------------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.idx)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role: int = Qt.DisplayRole):
        if role != Qt.DisplayRole:
            return None
        if orientation == Qt.Horizontal:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return str(section + 1)

    def flags(self, index: QModelIndex):
        return Qt.ItemIsSelectable | Qt.ItemIsEnabled if index.isValid() else Qt.NoItemFlags

    def _row(self, row: int) -> tuple:
        page_no = row // PAGE
        page = self._pages.get(page_no)
        if page is None:
            ids = self.idx[page_no * PAGE:(page_no + 1) * PAGE]
            page = {r["idx"]: (r["id"], r["path"], r["text"], r["review_reason"])
                    for r in self.project.items(ids.tolist())}
            self._pages[page_no] = page
            if len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        return page.get(int(self.idx[row]), ("?", None, None, None))

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.idx) or not 0 <= index.column() < len(COLUMNS):
            return None
        r, c = index.row(), index.column()
        flagged = bool(self.pred[r] >= 0 and self.pred[r] != self.label[r])
        if role == Qt.DisplayRole:
            if c == 0:
                uid, path, _, review = self._row(r)
                return ("⟳ " if review else "") + (path or uid)
            if c == 1:
                _, path, text, _ = self._row(r)
                return (text or "").replace("\n", " ")[:200] if text else (path or "")
            if c == 2:
                return self.names.get(int(self.label[r]), "?")
            if c == 3:
                return self.names.get(int(self.pred[r]), "—") if self.pred[r] >= 0 else "—"
            if c == 4:
                return "—" if np.isnan(self.conf[r]) else f"{self.conf[r]:.0%}"
            if c == 5:
                return "⚠ yes" if flagged else ""
        if role == Qt.ToolTipRole and c == 0:
            review = self._row(r)[3]
            return f"Review this label: {review}" if review else None
        if role == Qt.BackgroundRole and flagged:
            return QColor(255, 236, 200)
        if role == Qt.ForegroundRole and flagged:
            return QColor(60, 40, 0)
        if role == Qt.TextAlignmentRole and c == 4:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        self.beginResetModel()
        self._sort = (column, order)
        self._pages.clear()
        if column in (0, 1) and self.project is not None:
            self._query(self._preds)  # item order comes from SQL (indexed, no Python sort of a million strings)
        else:
            self._apply_sort(column, order)
        self.endResetModel()

    def _apply_sort(self, column: int, order) -> None:
        if not len(self.idx) or self.project is None:
            return
        if column == 2:
            order_ix = np.argsort(np.array([self.names.get(int(v), "") for v in self.label]), kind="stable")
        elif column == 3:
            order_ix = np.argsort(np.array([self.names.get(int(v), "") for v in self.pred]), kind="stable")
        elif column == 4:
            order_ix = np.argsort(np.nan_to_num(self.conf, nan=-1.0), kind="stable")
        else:
            order_ix = np.argsort(self.disagree(), kind="stable")
        if order == Qt.DescendingOrder:
            order_ix = order_ix[::-1]
        self.idx, self.label, self.pred, self.conf = (self.idx[order_ix], self.label[order_ix],
                                                      self.pred[order_ix], self.conf[order_ix])

    def idx_at(self, row: int) -> int:
        return int(self.idx[row])
