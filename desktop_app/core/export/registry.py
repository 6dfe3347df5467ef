"""Export format name -> writer(data, out_dir, progress) -> list of files written."""
from __future__ import annotations

from desktop_app.core.export.hf import write_hf
from desktop_app.core.export.imagefolder import write_imagefolder
from desktop_app.core.export.onnx_model import write_onnx
from desktop_app.core.export.tables import write_csv, write_jsonl

# a writer with `needs_model = True` gets the trained model and the encoder in data.extra["model"]
EXPORTERS = {"csv": write_csv, "jsonl": write_jsonl, "imagefolder": write_imagefolder, "hf": write_hf,
             "onnx": write_onnx}
