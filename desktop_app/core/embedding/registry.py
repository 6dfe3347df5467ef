"""Encoder name -> class; the default encoder per item kind."""
from __future__ import annotations

from pathlib import Path

from desktop_app.errors import ShoalError


def _minilm():
    from desktop_app.core.embedding.minilm import MiniLMEncoder

    return MiniLMEncoder


def _efficientnet():
    from desktop_app.core.embedding.efficientnet import EfficientNetLite0Encoder

    return EfficientNetLite0Encoder


ENCODERS = {"minilm": (_minilm, "text"), "efficientnet-lite0": (_efficientnet, "image")}
DEFAULT_FOR_KIND = {"text": "minilm", "image": "efficientnet-lite0"}
OWN = "onnx"  # the user's own ONNX model, described by a sidecar model.json (core.embedding.own_onnx)


def encoder_kind(name: str) -> str:
    if name not in ENCODERS:
        raise ShoalError(f"unknown encoder {name!r}; choose from: {', '.join(sorted(ENCODERS))}")
    return ENCODERS[name][1]


_cache: dict[str, object] = {}


def get_encoder(name: str, path: str | Path | None = None):
    """One shared instance per encoder name (sessions are expensive to create). The user's own model
    (name "onnx") is found at `path` and kept per file (a changed file is loaded and checked again)."""
    if name == OWN:
        if path is None:
            raise ShoalError("this project uses its own ONNX encoder but records no path to it")
        from desktop_app.core.embedding.own_onnx import OwnOnnxEncoder, files_key

        key = files_key(Path(path))
        if key not in _cache:
            _cache[key] = OwnOnnxEncoder(Path(path))
        return _cache[key]
    encoder_kind(name)
    if name not in _cache:
        _cache[name] = ENCODERS[name][0]()()
    return _cache[name]
