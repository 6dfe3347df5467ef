"""The label buttons under the item: "1 bag", "2 sandal"… (digit = order the label joined the set)."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QWidget

MAX_BUTTON_PX = 180


def elide(widget: QWidget, text: str, width: int = MAX_BUTTON_PX) -> str:
    return QFontMetrics(widget.font()).elidedText(text, Qt.ElideRight, width)


def plain_tip(text: str) -> str:
    """A tooltip that shows `text` literally (tooltips would otherwise render tags in it)."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text) + "</p>"


def button_text(text: str) -> str:
    return text.replace("&", "&&")  # a lone & would become a mnemonic underline


class LabelBar(QWidget):
    digit_clicked = Signal(int)
    skip_clicked = Signal()
    add_clicked = Signal()
    skip_text = ("Skip  (0 / Space)", "Not sure or not relevant: skip this item")  # (text, tip); views may override

    def __init__(self, parent=None):
        super().__init__(parent)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(8, 4, 8, 8)
        self._buttons: list[QPushButton] = []

    def set_labels(self, labels: list[dict], current: str | None = None, guess: str | None = None) -> None:
        while self._layout.count():
            w = self._layout.takeAt(0).widget()
            if w:
                w.deleteLater()
        self._buttons = []
        for i, label in enumerate(labels):
            digit = i + 1
            text = f"{digit}  {label['name']}" if digit <= 9 else label["name"]
            b = self._button(button_text(elide(self, text)), label["name"])
            b.setEnabled(digit <= 9)
            b.setCheckable(True)
            b.setChecked(label["name"] == current)
            if label["name"] == guess:
                b.setStyleSheet("QPushButton { border: 2px solid #3c8dde; }")
            b.clicked.connect(lambda _=False, d=digit: self.digit_clicked.emit(d))
            self._buttons.append(b)
        add = self._button("+ Add label  (N)", "Add a label to the set")
        add.clicked.connect(self.add_clicked.emit)
        self._layout.addStretch(1)
        skip = self._button(*self.skip_text)
        skip.setCheckable(True)
        skip.setChecked(current == "skipped")
        skip.clicked.connect(self.skip_clicked.emit)

    def _button(self, text: str, tip: str) -> QPushButton:
        b = QPushButton(text)
        b.setToolTip(plain_tip(tip))  # the full (un-elided) label name, never interpreted as markup
        b.setFocusPolicy(Qt.NoFocus)
        b.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Fixed)
        b.setMinimumHeight(32)
        self._layout.addWidget(b)
        return b
