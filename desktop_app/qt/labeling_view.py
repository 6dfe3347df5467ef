"""The labeling view: the current item large, the model's guess, why it was picked, its nearest labeled
neighbours, the batch position, and the label buttons. Everything user-provided is shown as plain text."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.ops.batch import BatchEntry
from desktop_app.qt import settings
from desktop_app.qt.item_view import ItemView
from desktop_app.qt.label_bar import LabelBar, plain_tip

THUMB = 56
_KEYS = ["Keyboard first:", "1–9 label and move on", "Enter accept the guess", "0 or Space skip", "← or Backspace back",
         "Ctrl+Z undo", "N new label", "G grid"]
# no-break spaces inside each entry: a narrow window wraps between entries, never inside one
HINT = _KEYS[0].replace(" ", "\u00a0") + "  " + "  ·  ".join(k.replace(" ", "\u00a0") for k in _KEYS[1:])


def plain_label(text: str = "", style: str = "") -> QLabel:
    w = QLabel(text)
    w.setTextFormat(Qt.PlainText)
    if style:
        w.setStyleSheet(style)
    return w


class HintOverlay(QFrame):
    """The first-run key hint: a banner above the item (in the layout, so it never covers the item)."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setStyleSheet("HintOverlay { background: rgba(30, 60, 110, 225); border-radius: 8px; }"
                           "QLabel { color: white; font-size: 13px; }")
        lay = QHBoxLayout(self)
        text = plain_label(HINT)
        text.setWordWrap(True)
        self.ok = ok = QPushButton("Got it")
        ok.setFocusPolicy(Qt.NoFocus)
        ok.clicked.connect(self.dismiss)
        lay.addWidget(text, 1)
        lay.addWidget(ok)

    def dismiss(self) -> None:
        settings.set_flag("hint_seen")
        self.hide()


class LabelingView(QWidget):
    def __init__(self, pc, lc, images, parent=None):
        super().__init__(parent)
        self.pc, self.lc, self.images = pc, lc, images
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.setContentsMargins(12, 8, 12, 0)
        self.position = plain_label("", "font-size: 18px; font-weight: 600;")
        self.item_id = plain_label("", "color: palette(mid);")
        self.answer = plain_label("", "font-weight: 600; color: #2a7a2a;")
        head.addWidget(self.position)
        head.addWidget(self.item_id, 1)
        head.addWidget(self.answer)
        lay.addLayout(head)
        self.hint = HintOverlay(self)
        self.hint.setVisible(not settings.flag("hint_seen"))
        banner = QHBoxLayout()
        banner.setContentsMargins(12, 6, 12, 2)
        banner.addWidget(self.hint)
        lay.addLayout(banner)
        self.view = ItemView()
        lay.addWidget(self.view, 1)
        info = QVBoxLayout()
        info.setContentsMargins(12, 4, 12, 0)
        self.guess = plain_label("", "font-size: 14px;")
        self.why = plain_label("", "color: palette(dark);")
        self.why.setWordWrap(True)
        info.addWidget(self.guess)
        info.addWidget(self.why)
        lay.addLayout(info)
        self.strip = QHBoxLayout()
        self.strip.setContentsMargins(12, 2, 12, 2)
        lay.addLayout(self.strip)
        self.bar = LabelBar()
        self.bar.digit_clicked.connect(lambda d: self.lc.press_digit(d))
        self.bar.skip_clicked.connect(lambda: self.lc.skip())
        lay.addWidget(self.bar)
        for sig in (pc.batch_changed, pc.labels_changed, pc.label_set_changed, pc.closed):
            sig.connect(self.refresh)
        images.loaded.connect(self._image_loaded)

    # ---- rendering ----------------------------------------------------------------------------------
    def refresh(self, *_) -> None:
        pc = self.pc
        cur = pc.queue.current() if pc.project else None
        labels = self.lc.labels()
        names = {l["id"]: l["name"] for l in labels}
        self._clear_strip()
        if cur is None:
            self.position.setText("")
            self.item_id.setText("")
            self.answer.setText("")
            self.guess.setText("")
            self.why.setText("")
            self.view.show_empty(self._empty_message())
            self.bar.set_labels(labels)
            return
        self.position.setText(f"{pc.queue.pos + 1} / {len(pc.queue)}")
        self.item_id.setText("   " + (cur.path or cur.id))
        answer = self.lc.answer_of(cur.idx)
        self.answer.setText(f"answered: {answer}" if answer else "")
        guess = names.get(cur.guess) if cur.guess is not None else None
        if guess:
            self.guess.setText(f"Model guess: {guess}  ·  confidence {cur.confidence:.0%}")
        else:
            self.guess.setText("Model guess: none yet (the model trains once two labels have examples)")
        self.why.setText("Why this item: " + (cur.why or "—"))  # built from the entry's parts
        self._fill_strip(cur)
        self.bar.set_labels(labels, current=answer, guess=guess)
        self._show_item(cur)
        self._prefetch_batch()

    def _empty_message(self) -> str:
        pc = self.pc
        if pc.project is None:
            return "No project open — open a folder or a CSV/JSONL file to start"
        if pc.project.n_items == 0:
            return "No items yet — this project's source holds nothing Shoal can read"
        if pc.queue.waiting and (pc.embedding or not pc.session_ready):
            return "Embedding items… the first batch appears as soon as some are ready"
        if pc.queue.waiting:
            return "Preparing the next batch…"
        return "Every item is labeled or skipped. Review your labels or export the dataset (Ctrl+E)."

    def _show_item(self, cur: BatchEntry) -> None:
        if self.pc.project.meta("kind") == "image":
            self.view.show_image(self.images.get(self.pc.project.item_path(cur.path), 1024))
        else:
            self.view.show_text(cur.text or "")

    def _prefetch_batch(self) -> None:
        if self.pc.project.meta("kind") == "image":
            project = self.pc.project
            self.images.prefetch([project.item_path(e.path) for e in self.pc.queue.upcoming(5)], 1024)

    def _image_loaded(self, path: str, size: int) -> None:
        cur = self.pc.queue.current() if self.pc.project else None
        if cur and cur.path and size == 1024 and path == self.pc.project.item_path(cur.path):
            self._show_item(cur)
        elif size == THUMB and cur:
            self._clear_strip()
            self._fill_strip(cur)

    def _clear_strip(self) -> None:
        while self.strip.count():
            w = self.strip.takeAt(0).widget()
            if w:
                w.deleteLater()

    def _fill_strip(self, cur: BatchEntry) -> None:
        neighbours = cur.neighbours
        if not neighbours:
            return
        self.strip.addWidget(plain_label("Nearest labeled:", "color: palette(dark);"))
        image = self.pc.project.meta("kind") == "image"
        for n in neighbours:
            box = QVBoxLayout()
            cell = QWidget()
            cell.setLayout(box)
            box.setContentsMargins(4, 0, 4, 0)
            if image:
                thumb = QLabel()
                img = self.images.get(self.pc.project.item_path(n["path"]), THUMB)
                if img is not None and not img.isNull():
                    thumb.setPixmap(QPixmap.fromImage(img).scaled(THUMB, THUMB, Qt.KeepAspectRatio,
                                                                  Qt.SmoothTransformation))
                thumb.setFixedSize(THUMB, THUMB)
                thumb.setAlignment(Qt.AlignCenter)
                box.addWidget(thumb, 0, Qt.AlignCenter)
            else:
                snippet = plain_label((n.get("text") or "")[:60].replace("\n", " ") + "…", "font-size: 11px;")
                snippet.setFixedWidth(170)
                box.addWidget(snippet)
            cap = plain_label(self.fontMetrics().elidedText(n.get("label") or "", Qt.ElideRight, 110),
                              "font-size: 11px; font-weight: 600;")
            cap.setAlignment(Qt.AlignCenter)
            cell.setToolTip(plain_tip(f"{n.get('path') or n['id']}: {n.get('label')}"))
            box.addWidget(cap, 0, Qt.AlignCenter)
            self.strip.addWidget(cell)
        self.strip.addStretch(1)
