"""The current batch as a grid of thumbnails: select several (click, shift-click, rubber band) and
press a digit to label them all."""
from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QVBoxLayout, QWidget

from desktop_app.ops.batch import BatchEntry
from desktop_app.qt.label_bar import plain_tip
from desktop_app.qt.labeling_view import plain_label

THUMB = 128


class BatchGridModel(QAbstractListModel):
    def __init__(self, pc, lc, images, parent=None):
        super().__init__(parent)
        self.pc, self.lc, self.images = pc, lc, images
        self._rows: list[BatchEntry] = []
        self._answers: dict[int, str | None] = {}
        self._paths: dict[int, str | None] = {}  # idx -> checked file path, per batch (painting asks often)
        self._names: dict[int, str] = {}
        images.loaded.connect(self._loaded)

    def reload(self) -> None:
        self.beginResetModel()
        self._rows = list(self.pc.queue.entries) if self.pc.project else []
        self._answers = {r.idx: self.lc.answer_of(r.idx) for r in self._rows}
        self._paths = {}
        self._names = {l["id"]: l["name"] for l in self.lc.labels()}
        self.endResetModel()

    def refresh_answers(self) -> None:
        self._names = {l["id"]: l["name"] for l in self.lc.labels()}
        self._answers = {r.idx: self.lc.answer_of(r.idx) for r in self._rows}
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def idx_at(self, row: int) -> int:
        return self._rows[row].idx

    def _path(self, r: BatchEntry) -> str | None:
        if r.idx not in self._paths:
            self._paths[r.idx] = self.pc.project.item_path(r.path) if r.path else None
        return self._paths[r.idx]

    def guess(self, r: BatchEntry) -> str | None:
        """'sandal? 87%': the model's guess and its confidence, for a tile not answered yet."""
        name = self._names.get(r.guess) if r.guess is not None else None
        return f"{name}? {r.confidence:.0%}" if name else None

    def data(self, index: QModelIndex, role: int = Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        r = self._rows[index.row()]
        answer = self._answers.get(r.idx)
        if role == Qt.DisplayRole:
            shown = answer or self.guess(r) or "—"   # unanswered: the guess, so confident tiles cost one key
            if r.path and self.pc.project.meta("kind") == "image":
                return f"{index.row() + 1}. {shown}"
            return f"{index.row() + 1}. [{shown}]  {(r.text or '')[:140]}"
        if role == Qt.FontRole and not answer and self.guess(r):
            font = QFont()
            font.setItalic(True)
            return font
        if role == Qt.DecorationRole and r.path and self.pc.project.meta("kind") == "image":
            img = self.images.get(self._path(r), THUMB)
            if img is None or img.isNull():
                placeholder = QPixmap(THUMB, THUMB)
                placeholder.fill(QColor("#d8d8d8"))
                return placeholder
            pix = QPixmap.fromImage(img)  # small images (28 px) are enlarged so the grid stays readable
            return pix.scaled(THUMB, THUMB, Qt.KeepAspectRatio, Qt.SmoothTransformation)
        if role == Qt.SizeHintRole and self.pc.project.meta("kind") == "image":
            return QSize(THUMB + 16, THUMB + 28)
        if role == Qt.ToolTipRole:
            guess = self.guess(r)
            model = f"\nmodel guess: {guess.replace('?', '')}" if guess else ""
            return plain_tip(f"{r.path or r.id}\n{r.reason}{model}")
        if role == Qt.ForegroundRole and answer:
            return QColor("#2a7a2a")
        if role == Qt.ForegroundRole and self.guess(r):
            return QColor("#2f5f9a")
        return None

    def _loaded(self, path: str, size: int) -> None:
        if size != THUMB or self.pc.project is None:
            return
        for i, r in enumerate(self._rows):
            if self._path(r) == path:
                self.dataChanged.emit(self.index(i), self.index(i), [Qt.DecorationRole])


class GridView(QWidget):
    def __init__(self, pc, lc, images, parent=None):
        super().__init__(parent)
        self.pc = pc
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        tip = plain_label("Select items (click, Shift+click, drag a rectangle), then press 1–9 to label them all, "
                          "0 to skip. Ctrl+A selects the whole batch.", "color: palette(dark);")
        tip.setWordWrap(True)
        lay.addWidget(tip)
        self.model = BatchGridModel(pc, lc, images, self)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.list.setSelectionRectVisible(True)
        self.list.setResizeMode(QListView.Adjust)
        self.list.setMovement(QListView.Static)
        lay.addWidget(self.list, 1)
        pc.batch_changed.connect(self.model.reload)
        pc.labels_changed.connect(self.model.refresh_answers)
        pc.label_set_changed.connect(self.model.refresh_answers)
        pc.opened.connect(self._layout_for_kind)

    def _layout_for_kind(self) -> None:
        if self.pc.project.meta("kind") == "image":
            self.list.setViewMode(QListView.IconMode)
            self.list.setIconSize(QSize(THUMB, THUMB))
            self.list.setGridSize(QSize(THUMB + 28, THUMB + 36))
            self.list.setSpacing(6)
            self.list.setWordWrap(True)
        else:
            self.list.setViewMode(QListView.ListMode)
            self.list.setWordWrap(False)

    def selected_idxs(self) -> list[int]:
        return [self.model.idx_at(i.row()) for i in sorted(self.list.selectionModel().selectedIndexes(),
                                                           key=lambda i: i.row())]
