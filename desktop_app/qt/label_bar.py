"""The label buttons under the item: "1 bag", "2 sandal"… (digit = order the label joined the set).

A narrow window elides the label *name*, never the digit; when even that would leave too little of each name,
the buttons wrap onto a second row."""
from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

MAX_BUTTON_PX = 180
MIN_NAME_PX = 80      # below this much room per name, the buttons take two rows
SPACING = 6


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
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 4, 8, 8)
        outer.setSpacing(4)
        self._rows = [QHBoxLayout(), QHBoxLayout()]
        for row in self._rows:
            row.setSpacing(SPACING)
            outer.addLayout(row)
        self._buttons: list[QPushButton] = []
        self._names: list[tuple[str, str]] = []   # (prefix "1  ", name) per label button
        self._extras: list[QPushButton] = []
        self.two_rows = False

    def set_labels(self, labels: list[dict], current: str | None = None, guess: str | None = None) -> None:
        for row in self._rows:
            while row.count():
                w = row.takeAt(0).widget()
                if w:
                    w.deleteLater()
        self._buttons, self._names = [], []
        for i, label in enumerate(labels):
            digit = i + 1
            self._names.append((f"{digit}  " if digit <= 9 else "", label["name"]))
            b = self._button(button_text(label["name"]), label["name"])
            b.setEnabled(digit <= 9)
            b.setCheckable(True)
            b.setChecked(label["name"] == current)
            if label["name"] == guess:
                b.setStyleSheet("QPushButton { border: 2px solid #3c8dde; }")
            b.clicked.connect(lambda _=False, d=digit: self.digit_clicked.emit(d))
            self._buttons.append(b)
        add = self._button("+ Add label  (N)", "Add a label to the set")
        add.clicked.connect(self.add_clicked.emit)
        skip = self._button(*self.skip_text)
        skip.setCheckable(True)
        skip.setChecked(current == "skipped")
        skip.clicked.connect(self.skip_clicked.emit)
        self._extras = [add, skip]
        self._fit()

    def _button(self, text: str, tip: str) -> QPushButton:
        b = QPushButton(text)
        b.setToolTip(plain_tip(tip))  # the full (un-elided) label name, never interpreted as markup
        b.setFocusPolicy(Qt.NoFocus)
        b.setSizePolicy(QSizePolicy.Maximum, QSizePolicy.Fixed)
        b.setMinimumHeight(32)
        return b

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit()

    def _name_room(self, n: int, width: int, extras: bool = True) -> int:
        """Pixels left for each label's name when `n` label buttons share a row `width` wide (with the extras)."""
        if n == 0:
            return MAX_BUTTON_PX
        fm = QFontMetrics(self.font())
        pad = 28  # a push button's frame and margins around its text
        fixed = sum(b.sizeHint().width() + SPACING for b in self._extras) + 24 if extras else 0
        per = (width - fixed) // n - SPACING - pad
        widest_prefix = max(fm.horizontalAdvance(p) for p, _ in self._names)
        return min(MAX_BUTTON_PX, per - widest_prefix)

    def _fit(self) -> None:
        """Place the buttons on one row or two and elide each name (never its digit) to the room it has."""
        if not self._extras:
            return
        width = max(self.width(), 320) - 16
        n = len(self._buttons)
        self.two_rows = n > 1 and self._name_room(n, width) < MIN_NAME_PX
        first = (n + 1) // 2 if self.two_rows else n
        room = (min(self._name_room(first, width, extras=False), self._name_room(n - first, width))
                if self.two_rows else self._name_room(n, width))
        fm = QFontMetrics(self.font())
        for row in self._rows:
            while row.count():
                row.takeAt(0)
        for i, (b, (prefix, name)) in enumerate(zip(self._buttons, self._names)):
            b.setText(prefix + button_text(fm.elidedText(name, Qt.ElideRight, max(room, fm.horizontalAdvance("…")))))
            self._rows[1 if i >= first else 0].addWidget(b)
        last = self._rows[1] if self.two_rows else self._rows[0]
        last.addWidget(self._extras[0])
        last.addStretch(1)
        last.addWidget(self._extras[1])
        if self.two_rows:
            self._rows[0].addStretch(1)
