"""New-project dialog: source, kind, table columns (with a preview of the first rows), label names,
encoder and where the project file goes. The preview is read off the GUI thread."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from desktop_app.core.embedding.registry import ENCODERS
from desktop_app.core.sources.base import SourceOptions
from desktop_app.core.sources.registry import FILE_READERS, suffix_list
from desktop_app.errors import ShoalError
from desktop_app.ops.gui_support import preview_source
from desktop_app.qt.labeling_view import plain_label

NONE = "(none)"
OTHER = "__other__"  # the "Other encoder…" entry: the user picks a model.onnx (with its model.json)
TEXT_FILES = "Texts (" + " ".join("*" + s for s in FILE_READERS) + ")"  # the file dialog's filter


class NewProjectDialog(QDialog):
    def __init__(self, runner, source: str = "", parent=None):
        super().__init__(parent)
        self.runner = runner
        self.setWindowTitle("New project")
        self.resize(760, 560)
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.source = QLineEdit(source)
        self.source.setPlaceholderText(f"A folder of images or texts, or a {suffix_list(' / ', ' / ')} file")
        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        for text, slot in (("Folder…", self._pick_folder), ("File…", self._pick_file)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            row.addWidget(b)
        form.addRow("Source", row)
        self.kind = QComboBox()
        self.kind.addItems(["detect", "image", "text"])
        form.addRow("Kind", self.kind)
        self.text_col, self.label_col, self.id_col = QComboBox(), QComboBox(), QComboBox()
        form.addRow("Text column", self.text_col)
        form.addRow("Existing-label column", self.label_col)
        form.addRow("Id column", self.id_col)
        self.from_folders = QCheckBox("Take labels from sub-folders (first folder name is the label)")
        form.addRow("", self.from_folders)
        self.labels = QLineEdit()
        self.labels.setPlaceholderText("Comma-separated, e.g. cat, dog, other (you can add more later with N)")
        form.addRow("Label names", self.labels)
        self.encoder = QComboBox()
        self.encoder.addItem("default for the kind", None)
        for name, (_, kind) in ENCODERS.items():
            self.encoder.addItem(f"{name} ({kind})", name)
        self.encoder.addItem("Other encoder… (your own model.onnx)", OTHER)
        self.encoder.activated.connect(self._encoder_chosen)
        form.addRow("Encoder", self.encoder)
        self.copy_encoder = QCheckBox("Copy the encoder beside the project (the project folder stays portable)")
        self.copy_encoder.setEnabled(False)
        form.addRow("", self.copy_encoder)
        self.target = QLineEdit()
        row = QHBoxLayout()
        row.addWidget(self.target, 1)
        b = QPushButton("Save as…")
        b.clicked.connect(self._pick_target)
        row.addWidget(b)
        form.addRow("Project file", row)
        lay.addLayout(form)
        self.note = plain_label("", "color: palette(dark);")
        self.note.setWordWrap(True)
        lay.addWidget(self.note)
        self.preview = QTableWidget()
        self.preview.setEditTriggers(QTableWidget.NoEditTriggers)
        self.preview.setWordWrap(False)
        lay.addWidget(self.preview, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Create and start embedding")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.source.editingFinished.connect(self.refresh_preview)
        self.kind.currentIndexChanged.connect(lambda _: self.refresh_preview())
        self.from_folders.toggled.connect(lambda _: self.refresh_preview())
        if source:
            self.refresh_preview()

    def _encoder_chosen(self, index: int) -> None:
        if self.encoder.itemData(index) != OTHER:
            self.copy_encoder.setEnabled(self._own_encoder() is not None)
            return
        f, _ = QFileDialog.getOpenFileName(self, "Choose an ONNX encoder (its model.json must lie beside it)", "",
                                           "ONNX models (*.onnx)")
        if not f or not self.set_own_encoder(f):
            self.encoder.setCurrentIndex(0)

    def set_own_encoder(self, path: str) -> bool:
        """Offer the user's own model (its sidecar is read and checked now; a mistake shows in the note)."""
        from desktop_app.core.embedding.own_spec import load_spec

        try:
            spec = load_spec(Path(path))
        except ShoalError as e:
            self.note.setText(str(e))
            return False
        own = self.encoder.findData(OTHER) - 1
        if self._own_encoder() is None:
            own += 1
            self.encoder.insertItem(own, "", str(Path(path).resolve()))
        self.encoder.setItemText(own, f"{Path(path).name} — your own {spec.kind} encoder, in {Path(path).parent.name}/")
        self.encoder.setItemData(own, str(Path(path).resolve()), Qt.ToolTipRole)
        self.encoder.setItemData(own, str(Path(path).resolve()))
        self.encoder.setCurrentIndex(own)
        self.copy_encoder.setEnabled(True)
        self.note.setText(f"Your own {spec.kind} encoder; the model is loaded and checked when the project is created")
        return True

    def _own_encoder(self) -> str | None:
        own = self.encoder.findData(OTHER) - 1
        data = self.encoder.itemData(own)
        return data if isinstance(data, str) and data.lower().endswith(".onnx") else None

    def _pick_folder(self) -> None:
        d = QFileDialog.getExistingDirectory(self, "Choose a folder of items")
        if d:
            self.source.setText(d)
            self.refresh_preview()

    def _pick_file(self) -> None:
        f, _ = QFileDialog.getOpenFileName(self, "Choose a table of texts", "", TEXT_FILES)
        if f:
            self.source.setText(f)
            self.refresh_preview()

    def _pick_target(self) -> None:
        f, _ = QFileDialog.getSaveFileName(self, "Project file", self.target.text(), "Shoal projects (*.shoal)")
        if f:
            self.target.setText(f if f.endswith(".shoal") else f + ".shoal")

    def options(self) -> SourceOptions:
        pick = lambda c: None if c.currentText() in ("", NONE) else c.currentText()  # noqa: E731
        kind = self.kind.currentText()
        return SourceOptions(kind=None if kind == "detect" else kind, text_column=pick(self.text_col),
                             label_column=pick(self.label_col), id_column=pick(self.id_col),
                             labels_from_folders=self.from_folders.isChecked())

    def refresh_preview(self) -> None:
        src = self.source.text().strip()
        if not src:
            return
        path = Path(src).expanduser()
        if not self.target.text():
            self.target.setText(str(path.parent / f"{path.stem or 'project'}.shoal"))
        self.note.setText("Reading the first rows…")
        opts = self.options()
        self.runner.submit("preview", lambda p, c: preview_source(path, opts), on_done=self._show_preview,
                           on_error=lambda msg: self.note.setText(msg))

    def _show_preview(self, pv: dict) -> None:
        cols, rows = pv["columns"], pv["rows"]
        table = bool(pv.get("table"))
        for combo, guess in ((self.text_col, "text"), (self.label_col, None), (self.id_col, "id")):
            keep = combo.currentText()
            combo.clear()
            combo.setEnabled(table)
            if table:
                combo.addItems(([] if combo is self.text_col else [NONE]) + cols)
                combo.setCurrentText(keep if keep in cols else (guess if guess in cols else
                                     (cols[0] if combo is self.text_col and cols else NONE)))
        self.from_folders.setEnabled(not table)
        self.note.setText(f"{pv['kind']} items · first {len(rows)} rows shown" +
                          (" · values of an existing-label column, if you pick one, are imported as labels" if table else ""))
        self.preview.clear()
        self.preview.setColumnCount(len(cols))
        self.preview.setRowCount(len(rows))
        self.preview.setHorizontalHeaderLabels(cols)
        for r, row in enumerate(rows):
            for c, value in enumerate(row[:len(cols)]):
                self.preview.setItem(r, c, QTableWidgetItem(str(value)[:300].replace("\n", " ")))
        self.preview.resizeColumnsToContents()
        for c in range(len(cols)):
            self.preview.setColumnWidth(c, min(self.preview.columnWidth(c), 320))

    def values(self) -> dict:
        return {"path": self.target.text().strip(), "source": self.source.text().strip(), "options": self.options(),
                "encoder": None if self.encoder.currentData() == OTHER else self.encoder.currentData(),
                "copy_encoder": self.copy_encoder.isEnabled() and self.copy_encoder.isChecked()
                and self.encoder.currentData() == self._own_encoder(),
                "labels": [s.strip() for s in self.labels.text().split(",") if s.strip()]}
