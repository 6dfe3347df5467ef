"""File ▸ Embedding and index…: where items are embedded (this computer or Ray, on the CPU or a GPU: a
setting of this machine) and how the open project keeps its vectors and kNN index (settings of the
project, as `shoal settings --index / --embedding-dtype` sets them)."""
from __future__ import annotations

import textwrap

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
)

from desktop_app.core.embedding.device import GPU_INSTALL
from desktop_app.core.index import kinds
from desktop_app.core.index.hnsw import EXACT_BELOW
from desktop_app.core.index.kinds import COMPRESSED_FROM, has_usearch
from desktop_app.ops.embed_engines import EngineChoice, cuda_offered, ray_installed
from desktop_app.qt.labeling_view import plain_label

ENGINES = [("This computer", "local", False), ("Ray: a local runtime", "ray", False),
           ("Ray: a cluster (address below)", "ray", True)]
DEVICES = [("auto (a GPU when there is one)", "auto"), ("CPU", "cpu"), ("GPU (CUDA)", "cuda")]
INDEX_HELP = {"auto": f"auto (usearch from {COMPRESSED_FROM:,} items)",
              "hnsw": "hnsw: hnswlib, float32 (1.7 KB per item)",
              "usearch": "usearch: int8 + exact re-rank (0.7 KB per item)"}
INDEXES = [(INDEX_HELP.get(kind, kind), kind) for kind in kinds.CHOICES]  # a new kind shows by its name
DTYPES = [("float32", "float32"), ("float16 (half the disk)", "float16")]
NOTE = "color: palette(dark);"


def _wrap(lines: list[str]) -> str:
    """Notes broken into lines here, not by QLabel's word wrap (which a form's height does not follow)."""
    return "\n".join(textwrap.fill(line, 96) for line in lines)


def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e9:.1f} GB" if n_bytes >= 1e9 else f"{n_bytes / 1e6:.1f} MB"


class EmbedSettingsDialog(QDialog):
    def __init__(self, pc, choice: EngineChoice, parent=None):
        super().__init__(parent)
        self.pc = pc
        self.setObjectName("embedSettings")
        self.setWindowTitle("Embedding and index")
        self.resize(620, 0)
        lay = QVBoxLayout(self)

        box = QGroupBox("Where items are embedded (this computer's setting, for every project)")
        col = QVBoxLayout(box)
        form = QFormLayout()
        col.addLayout(form)
        self.engine = QComboBox()
        has_ray = ray_installed()
        for i, (text, engine, _cluster) in enumerate(ENGINES):
            self.engine.addItem(text, engine)
            self.engine.model().item(i).setEnabled(engine == "local" or has_ray)
        self.address = QLineEdit(choice.address or "")
        self.address.setPlaceholderText("e.g. ray://head-node:10001 (the cluster's workers need Shoal installed)")
        self.workers = QSpinBox(minimum=0, maximum=4096, specialValueText="one per CPU (or per GPU)")
        self.workers.setValue(choice.workers or 0)
        self.device = QComboBox()
        for text, dev in DEVICES:
            self.device.addItem(text, dev)
        self.device.setCurrentIndex(max(0, self.device.findData(choice.device)))
        self.engine_note = plain_label("", NOTE)
        form.addRow("Engine", self.engine)
        form.addRow("Ray address", self.address)
        form.addRow("Ray workers", self.workers)
        form.addRow("Device", self.device)
        col.addWidget(self.engine_note)
        lay.addWidget(box)
        saved = (choice.engine, bool(choice.address)) if has_ray else ("local", False)
        self.engine.setCurrentIndex(next((i for i, (_, e, c) in enumerate(ENGINES) if (e, c) == saved), 0))
        self._gpu = cuda_offered()
        self._ray = has_ray

        box = self.project_box = QGroupBox("This project's vectors and kNN index")
        col = QVBoxLayout(box)
        form = QFormLayout()
        col.addLayout(form)
        self.index = QComboBox()
        for text, kind in INDEXES:
            self.index.addItem(text, kind)
        self.index.model().item(self.index.findData("usearch")).setEnabled(has_usearch())
        self.dtype = QComboBox()
        for text, dt in DTYPES:
            self.dtype.addItem(text, dt)
        self.store_note = plain_label("", NOTE)
        form.addRow("kNN index", self.index)
        form.addRow("Vectors on disk", self.dtype)
        col.addWidget(self.store_note)
        lay.addWidget(box)
        self._fill_project()

        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        for combo in (self.engine, self.device, self.index, self.dtype):
            combo.currentIndexChanged.connect(lambda _: self._notes())
        self.address.textChanged.connect(lambda _: self._notes())
        self._notes()

    def _fill_project(self) -> None:
        p = self.pc.project
        self.project_box.setEnabled(p is not None)
        if p is None:  # the engine can be chosen before a project exists (a new project embeds at once)
            self._n = self._dim = 0
            self._in_use = "no project open"
            return
        self._index_setting = str(p.meta("index", "auto"))
        self.index.setCurrentIndex(max(0, self.index.findData(self._index_setting)))
        self.dtype.setCurrentIndex(max(0, self.dtype.findData(p.embedding_dtype())))
        busy = bool(self.pc.embedding)
        self.dtype.setEnabled(not busy)
        self.index.setEnabled(not busy)
        c = p.counts()
        self._n, self._dim = int(c["n_embedded"]), int(p.meta("dim", 0) or 0)
        self._in_use = p.meta("index_kind") or self._would_build(self._index_setting)

    def _would_build(self, setting: str) -> str:
        if self._n < EXACT_BELOW:
            return (f"exact search (under {EXACT_BELOW:,} items nothing is approximated; "
                    "this choice applies from there)")
        try:
            kind = kinds.choose(setting, self._n)
        except ValueError as e:
            return f"none yet ({e})"
        return f"none built yet ({setting} builds {kind} for {self._n:,} items)"

    def _cluster(self) -> bool:
        return ENGINES[self.engine.currentIndex()][2]

    # ---- what the choices mean ------------------------------------------------------------------------
    def _notes(self) -> None:
        cluster = self._cluster()
        ray = self.engine.currentData() == "ray"
        self.address.setEnabled(cluster)
        self.workers.setEnabled(ray)
        lines = []
        if not self._ray:
            lines.append("Ray is not installed: pip install 'shoal[cluster]' to embed on a Ray runtime or cluster.")
        elif ray:
            lines.append("Ray starts a runtime (a few seconds) and streams the vectors back into the project; "
                         "a stop keeps what arrived. On one laptop it is no faster than this computer.")
        if self._gpu:
            lines.append("onnxruntime here has the CUDA provider: auto uses the GPU when one is usable.")
        else:
            lines.append(f"onnxruntime here runs on the CPU only (for a GPU: {GPU_INSTALL}).")
        last = self.pc.last_embed
        if last and last.get("embedded"):
            lines.append(f"Last run: {last['embedded']:,} items on {last.get('on', 'this computer')} "
                         f"({last.get('device', 'cpu')}), {last.get('per_second', 0):.0f} items/s"
                         + (f" — {last['device_note']}" if last.get("device_note") else ""))
        self.engine_note.setText(_wrap(lines))
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(not cluster or bool(self.address.text().strip()))

        p = self.pc.project
        if p is None:
            self.store_note.setText("Open a project to choose how it keeps its vectors and kNN index.")
            QTimer.singleShot(0, self._fit)
            return
        lines = [f"In use: {self._in_use}."]
        if self.index.currentData() != self._index_setting:
            lines.append("The project reopens and builds the new index (minutes at a million items).")
        if self._n and self._dim:
            f32, f16 = self._n * self._dim * 4, self._n * self._dim * 2
            lines.append(f"{self._n:,} vectors of {self._dim}: {_mb(f32)} as float32, {_mb(f16)} as float16, "
                         "each in the project file and again in its cache.")
        if self.dtype.currentData() != p.embedding_dtype():
            lines.append("OK rewrites every stored vector (one transaction) and reopens the project; float16 "
                         "changes a vector by at most 1e-3 per component.")
        if self.pc.embedding:
            lines.append("These can change once embedding has finished or is paused.")
        self.store_note.setText(_wrap(lines))
        QTimer.singleShot(0, self._fit)  # once the layout has taken the new notes in

    def _fit(self) -> None:
        """Grow (never shrink) to show the notes whole; a dialog does not follow its layout's hint by itself."""
        hint = self.sizeHint()
        self.resize(max(self.width(), hint.width()), max(self.height(), hint.height()))

    # ---- results --------------------------------------------------------------------------------------
    def choice(self) -> EngineChoice:
        cluster = self._cluster()
        engine = str(self.engine.currentData())
        return EngineChoice(engine=engine, device=str(self.device.currentData()),
                            address=self.address.text().strip() or None if cluster else None,
                            workers=(self.workers.value() or None) if engine == "ray" else None)

    def storage_changes(self) -> tuple[str | None, str | None]:
        """(index, dtype) that differ from the project's, else None each."""
        p = self.pc.project
        if p is None:
            return None, None
        index = str(self.index.currentData())
        dtype = str(self.dtype.currentData())
        return (index if index != self._index_setting else None,
                dtype if dtype != p.embedding_dtype() else None)
