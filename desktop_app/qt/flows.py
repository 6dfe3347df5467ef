"""What the File/Edit/Help menu items do: dialogs in front of the controllers' operations."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox, QProgressDialog

from desktop_app.errors import ShoalError
from desktop_app.qt import settings
from desktop_app.qt.dialogs import ask_text, confirm, show_error
from desktop_app.qt.label_bar import button_text

SQLITE_MAGIC = b"SQLite format 3\x00"


def is_project_file(path: str | Path) -> bool:
    p = Path(path)
    if p.suffix == ".shoal":
        return True
    try:
        with open(p, "rb") as f:
            return p.is_file() and f.read(16) == SQLITE_MAGIC
    except OSError:
        return False


class Flows:
    def __init__(self, window):
        self.w = window

    @property
    def pc(self):
        return self.w.pc

    def _guard(self, fn, *args):
        try:
            return fn(*args)
        except ShoalError as e:
            show_error(self.w, str(e))
        except OSError as e:
            show_error(self.w, f"{e.strerror or e}{': ' + str(e.filename) if e.filename else ''}")
        return None

    # ---- open / new ------------------------------------------------------------------------------
    def open_target(self, target: str) -> None:
        """A .shoal project opens; a folder or data file starts the new-project dialog."""
        if is_project_file(target):
            self.open_path(target)
        else:
            self.new_project(target)

    def open_path(self, path: str) -> None:
        self._guard(self.pc.open, path)

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Open project", "", "Shoal projects (*.shoal)")
        if path:
            self.open_path(path)

    def new_project(self, source: str = "") -> None:
        from desktop_app.qt.new_project_dialog import NewProjectDialog

        dialog = NewProjectDialog(self.pc.runner, source if isinstance(source, str) else "", self.w)
        if dialog.exec():
            self.create(**dialog.values())

    def create(self, path, source, options, encoder=None, labels=None, copy_encoder=False) -> None:
        if not path or not source:
            show_error(self.w, "Pick a source and a project file")
            return
        self.pc.create(path, source, options, encoder, labels, copy_encoder=copy_encoder)

    def open_demo(self, kind: str = "image", reset: bool = False) -> None:
        from desktop_app import paths
        from desktop_app.ops.gui_support import demo_project

        self.pc.close()
        self.pc.model_state.emit("Preparing the demo…")
        self.pc.runner.submit("create", lambda p, c: demo_project(paths.demo_dir(), kind, reset),
                              on_done=lambda path: self.open_path(str(path)),
                              on_error=lambda msg: show_error(self.w, msg))

    def close_project(self) -> None:
        self.pc.close()

    def fill_recent(self) -> None:
        menu = self.w.recent_menu
        menu.clear()
        for path in settings.recent_projects():
            menu.addAction(button_text(path), lambda p=path: self.open_path(p))
        if menu.isEmpty():
            menu.addAction("No recent projects").setEnabled(False)

    # ---- project operations ------------------------------------------------------------------------------
    def save_as(self) -> None:
        from desktop_app.ops.gui_support import save_as

        project = self.pc.project
        path, _ = QFileDialog.getSaveFileName(self.w, "Save project as", str(project.path.parent),
                                              "Shoal projects (*.shoal)")
        if path:
            path = path if path.endswith(".shoal") else path + ".shoal"
            if self._guard(save_as, project, path):
                self.open_path(path)

    def relink(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.w, "Where are the items now?")
        if not folder:
            return
        from desktop_app.ops.create import LooksUnrelated

        try:
            self.pc.relink(folder)
        except LooksUnrelated as e:  # the user may know better: ask, instead of the CLI's --force
            if confirm(self.w, "Relink anyway?", e.reason + ".", "Items not found there will be skipped as "
                       "'file not found' when they are needed.", ok="Relink anyway"):
                self._guard(self.pc.relink, folder, True)
        except ShoalError as e:
            show_error(self.w, str(e))

    def export(self) -> None:
        from desktop_app.qt.export_dialog import ExportDialog

        ExportDialog(self.pc, self.w).exec()

    def embedding_settings(self) -> None:
        from desktop_app.qt.embed_settings import EmbedSettingsDialog

        dlg = EmbedSettingsDialog(self.pc, settings.embed_choice(), self.w)
        if dlg.exec() != QDialog.Accepted:
            return
        settings.set_embed_choice(dlg.choice())
        index, dtype = dlg.storage_changes()
        if not (index or dtype):
            return
        bar = None
        if dtype:
            bar = QProgressDialog(f"Rewriting the stored vectors as {dtype}…", "", 0, 0, self.w)
            bar.setObjectName("rewriteProgress")
            bar.setCancelButton(None)  # one transaction: stopping half-way would only roll it back
            bar.setWindowModality(Qt.WindowModal)
            bar.setMinimumDuration(0)
            bar.show()

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.setRange(0, max(total, 1))
                bar.setValue(done)

        self.pc.change_storage(index=index, dtype=dtype, on_progress=progress,
                               on_done=(lambda: bar.close()) if bar is not None else None)

    def add_label(self) -> None:
        name = ask_text(self.w, "Add label", "Name of the new label:")
        if name:
            self._guard(self.w.lc.add_label, name)

    def label_set(self) -> None:
        from desktop_app.qt.label_editor import LabelEditor

        LabelEditor(self.pc, self.w.lc, self.w).exec()

    # ---- help ------------------------------------------------------------------------------------------------
    def shortcuts(self) -> None:
        from desktop_app.qt.actions import ShortcutSheet

        ShortcutSheet(self.w.actions, self.w).exec()

    def open_logs(self) -> None:
        from desktop_app.qt.logging_setup import setup_logging

        QDesktopServices.openUrl(QUrl.fromLocalFile(str(setup_logging())))

    def about(self) -> None:
        from desktop_app import __version__

        QMessageBox.about(self.w, "About Shoal", f"Shoal {__version__}\nLabel a dataset with as few labels as "
                                                 "possible (SEALS active learning, offline).")
