"""The Map tab on real widgets (offscreen) with real umap-learn: the labeled items coloured by label, a real
mouse click on a point opens that item in the labeling view, digits in the map label nothing."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from qt_helpers import TIMEOUT_MS, wait_model
from test_suspects_view import _shot

from desktop_app.cli import main

pytest.importorskip("umap")


def test_map_colours_by_label_and_a_click_opens_the_item(qtbot, window, tmp_path, text_csv):
    path = tmp_path / "p.shoal"
    assert main(["new", str(path), "--source", str(text_csv), "--id-column", "id", "--label-column", "label"]) == 0
    assert main(["embed", str(path)]) == 0
    window.pc.open(str(path))
    wait_model(qtbot, window)
    view = window.work.map
    qtbot.keyClick(window, Qt.Key_5, Qt.ControlModifier)  # View > Map of the items
    assert window.work.tabs.currentWidget() is view
    qtbot.waitUntil(lambda: view.map is not None, timeout=TIMEOUT_MS * 2)  # the first UMAP compiles numba code
    points = view.scatter.points()
    assert len(points) == 120 and view.count.text().startswith("120 items, 120 labeled")
    names = [l["name"] for l in window.pc.project.label_set()]
    assert [label.text for _, label in view.legend.items] == [
        f"{n} ({window.pc.project.label_counts()[n]})" for n in names]
    brushes = {p.brush().color().name() for p in points}
    assert len(brushes) == len(names)  # one colour per label
    _shot(qtbot, window, "map.png")
    # colour by suspicion: the items of the Suspicious tab's list (its `computed` signal) in red
    window.work.suspects.computed.emit([int(p.data()) for p in points[:5]])
    view.colour.setCurrentIndex(view.colour.findData("suspicion"))
    assert [label.text for _, label in view.legend.items] == ["suspicious (5)"]
    assert sum(p.brush().color().name() == "#d62728" for p in view.scatter.points()) == 5
    view.colour.setCurrentIndex(view.colour.findData("label"))

    events = len(window.pc.project.events(1000))
    qtbot.keyClick(window, Qt.Key_1)  # a digit in the map labels nothing
    assert len(window.pc.project.events(1000)) == events
    target = points[7]
    idx = int(target.data())
    item = window.pc.project.item(idx)
    assert item["id"] in view._tip(0, 0, idx) and window.lc.answer_of(idx) in view._tip(0, 0, idx)
    vb = view.plot.getPlotItem().getViewBox()
    scene = vb.mapViewToScene(QPointF(target.pos().x(), target.pos().y()))
    at = view.plot.mapFromScene(scene)
    qtbot.mouseClick(view.plot.viewport(), Qt.LeftButton, pos=QPoint(at.x(), at.y()))
    qtbot.waitUntil(lambda: window.work.tabs.currentWidget() is window.work.labeling, timeout=5000)
    clicked = window.pc.current().idx
    # a click opens the point under the cursor (or one drawn on top of it: a point covering the same pixels)
    assert clicked == idx or (abs(view.map.xy[list(view.map.idx).index(clicked)] - view.map.xy[list(view.map.idx).index(idx)])
                              < 0.5).all()
    assert "opened from the map" in window.work.labeling.why.text()


def _drag(qtbot, widget, points, modifiers=Qt.ShiftModifier) -> None:
    """A real mouse drag through `points` (widget coordinates) with the left button held, at a hand's pace
    (pyqtgraph drops mouse moves that come faster than its rate limit, 100 per second)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    def send(kind, p, button, buttons):
        pos = QPointF(p)
        ev = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, modifiers)
        QApplication.sendEvent(widget, ev)
    send(QEvent.MouseButtonPress, points[0], Qt.LeftButton, Qt.LeftButton)
    for a, b in zip(points, points[1:]):
        for t in (0.25, 0.5, 0.75, 1.0):
            send(QEvent.MouseMove, QPointF(a.x() + t * (b.x() - a.x()), a.y() + t * (b.y() - a.y())), Qt.NoButton,
                 Qt.LeftButton)
            qtbot.wait(15)
    send(QEvent.MouseButtonRelease, points[-1], Qt.LeftButton, Qt.NoButton)


def test_lasso_then_a_digit_labels_the_selection_after_a_confirmation(qtbot, window, tmp_path, text_csv):
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    path = tmp_path / "p.shoal"
    assert main(["new", str(path), "--source", str(text_csv), "--id-column", "id", "--labels", "space,other"]) == 0
    assert main(["embed", str(path)]) == 0
    window.pc.open(str(path))
    wait_model(qtbot, window)
    view, project = window.work.map, window.pc.project
    qtbot.keyClick(window, Qt.Key_5, Qt.ControlModifier)
    qtbot.waitUntil(lambda: view.map is not None, timeout=TIMEOUT_MS * 2)
    m = view.map
    # a rectangle over the left half of the map, drawn with Shift+drag in widget pixels
    (x0, x1), (y0, y1) = np.percentile(m.xy[:, 0], [0, 50]), np.percentile(m.xy[:, 1], [0, 100])
    vb = view.plot.getPlotItem().getViewBox()

    def px(x, y):
        at = view.plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
        return QPointF(at.x(), at.y())
    pad = 0.01 * (x1 - x0)
    corners = [(x0 - pad, y0 - pad), (x1, y0 - pad), (x1, y1 + pad), (x0 - pad, y1 + pad)]
    _drag(qtbot, view.plot.viewport(), [px(x, y) for x, y in corners] + [px(*corners[0])])
    want = np.sort(m.idx[(m.xy[:, 0] >= x0 - pad) & (m.xy[:, 0] <= x1) & (m.xy[:, 1] >= y0 - pad)
                         & (m.xy[:, 1] <= y1 + pad)])
    assert 30 <= len(view.selected) <= 90
    near_edge = np.abs(m.xy[:, 0] - x1) < 0.02 * (x1 - x0)  # a pixel's rounding may move points on the edge
    assert set(view.selected) ^ set(want) <= set(m.idx[near_edge])
    assert view.count.text().startswith(f"{len(view.selected)} selected")

    def accept():
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            assert f"Give {len(view.selected)} items the label 'space'?" == box.text()
            next(b for b in box.buttons() if b.text().startswith("Label ")).click()
        else:
            QTimer.singleShot(20, accept)
    QTimer.singleShot(20, accept)
    chosen = view.selected.copy()
    qtbot.keyClick(window, Qt.Key_1)
    assert all(window.lc.answer_of(int(i)) == "space" for i in chosen) and project.n_labeled() == len(chosen)
    assert len(view.selected) == 0 and any(t.text.startswith("space (") for _, t in view.legend.items)
    window.activateWindow()  # the confirmation was the active window; shortcuts go to the active one
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key_Z, Qt.ControlModifier)  # one undo takes the whole selection back
    assert project.n_labeled() == 0
    _drag(qtbot, view.plot.viewport(), [px(x, y) for x, y in corners] + [px(*corners[0])])
    assert len(view.selected)
    qtbot.keyClick(view, Qt.Key_Escape)
    assert len(view.selected) == 0
