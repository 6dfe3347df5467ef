"""The new-project dialog offers "Other encoder…": the user's own model.onnx (checked sidecar), optionally
copied beside the project. Real widgets offscreen, a real tiny ONNX model, a real project."""
from __future__ import annotations

import json
import sqlite3

import pytest

from desktop_app.qt.new_project_dialog import OTHER, NewProjectDialog
from tests.onnx_models import image_encoder
from tests.qt.qt_helpers import TIMEOUT_MS

pytest.importorskip("onnx")


def test_other_encoder_creates_a_project_with_the_users_model(qtbot, window, tmp_path, image_folder, monkeypatch):
    model = image_encoder(tmp_path / "enc")
    dialog = NewProjectDialog(window.pc.runner, str(image_folder), window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.preview.rowCount() > 0, timeout=20_000)
    other = dialog.encoder.findData(OTHER)
    assert dialog.encoder.itemText(other).startswith("Other encoder…") and not dialog.copy_encoder.isEnabled()
    # picking "Other encoder…" asks for the file (the modal file dialog is answered here)
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(model), "")))
    dialog.encoder.setCurrentIndex(other)
    dialog.encoder.activated.emit(other)
    assert dialog.encoder.currentData() == str(model.resolve()) and "your own image encoder" in dialog.encoder.currentText()
    assert dialog.copy_encoder.isEnabled()
    dialog.copy_encoder.setChecked(True)
    dialog.target.setText(str(tmp_path / "own.shoal"))
    dialog.grab().save("/tmp/r17_new_project_dialog.png")
    values = dialog.values()
    assert values["encoder"] == str(model.resolve()) and values["copy_encoder"] is True
    window.flows.create(**values)
    qtbot.waitUntil(lambda: window.pc.project is not None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.pc.embedding and window.pc.project.counts()["n_embedded"] == 60,
                    timeout=TIMEOUT_MS)
    con = sqlite3.connect(tmp_path / "own.shoal")
    meta = {k: json.loads(v) for k, v in con.execute("SELECT key, value FROM meta")}
    con.close()
    assert meta["encoder"] == "onnx" and meta["encoder_path"] == "own.shoal-encoder/model.onnx" and meta["dim"] == 8
    assert (tmp_path / "own.shoal-encoder" / "model.json").is_file()


def test_a_broken_sidecar_is_shown_and_the_choice_goes_back(qtbot, window, tmp_path, image_folder, monkeypatch):
    model = image_encoder(tmp_path / "enc")
    model.with_suffix(".json").write_text('{"kind": "sound"}')
    dialog = NewProjectDialog(window.pc.runner, "", window)
    qtbot.addWidget(dialog)
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(model), "")))
    other = dialog.encoder.findData(OTHER)
    dialog.encoder.setCurrentIndex(other)
    dialog.encoder.activated.emit(other)
    assert dialog.encoder.currentIndex() == 0 and "'kind' must be" in dialog.note.text()
    assert dialog.values()["encoder"] is None and dialog.values()["copy_encoder"] is False
