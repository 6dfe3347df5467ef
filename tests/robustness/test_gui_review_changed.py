"""The review tab shows the labels a scan flagged (their file changed after labeling): a filter with the
count, a mark on the item, the reason as its tooltip."""
from __future__ import annotations

import os

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt

from .conftest import cli
from .test_gui_save_failure import _window, wait_model
from .test_scan_changes import _image


def test_review_tab_filters_the_labels_whose_file_changed(qtbot, tmp_path):
    src = tmp_path / "photos"
    for i in range(4):
        _image(src / "cat" / f"{i}.png", i)
        _image(src / "dog" / f"{i}.png", 10 + i)
    project = tmp_path / "p.shoal"
    assert cli("new", project, "--source", src, "--labels-from-folders")[0] == 0
    assert cli("embed", project)[0] == 0
    _image(src / "cat" / "3.png", 99)
    rc, out, err = cli("scan", project)
    assert rc == 0 and "1 label to review" in out, err
    window = _window(qtbot)
    try:
        window.flows.open_path(str(project))
        wait_model(qtbot, window)  # the changed image is embedded again first
        assert window.pc.project.n_pending_embedding() == 0
        qtbot.keyClick(window, Qt.Key_3, Qt.ControlModifier)  # the review tab
        review = window.work.review
        qtbot.waitUntil(lambda: review.model.rowCount() == 8)
        assert review.changed.isVisible() and review.changed.text() == "Only changed files (1)"
        review.changed.setChecked(True)
        qtbot.waitUntil(lambda: review.model.rowCount() == 1)
        index = review.model.index(0, 0)
        assert review.model.data(index) == "⟳ cat/3.png"
        assert "content of cat/3.png changed" in review.model.data(index, Qt.ToolTipRole)
        qtbot.wait(200)  # let the layout settle
        if os.environ.get("SHOAL_SCREENSHOTS"):
            window.grab().save(os.path.join(os.environ["SHOAL_SCREENSHOTS"], "review_changed.png"))
        review.table.setFocus()
        review.table.selectRow(0)
        qtbot.keyClick(review.table, Qt.Key_1)  # answered again: the review is settled
        qtbot.waitUntil(lambda: window.pc.project.n_review() == 0)
    finally:
        window.pc.close()
        window.images.clear()
