"""Issue 12 section 4 polish, on real widgets offscreen: the key banner, label buttons at 1024 px, the side-panel
label table, the learning-curve legend and axis, the new-project preview."""
from __future__ import annotations

from PySide6.QtCore import Qt
from qt_helpers import TIMEOUT_MS, create_via_dialog


def test_banner_stays_dismissed_after_f9(qtbot, window, text_csv, tmp_path):
    create_via_dialog(qtbot, window, text_csv, tmp_path / "b.shoal", labels="a, b")
    qtbot.waitUntil(lambda: window.pc.current() is not None, timeout=TIMEOUT_MS)
    view = window.work.labeling
    assert view.hint.isVisibleTo(view)
    qtbot.mouseClick(view.hint.ok, Qt.LeftButton)
    assert not view.hint.isVisibleTo(view)
    side = window.work.side_scroll
    for shown in (False, True):
        qtbot.keyClick(window, Qt.Key_F9)                       # F9 hides, then shows the side panel
        assert side.isVisibleTo(window) is shown
        assert not view.hint.isVisibleTo(view)
    view.grab().save("/tmp/r12b_banner_after_f9.png")
    window.pc.close()
    create_via_dialog(qtbot, window, text_csv, tmp_path / "c.shoal", labels="a, b")
    assert not view.hint.isVisibleTo(view)
