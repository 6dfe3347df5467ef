"""The Map tab on real widgets (offscreen) with real umap-learn: the labeled items coloured by label, a real
mouse click on a point opens that item in the labeling view, digits in the map label nothing."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from desktop_app.cli import main
from qt_helpers import TIMEOUT_MS, wait_model
from test_suspects_view import _shot

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
    clicked = window.pc.current()["idx"]
    # a click opens the point under the cursor (or one drawn on top of it: a point covering the same pixels)
    assert clicked == idx or (abs(view.map.xy[list(view.map.idx).index(clicked)] - view.map.xy[list(view.map.idx).index(idx)])
                              < 0.5).all()
    assert "opened from the map" in window.work.labeling.why.text()
