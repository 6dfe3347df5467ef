"""The project workspace: embedding strip, tabs (label / grid / review) and the side panel."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

from desktop_app.qt.grid_view import GridView
from desktop_app.qt.labeling_view import LabelingView, plain_label
from desktop_app.qt.map_view import MapView
from desktop_app.qt.review_view import ReviewView
from desktop_app.qt.side_panel import SidePanel
from desktop_app.qt.suspects_view import SuspectsView


class EmbedStrip(QWidget):
    def __init__(self, pc, parent=None):
        super().__init__(parent)
        self.pc = pc
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 4, 10, 4)
        self.text = plain_label("")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(360)
        self.bar.setTextVisible(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setFocusPolicy(Qt.NoFocus)
        self.cancel.clicked.connect(self._button)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.bar)
        lay.addWidget(self.cancel)
        self.setStyleSheet("EmbedStrip { background: #eef4fb; }")
        self.setAttribute(Qt.WA_StyledBackground, True)
        pc.embed_progress.connect(self.progress)
        pc.embed_state.connect(self.state)
        self.hide()

    def progress(self, done: int, total: int, rate: float, eta: float) -> None:
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        eta_s = "" if eta < 0 else (f" · about {eta:.0f} s left" if eta < 120 else f" · about {eta / 60:.0f} min left")
        where = "" if self.pc.embedding_on == "this computer" else f" on {self.pc.embedding_on}"
        self.text.setText(f"Embedding {done:,} / {total:,} items{where} · {rate:.1f} items/s{eta_s} — "
                          "you can label the cold-start items meanwhile")

    def _button(self) -> None:
        if self.pc.embedding:
            self.pc.cancel_embedding()
        else:
            self.pc.start_embedding()

    def state(self, state: str) -> None:
        if state == "running":
            where = ("" if self.pc.embedding_on == "this computer" else
                     f" on {self.pc.embedding_on} (starting it takes a few seconds)")
            self.text.setText(f"Embedding…{where} (you can already label the cold-start items below)")
            self.bar.setRange(0, 0)
            self.bar.setVisible(True)
            self.cancel.setText("Cancel")
            self.setVisible(True)
        elif state == "paused" and self.pc.project is not None:
            left = self.pc.project.n_pending_embedding()
            self.text.setText(f"Embedding paused — {left:,} items are not embedded yet and cannot be picked "
                              "by the model. Everything embedded so far is saved.")
            self.bar.setVisible(False)
            self.cancel.setText("Resume")
            self.setVisible(left > 0)
        else:
            self.setVisible(False)


class Workspace(QWidget):
    def __init__(self, pc, lc, images, parent=None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.strip = EmbedStrip(pc)
        lay.addWidget(self.strip)
        self.splitter = QSplitter(Qt.Horizontal)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setFocusPolicy(Qt.NoFocus)
        self.labeling = LabelingView(pc, lc, images)
        self.grid = GridView(pc, lc, images)
        self.review = ReviewView(pc, lc, images)
        self.suspects = SuspectsView(pc, lc, images)
        self.map = MapView(pc, lc, images)
        self.suspects.computed.connect(self.review.set_suspects)
        self.suspects.computed.connect(self.map.set_suspects)
        self.tabs.addTab(self.labeling, "Label")
        self.tabs.addTab(self.grid, "Grid")
        self.tabs.addTab(self.review, "Review")
        self.tabs.addTab(self.suspects, "Suspicious")
        self.tabs.addTab(self.map, "Map")
        self.side = SidePanel(pc, lc)
        self.side_scroll = QScrollArea()  # the panel scrolls on short screens instead of forcing a tall window
        self.side_scroll.setWidget(self.side)
        self.side_scroll.setWidgetResizable(True)
        self.side_scroll.setFrameShape(QScrollArea.NoFrame)
        self.side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.side_scroll.setMinimumWidth(self.side.minimumWidth() + 16)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.side_scroll)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([900, 340])
        lay.addWidget(self.splitter, 1)
