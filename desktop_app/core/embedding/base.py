"""The encoder protocol shared by text and image encoders."""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np


class Encoder(Protocol):
    name: str          # registry name, e.g. "minilm"
    kind: str          # "text" or "image"
    dim: int

    def identity(self) -> str:
        """name + model file hash; embeddings of two identities are never mixed."""

    def prepare(self, payload: Any) -> Any:
        """Turn one item payload (text str, or image file path) into model-ready input.

        Raises desktop_app.errors.ItemError(reason) when the item cannot be used.
        Runs in worker threads, so it must be thread-safe."""

    def encode(self, prepared: Sequence[Any]) -> np.ndarray:
        """Encode a batch of prepared inputs: float32 (n, dim), rows L2-normalised."""


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def l2_normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32, copy=False)
