"""The issue's "done" flow: open the demo, label 60 items with the keyboard at a brisk human pace without
ever waiting on the model, quit, reopen, export."""
from __future__ import annotations

import csv

from PySide6.QtCore import Qt
from qt_helpers import TIMEOUT_MS

from desktop_app.resources_path import resource


def test_sixty_demo_labels_without_waiting_then_reopen_and_export(qtbot, window, tmp_path):
    from desktop_app.qt.export_dialog import ExportDialog

    with open(resource("demo", "images_truth.csv"), newline="") as f:
        truth = {r["file"]: r["label"] for r in csv.DictReader(f)}
    window.flows.open_demo("image")
    pc = window.pc
    qtbot.waitUntil(lambda: pc.project is not None and pc.current() is not None, timeout=TIMEOUT_MS)
    names = [l["name"] for l in pc.project.label_set()]
    waited = 0
    for _ in range(60):
        if pc.current() is None:  # the person would be waiting on the model here
            waited += 1
            qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
        digit = names.index(truth[pc.current().path]) + 1
        qtbot.keyClick(window, getattr(Qt, f"Key_{digit}"))
        qtbot.wait(120)                                    # ~8 labels a second: faster than a person
    assert waited == 0
    assert pc.project.n_labeled() == 60
    path = str(pc.project.path)
    window.flows.close_project()
    window.flows.open_path(path)
    assert window.pc.project.n_labeled() == 60
    dialog = ExportDialog(window.pc, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.fmt.setCurrentIndex(dialog.fmt.findData("imagefolder"))
    dialog.out.setText(str(tmp_path / "dataset"))
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.open_folder.isHidden() or "failed" in dialog.result.text(),
                    timeout=TIMEOUT_MS)
    assert len(list((tmp_path / "dataset").rglob("*.png"))) == 60
    qtbot.waitUntil(lambda: window.pc.session_ready and not window.pc.embedding, timeout=TIMEOUT_MS)
