"""Encoder name -> class; the default encoder per item kind."""
from __future__ import annotations

from desktop_app.errors import ShoalError


def _minilm():
    from desktop_app.core.embedding.minilm import MiniLMEncoder

    return MiniLMEncoder


def _efficientnet():
    from desktop_app.core.embedding.efficientnet import EfficientNetLite0Encoder

    return EfficientNetLite0Encoder


ENCODERS = {"minilm": (_minilm, "text"), "efficientnet-lite0": (_efficientnet, "image")}
DEFAULT_FOR_KIND = {"text": "minilm", "image": "efficientnet-lite0"}


def encoder_kind(name: str) -> str:
    if name not in ENCODERS:
        raise ShoalError(f"unknown encoder {name!r}; choose from: {', '.join(sorted(ENCODERS))}")
    return ENCODERS[name][1]


_cache: dict[str, object] = {}


def get_encoder(name: str):
    """One shared instance per encoder name (sessions are expensive to create)."""
    encoder_kind(name)
    if name not in _cache:
        _cache[name] = ENCODERS[name][0]()()
    return _cache[name]
