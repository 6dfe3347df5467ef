"""Export dialog: the engine's formats, a progress bar, and Open-containing-folder at the end."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from desktop_app.core.export.registry import EXPORTERS, formats_for
from desktop_app.qt.coreset_panel import CoresetPanel
from desktop_app.qt.labeling_view import plain_label


class ExportDialog(QDialog):
    def __init__(self, pc, parent=None):
        super().__init__(parent)
        self.pc = pc
        self.setWindowTitle("Export labeled dataset")
        self.resize(660, 320)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.fmt = QComboBox()
        for name in formats_for(pc.project.meta("kind")):
            self.fmt.addItem(f"{name} — {EXPORTERS[name].help}", name)
        form.addRow("Format", self.fmt)
        p = pc.project.path
        self.out = QLineEdit(str(p.parent / f"{p.stem}-export"))
        row = QHBoxLayout()
        row.addWidget(self.out, 1)
        b = QPushButton("Choose…")
        b.clicked.connect(self._pick)
        row.addWidget(b)
        form.addRow("Into folder", row)
        self.preds = QCheckBox("Also write the model's predictions for unlabeled items")
        self.overwrite = QCheckBox("Replace the folder if it holds a previous Shoal export")
        form.addRow("", self.preds)
        form.addRow("", self.overwrite)
        lay.addLayout(form)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        lay.addWidget(self.progress)
        self.result = plain_label("")
        self.result.setWordWrap(True)
        self.subset = CoresetPanel(pc, self, on_chosen=lambda: self.result.setText(""))
        lay.insertWidget(1, self.subset)
        lay.addWidget(self.result)
        lay.addStretch(1)
        buttons = QHBoxLayout()
        self.open_folder = QPushButton("Open containing folder")
        self.open_folder.setVisible(False)
        self.open_folder.clicked.connect(self._open_folder)
        self.go = QPushButton("Export")
        self.go.setDefault(True)
        self.go.clicked.connect(self.start)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons.addWidget(self.open_folder)
        buttons.addStretch(1)
        buttons.addWidget(self.go)
        buttons.addWidget(close)
        lay.addLayout(buttons)
        self.files: list[Path] = []

    def _pick(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Export into", str(Path(self.out.text()).parent))
        if d:
            self.out.setText(d)

    def start(self) -> None:
        try:
            only = self.subset.only()
        except ValueError as e:
            self.result.setText(f"Not exported: {e}")
            return
        self.go.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.result.setText("Exporting…")
        self.pc.export(self.out.text().strip(), self.fmt.currentData(), self.preds.isChecked(),
                       self.overwrite.isChecked(), on_done=self._done, on_error=self._failed,
                       on_progress=self._progress, only=only)

    def _progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)

    def _done(self, files) -> None:
        self.files = list(files)
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.go.setEnabled(True)
        n = len(self.files)
        notes = "".join(f"\n{note}" for note in getattr(files, "notes", []))
        subset = f" (the {len(self.subset.result.rows)} chosen items)" if self.subset.enabled.isChecked() \
            and self.subset.result is not None else ""
        self.result.setText(f"Wrote {n} file{'s' if n != 1 else ''} to {self.out.text().strip()}{subset}{notes}")
        self.open_folder.setVisible(True)

    def _failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self.go.setEnabled(True)
        self.result.setText("Export failed: " + message)

    def _open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(self.out.text().strip()))))
