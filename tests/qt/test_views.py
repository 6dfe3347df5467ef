"""Views and dialogs on real projects: plain text only, N adds a label, label-set edits, review edits,
export with progress, errors as one-line dialogs, the demo."""
from __future__ import annotations

import csv

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QLabel, QMessageBox
from qt_helpers import TIMEOUT_MS, create_via_dialog, wait_model

EVIL = "<b>bold</b> <img src='x.png'> & <a href='http://e'>link</a>"


def _answer_input(text):
    def fill():
        dlg = QApplication.activeModalWidget()
        if isinstance(dlg, QInputDialog):
            dlg.setTextValue(text)
            dlg.accept()
        else:
            QTimer.singleShot(20, fill)
    QTimer.singleShot(20, fill)


def test_text_items_and_labels_are_plain_text(qtbot, window, tmp_path):
    src = tmp_path / "evil.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(30):
            w.writerow([f"r{i}", f"{EVIL} number {i}"])
    create_via_dialog(qtbot, window, src, tmp_path / "evil.shoal", labels="<i>tag</i>, R&D " + "x" * 150)
    pc = window.pc
    qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
    view = window.work.labeling
    assert view.view.text.toPlainText().startswith(EVIL)
    buttons = [b.text() for b in view.bar.findChildren(type(view.bar._buttons[0]))]
    assert any(t.startswith("1  <i>tag</i>") for t in buttons)
    long_button = view.bar._buttons[1]
    assert long_button.text().endswith("…") and "R&&D" in long_button.text()   # elided, & kept literal
    for label in window.findChildren(QLabel):
        if "<" in label.text() or "&" in label.text():
            assert label.textFormat() == Qt.PlainText, label.text()
    # N adds a label through the real shortcut and input dialog; Ctrl+Z takes it back
    _answer_input("third")
    qtbot.keyClick(window, Qt.Key_N)
    assert [l["name"] for l in pc.project.label_set()][-1] == "third"
    assert window.actions["digit3"].text() == "Label as third"
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key_3)
    assert pc.project.label_counts()["third"] == 1
    wait_model(qtbot, window)


def test_label_set_review_and_export(qtbot, window, image_folder, tmp_path):
    from desktop_app.qt.export_dialog import ExportDialog
    from desktop_app.qt.label_editor import LabelEditor

    create_via_dialog(qtbot, window, image_folder, tmp_path / "e.shoal", labels="top, shoe, bag, extra")
    pc, lc = window.pc, window.lc
    wait_model(qtbot, window)
    qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
    for i in range(12):
        qtbot.keyClick(window, [Qt.Key_1, Qt.Key_2, Qt.Key_3, Qt.Key_4][i % 4])
    ids = {l["name"]: l["id"] for l in pc.project.label_set()}
    editor = LabelEditor(pc, lc, window)
    qtbot.addWidget(editor)
    assert editor.list.count() == 4 and "(3 items)" in editor.list.item(3).text()
    assert lc.merge_labels(ids["extra"], ids["bag"]) == 3
    assert pc.project.label_counts() == {"top": 3, "shoe": 3, "bag": 6}
    assert editor.list.count() == 3                       # the editor follows the change
    lc.rename_label(ids["top"], "shirt")
    assert "shirt" in pc.project.label_counts()
    # review tab: labeled items listed; digits relabel the selected rows
    qtbot.keyClick(window, Qt.Key_3, Qt.ControlModifier)
    review = window.work.review
    qtbot.waitUntil(lambda: review.model.rowCount() == 12)
    before = pc.project.label_counts()
    review.search.setFocus()
    qtbot.keyClicks(review.search, "item 2")            # digits and Space type into the filter, no labeling
    assert review.search.text() == "item 2" and pc.project.label_counts() == before
    review.search.clear()
    qtbot.waitUntil(lambda: review.model.rowCount() == 12)
    review.table.setFocus()
    review.table.selectRow(0)
    first = review.model.idx_at(0)
    qtbot.keyClick(review.table, Qt.Key_2)
    assert pc.project.current_label(first)[0] == ids["shoe"]
    shirts = pc.project.label_counts()["shirt"]
    assert lc.delete_label(ids["top"]) == shirts  # "top" is now called "shirt"
    qtbot.waitUntil(lambda: review.model.rowCount() == 12 - shirts)
    # export in the background with progress; the folder button appears at the end
    dialog = ExportDialog(pc, window)
    qtbot.addWidget(dialog)
    dialog.show()
    out = tmp_path / "exported"
    dialog.out.setText(str(out))
    dialog.start()
    qtbot.waitUntil(lambda: dialog.open_folder.isVisible() or "failed" in dialog.result.text(), timeout=TIMEOUT_MS)
    assert dialog.files and (out / "labels.csv").exists() or any(p.suffix == ".csv" for p in dialog.files)
    dialog.start()                                      # again into the same folder: refused, one line
    qtbot.waitUntil(lambda: "failed" in dialog.result.text(), timeout=TIMEOUT_MS)
    assert "previous Shoal export" in dialog.result.text()


def test_errors_show_one_line_dialog(qtbot, window, tmp_path):
    bad = tmp_path / "broken.shoal"
    bad.write_bytes(b"not a database at all" * 10)
    window.flows.open_path(str(bad))
    box = window.findChild(QMessageBox, "errorDialog")
    assert box is not None and "not a Shoal project" in box.text() and "\n" not in box.text()
    assert box.textFormat() == Qt.PlainText
    box.close()
    assert window.pc.project is None


def test_demo_opens_without_importing_truth(qtbot, window):
    window.flows.open_demo("text")
    qtbot.waitUntil(lambda: window.pc.project is not None, timeout=TIMEOUT_MS)
    p = window.pc.project
    assert p.n_items == 300 and p.n_labeled() == 0
    assert len(p.label_set()) == 5
    assert window.windowTitle() == "Shoal — demo-text"
    qtbot.waitUntil(lambda: window.pc.current() is not None, timeout=TIMEOUT_MS)
    assert window.work.strip.isVisible() or not window.pc.embedding


def test_geometry_hint_and_save_as_are_remembered(qtbot, tmp_path, image_folder):
    from desktop_app.qt.main_window import MainWindow

    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    assert first.work.labeling.hint.isVisibleTo(first.work.labeling)      # first run: the hint shows
    first.work.labeling.hint.dismiss()
    first.resize(796, 560)
    create_via_dialog(qtbot, first, image_folder, tmp_path / "orig.shoal", labels="a, b")
    qtbot.waitUntil(lambda: first.pc.current() is not None, timeout=TIMEOUT_MS)
    first.lc.press_digit(1)
    from desktop_app.ops.gui_support import save_as

    save_as(first.pc.project, tmp_path / "copy.shoal")
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (796, 560)
    assert not second.work.labeling.hint.isVisibleTo(second.work.labeling)
    second.flows.open_path(str(tmp_path / "copy.shoal"))
    assert second.pc.project.n_labeled() == 1 and second.windowTitle() == "Shoal — copy"
    wait_model(qtbot, second)
    second.close()
