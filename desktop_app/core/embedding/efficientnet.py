"""EfficientNet-Lite0 (ImageNet) image encoder: 1280-d pooled features via onnxruntime.

The model file ships in resources/models (see its README and packaging/export_efficientnet.py).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from desktop_app.core.embedding import device
from desktop_app.core.embedding.base import file_sha256, l2_normalise
from desktop_app.core.sources import image_io
from desktop_app.errors import ShoalError
from desktop_app.resources_path import resource

MEAN, STD = 127.0, 128.0  # EfficientNet-Lite preprocessing (TF reference: mean 127, std 128)
MAX_THREADS = 8
# images per model run: the early feature maps of 64 images at once peaked at 685 MB; runs of 16
# keep the peak low at the same speed (docs/scale.md, "Embedding memory")
RUN = 16


def _cpu_count() -> int:
    try:
        n = len(os.sched_getaffinity(0))  # respects container / taskset limits
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(n, MAX_THREADS))


class EfficientNetLite0Encoder:
    name = "efficientnet-lite0"
    kind = "image"
    dim = 1280
    size = 224

    def __init__(self, model_path: Path | None = None, threads: int | None = None) -> None:
        self.model_path = Path(model_path) if model_path else resource("models", "efficientnet-lite0.onnx")
        self.threads = threads or _cpu_count()
        self._lock = threading.Lock()
        self._session: Any = None
        self._input_name = "input"
        self._identity: str | None = None

    def identity(self) -> str:
        if self._identity is None:
            with self._lock:
                if self._identity is None:
                    self._identity = f"{self.name}:{file_sha256(self._checked_path())[:16]}"
        return self._identity

    def prepare(self, payload: Any) -> np.ndarray:
        """Image file path -> uint8 RGB (224, 224, 3). Raises ItemError for unusable files."""
        return image_io.load_rgb(payload, self.size)

    def encode(self, prepared: Sequence[np.ndarray]) -> np.ndarray:
        if len(prepared) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        batch = np.stack(prepared)
        if batch.shape[1:] != (self.size, self.size, 3):
            raise ValueError(f"expected (n, {self.size}, {self.size}, 3) images, got {batch.shape}")
        session = self._get_session()
        feats = np.empty((len(batch), self.dim), np.float32)
        run = RUN * device.run_scale()  # a GPU takes larger runs
        for s in range(0, len(batch), run):
            x = (batch[s:s + run].astype(np.float32) - MEAN) / STD
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))  # NHWC -> NCHW
            feats[s:s + run] = session.run(None, {self._input_name: x})[0].reshape(len(x), -1)  # thread-safe
        return l2_normalise(feats)

    def export_spec(self):
        """How `export --format onnx` feeds this model (the same preprocessing as encode)."""
        from desktop_app.core.embedding.own_spec import EncoderSpec

        return EncoderSpec(kind="image", model=self._checked_path(), output=None, pool="none", name=self.name,
                           size=self.size, layout="NCHW", mean=(MEAN,) * 3, std=(STD,) * 3, scale=1.0)

    def _checked_path(self) -> Path:
        if not self.model_path.is_file():
            raise ShoalError(f"image model not found: {self.model_path}")
        return self.model_path

    def _get_session(self) -> Any:
        if self._session is None:
            with self._lock:
                if self._session is None:
                    import onnxruntime as ort

                    so = ort.SessionOptions()
                    so.intra_op_num_threads = self.threads
                    so.inter_op_num_threads = 1
                    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
                    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                    so.add_session_config_entry("session.intra_op.allow_spinning", "0")  # 2 busy cores
                    sess = ort.InferenceSession(str(self._checked_path()), so, providers=device.providers())
                    device.check(sess)
                    self._input_name = sess.get_inputs()[0].name
                    self._session = sess
        return self._session
