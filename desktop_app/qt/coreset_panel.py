"""Export dialog panel: "keep only the most useful labeled items" (a core-set, desktop_app.ops.coreset),
chosen in the background with a progress bar and Cancel, shown with its learning curve: held-out macro-F1
of the choice vs a random subset of the same size, and vs all labeled items."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from desktop_app.core.coreset.registry import AUTO, METHODS
from desktop_app.qt.labeling_view import plain_label


class CoresetPanel(QGroupBox):
    def __init__(self, pc, parent=None, on_chosen=None):
        super().__init__("Subset", parent)
        self.pc = pc
        self.on_chosen = on_chosen    # called after a choice is made (the dialog clears its last message)
        self.result = None            # the CoresetResult of the latest choice, for the current settings
        lay = QVBoxLayout(self)
        n = pc.project.n_labeled()
        self.enabled = QCheckBox(f"Keep only the most useful labeled items (of {n})")
        self.enabled.setToolTip("A core-set: the items that train the model about as well as all of them")
        lay.addWidget(self.enabled)
        row = QHBoxLayout()
        self.share = QSpinBox()
        self.share.setRange(1, 100)
        self.share.setValue(30)
        self.share.setSuffix(" %")
        row.addWidget(plain_label("Keep"))
        row.addWidget(self.share)
        self.method = QComboBox()
        self.method.addItem(f"auto ({AUTO})", "auto")
        for name, m in METHODS.items():
            self.method.addItem(name, name)
            self.method.setItemData(self.method.count() - 1, m.help, 3)   # Qt.ToolTipRole
        row.addWidget(plain_label("method"))
        row.addWidget(self.method, 1)
        self.choose = QPushButton("Choose items")
        self.choose.clicked.connect(self.start)
        self.cancel = QPushButton("Cancel")
        self.cancel.setVisible(False)
        self.cancel.clicked.connect(self.stop)
        row.addWidget(self.choose)
        row.addWidget(self.cancel)
        lay.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        lay.addWidget(self.progress)
        self.summary = plain_label("")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(190)
        left = self.plot.getAxis("left")
        left.enableAutoSIPrefix(False)   # else 0.95 is drawn as "950" with a "(x0.001)" the label may cut
        left.setWidth(48)
        self.plot.setLabel("bottom", "share of the labeled items kept")
        self.plot.setLabel("left", "macro-F1")
        self.plot.addLegend(offset=(-10, -10))
        self.plot.setVisible(False)
        lay.addWidget(self.plot)
        for w in (self.share, self.method):
            (w.valueChanged if w is self.share else w.currentIndexChanged).connect(self._stale)
        self.enabled.toggled.connect(self._toggle)
        self._toggle(False)

    def _toggle(self, on: bool) -> None:
        for w in (self.share, self.method, self.choose):
            w.setEnabled(on)

    def _stale(self, *_) -> None:
        if self.result is not None:
            self.result = None
            self.summary.setText("Settings changed: choose the items again")

    def keep(self) -> str:
        return "1.0" if self.share.value() == 100 else f"{self.share.value() / 100:.2f}"

    def only(self) -> dict[int, float] | None:
        """Item rows to export, None when the panel is off. Raises ValueError when on but not chosen."""
        if not self.enabled.isChecked():
            return None
        if self.result is None:
            raise ValueError("choose the items first (Choose items), or untick the subset")
        return {r.idx: r.weight for r in self.result.rows}   # with each one's weight (a weighted method's)

    def start(self) -> None:
        self.result = None
        self.choose.setEnabled(False)
        self.cancel.setVisible(True)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.summary.setText("Choosing…")
        from desktop_app.ops.coreset import coreset

        project, keep, method = self.pc.project, self.keep(), self.method.currentData()
        self.pc.runner.submit("coreset", lambda p, c: coreset(project, keep, method, progress=p, cancel=c, curve=True),
                              on_done=self._done, on_error=self._failed, on_progress=self._progress)

    def stop(self) -> None:
        self.pc.runner.cancel("coreset")
        self._idle()
        self.summary.setText("Cancelled")

    def _idle(self) -> None:
        self.choose.setEnabled(self.enabled.isChecked())
        self.cancel.setVisible(False)
        self.progress.setVisible(False)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _failed(self, message: str) -> None:
        self._idle()
        self.summary.setText("Could not choose: " + message)

    def _done(self, result) -> None:
        self._idle()
        self.result = result
        n = len(result.rows)
        text = f"Kept {n} of {result.n_labeled} labeled items (method {result.method})."
        c = result.curve
        if c is not None:
            near = min(c.points, key=lambda p: abs(p.share - n / max(result.n_labeled, 1)))
            splits = f" (mean of {c.repeats} splits)" if c.repeats > 1 else ""
            text += (f" Trained on {near.share:.0%} of {c.n_train} and tested on {c.n_test} held-out items{splits}: "
                     f"macro-F1 {near.method_f1:.3f} vs {near.random_f1:.3f} for a random {near.share:.0%}, "
                     f"{c.all_f1:.3f} with all of them.")
        text += "".join(f" {note}." for note in result.notes)
        self.summary.setText(text)
        self._draw(c)
        if self.on_chosen:
            self.on_chosen()

    def _draw(self, c) -> None:
        self.plot.clear()
        self.plot.setVisible(c is not None)
        if c is None:
            return
        xs = np.array([p.share for p in c.points] + [1.0])
        self.plot.plot(xs, [p.method_f1 for p in c.points] + [c.all_f1], name=c.method,
                       pen=pg.mkPen("#2f6fb3", width=2), symbol="o", symbolSize=6)
        self.plot.plot(xs, [p.random_f1 for p in c.points] + [c.all_f1], name="random",
                       pen=pg.mkPen("#999999", width=2, style=pg.QtCore.Qt.DashLine), symbol="t", symbolSize=6)
        self.plot.addItem(pg.InfiniteLine(c.all_f1, angle=0, pen=pg.mkPen("#3a9d4a", width=1)))
        share = self.share.value() / 100
        self.plot.addItem(pg.InfiniteLine(share, angle=90, pen=pg.mkPen("#d9822b", width=1)))
