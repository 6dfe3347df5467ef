"""The sidecar `model.json` that describes a user's own ONNX encoder, read and checked field by field.

image: {"kind": "image", "input": "pixel_values", "size": [224, 224], "layout": "NCHW", "mean": [...],
        "std": [...], "scale": 255, "output": "pooled", "pool": "none|mean", "normalize": true}
text:  {"kind": "text", "tokenizer": "tokenizer.json", "max_length": 256,
        "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "token_type_ids": null},
        "output": "last_hidden_state", "pool": "mean|cls|none", "normalize": true}

Pixels are fed as (pixel / scale - mean) / std, per RGB channel. Every mistake is one ShoalError line that
names the file and the field."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.errors import ShoalError

MAX_SIDECAR = 1 << 20
IMAGE_KEYS = {"kind", "name", "input", "size", "layout", "mean", "std", "scale", "output", "pool", "normalize"}
TEXT_KEYS = {"kind", "name", "tokenizer", "max_length", "inputs", "output", "pool", "normalize"}
TEXT_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


@dataclass(frozen=True)
class EncoderSpec:
    """How to feed an ONNX encoder and read its vectors (also what `export --format onnx` composes)."""
    kind: str                         # "image" | "text"
    model: Path
    output: str | None                # None: the model's first output
    pool: str                         # image: none | mean; text: mean | cls | none
    sidecar: Path | None = None
    name: str = "onnx"
    # image
    input: str | None = None          # None: the model's first input
    size: int = 224
    layout: str = "NCHW"
    mean: tuple[float, float, float] = (0.0, 0.0, 0.0)
    std: tuple[float, float, float] = (1.0, 1.0, 1.0)
    scale: float = 1.0
    # text
    tokenizer: Path | None = None
    max_length: int = 256
    inputs: dict[str, str | None] = field(default_factory=dict)


def sidecar_of(model: Path) -> Path:
    return model.with_suffix(".json")


def load_spec(model: Path) -> EncoderSpec:
    model = Path(model)
    if model.suffix.lower() != ".onnx":
        raise ShoalError(f"{model}: an encoder is an .onnx file (with a sidecar .json describing it)")
    if not model.is_file():
        raise ShoalError(f"encoder model not found (or not a regular file): {model}")
    side = sidecar_of(model)
    if not side.is_file():
        raise ShoalError(f"no {side.name} beside {model.name}: it says how to feed the model (kind, input, "
                         "output, pool...; see README, \"Your own encoder\")")
    try:
        if side.stat().st_size > MAX_SIDECAR:
            raise ShoalError(f"{side} is larger than 1 MiB; that is no model description")
        raw = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ShoalError(f"{side} is not valid JSON ({str(e).splitlines()[0][:100]})") from None
    return parse_spec(raw, model, side)


def parse_spec(raw, model: Path, side: Path) -> EncoderSpec:
    def bad(what: str) -> ShoalError:
        return ShoalError(f"{side}: {what}")

    if not isinstance(raw, dict):
        raise bad("must be a JSON object")
    kind = raw.get("kind")
    if kind not in ("image", "text"):
        raise bad(f"'kind' must be \"image\" or \"text\", not {kind!r}")
    unknown = sorted(set(raw) - (IMAGE_KEYS if kind == "image" else TEXT_KEYS))
    if unknown:
        raise bad(f"unknown field {unknown[0]!r} for a {kind} encoder")
    if raw.get("normalize", True) is not True:
        raise bad("'normalize' must be true (Shoal's neighbourhoods are cosine: vectors are always L2-normalised)")
    name = _text(raw, "name", bad, "onnx", optional=True)
    output = _text(raw, "output", bad, None, optional=True)
    if kind == "image":
        pool = _choice(raw, "pool", ("none", "mean"), "none", bad)
        size = raw.get("size", [224, 224])
        if (not isinstance(size, list) or len(size) != 2 or not all(type(s) is int and 1 <= s <= 4096 for s in size)):
            raise bad("'size' must be [height, width], two whole numbers from 1 to 4096")
        if size[0] != size[1]:
            raise bad("'size' must be square for now (Shoal resizes the shorter side and centre-crops)")
        return EncoderSpec(kind="image", model=model, sidecar=side, name=name, output=output, pool=pool,
                           input=_text(raw, "input", bad, None, optional=True), size=size[0],
                           layout=_choice(raw, "layout", ("NCHW", "NHWC"), "NCHW", bad),
                           mean=_triple(raw, "mean", 0.0, bad), std=_triple(raw, "std", 1.0, bad, positive=True),
                           scale=_number(raw, "scale", 1.0, bad))
    pool = _choice(raw, "pool", ("mean", "cls", "none"), "mean", bad)
    tok = _text(raw, "tokenizer", bad, None)
    tokenizer = (side.parent / tok)
    if not tokenizer.is_file():
        raise bad(f"tokenizer {tok!r} not found beside it ({tokenizer})")
    max_length = raw.get("max_length", 256)
    if type(max_length) is not int or not 1 <= max_length <= 8192:
        raise bad("'max_length' must be a whole number from 1 to 8192")
    inputs = raw.get("inputs", {"input_ids": "input_ids", "attention_mask": "attention_mask"})
    if not isinstance(inputs, dict) or set(inputs) - set(TEXT_INPUTS):
        raise bad(f"'inputs' must map {', '.join(TEXT_INPUTS)} to the model's input names")
    if not isinstance(inputs.get("input_ids"), str):
        raise bad("'inputs' must name the model's input_ids input")
    if not all(v is None or isinstance(v, str) for v in inputs.values()):
        raise bad("'inputs' values must be input names (or null)")
    inputs = {k: inputs.get(k) for k in TEXT_INPUTS}
    return EncoderSpec(kind="text", model=model, sidecar=side, name=name, output=output, pool=pool,
                       tokenizer=tokenizer, max_length=max_length, inputs=inputs)


def _text(raw, key, bad, default, optional=False):
    value = raw.get(key, default)
    if value is None and optional:
        return default
    if not isinstance(value, str) or not value or len(value) > 200:
        raise bad(f"'{key}' must be a name (text)")
    return value


def _choice(raw, key, choices, default, bad):
    value = raw.get(key, default)
    if value not in choices:
        raise bad(f"'{key}' must be one of {', '.join(choices)}, not {value!r}")
    return value


def _number(raw, key, default, bad) -> float:
    value = raw.get(key, default)
    if type(value) not in (int, float) or not math.isfinite(value) or value <= 0:
        raise bad(f"'{key}' must be a positive number")
    return float(value)


def _triple(raw, key, default, bad, positive=False) -> tuple[float, float, float]:
    value = raw.get(key, [default] * 3)
    if type(value) in (int, float):
        value = [value] * 3
    if (not isinstance(value, list) or len(value) != 3 or not all(type(v) in (int, float) and math.isfinite(v)
                                                                   for v in value)
            or (positive and not all(v > 0 for v in value))):
        raise bad(f"'{key}' must be three {'positive ' if positive else ''}numbers (R, G, B)")
    return (float(value[0]), float(value[1]), float(value[2]))
