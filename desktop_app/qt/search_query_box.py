"""Under "Find more of": a phrase (text projects) or an example image (image projects) that seeds the
search. The project's encoder embeds it on a worker thread (ops.search_query.embed_query); the result is
stored with the mode and the next batch starts with the items nearest it."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop_app.ops.search_query import describe_query, embed_query
from desktop_app.qt.labeling_view import plain_label

PLACEHOLDER = "Describe what you are looking for"
IMAGE_FILES = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp);;All files (*)"
ERROR_STYLE = "color: #b3261e;"
NOTE_STYLE = "color: #555;"


class QueryField(QLineEdit):
    """A line edit that keeps Enter for itself: the window's "accept the model's guess" shortcut (Return,
    Enter) would otherwise take it and label the current item instead of starting the search."""

    def event(self, e) -> bool:
        if e.type() == QEvent.ShortcutOverride and e.key() in (Qt.Key_Return, Qt.Key_Enter):
            e.accept()
            return True
        return super().event(e)


class QueryBox(QWidget):
    def __init__(self, pc, label_of: Callable[[], str | None], parent=None):
        super().__init__(parent)
        self.pc, self.label_of = pc, label_of
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.text = QueryField()
        self.text.setPlaceholderText(PLACEHOLDER)
        self.text.setClearButtonEnabled(True)
        self.text.setToolTip("Press Enter: the items nearest this description (by the project's encoder) come "
                             "first in the next batch of the label chosen above")
        self.image = QPushButton("Example image…")
        self.image.setToolTip("An example image file from anywhere (only read, never copied): the items nearest "
                              "it come first in the next batch of the label chosen above")
        row.addWidget(self.text)
        row.addWidget(self.image)
        lay.addLayout(row)
        self.note = plain_label("", NOTE_STYLE)
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        self.text.returnPressed.connect(lambda: self.start(text=self.text.text()))
        self.image.clicked.connect(self.pick_image)
        for sig in (pc.opened, pc.label_set_changed):
            sig.connect(self.refresh)

    def refresh(self, *_) -> None:
        """Show the box for the project's kind, enabled while a label is chosen; say which query is stored."""
        p = self.pc.project
        image = p is not None and p.meta("kind") == "image"
        self.text.setVisible(not image)
        self.image.setVisible(image)
        chosen = p is not None and self.label_of() is not None
        self.text.setEnabled(chosen)
        self.image.setEnabled(chosen)
        q = describe_query(p) if p is not None else None
        if q:
            what = "your description" if q["kind"] == "text" else "the example image"
            shown = q["query"] if q["kind"] == "text" else Path(q["query"]).name
            self.note.setStyleSheet(NOTE_STYLE)
            self.note.setToolTip(q["query"])
            self.note.setText(f"First: the items nearest {what} “{shown}”" +
                              ("" if q["usable"] else " (made by another encoder: give it again)"))
        elif p is not None and not chosen:
            self.note.setStyleSheet(NOTE_STYLE)
            self.note.setText("Choose a label above to search for it" + (" by an example image" if image else
                                                                        " by a description"))
        else:
            self.note.setText("")

    def pick_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Example image (only read, never copied)", "", IMAGE_FILES)
        if path:
            self.start(image=path)

    def start(self, text: str | None = None, image: str | None = None) -> None:
        """Embed the query off the GUI thread, then store it with search mode for the chosen label."""
        project, name = self.pc.project, self.label_of()
        if project is None:
            return
        if name is None:
            return self._failed("Choose the label to find more of first")
        self.note.setStyleSheet(NOTE_STYLE)
        self.note.setText("Embedding your query…")

        def work(progress, cancel):
            return embed_query(project, text=text, image=image)
        self.pc.runner.submit("query", work, on_done=lambda q: self._done(name, q), on_error=self._failed)

    def _done(self, name: str, query) -> None:
        if self.pc.project is None:
            return
        self.pc.set_search_label(name, query)
        self.refresh()

    def _failed(self, message: str) -> None:
        self.note.setStyleSheet(ERROR_STYLE)
        self.note.setText(message)
