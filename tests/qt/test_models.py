"""Item models pass pytest-qt's model tester, on real projects."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from desktop_app.core.sources.base import SourceOptions
from desktop_app.ops.create import new_project
from desktop_app.ops.embed import embed_pending
from desktop_app.ops.gui_support import review_predictions
from desktop_app.ops.loop import open_session
from desktop_app.qt.review_model import COLUMNS, ReviewModel


@pytest.fixture(scope="module")
def labeled_text_project(tmp_path_factory):
    """120 texts whose label column is imported, embedded, with a fitted head."""
    import csv

    from desktop_app.resources_path import resource

    DEMO = resource("demo")

    tmp = tmp_path_factory.mktemp("models")
    src = tmp / "texts.csv"
    with open(DEMO / "texts.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:120]
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "text", "label"])
        w.writeheader()
        w.writerows(rows)
    project = new_project(tmp / "m.shoal", src, SourceOptions(text_column="text", label_column="label",
                                                              id_column="id"))
    embed_pending(project)
    session = open_session(project)
    preds = review_predictions(session)
    yield project, preds
    project.close()


def test_review_model_passes_the_model_tester(qtmodeltester, labeled_text_project):
    project, preds = labeled_text_project
    model = ReviewModel()
    model.reload(project, preds)
    assert model.rowCount() == 120 and model.columnCount() == len(COLUMNS)
    qtmodeltester.check(model)
    model.sort(4, Qt.DescendingOrder)
    conf = [model.conf[r] for r in range(model.rowCount())]
    assert conf == sorted(conf, reverse=True)
    model.sort(0)
    qtmodeltester.check(model)


def test_review_model_filters_and_flags(labeled_text_project):
    project, preds = labeled_text_project
    model = ReviewModel()
    hockey = next(l for l in project.label_set() if l["name"] == "rec.sport.hockey")
    model.filter_label = hockey["id"]
    model.reload(project, preds)
    assert 0 < model.rowCount() < 120
    assert {model.data(model.index(r, 2)) for r in range(model.rowCount())} == {"rec.sport.hockey"}
    model.filter_label, model.filter_text = None, "space"
    model.reload(project, preds)
    assert 0 < model.rowCount() < 120
    # flag items whose label the model disagrees with: force one disagreement through the predictions
    fake = {k: v.copy() for k, v in preds.items()}
    other = next(l["id"] for l in project.label_set() if l["id"] != fake["pred"][0])
    fake["pred"][0] = other
    model.filter_text, model.only_disagree = "", True
    model.reload(project, fake)
    assert model.rowCount() >= 1
    assert model.data(model.index(0, 5)) == "⚠ yes"
    assert model.data(model.index(0, 0), Qt.BackgroundRole) is not None


def test_grid_model_passes_the_model_tester(qtmodeltester, qtbot, window, image_folder, tmp_path):
    from qt_helpers import TIMEOUT_MS, create_via_dialog, wait_model

    create_via_dialog(qtbot, window, image_folder, tmp_path / "g.shoal", labels="x, y")
    qtbot.waitUntil(lambda: window.pc.current() is not None, timeout=TIMEOUT_MS)
    model = window.work.grid.model
    model.reload()
    assert model.rowCount() == len(window.pc.batch)
    qtmodeltester.check(model)
    qtbot.waitUntil(lambda: model.data(model.index(0), Qt.DecorationRole) is not None, timeout=TIMEOUT_MS)
    wait_model(qtbot, window)
    assert isinstance(np.int64(model.idx_at(0)), np.int64)
