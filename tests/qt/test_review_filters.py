"""Review tab filters beyond label/guess/suspicion (issue 12 §3): audit picks, driven with real key presses."""
from __future__ import annotations

from PySide6.QtCore import Qt
from qt_helpers import TIMEOUT_MS, create_via_dialog, shot, wait_model

from tests.conftest import demo_truth


def label_some(qtbot, window, n, truth):
    """Label n items with the keyboard; the idx of those served as audit picks."""
    pc, audit = window.pc, set()
    for _ in range(n):
        qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
        cur = pc.current()
        if cur.audit:
            audit.add(cur.idx)
        qtbot.keyClick(window, Qt.Key_1 if truth[cur.path] == "sandal" else Qt.Key_2)
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
    shot(review, "review-audit.png")
    qtbot.mouseClick(review.audit, Qt.LeftButton)
    assert review.model.rowCount() == all_rows


def test_grid_tiles_show_the_guess_and_its_confidence(qtbot, window, image_folder, tmp_path):
    truth = demo_truth()
    create_via_dialog(qtbot, window, image_folder, tmp_path / "g.shoal", labels="sandal, other", batch_size=8)
    pc = window.pc
    wait_model(qtbot, window)
    for _ in range(50):                                               # until the model guesses (two classes seen)
        label_some(qtbot, window, 1, truth)
        qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
        if pc.current().guess is not None:
            break
    assert pc.current().guess is not None
    qtbot.keyClick(window, Qt.Key_G)
    grid = window.work.grid
    qtbot.waitUntil(lambda: grid.model.rowCount() == len(pc.batch))
    names = {l["id"]: l["name"] for l in pc.project.label_set()}
    row = pc.pos
    cur = pc.batch[row]
    text = grid.model.data(grid.model.index(row))
    assert text == f"{row + 1}. {names[cur.guess]}? {cur.confidence:.0%}", text
    assert grid.model.data(grid.model.index(row), Qt.FontRole).italic()
    qtbot.wait(100)
    shot(grid, "grid-guesses.png")
    grid.list.setCurrentIndex(grid.model.index(row))                  # a digit on the tile: the answer replaces it
    qtbot.keyClick(grid.list, Qt.Key_2)
    assert grid.model.data(grid.model.index(row)) == f"{row + 1}. other"


def test_confusion_matrix_cell_click_filters_the_review_table(qtbot, window, tmp_path, text_csv):
    from desktop_app.cli import main

    path = tmp_path / "c.shoal"
    assert main(["new", str(path), "--source", str(text_csv), "--id-column", "id", "--label-column", "label"]) == 0
    assert main(["embed", str(path)]) == 0
    window.pc.open(str(path))
    wait_model(qtbot, window)
    qtbot.keyClick(window, Qt.Key_3, Qt.ControlModifier)              # the Review tab computes the matrix
    review = window.work.review
    panel = review.confusion
    qtbot.waitUntil(lambda: panel.conf is not None, timeout=TIMEOUT_MS)
    project = window.pc.project
    m = panel.conf["matrix"]
    counts = project.label_counts()
    assert int(m.sum()) == project.n_labeled() and [int(v) for v in m.sum(axis=1)] == [counts[n] for n in
                                                                                        panel.conf["names"]]
    off = [(r, c) for r in range(len(m)) for c in range(len(m)) if r != c and m[r, c]]
    r, c = off[0] if off else (0, 0)
    table = panel.table
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=table.visualItemRect(table.item(r, c)).center())
    names = panel.conf["names"]
    rows = review.model.rowCount()
    assert rows == int(m[r, c]) and review.cell_button.isVisible()
    assert all(review.model.index(i, 2).data() == names[r] for i in range(rows))
    assert review.cell_button.text() == f"✕  labeled {names[r]}, guessed {names[c]} ({rows})"
    qtbot.wait(50)
    shot(review, "review-confusion.png")
    qtbot.mouseClick(review.cell_button, Qt.LeftButton)
    assert review.model.rowCount() == project.n_labeled() and not review.cell_button.isVisible()
