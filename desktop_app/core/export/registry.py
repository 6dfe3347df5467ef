"""Export formats: name -> Exporter (its writer and the facts the app needs about it). A new format
is one file with a `write_*(data, out_dir, progress) -> list of files written` plus one line here;
the CLI's --format choices and help, the GUI's format list and the checks before writing come from it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.export.base import ExportData
from desktop_app.core.export.hf import write_hf
from desktop_app.core.export.imagefolder import write_imagefolder
from desktop_app.core.export.onnx_model import write_onnx
from desktop_app.core.export.tables import write_csv, write_jsonl

BOTH = frozenset({"image", "text"})


@dataclass(frozen=True)
class Exporter:
    write: Callable[[ExportData, Path, Callable | None], list[Path]]
    help: str
    kinds: frozenset[str] = BOTH    # the project kinds it serves
    needs_embeddings: bool = False  # ExportData.embeddings is filled for it
    reads_files: bool = False       # it reads the item files, so the source folder must be there
    needs_model: bool = False       # ExportData.extra["model"] holds the trained model and its encoder


EXPORTERS = {
    "csv": Exporter(write_csv, "CSV table: id, path/text, label"),
    "jsonl": Exporter(write_jsonl, "JSON Lines, one labeled item per line"),
    "imagefolder": Exporter(write_imagefolder, "one folder per label with the image files (images only)",
                            kinds=frozenset({"image"}), reads_files=True),
    "hf": Exporter(write_hf, "Hugging Face datasets layout, with embeddings", needs_embeddings=True),
    "onnx": Exporter(write_onnx, "one ONNX classifier: the encoder and the model from `shoal train`", needs_model=True),
}


def formats_for(kind: str | None) -> list[str]:
    """The format names that serve a project of this kind (all of them for None)."""
    return [name for name, e in EXPORTERS.items() if kind is None or kind in e.kinds]
