"""Keys a person expects in the labeling view: → forward through the batch, U to the next item with no
answer (real key presses on the real window)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from qt_helpers import TIMEOUT_MS, create_via_dialog, wait_model


def test_right_goes_forward_and_u_finds_the_next_unanswered(qtbot, window, image_folder, tmp_path):
    create_via_dialog(qtbot, window, image_folder, tmp_path / "n.shoal", labels="sandal, other", batch_size=10)
    pc = window.pc
    wait_model(qtbot, window)
    qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
    first = pc.current().idx
    qtbot.keyClick(window, Qt.Key_1)               # answer the first item, cursor moves to the second
    second = pc.current().idx
    qtbot.keyClick(window, Qt.Key_Right)           # browse without answering
    third = pc.current().idx
    assert len({first, second, third}) == 3 and pc.queue.pos == 2
    qtbot.keyClick(window, Qt.Key_Left)
    qtbot.keyClick(window, Qt.Key_Left)
    assert pc.current().idx == first               # back on the answered one
    qtbot.keyClick(window, Qt.Key_U)               # the next item with no answer is the second
    assert pc.current().idx == second
    for _ in range(20):
        qtbot.keyClick(window, Qt.Key_Right)
    assert pc.queue.pos == len(pc.batch) - 1 and not pc.queue.done  # → never ends the batch
