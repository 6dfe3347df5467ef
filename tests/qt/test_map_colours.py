"""The Map tab's other colourings (the model's guess, its uncertainty, audit picks) and the hover preview, on real
widgets offscreen with real umap-learn and a real mouse move over a point."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication
from qt_helpers import TIMEOUT_MS, shot, wait_model

from desktop_app.cli import main

pytest.importorskip("umap")


def _hover(qtbot, view, target) -> None:
    """A real mouse move onto a drawn point (pyqtgraph's hover follows mouse moves)."""
    vb = view.plot.getPlotItem().getViewBox()
    at = view.plot.mapFromScene(vb.mapViewToScene(QPointF(target.pos().x(), target.pos().y())))
    port = view.plot.viewport()
    for dx in (-6, -3, 0):
        pos = QPointF(at.x() + dx, at.y())
        QApplication.sendEvent(port, QMouseEvent(QEvent.MouseMove, pos, port.mapToGlobal(pos), Qt.NoButton,
                                                 Qt.NoButton, Qt.NoModifier))
        qtbot.wait(30)


def test_map_colours_by_guess_uncertainty_audit_and_hover_shows_the_item(qtbot, window, tmp_path, text_csv):
    path = tmp_path / "p.shoal"
    assert main(["new", str(path), "--source", str(text_csv), "--id-column", "id", "--label-column", "label"]) == 0
    assert main(["embed", str(path)]) == 0
    window.pc.open(str(path))
    wait_model(qtbot, window)
    view, project = window.work.map, window.pc.project
    qtbot.keyClick(window, Qt.Key_5, Qt.ControlModifier)
    qtbot.waitUntil(lambda: view.map is not None and view.preds is not None, timeout=TIMEOUT_MS * 2)
    idx, pred, conf = view.preds
    assert len(idx) == len(view.map.idx) and (pred >= 0).all() and ((conf > 0) & (conf <= 1)).all()
    names = {l["id"]: l["name"] for l in project.label_set()}

    view.colour.setCurrentIndex(view.colour.findData("prediction"))
    legend = [t.text for _, t in view.legend.items]
    want = [f"{names[c]} (guess) ({int((pred == c).sum())})" for c in names if (pred == c).any()]
    assert legend == want
    shot(view, "map-prediction.png")

    view.colour.setCurrentIndex(view.colour.findData("uncertainty"))
    legend = [t.text for _, t in view.legend.items]
    assert legend[0] == "sure" and legend[1].startswith("unsure (")
    colours = {p.brush().color().name() for p in view.scatter.points()}
    assert len(colours) > 3                                      # a gradient, not one colour
    shot(view, "map-uncertainty.png")

    view.colour.setCurrentIndex(view.colour.findData("audit"))
    assert [t.text for _, t in view.legend.items] == [f"audit picks ({len(project.audit_idxs())})"]

    target = view.scatter.points()[3]
    item = project.item(int(target.data()))
    _hover(qtbot, view, target)
    qtbot.waitUntil(lambda: view.hover.caption.text() != "", timeout=5000)
    hovered = project.item(view.hover.idx)
    assert view.hover.caption.text().startswith(hovered["id"]) and (hovered["text"] or "")[:30] in view.hover.caption.text()
    assert np.allclose(view.map.xy[list(view.map.idx).index(view.hover.idx)],
                       view.map.xy[list(view.map.idx).index(int(target.data()))], atol=1.0) or hovered == item
    shot(view, "map-hover.png")


def test_hovering_an_image_point_shows_its_thumbnail(qtbot, window, tmp_path, labeled_image_folder):
    path = tmp_path / "i.shoal"
    assert main(["new", str(path), "--source", str(labeled_image_folder), "--labels-from-folders"]) == 0
    assert main(["embed", str(path)]) == 0
    window.pc.open(str(path))
    wait_model(qtbot, window)
    view = window.work.map
    qtbot.keyClick(window, Qt.Key_5, Qt.ControlModifier)
    qtbot.waitUntil(lambda: view.map is not None, timeout=TIMEOUT_MS * 2)
    _hover(qtbot, view, view.scatter.points()[5])
    qtbot.waitUntil(lambda: view.hover.pic.pixmap() is not None and not view.hover.pic.pixmap().isNull(), timeout=10_000)
    item = window.pc.project.item(view.hover.idx)
    assert item["path"] in view.hover.toolTip() and view.hover.caption.text().startswith(item["path"])
    shot(view, "map-hover-image.png")
