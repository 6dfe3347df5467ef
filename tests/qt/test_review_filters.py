"""Review tab filters beyond label/guess/suspicion (issue 12 §3): audit picks, driven with real key presses."""
from __future__ import annotations

from PySide6.QtCore import Qt
from qt_helpers import TIMEOUT_MS, create_via_dialog, wait_model

from tests.conftest import demo_truth


def label_some(qtbot, window, n, truth):
    """Label n items with the keyboard; the idx of those served as audit picks."""
    pc, audit = window.pc, set()
    for _ in range(n):
        qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
        cur = pc.current()
        if cur.get("audit"):
            audit.add(cur["idx"])
        qtbot.keyClick(window, Qt.Key_1 if truth[cur["path"]] == "sandal" else Qt.Key_2)
    return audit


def test_review_filter_by_audit_picks(qtbot, window, image_folder, tmp_path):
    truth = demo_truth()
    create_via_dialog(qtbot, window, image_folder, tmp_path / "a.shoal", labels="sandal, other", batch_size=6)
    window.pc.set_setting("audit_share", 0.5)
    wait_model(qtbot, window)
    audit = label_some(qtbot, window, 30, truth)
    assert audit, "no audit pick was served in 30 items"
    qtbot.keyClick(window, Qt.Key_3, Qt.ControlModifier)              # the Review tab
    review = window.work.review
    qtbot.waitUntil(review.isVisible)
    all_rows = review.model.rowCount()
    qtbot.mouseClick(review.audit, Qt.LeftButton)
    shown = {review.model.idx_at(r) for r in range(review.model.rowCount())}
    assert shown == audit and len(shown) < all_rows
    assert review.audit.text() == f"Only audit picks ({len(audit)})"
    qtbot.wait(50)
    review.grab().save("/tmp/r12b_review_audit.png")
    qtbot.mouseClick(review.audit, Qt.LeftButton)
    assert review.model.rowCount() == all_rows
