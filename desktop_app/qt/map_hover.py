"""The Map tab's hover pane: the hovered point's item beside the map, its thumbnail (images) or the start of its
text, with its id and answer. Plain text only."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop_app.qt.label_bar import plain_tip

HOVER_PX = 96


class HoverPane(QWidget):
    def __init__(self, pc, lc, images=None, parent=None):
        super().__init__(parent)
        self.pc, self.lc, self.images = pc, lc, images
        self.idx: int | None = None
        self.setFixedWidth(180)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.pic = QLabel()
        self.caption = QLabel()
        self.caption.setTextFormat(Qt.PlainText)
        self.caption.setStyleSheet("font-size: 11px;")
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        lay.addWidget(self.pic)
        lay.addWidget(self.caption, 1)
        if images is not None:
            images.loaded.connect(self._image_loaded)

    def hovered(self, _item, points, _ev) -> None:
        """pyqtgraph's sigHovered: the points under the cursor (none when it left them)."""
        idx = int(points[0].data()) if len(points) else None
        if idx != self.idx:
            self.idx = idx
            self.refresh()

    def reset(self) -> None:
        self.idx = None
        self.clear()

    def clear(self) -> None:
        self.pic.clear()
        self.pic.hide()
        self.caption.clear()

    def refresh(self) -> None:
        project, idx = self.pc.project, self.idx
        item = project.item(idx) if project is not None and idx is not None else None
        if item is None:
            self.clear()
            return
        caption = f"{item['path'] or item['id']}\n{self.lc.answer_of(idx) or 'unlabeled'}"
        if project.meta("kind") == "image" and self.images is not None:
            img = self.images.get(project.item_path(item["path"]), HOVER_PX)
            if img is not None and not img.isNull():
                self.pic.setPixmap(QPixmap.fromImage(img).scaled(HOVER_PX, HOVER_PX, Qt.KeepAspectRatio,
                                                                 Qt.SmoothTransformation))
                self.pic.show()
                self.caption.setText(caption)
                self.setToolTip(plain_tip(caption))
                return
        self.pic.hide()
        self.caption.setText(caption + "\n\n" + (item.get("text") or "")[:400])

    def _image_loaded(self, path: str, size: int) -> None:
        if size == HOVER_PX and self.idx is not None:
            self.refresh()
