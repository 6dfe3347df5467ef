"""The export dialog's "Replace the folder" runs the same code as `export --overwrite`: it replaces a
previous Shoal export, and shows the same one-line refusal for anything else (nothing is touched)."""
from __future__ import annotations

from qt_helpers import TIMEOUT_MS, create_via_dialog


def _run(qtbot, dialog, out, overwrite=True) -> str:
    dialog.out.setText(str(out))
    dialog.overwrite.setChecked(overwrite)
    dialog.result.setText("")
    dialog.start()
    qtbot.waitUntil(lambda: dialog.go.isEnabled() and dialog.result.text() not in ("", "Exporting…"),
                    timeout=TIMEOUT_MS)
    return dialog.result.text()


def test_replace_the_folder_refuses_what_shoal_did_not_write(qtbot, window, text_csv, tmp_path):
    from desktop_app.qt.export_dialog import ExportDialog

    work = tmp_path / "work"
    work.mkdir()
    create_via_dialog(qtbot, window, text_csv, work / "t.shoal", labels="a, b")
    pc = window.pc
    with pc.project.tx():
        pc.project.set_labels([(0, pc.project.label_id("a"), "labeled"), (1, pc.project.label_id("b"), "labeled")])
    thesis = tmp_path / "mine" / "thesis.txt"
    thesis.parent.mkdir()
    thesis.write_text("three years")
    dialog = ExportDialog(pc, window)
    qtbot.addWidget(dialog)
    dialog.show()
    text = _run(qtbot, dialog, work)  # the folder holding the project
    assert text.startswith("Export failed: ") and "never replace" in text and (work / "t.shoal").exists()
    text = _run(qtbot, dialog, thesis.parent)
    assert "Shoal only replaces its own exports" in text and thesis.read_text() == "three years"
    dialog.grab().save(str(tmp_path / "refusal.png"))
    out = tmp_path / "out"
    assert _run(qtbot, dialog, out).startswith("Wrote ")
    assert "previous Shoal export" in _run(qtbot, dialog, out, overwrite=False)
    assert _run(qtbot, dialog, out).startswith("Wrote ")  # ticked: its own export is replaced
