"""Show one item large: an image fitted and zoomable, or a text wrapped in a readable font."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView, QLabel, QPlainTextEdit, QStackedWidget


class ImageView(QGraphicsView):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.SmoothTransformation)
        self.scene().addItem(self._item)
        self.setRenderHint(QPainter.SmoothPixmapTransform)
        self.setDragMode(QGraphicsView.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setFocusPolicy(Qt.NoFocus)
        self.setStyleSheet("QGraphicsView { background: #202124; border: none; }")
        self.fitted = True

    def set_image(self, image) -> None:
        self._item.setPixmap(QPixmap.fromImage(image) if image is not None else QPixmap())
        self.scene().setSceneRect(self._item.boundingRect())
        self.fit()

    def fit(self) -> None:
        self.fitted = True
        self.resetTransform()
        rect = self._item.boundingRect()
        if rect.isEmpty():
            return
        view = self.viewport().rect().adjusted(8, 8, -8, -8)
        scale = min(view.width() / rect.width(), view.height() / rect.height())
        self.scale(scale, scale)  # small images (28 px) are enlarged to fill the view
        self.centerOn(self._item)

    def zoom(self, factor: float) -> None:
        self.fitted = False
        self.scale(factor, factor)

    def wheelEvent(self, event) -> None:
        self.zoom(1.25 if event.angleDelta().y() > 0 else 0.8)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fitted:
            self.fit()


class TextView(QPlainTextEdit):
    """Plain text only: item text never goes through the rich-text engine."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFocusPolicy(Qt.NoFocus)
        self.setLineWrapMode(QPlainTextEdit.WidgetWidth)
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF(), 10) * 1.35)
        self.setFont(font)
        self.setStyleSheet("QPlainTextEdit { padding: 18px; border: none; background: palette(base); }")

    def zoom(self, factor: float) -> None:
        font = self.font()
        font.setPointSizeF(min(48.0, max(7.0, font.pointSizeF() * factor)))
        self.setFont(font)


class ItemView(QStackedWidget):
    """Pages: an explanatory empty state, an image, a text."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.empty = QLabel()
        self.empty.setTextFormat(Qt.PlainText)
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(mid); font-size: 16px; padding: 40px;")
        self.image = ImageView()
        self.text = TextView()
        for w in (self.empty, self.image, self.text):
            self.addWidget(w)

    def show_empty(self, message: str) -> None:
        self.empty.setText(message)
        self.setCurrentWidget(self.empty)

    def show_image(self, image) -> None:
        if image is None or image.isNull():
            self.show_empty("Loading image…" if image is None else "This image cannot be shown")
            return
        self.setCurrentWidget(self.image)
        self.image.set_image(image)

    def show_text(self, text: str) -> None:
        self.setCurrentWidget(self.text)
        self.text.setPlainText(text)

    def zoom(self, factor: float | None) -> None:
        page = self.currentWidget()
        if page is self.image:
            self.image.fit() if factor is None else self.image.zoom(factor)
        elif page is self.text and factor is not None:
            self.text.zoom(factor)
