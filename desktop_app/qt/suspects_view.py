"""The "Suspicious" tab: walk the labels the data argues against (desktop_app.ops.suspects), one item at a
time with the labeling keys: a digit relabels, Space (or 0) keeps the label, ← goes back, Ctrl+Z undoes.

Each item shows its label, the model's suggestion, why it is suspected and its nearest labeled
neighbours. The list is computed off the GUI thread (the runner's "suspects" channel)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.ops.suspects import SuspectQueue, project_suspects
from desktop_app.qt.item_view import ItemView
from desktop_app.qt.label_bar import LabelBar, plain_tip
from desktop_app.qt.labeling_view import THUMB, plain_label

PREVIEW = 1024
SNIPPET = 150  # px per neighbour text: five fit beside the caption in the narrowest window (1024 px)


class SuspectsView(QWidget):
    def __init__(self, pc, lc, images, parent=None):
        super().__init__(parent)
        self.pc, self.lc, self.images = pc, lc, images
        self.queue: SuspectQueue | None = None
        self.computing = False
        self.message = ""  # why there is no list (too few labels...)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.setContentsMargins(12, 8, 12, 0)
        self.position = plain_label("", "font-size: 18px; font-weight: 600;")
        self.item_id = plain_label("", "color: palette(mid);")
        self.tally = plain_label("", "color: palette(dark);")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.progress.setVisible(False)
        self.again = QPushButton("Find again")
        self.again.setToolTip(plain_tip("Judge every label again with the labels as they are now"))
        self.again.setFocusPolicy(Qt.NoFocus)
        self.again.clicked.connect(self.compute)
        for w, stretch in ((self.position, 0), (self.item_id, 1), (self.tally, 0), (self.progress, 0), (self.again, 0)):
            head.addWidget(w, stretch)
        lay.addLayout(head)
        self.view = ItemView()
        lay.addWidget(self.view, 1)
        info = QVBoxLayout()
        info.setContentsMargins(12, 4, 12, 0)
        self.verdict = plain_label("", "font-size: 14px;")
        self.why = plain_label("", "color: palette(dark);")
        self.why.setWordWrap(True)
        info.addWidget(self.verdict)
        info.addWidget(self.why)
        lay.addLayout(info)
        self.strip = QHBoxLayout()
        self.strip.setContentsMargins(12, 2, 12, 2)
        lay.addLayout(self.strip)
        self.bar = LabelBar()
        self.bar.skip_text = ("Keep label  (Space)", "The label is right: keep it and go to the next suspect")
        self.bar.digit_clicked.connect(self.press_digit)
        self.bar.skip_clicked.connect(self.keep)
        lay.addWidget(self.bar)
        pc.opened.connect(self._reset)
        pc.closed.connect(self._reset)
        pc.label_set_changed.connect(self.refresh)
        lc.undone.connect(self._undone)
        images.loaded.connect(self._image_loaded)

    # ---- the list ---------------------------------------------------------------------------------
    def _reset(self) -> None:
        self.pc.runner.cancel("suspects")
        self.queue, self.computing, self.message = None, False, ""
        self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.pc.project is not None and self.queue is None and not self.computing and not self.message:
            self.compute()

    def compute(self) -> None:
        project = self.pc.project
        if project is None:
            return
        self.computing, self.message = True, ""
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.again.setEnabled(False)
        self.refresh()
        self.pc.runner.submit("suspects", lambda p, c: project_suspects(project, progress=p, cancel=c, to_review=True),
                              on_done=self._computed, on_error=self._failed, on_progress=self._progress)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _computed(self, entries) -> None:
        self.computing = False
        self.queue = SuspectQueue(entries)
        self._finish()

    def _failed(self, message: str) -> None:
        self.computing, self.queue, self.message = False, None, message
        self._finish()

    def _finish(self) -> None:
        self.progress.setVisible(False)
        self.again.setEnabled(True)
        self.refresh()

    # ---- keys (the main window routes digits, Space/0 and ← here while this tab is current) --------------------
    def press_digit(self, digit: int) -> None:
        cur = self.queue.current() if self.queue else None
        label = self.lc.label_for_digit(digit)
        if cur is None or label is None:
            if label is None:
                self.lc.press_digit(digit, [])  # says there is no such label
            return
        if self.lc.answer_of(cur.idx) == label["name"]:
            self.keep()  # its own label again: nothing to write
            return
        if self.lc.press_digit(digit, [cur.idx]):
            self.queue.decide(label["name"])
            self.refresh()

    def keep(self) -> None:
        if self.queue and self.queue.current() is not None:
            self.queue.decide("kept")
            self.refresh()

    def back(self) -> None:
        if self.queue:
            self.queue.back()
            self.refresh()

    def _undone(self, changes: list) -> None:
        if self.queue and changes and self.queue.reopen(changes[0][0]):
            self.refresh()

    # ---- rendering ----------------------------------------------------------------------------------------------
    def refresh(self, *_) -> None:
        self._clear_strip()
        labels = self.lc.labels() if self.pc.project else []
        cur = self.queue.current() if self.queue else None
        if self.queue is not None:
            relabeled, kept = self.queue.counts()
            self.tally.setText(f"relabeled {relabeled} · kept {kept}")
        else:
            self.tally.setText("")
        if cur is None:
            for w in (self.position, self.item_id, self.verdict, self.why):
                w.setText("")
            self.view.show_empty(self._empty_message())
            self.bar.set_labels(labels)
            return
        self.position.setText(f"Suspect {self.queue.pos + 1} / {len(self.queue.entries)}")
        self.item_id.setText("   " + (cur.path or cur.id))
        now = self.lc.answer_of(cur.idx)
        label = f"Labeled: {now}" if now == cur.label else f"Labeled: {cur.label}, now {now or 'unlabeled'}"
        self.verdict.setText(f"{label}   ·   Model suggests: {cur.suggested} ({cur.suggested_proba:.0%})")
        self.why.setText("Why suspected: " + cur.reason())
        row = self.pc.project.item(cur.idx) or {}
        self._show_item(row)
        self._fill_strip(cur)
        self.bar.set_labels(labels, current=now, guess=cur.suggested)

    def _empty_message(self) -> str:
        if self.pc.project is None:
            return "No project open"
        if self.computing:
            return "Judging every label with a model that did not see it, and with its nearest labeled items…"
        if self.message:
            return self.message
        if self.queue is None:
            return "Suspicious labels are found when this tab opens"
        if not self.queue.entries:
            return "No labeled items to judge yet"
        relabeled, kept = self.queue.counts()
        return (f"All {len(self.queue.entries)} suspects reviewed: {relabeled} relabeled, {kept} kept. "
                "Press Find again to judge the labels as they are now.")

    def _show_item(self, row: dict) -> None:
        if self.pc.project.meta("kind") == "image":
            self.view.show_image(self.images.get(self.pc.project.item_path(row.get("path")), PREVIEW))
        else:
            self.view.show_text(row.get("text") or "")

    def _image_loaded(self, path: str, size: int) -> None:
        cur = self.queue.current() if self.queue is not None and self.pc.project is not None else None
        if cur is None:
            return
        if size == PREVIEW and path == self.pc.project.item_path(cur.path):
            self._show_item({"path": cur.path})
        elif size == THUMB:
            self._clear_strip()
            self._fill_strip(cur)

    def _clear_strip(self) -> None:
        while self.strip.count():
            w = self.strip.takeAt(0).widget()
            if w:
                w.deleteLater()

    def _fill_strip(self, cur) -> None:
        if not cur.neighbours:
            return
        project = self.pc.project
        rows = {r["idx"]: r for r in project.items([n.idx for n in cur.neighbours])}
        self.strip.addWidget(plain_label("Nearest labeled:", "color: palette(dark);"))
        image = project.meta("kind") == "image"
        for n in cur.neighbours:
            row = rows.get(n.idx, {})
            cell = QWidget()
            box = QVBoxLayout(cell)
            box.setContentsMargins(4, 0, 4, 0)
            if image:
                thumb = QLabel()
                img = self.images.get(project.item_path(row.get("path")), THUMB)
                if img is not None and not img.isNull():
                    thumb.setPixmap(QPixmap.fromImage(img).scaled(THUMB, THUMB, Qt.KeepAspectRatio,
                                                                  Qt.SmoothTransformation))
                thumb.setFixedSize(THUMB, THUMB)
                thumb.setAlignment(Qt.AlignCenter)
                box.addWidget(thumb, 0, Qt.AlignCenter)
            else:
                snippet = plain_label("", "font-size: 11px;")
                snippet.setText(snippet.fontMetrics().elidedText(" ".join((row.get("text") or "")[:200].split()),
                                                                 Qt.ElideRight, SNIPPET - 8))
                snippet.setFixedWidth(SNIPPET)
                box.addWidget(snippet)
            colour = "#2a7a2a" if n.label == cur.label else "#b35a00"  # agrees with its label, or not
            cap = plain_label(self.fontMetrics().elidedText(n.label, Qt.ElideRight, 110),
                              f"font-size: 11px; font-weight: 600; color: {colour};")
            cap.setAlignment(Qt.AlignCenter)
            cell.setToolTip(plain_tip(f"{row.get('path') or n.id}: {n.label}"))
            box.addWidget(cap, 0, Qt.AlignCenter)
            self.strip.addWidget(cell)
        self.strip.addStretch(1)
