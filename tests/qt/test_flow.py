"""The whole loop driven with real key presses: new project from a folder, embedding finishes, a batch
labeled with digits, one answer undone, the model retrains, close, reopen, labels intact."""
from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from qt_helpers import TIMEOUT_MS, create_via_dialog, wait_model


def key(qtbot, window, k, mod=Qt.NoModifier):
    qtbot.keyClick(window, k, mod)


def test_label_a_batch_with_the_keyboard_then_reopen(qtbot, window, image_folder, tmp_path):
    path = tmp_path / "flow.shoal"
    create_via_dialog(qtbot, window, image_folder, path, labels="shirt, shoe, bag")
    assert window.windowTitle() == "Shoal — flow"
    wait_model(qtbot, window)
    pc = window.pc
    assert pc.project.counts()["n_embedded"] == 60
    qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
    batch = [b.idx for b in pc.batch]
    assert len(batch) == 20

    answers = {}
    for i, idx in enumerate(batch):
        assert pc.current().idx == idx
        digit = 1 + i % 3
        key(qtbot, window, getattr(Qt, f"Key_{digit}"))
        # committed to the file before the next item shows
        assert pc.project.current_label(idx)[1] == "labeled"
        answers[idx] = digit
    assert pc.project.n_labeled() == 20

    key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)           # undo the last answer
    assert pc.project.current_label(batch[-1]) is None
    assert pc.project.n_labeled() == 19
    key(qtbot, window, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)  # redo it
    assert pc.project.n_labeled() == 20
    key(qtbot, window, Qt.Key_Z, Qt.ControlModifier)
    assert pc.project.n_labeled() == 19

    # the head retrains in the background after the batch and the next batch is shown
    qtbot.waitUntil(lambda: "round 1" in window.status_text.text() and pc.current() is not None,
                    timeout=TIMEOUT_MS)
    assert pc.project.rounds()[-1]["fit_ms"] >= 0
    assert "19 labels · refit" in window.status_text.text()
    nxt = pc.current().idx
    assert nxt not in batch
    key(qtbot, window, Qt.Key_Space)                           # skip
    assert pc.project.current_label(nxt)[1] == "skipped"
    key(qtbot, window, Qt.Key_Backspace)                       # back to the skipped item
    assert pc.current().idx == nxt
    position = pc.pos

    window.flows.close_project()
    assert window.pc.project is None
    assert window.stack.currentWidget() is window.start
    assert str(path.resolve()) in [window.start.recent.item(i).data(Qt.UserRole)
                                   for i in range(window.start.recent.count())]

    window.flows.open_path(str(path))
    pc = window.pc
    labels = {l["name"] for l in pc.project.label_set()}
    assert labels == {"shirt", "shoe", "bag"}
    assert pc.project.n_labeled() == 19
    names = {l["id"]: l["name"] for l in pc.project.label_set()}
    order = [l["name"] for l in pc.project.label_set()]
    for idx, digit in list(answers.items())[:-1]:
        lid, state = pc.project.current_label(idx)
        assert names[lid] == order[digit - 1]
    assert pc.current().idx != nxt and pc.pos == position + 1  # resumes after the answered item
    wait_model(qtbot, window)


def test_digits_label_a_grid_selection(qtbot, window, image_folder, tmp_path):
    create_via_dialog(qtbot, window, image_folder, tmp_path / "grid.shoal", labels="a, b")
    pc = window.pc
    qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
    key(qtbot, window, Qt.Key_G)
    assert window.work.tabs.currentWidget() is window.work.grid
    grid = window.work.grid
    qtbot.waitUntil(lambda: grid.model.rowCount() == len(pc.batch))
    sel = grid.list.selectionModel()
    for row in (0, 2, 3):
        sel.select(grid.model.index(row), QItemSelectionModel.Select)
    key(qtbot, grid.list, Qt.Key_2)
    b_id = pc.project.label_set()[1]["id"]
    for row in (0, 2, 3):
        assert pc.project.current_label(pc.batch[row].idx) == (b_id, "labeled")
    assert grid.model.data(grid.model.index(0)).endswith("b")
    grid.list.selectAll()
    key(qtbot, grid.list, Qt.Key_1)
    # the whole batch answered: the next one comes (cold start while embedding, ranked once the model is up)
    qtbot.waitUntil(lambda: pc.project.n_labeled() == 20 and pc.current() is not None and pc.pos == 0,
                    timeout=TIMEOUT_MS)
    wait_model(qtbot, window)


def test_cancel_embedding_then_resume(qtbot, window, image_folder, tmp_path):
    create_via_dialog(qtbot, window, image_folder, tmp_path / "c.shoal", labels="x, y")
    pc, strip = window.pc, window.work.strip
    qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
    assert pc.embedding and strip.isVisible()
    qtbot.mouseClick(strip.cancel, Qt.LeftButton)
    assert not pc.embedding
    qtbot.waitUntil(lambda: not pc.runner.busy("embed"))
    left = pc.project.n_pending_embedding()
    assert strip.cancel.text() == "Resume" and strip.isVisible() == (left > 0)
    qtbot.keyClick(window, Qt.Key_1)                      # labeling goes on while paused
    assert pc.project.n_labeled() == 1
    if left:
        assert window.actions["resume_embed"].isEnabled()
        qtbot.mouseClick(strip.cancel, Qt.LeftButton)
        assert pc.embedding
    wait_model(qtbot, window)
    assert pc.project.n_pending_embedding() == 0
