"""Helpers for GUI tests: create a project through the real New-project dialog and wait for the model."""
from __future__ import annotations

from desktop_app.qt.new_project_dialog import NewProjectDialog

TIMEOUT_MS = 90_000


def create_via_dialog(qtbot, window, source, path, labels="", batch_size=None, kind=None):
    dialog = NewProjectDialog(window.pc.runner, str(source), window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.preview.rowCount() > 0, timeout=20_000)
    if kind:
        dialog.kind.setCurrentText(kind)
    dialog.target.setText(str(path))
    dialog.labels.setText(labels)
    window.flows.create(**dialog.values())
    qtbot.waitUntil(lambda: window.pc.project is not None, timeout=TIMEOUT_MS)
    if batch_size:
        window.pc.set_setting("batch_size", batch_size)
    return dialog


def wait_model(qtbot, window):
    qtbot.waitUntil(lambda: window.pc.session_ready and not window.pc.embedding, timeout=TIMEOUT_MS)


def shot(widget, name: str) -> None:
    """Save a real widget's rendering: under /tmp (to look at) and, when SHOAL_SCREENSHOTS names a folder, there
    too (docs/gui.md lists the ones in docs/screenshots)."""
    import os

    image = widget.grab()
    assert not image.isNull()
    image.save(f"/tmp/r12b_{name}")
    if os.environ.get("SHOAL_SCREENSHOTS"):
        image.save(os.path.join(os.environ["SHOAL_SCREENSHOTS"], name))
