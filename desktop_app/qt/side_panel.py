"""Side panel: label counts, learning curve and stopping signals (pyqtgraph), loop settings."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.selection.registry import REGISTRY
from desktop_app.core.stopping import recommendation
from desktop_app.qt.label_bar import plain_tip
from desktop_app.qt.labeling_view import plain_label
from desktop_app.qt.search_query_box import QueryBox

LEARN_MODE = "— nothing (learn mode)"
ROW_PX = 22
MAX_ROWS_SHOWN = 12   # the label table grows up to this many rows, then scrolls
pg.setConfigOptions(antialias=False, background="w", foreground="#333")  # axes: cheap; curves: antialiased


class SidePanel(QWidget):
    def __init__(self, pc, lc, parent=None):
        super().__init__(parent)
        self.pc, self.lc = pc, lc
        self.setMinimumWidth(250)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        box = QGroupBox("Labels")
        bl = QVBoxLayout(box)
        self.counts = QTableWidget(0, 3)
        self.counts.setHorizontalHeaderLabels(["Key", "Label", "Items"])
        self.counts.verticalHeader().hide()
        self.counts.setEditTriggers(QTableWidget.NoEditTriggers)
        self.counts.setFocusPolicy(Qt.NoFocus)
        self.counts.setTextElideMode(Qt.ElideRight)
        h = self.counts.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.Stretch)
        h.setSectionResizeMode(2, QHeaderView.ResizeToContents)
        self.counts.verticalHeader().setDefaultSectionSize(ROW_PX)
        self.counts.setVerticalScrollBarPolicy(Qt.ScrollBarAsNeeded)
        self._fit_counts(1)
        bl.addWidget(self.counts)
        lay.addWidget(box)
        box = QGroupBox("Learning curve and stopping signals")
        bl = QVBoxLayout(box)
        self.acc_plot = pg.PlotWidget()
        self.acc_plot.setFixedHeight(150)
        self.acc_plot.setLabel("left", "est. accuracy")
        self.acc_plot.setLabel("bottom", "labels")
        self.acc_plot.showGrid(x=True, y=True, alpha=0.2)
        self.change_plot = pg.PlotWidget()
        self.change_plot.setFixedHeight(120)
        self.change_plot.setLabel("left", "fraction")
        self.change_plot.getAxis("left").enableAutoSIPrefix(False)
        self.change_plot.setLabel("bottom", "round")
        self.change_plot.showGrid(x=True, y=True, alpha=0.2)
        self.legend = self.change_plot.addLegend(offset=(-5, 5))
        # persistent items updated with setData (no clear()/re-add churn)
        self.acc_curve = self.acc_plot.plot([], [], pen=pg.mkPen("#2f6fb3", width=2), symbol="o", symbolSize=6,
                                            symbolBrush="#2f6fb3", antialias=True)
        self.acc_bars = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), top=np.zeros(0), bottom=np.zeros(0),
                                        beam=0.0, pen=pg.mkPen((60, 140, 220, 140), width=6))
        self.acc_plot.addItem(self.acc_bars)
        self.acc_note = pg.TextItem("", color="#666", anchor=(0.5, 0.5))   # says why the plot is empty
        self.acc_plot.addItem(self.acc_note)
        self.change_curve = self.change_plot.plot([], [], pen=pg.mkPen("#d9822b", width=2), symbol="t",
                                                  symbolSize=6, name="predictions changed", antialias=True)
        self.pos_curve = self.change_plot.plot([], [], pen=pg.mkPen("#3a9d4a", width=2), antialias=True)
        self.advice = plain_label("")
        self.advice.setWordWrap(True)
        for plot in (self.acc_plot, self.change_plot):  # ranges are set by hand: no auto-range work per paint
            plot.disableAutoRange()
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
        bl.addWidget(self.acc_plot)
        bl.addWidget(self.change_plot)
        bl.addWidget(self.advice)
        lay.addWidget(box)
        box = QGroupBox("Settings")
        form = QFormLayout(box)
        self.strategy = QComboBox()
        for i, (name, strat) in enumerate(REGISTRY.items()):
            self.strategy.addItem(name)
            self.strategy.setItemData(i, strat.help, Qt.ToolTipRole)
        self.strategy.setToolTip("How the next batch is chosen (seals: uncertain items among the kNN of labels)")
        self.batch = QSpinBox(minimum=1, maximum=500)
        self.k = QSpinBox(minimum=5, maximum=1000, singleStep=10)
        self.k.setToolTip("Neighbours per labeled item that join the SEALS candidate pool")
        self.audit = QSpinBox(minimum=0, maximum=50, suffix=" %")
        self.audit.setToolTip("Share of each batch drawn at random from the unlabeled items (audit picks): the "
                              "accuracy estimate is calibrated on them. 0 turns the estimate off.")
        self.search_for = QComboBox()
        self.search_for.setToolTip("Search mode: the next batches are the items most likely to carry this label "
                                   "(find more of a rare class). Learn mode: the items the model is least sure about.")
        form.addRow("Strategy", self.strategy)
        form.addRow("Find more of", self.search_for)
        self.query_box = QueryBox(pc, lambda: self.search_for.currentData())
        form.addRow("", self.query_box)
        form.addRow("Batch size", self.batch)
        form.addRow("k neighbours", self.k)
        form.addRow("Audit share", self.audit)
        lay.addWidget(box)
        lay.addStretch(1)
        self.strategy.currentTextChanged.connect(lambda v: self._set("strategy", v))
        self.search_for.activated.connect(self._search_chosen)
        self.batch.editingFinished.connect(lambda: self._set("batch_size", self.batch.value()))
        self.k.editingFinished.connect(lambda: self._set("k", self.k.value()))
        self.audit.editingFinished.connect(lambda: self._set("audit_share", self.audit.value() / 100))
        pc.opened.connect(self._load_settings)
        for sig in (pc.opened, pc.label_set_changed):
            sig.connect(self._load_search_labels)
        for sig in (pc.opened, pc.labels_changed, pc.label_set_changed):
            sig.connect(self.refresh_counts)
        pc.opened.connect(self.refresh_curves)
        pc.round_done.connect(self.refresh_curves)

    def _set(self, key: str, value) -> None:
        if self.pc.project is not None and not self._loading:
            self.pc.set_setting(key, value)

    _loading = False

    def _load_settings(self) -> None:
        p = self.pc.project
        self._loading = True
        self.strategy.setCurrentText(p.meta("strategy", "seals"))
        self.batch.setValue(int(p.meta("batch_size", 20)))
        self.k.setValue(int(p.meta("k", 100)))
        from desktop_app.ops.loop import audit_share

        self.audit.setValue(round(audit_share(p) * 100))
        self._loading = False

    def _load_search_labels(self, *_) -> None:
        p = self.pc.project
        if p is None:
            return
        self.search_for.clear()
        self.search_for.addItem(LEARN_MODE, None)
        for label in p.label_set():
            self.search_for.addItem(label["name"], label["name"])  # QComboBox items are plain text
            if label["mode"] == "search":
                self.search_for.setCurrentIndex(self.search_for.count() - 1)
        self.query_box.refresh()

    def _search_chosen(self, index: int) -> None:
        if self.pc.project is not None:
            self.pc.set_search_label(self.search_for.itemData(index))
            self.query_box.refresh()

    def refresh_counts(self, *_) -> None:
        p = self.pc.project
        counts = p.label_counts() if p else {}
        self.counts.setRowCount(len(counts))
        for row, (name, n) in enumerate(counts.items()):
            for col, text in enumerate((str(row + 1) if row < 9 else "", name, str(n))):
                item = QTableWidgetItem(text)
                item.setToolTip(plain_tip(name) if col == 1 else "")  # never interpreted as markup
                if col != 1:
                    item.setTextAlignment(Qt.AlignCenter)
                self.counts.setItem(row, col, item)
        if not counts:
            self.counts.setRowCount(1)
            self.counts.setItem(0, 1, QTableWidgetItem("No labels yet — press N to add one"))
        self._fit_counts(self.counts.rowCount())

    def _fit_counts(self, rows: int) -> None:
        """Every label shows (up to MAX_ROWS_SHOWN rows; more scroll)."""
        header = self.counts.horizontalHeader().sizeHint().height()
        self.counts.setFixedHeight(header + ROW_PX * min(max(rows, 1), MAX_ROWS_SHOWN) + 2 * self.counts.frameWidth())

    def refresh_curves(self, *_) -> None:
        """Update the two plots in separate event-loop turns, so no single repaint is long."""
        p = self.pc.project
        rounds = p.rounds() if p else []
        self._plot_accuracy(rounds)
        QTimer.singleShot(30, lambda: self._plot_changes(rounds))
        if not rounds:
            self.advice.setText("The curves fill in after the first batch is answered and the model retrains.")
        else:
            self.advice.setText(recommendation(rounds))

    def _plot_accuracy(self, rounds: list[dict]) -> None:
        """The estimate of accuracy on the unlabeled items with its 95% interval (core/estimate.py)."""
        acc = [(r["n_labeled"], r["estimate"]["accuracy"], *r["estimate"]["accuracy_interval"]) for r in rounds
               if r.get("estimate")]
        x, y, lo, hi = (np.array(v, float) for v in zip(*acc)) if acc else (np.zeros(0),) * 4
        self.acc_curve.setData(x, y)
        self.acc_bars.setData(x=x, y=y, top=hi - y, bottom=y - lo)
        right = float(x.max()) if len(x) else 100.0
        self.acc_plot.setRange(xRange=(0, right * 1.05 + 1), yRange=(0, 1.02), padding=0)
        self.acc_note.setText("" if acc else self._no_estimate_yet())
        self.acc_note.setPos((right * 1.05 + 1) / 2, 0.5)

    def _no_estimate_yet(self) -> str:
        p = self.pc.project
        if p is None:
            return ""
        from desktop_app.core.estimate import MIN_ANSWERS
        from desktop_app.ops.loop import audit_share

        share = audit_share(p)
        if share <= 0:
            return "no estimate:\naudit picks are off"
        have = sum(1 for a in p.answered_asks() if a[2])
        if have >= MIN_ANSWERS:
            return f"{have} audit answers: the estimate\ncomes with the next round"
        return f"estimate after {MIN_ANSWERS} audit answers\n({have} so far; {share:.0%} of each batch)"

    def _plot_changes(self, rounds: list[dict]) -> None:
        ch = [(r["round"], r["changed_fraction"]) for r in rounds if r.get("changed_fraction") is not None]
        x, y = (np.array(v, float) for v in zip(*ch)) if ch else (np.zeros(0),) * 2
        self.change_curve.setData(x, y)
        pos = [(r["round"], r["positives"] / max(r["n_labeled"], 1)) for r in rounds if r.get("positives") is not None]
        px, py = (np.array(v, float) for v in zip(*pos)) if pos else (np.zeros(0),) * 2
        self.pos_curve.setData(px, py)
        shown = any(sample.item is self.pos_curve for sample, _ in self.legend.items)
        if pos and not shown:
            self.legend.addItem(self.pos_curve, "positive rate")
        elif shown and not pos:  # another project, or one without a search label: no stale entry
            self.legend.removeItem(self.pos_curve)
        self.legend.setVisible(bool(ch or pos))  # no legend over an empty plot (before the first round)
        n = max(len(rounds), 2)
        step = max(1, -(-n // 8))  # whole rounds only, at most ~8 ticks
        self.change_plot.getAxis("bottom").setTicks([[(float(i), str(i)) for i in range(1, n + 1, step)], []])
        top = max([0.1, *y.tolist(), *py.tolist()])
        top = min(1.0, top * 1.6)  # headroom for the legend
        self.change_plot.setRange(xRange=(0.5, max(len(rounds), 2) + 0.5), yRange=(0, top), padding=0)
