"""Search mode in the side panel: "find more of" a label ranks the next batch by its probability."""
from __future__ import annotations

from PySide6.QtCore import Qt
from qt_helpers import TIMEOUT_MS, create_via_dialog, wait_model

from tests.conftest import demo_truth


def test_find_more_of_a_label(qtbot, window, image_folder, tmp_path):
    truth = demo_truth()
    create_via_dialog(qtbot, window, image_folder, tmp_path / "s.shoal", labels="sandal, other", batch_size=10)
    pc = window.pc
    wait_model(qtbot, window)
    qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
    for _ in range(40):  # answer with the truth, by keyboard, until a few sandals are known
        qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
        key = Qt.Key_1 if truth[pc.current().path] == "sandal" else Qt.Key_2
        qtbot.keyClick(window, key)
        if pc.project.label_counts()["sandal"] >= 2 and pc.project.n_labeled() >= 10:
            break
    assert pc.project.label_counts()["sandal"] >= 2
    from desktop_app.qt.labeling_view import LabelingView
    from desktop_app.qt.side_panel import LEARN_MODE, SidePanel

    panel = window.findChild(SidePanel)
    combo = panel.search_for
    assert [combo.itemText(i) for i in range(combo.count())] == [LEARN_MODE, "sandal", "other"]
    qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
    pc.queue.prefetched = None
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    assert [l["mode"] for l in pc.project.label_set()] == ["search", "learn"]
    # the rest of the current batch gives way at once: the next items shown are the search batch
    qtbot.waitUntil(lambda: pc.current() is not None and all("positive" in b.reason for b in pc.batch),
                    timeout=TIMEOUT_MS)
    batch = pc.batch
    hits = sum(truth[b.path] == "sandal" for b in batch)
    assert hits >= len(batch) // 2, (hits, len(batch))  # sandals are 1 in 5 of the folder
    assert "likely positive" in window.findChild(LabelingView).why.text()
    # back to learn mode
    combo.setCurrentIndex(0)
    combo.activated.emit(0)
    assert {l["mode"] for l in pc.project.label_set()} == {"learn"}
    wait_model(qtbot, window)
