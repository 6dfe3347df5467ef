"""The label editor's merge and delete are undoable, as its dialogs and docs/gui.md say: undo brings the
label back with its own id, key and exactly the items it had; redo does it again. Driven through the real
dialog (its input and confirmation boxes answered as a user would) on a real project; the GUI header
shows the source's own item id."""
from __future__ import annotations

import csv
import os

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox
from qt_helpers import TIMEOUT_MS, create_via_dialog, wait_model

SHOTS = os.environ.get("SHOAL_SCREENSHOTS")  # a folder: save what the dialogs look like


def _answer(steps: list, seen: list):
    """Answer the next modal boxes in order: ("item", text) picks in an input dialog, ("button", text) clicks."""
    def step():
        dlg = QApplication.activeModalWidget()
        if dlg is None or not steps:
            QTimer.singleShot(20, step)
            return
        kind, value = steps[0]
        if kind == "item" and isinstance(dlg, QInputDialog):
            steps.pop(0)
            dlg.setTextValue(value)
            dlg.accept()
        elif kind == "button" and isinstance(dlg, QMessageBox):
            steps.pop(0)
            seen.append(dlg.text() + "\n" + dlg.informativeText())
            if SHOTS:
                dlg.grab().save(os.path.join(SHOTS, f"confirm-{len(seen)}.png"))
            next(b for b in dlg.buttons() if b.text() == value).click()
        if steps:
            QTimer.singleShot(20, step)
    QTimer.singleShot(20, step)


def _select(editor, name):
    row = next(i for i in range(editor.list.count()) if editor.list.item(i).data(257) == name)
    editor.list.setCurrentRow(row)


def _state(project):
    labels = [(l["id"], l["name"], l["mode"]) for l in project.label_set()]
    answers = {i: project.current_label(i) for i in range(project.n_items) if project.current_label(i)}
    return labels, answers


def test_merge_and_delete_in_the_label_editor_can_be_undone_and_redone(qtbot, window, tmp_path):
    from desktop_app.qt.label_editor import LabelEditor

    src = tmp_path / "sms.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(24):
            w.writerow([f"r{i}", f"message {i} about {'prizes' if i % 2 else 'lunch'}"])
    create_via_dialog(qtbot, window, src, tmp_path / "sms.shoal", labels="spam, ham, extra")
    pc, lc = window.pc, window.lc
    qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
    # the header shows the item's id as the source spells it
    shown = window.work.labeling.item_id.text().strip()
    assert shown == pc.current().id and shown in {f"r{i}" for i in range(24)}
    if SHOTS:
        window.grab().save(os.path.join(SHOTS, "header.png"))

    lc.press_digit(3, [0, 1, 2])     # extra
    lc.press_digit(2, [3])           # ham
    lc.press_digit(1, [4])           # spam
    ids = {l["name"]: l["id"] for l in pc.project.label_set()}
    before = _state(pc.project)
    editor = LabelEditor(pc, lc, window)
    qtbot.addWidget(editor)
    editor.show()

    # merge extra into ham through the dialog
    seen: list[str] = []
    _select(editor, "extra")
    _answer([("item", "ham"), ("button", "Merge")], seen)
    editor.merge()
    assert "Undo (Ctrl+Z) brings 'extra' back" in seen[-1] and "cannot be undone" not in seen[-1]
    assert pc.project.label_counts() == {"spam": 1, "ham": 4}
    assert editor.list.count() == 2 and "Moved 3 items" in editor.note.text()
    merged = _state(pc.project)

    window.actions["undo"].trigger()                      # Ctrl+Z
    assert _state(pc.project) == before                   # same id, same key, exactly its items
    assert editor.list.count() == 3 and "(3 items)" in editor.list.item(2).text()
    window.actions["redo"].trigger()
    assert _state(pc.project) == merged
    window.actions["undo"].trigger()
    assert _state(pc.project) == before

    # delete extra through the dialog; undo brings it back on its items
    _select(editor, "extra")
    _answer([("button", "Delete")], seen)
    editor.delete()
    assert "Undo (Ctrl+Z) brings the label back" in seen[-1]
    assert [l["name"] for l in pc.project.label_set()] == ["spam", "ham"]
    assert all(pc.project.current_label(i) is None for i in (0, 1, 2))
    window.actions["undo"].trigger()
    assert _state(pc.project) == before and ids["extra"] == pc.project.find_label("extra")["id"]
    assert lc.label_for_digit(3)["name"] == "extra"       # its digit key is back too

    # older answers stay undoable after a merge: the stack was not cleared
    window.actions["undo"].trigger()                      # the spam answer on item 4
    assert pc.project.current_label(4) is None
    editor.close()
    wait_model(qtbot, window)


def test_a_label_name_with_a_bidi_override_is_refused_in_the_gui(qtbot, window, tmp_path):
    from PySide6.QtCore import Qt

    src = tmp_path / "t.csv"
    src.write_text("id,text\n" + "".join(f"r{i},text {i}\n" for i in range(12)), encoding="utf-8")
    create_via_dialog(qtbot, window, src, tmp_path / "t.shoal", labels="spam, ham")
    pc, lc = window.pc, window.lc
    qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
    depth = lc.undo_stack.count()

    def fill():
        dlg = QApplication.activeModalWidget()
        if isinstance(dlg, QInputDialog):
            dlg.setTextValue("sp\u202eam")
            dlg.accept()
        else:
            QTimer.singleShot(20, fill)
    QTimer.singleShot(20, fill)
    qtbot.keyClick(window, Qt.Key_N)                       # the real shortcut and input dialog
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "errorDialog") is not None)
    box = window.findChild(QMessageBox, "errorDialog")
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE)" in box.text() and "override of" not in box.text()
    if SHOTS:
        box.grab().save(os.path.join(SHOTS, "bidi-refused.png"))
    box.close()
    assert [l["name"] for l in pc.project.label_set()] == ["spam", "ham"]
    assert lc.undo_stack.count() == depth                  # nothing dead was pushed
    wait_model(qtbot, window)
