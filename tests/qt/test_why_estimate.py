"""What the labeling view and side panel say once a model exists: "why this item" gives the model's top two
classes for the batch prepared in the background (not only after a restart), and the accuracy plot says
why it is empty until enough audit answers exist."""
from __future__ import annotations

from PySide6.QtCore import Qt
from qt_helpers import TIMEOUT_MS, create_via_dialog, wait_model

from tests.conftest import demo_truth


def test_why_names_the_top_two_and_the_plot_says_why_it_is_empty(qtbot, window, image_folder, tmp_path):
    truth = demo_truth()
    create_via_dialog(qtbot, window, image_folder, tmp_path / "w.shoal", labels="sandal, other", batch_size=10)
    pc = window.pc
    wait_model(qtbot, window)
    from desktop_app.qt.labeling_view import LabelingView
    from desktop_app.qt.side_panel import SidePanel

    view, panel = window.findChild(LabelingView), window.findChild(SidePanel)
    assert "audit answers" in panel.acc_note.toPlainText()  # nothing plotted yet, and the plot says why
    seen_top = False
    for _ in range(60):
        qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
        cur = pc.current()
        if cur.kind == "uncertain":
            assert "the model is unsure: top two" in view.why.text(), view.why.text()
            assert "margin" not in view.why.text()
            seen_top = True
        if cur.audit:
            assert view.why.text().startswith("Why this item: audit")
        qtbot.keyClick(window, Qt.Key_1 if truth[cur.path] == "sandal" else Qt.Key_2)
    assert seen_top, "no item of a model round showed the model's top two classes"
