"""The "Map" tab: the embedded items in 2D (desktop_app.ops.map: UMAP, the `map` extra), coloured by label,
the model's guess, its uncertainty, suspicion or audit picks (qt/map_colours.py). Hovering a point shows the
item (thumbnail or text) beside the map; clicking it opens the item in the labeling view.

The map is computed (or read from its cache) on the runner's "map" channel, off the GUI thread. Above
MAX_POINTS items the unlabeled ones are drawn as a random sample, so a million-item project stays fluid."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from desktop_app.core.projection import inside
from desktop_app.ops.map import UNLABELED, project_map
from desktop_app.qt.dialogs import confirm
from desktop_app.qt.label_bar import plain_tip
from desktop_app.qt.labeling_view import plain_label
from desktop_app.qt.map_colours import COLOUR_BY, Known
from desktop_app.qt.map_hover import HoverPane

MAX_POINTS = 200_000
PREDICT_CHUNK = 65_536


class LassoViewBox(pg.ViewBox):
    """A ViewBox where Shift+drag draws a lasso (plain drag still pans, the wheel zooms)."""
    lassoed = Signal(object)  # (k, 2) polygon in map coordinates

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._path: list[tuple[float, float]] = []
        self.line = pg.PlotCurveItem(pen=pg.mkPen("#333", width=1.5, style=Qt.DashLine))
        self.addItem(self.line, ignoreBounds=True)

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() != Qt.LeftButton or not (ev.modifiers() & Qt.ShiftModifier):
            super().mouseDragEvent(ev, axis)
            return
        ev.accept()
        p = self.mapSceneToView(ev.scenePos())
        if ev.isStart():
            start = self.mapSceneToView(ev.buttonDownScenePos())
            self._path = [(start.x(), start.y())]
        self._path.append((p.x(), p.y()))
        xs, ys = zip(*(self._path + self._path[:1]))
        self.line.setData(list(xs), list(ys))
        if ev.isFinish():
            self.line.setData([], [])
            self.lassoed.emit(np.array(self._path))
            self._path = []


class MapView(QWidget):
    def __init__(self, pc, lc, images=None, parent=None):
        super().__init__(parent)
        self.pc, self.lc, self.images = pc, lc, images
        self.preds: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # the model's guess per map item
        self.map = None            # ops.map.ProjectMap of the open project
        self.suspects: np.ndarray | None = None
        self.computing, self.message = False, ""
        self.selected = np.empty(0, np.int64)  # idx of the lassoed items
        self.setFocusPolicy(Qt.StrongFocus)  # Esc clears the selection
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 8, 8, 8)
        bar = QHBoxLayout()
        self.colour = QComboBox()
        for key, (text, _) in COLOUR_BY.items():
            self.colour.addItem(text, key)
        self.colour.currentIndexChanged.connect(lambda _: self.draw())
        self.count = plain_label("", "color: palette(dark);")
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip(plain_tip("Read the labels again (and place items embedded since)"))
        self.refresh_button.setFocusPolicy(Qt.NoFocus)
        self.refresh_button.clicked.connect(self.compute)
        bar.addWidget(self.colour)
        bar.addWidget(self.count, 1)
        bar.addWidget(self.refresh_button)
        lay.addLayout(bar)
        self.box = LassoViewBox()
        self.box.lassoed.connect(self._lassoed)
        self.plot = pg.PlotWidget(viewBox=self.box)
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setAspectLocked(True)
        self.legend = self.plot.addLegend(offset=(10, 10))
        self.scatter = pg.ScatterPlotItem(pxMode=True, hoverable=True, tip=self._tip, hoverSize=10,
                                          hoverPen=pg.mkPen("k", width=1.5))
        self.scatter.sigClicked.connect(self._clicked)
        self.plot.addItem(self.scatter)
        self.empty = plain_label("", "color: palette(mid); font-size: 15px;")
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.plot)
        self.stack.addWidget(self.empty)
        self.hover = HoverPane(pc, lc, images)   # the hovered item: thumbnail or text snippet
        self.scatter.sigHovered.connect(self.hover.hovered)
        body = QHBoxLayout()
        body.addWidget(self.stack, 1)
        body.addWidget(self.hover)
        lay.addLayout(body, 1)
        pc.opened.connect(self._reset)
        pc.closed.connect(self._reset)
        pc.embed_state.connect(lambda state: self._reset() if state == "done" else None)
        pc.labels_changed.connect(self._labels_changed)
        pc.round_done.connect(lambda *_: self._predict())

    # ---- data ---------------------------------------------------------------------------------------------
    def _reset(self) -> None:
        self.pc.runner.cancel("map")
        self.pc.runner.cancel("map-preds")
        self.map, self.computing, self.message, self.preds = None, False, "", None
        self.selected = np.empty(0, np.int64)
        self.hover.reset()
        self.draw()

    def set_suspects(self, idxs) -> None:
        self.suspects = None if idxs is None else np.unique(np.asarray(idxs, np.int64))
        if self.colour.currentData() == "suspicion":
            self.draw()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.pc.project is not None and self.map is None and not self.computing and not self.message:
            self.compute()

    def compute(self) -> None:
        project = self.pc.project
        if project is None or self.computing:
            return
        self.computing, self.message = True, ""
        self.refresh_button.setEnabled(False)
        self.draw()
        self.pc.runner.submit("map", lambda p, c: project_map(project, progress=p, cancel=c),
                              on_done=self._computed, on_error=self._failed)

    def _labels_changed(self, *_) -> None:
        """Answers (a lassoed selection labeled, an undo...) recolour the map; the positions stay."""
        m, project = self.map, self.pc.project
        if m is None or project is None:
            return
        lab_idx, lab_ids, _ = project.current_labels()
        label = np.full(project.n_items, UNLABELED, np.int64)
        label[lab_idx] = lab_ids
        m.label = label[m.idx]
        m.names = {l["id"]: l["name"] for l in project.label_set()}
        self.draw()

    def _lassoed(self, polygon) -> None:
        m = self.map
        if m is None:
            return
        rows = self._shown(m)
        self.selected = np.sort(m.idx[rows[inside(m.xy[rows], polygon)]])
        self.draw()

    def clear_selection(self) -> None:
        self.selected = np.empty(0, np.int64)
        self.draw()

    def label_selection(self, digit: int) -> bool:
        """Give the lassoed items the digit's label, after a confirmation that shows the count (undoable)."""
        label = self.lc.label_for_digit(digit)
        n = len(self.selected)
        if label is None:
            return self.lc.press_digit(digit, [])  # says there is no such label
        if not n:
            return False
        s = "s" if n != 1 else ""
        if not confirm(self, "Label the selection", f"Give {n:,} item{s} the label {label['name']!r}?",
                       "Items that already have a label get this one instead. Ctrl+Z undoes it.",
                       ok=f"Label {n:,} item{s}"):
            return False
        done = self.lc.press_digit(digit, self.selected.tolist())
        if done:
            self.clear_selection()
        return done

    def _computed(self, m) -> None:
        self._ranged = False
        self.computing, self.map = False, m
        self.refresh_button.setEnabled(True)
        self.draw()
        self._predict()

    def _predict(self) -> None:
        """The model's guess for every map item, off the GUI thread (serial with the rounds that refit it)."""
        m, session = self.map, self.pc.session
        if m is None or session is None or not self.pc.session_ready:
            return
        idx = np.sort(m.idx)

        def work(progress, cancel):
            pred, conf = np.full(len(idx), -1, np.int64), np.zeros(len(idx), np.float32)
            for s in range(0, len(idx), PREDICT_CHUNK):
                if cancel():
                    return None
                pred[s:s + PREDICT_CHUNK], conf[s:s + PREDICT_CHUNK] = session.predict(idx[s:s + PREDICT_CHUNK])
            return idx, pred, conf
        self.pc.runner.submit("map-preds", work, on_done=self._predicted, serial=True)

    def _predicted(self, preds) -> None:
        if preds is not None and self.map is not None:
            self.preds = preds
            if self.colour.currentData() in ("prediction", "uncertainty"):
                self.draw()

    def _failed(self, message: str) -> None:
        self.computing, self.map, self.message = False, None, message
        self.refresh_button.setEnabled(True)
        self.draw()

    # ---- drawing --------------------------------------------------------------------------------------------
    def _shown(self, m) -> np.ndarray:
        """Positions (into m.idx) drawn: every labeled item, unlabeled ones sampled above MAX_POINTS."""
        labeled = np.flatnonzero(m.label != UNLABELED)
        unlabeled = np.flatnonzero(m.label == UNLABELED)
        room = max(0, MAX_POINTS - len(labeled))
        if len(unlabeled) > room:
            unlabeled = np.sort(np.random.default_rng(0).choice(unlabeled, room, replace=False))
        return np.concatenate([unlabeled, labeled])  # labeled drawn last, on top

    def draw(self) -> None:
        self.scatter.clear()
        self.legend.clear()
        m = self.map
        if m is None:
            self.count.setText("")
            self.empty.setText(self.message or ("Placing the items on a 2D map (UMAP)…" if self.computing else
                                                "No project open" if self.pc.project is None else ""))
            self.stack.setCurrentWidget(self.empty)
            return
        self.stack.setCurrentWidget(self.plot)
        rows = self._shown(m)
        by = self.colour.currentData()
        audit = self.pc.project.audit_idxs() if by == "audit" and self.pc.project is not None else None
        colours, sizes, legend = COLOUR_BY[by][1](m, rows, Known(self.suspects, audit, self.preds))
        for rgb, text in legend:
            self.legend.addItem(pg.ScatterPlotItem(brush=pg.mkBrush(*rgb), size=8), text)
        brushes = [pg.mkBrush(*c) for c in colours]  # one QBrush per point: pyqtgraph caches them per colour
        ring = pg.mkPen("#111", width=2)
        pens = [ring if c else None for c in np.isin(m.idx[rows], self.selected)]  # the lassoed items: ringed
        self.scatter.setData(x=m.xy[rows, 0], y=m.xy[rows, 1], data=m.idx[rows], brush=brushes, size=sizes,
                             pen=pens)
        n, shown = len(m.idx), len(rows)
        sampled = f" ({shown:,} drawn)" if shown < n else ""
        hint = (" · open the Suspicious tab to judge the labels" if by == "suspicion" and self.suspects is None else
                " · the model's guesses come after its first round" if by in ("prediction", "uncertainty")
                and self.preds is None else "")
        if len(self.selected):
            self.count.setText(f"{len(self.selected):,} selected — press a digit to label them (Esc clears)")
        else:
            self.count.setText(f"{n:,} items{sampled}, {int((m.label != UNLABELED).sum()):,} labeled · hover a point "
                               f"to see it, click to open it, Shift+drag to lasso{hint}")
        if not self._ranged:  # keep the user's zoom when only the colours change
            self.plot.autoRange()
            self._ranged = True

    _ranged = False

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape and len(self.selected):
            self.clear_selection()
        else:
            super().keyPressEvent(event)

    def _tip(self, x, y, data) -> str:
        project = self.pc.project
        item = project.item(int(data)) if project is not None else None
        if item is None:
            return ""
        answer = self.lc.answer_of(int(data)) or "unlabeled"
        return plain_tip(f"{item['path'] or item['id']}: {answer}")

    def _clicked(self, _item, points, _ev) -> None:
        if len(points):
            self.lc.open_item(int(points[0].data()), why="opened from the map")
