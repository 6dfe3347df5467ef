"""Every registry strategy is in the side panel's list; choosing a new one (badge) there makes the next
batch come from it."""
from __future__ import annotations

from PySide6.QtCore import Qt
from qt_helpers import TIMEOUT_MS, create_via_dialog, shot, wait_model

from tests.conftest import demo_truth


def test_side_panel_lists_every_strategy_and_the_choice_drives_the_next_batch(qtbot, window, image_folder,
                                                                               tmp_path):
    from desktop_app.core.selection.registry import REGISTRY
    from desktop_app.qt.side_panel import SidePanel

    truth = demo_truth()
    create_via_dialog(qtbot, window, image_folder, tmp_path / "s.shoal", labels="sandal, other", batch_size=10)
    pc = window.pc
    panel = window.findChild(SidePanel)
    combo = panel.strategy
    names = [combo.itemText(i) for i in range(combo.count())]
    assert names == list(REGISTRY)
    assert {"tcm", "tcm-seals", "typiclust", "badge", "qbc", "egl"} <= set(names)
    wait_model(qtbot, window)
    for _ in range(40):  # answer with the truth until both labels are known (a head can be trained)
        qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
        qtbot.keyClick(window, Qt.Key_1 if truth[pc.current().path] == "sandal" else Qt.Key_2)
        counts = pc.project.label_counts()
        if min(counts.values()) >= 2 and pc.project.n_labeled() >= 10:
            break
    combo.setCurrentText("badge")
    assert pc.project.meta("strategy") == "badge"
    shot(panel, "strategy_badge.png")
    pc.queue.prefetched = None
    for _ in range(30):  # finish the current batch; the next one comes from badge
        qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
        if any("BADGE" in b.reason for b in pc.batch):
            break
        qtbot.keyClick(window, Qt.Key_1 if truth[pc.current().path] == "sandal" else Qt.Key_2)
    assert any("BADGE" in b.reason for b in pc.batch)
    assert all("BADGE" in b.reason or b.reason.startswith("audit") for b in pc.batch)
    wait_model(qtbot, window)
