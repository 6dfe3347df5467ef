"""Tiny real ONNX encoders built with the onnx helper API (nothing downloaded), with their sidecars.

image: Conv(3->8, 3x3) -> Relu -> GlobalAveragePool -> Flatten ("pooled", pool none), or the feature
       map itself ("features", pool mean).
text:  a token-embedding table (the bundled MiniLM tokenizer's vocabulary x 16) times the attention mask,
       as "last_hidden_state" (pool mean)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from desktop_app.resources_path import resource

OPSET = 17


def _save(graph, path: Path, opset: int = OPSET) -> None:
    import onnx
    from onnx import helper

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="shoal-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))


def image_encoder(folder: Path, size: int = 16, pool: str = "none", seed: int = 0, **sidecar) -> Path:
    from onnx import TensorProto, helper, numpy_helper

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    w = numpy_helper.from_array(rng.normal(size=(8, 3, 3, 3)).astype(np.float32), "w")
    b = numpy_helper.from_array(rng.normal(size=(8,)).astype(np.float32) * 0.1, "b")
    nodes = [helper.make_node("Conv", ["pixel_values", "w", "b"], ["conv"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["conv"], ["features"])]
    if pool == "none":
        nodes += [helper.make_node("GlobalAveragePool", ["features"], ["gap"]),
                  helper.make_node("Flatten", ["gap"], ["pooled"], axis=1)]
        out = helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["N", 8])
    else:
        out = helper.make_tensor_value_info("features", TensorProto.FLOAT, ["N", 8, size, size])
    graph = helper.make_graph(nodes, "tiny-image", [helper.make_tensor_value_info(
        "pixel_values", TensorProto.FLOAT, ["N", 3, size, size])], [out], initializer=[w, b])
    model = folder / "model.onnx"
    _save(graph, model)
    side = {"kind": "image", "input": "pixel_values", "size": [size, size], "layout": "NCHW",
            "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "scale": 255,
            "output": "pooled" if pool == "none" else "features", "pool": pool, "normalize": True, **sidecar}
    (folder / "model.json").write_text(json.dumps(side), encoding="utf-8")
    return model


def text_encoder(folder: Path, dim: int = 16, seed: int = 0, **sidecar) -> Path:
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer

    folder.mkdir(parents=True, exist_ok=True)
    tok = resource("models", "minilm", "tokenizer.json")
    shutil.copy(tok, folder / "tokenizer.json")
    vocab = Tokenizer.from_file(str(tok)).get_vocab_size()
    table = numpy_helper.from_array(np.random.default_rng(seed).normal(size=(vocab, dim)).astype(np.float32), "table")
    axes = numpy_helper.from_array(np.array([2], np.int64), "axes")
    nodes = [helper.make_node("Gather", ["table", "input_ids"], ["tokens"], axis=0),
             helper.make_node("Cast", ["attention_mask"], ["maskf"], to=TensorProto.FLOAT),
             helper.make_node("Unsqueeze", ["maskf", "axes"], ["mask3"]),
             helper.make_node("Mul", ["tokens", "mask3"], ["last_hidden_state"])]
    graph = helper.make_graph(nodes, "tiny-text", [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["N", "T"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["N", "T"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["N", "T", dim])],
        initializer=[table, axes])
    model = folder / "model.onnx"
    _save(graph, model)
    side = {"kind": "text", "tokenizer": "tokenizer.json", "max_length": 64,
            "inputs": {"input_ids": "input_ids", "attention_mask": "attention_mask", "token_type_ids": None},
            "output": "last_hidden_state", "pool": "mean", "normalize": True, **sidecar}
    (folder / "model.json").write_text(json.dumps(side), encoding="utf-8")
    return model
