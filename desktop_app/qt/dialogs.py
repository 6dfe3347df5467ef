"""Small dialogs: errors with the one-line reason, confirmations, text input — all plain text."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget


def _box(parent: QWidget | None, icon, title: str, text: str, detail: str = "") -> QMessageBox:
    box = QMessageBox(icon, title, text, parent=parent)
    box.setTextFormat(Qt.PlainText)  # a label name or file name never becomes markup
    if detail:
        box.setInformativeText(detail)
    return box


def show_error(parent: QWidget | None, message: str, title: str = "Shoal") -> None:
    box = _box(parent, QMessageBox.Warning, title, message.splitlines()[0] if message else "Something went wrong")
    box.setObjectName("errorDialog")
    box.setAttribute(Qt.WA_DeleteOnClose)
    box.open()  # window-modal but non-blocking: background work keeps flowing


def confirm(parent: QWidget | None, title: str, text: str, detail: str = "", ok: str = "OK") -> bool:
    box = _box(parent, QMessageBox.Question, title, text, detail)
    yes = box.addButton(ok, QMessageBox.AcceptRole)
    box.addButton(QMessageBox.Cancel)
    box.exec()
    return box.clickedButton() is yes


def ask_text(parent: QWidget | None, title: str, prompt: str, value: str = "") -> str | None:
    text, ok = QInputDialog.getText(parent, title, prompt, text=value)
    return text.strip() if ok and text.strip() else None
