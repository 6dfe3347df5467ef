"""A linear head's class probabilities, softmax(X @ W.T + b), on onnxruntime's CPU kernels.

Each round scores the whole SEALS pool: a tall, skinny product (229k x 384 by 384 x 10 at 5M items
with 2,000 labels). On one thread onnxruntime's MLAS took 54 ms for it where numpy's OpenBLAS took
85 ms, with the same product to the bit (docs/scale.md). onnxruntime is already a core dependency
(the encoders). The two graphs (softmax; binary sigmoid) ship in resources/models/ (the `onnx` package that
builds them is not a runtime dependency): `python -m desktop_app.core.learning.kernels` writes them again.
Without a shipped graph, or if onnxruntime refuses it, the same numbers come from numpy.
"""
from __future__ import annotations

import os
import threading

import numpy as np

_lock = threading.Lock()
_sessions: dict[tuple[bool, int], object] = {}   # (binary, threads) -> session; None: numpy instead
FILES = {False: "linear_head_softmax.onnx", True: "linear_head_sigmoid.onnx"}
SMALL = 256  # fewer rows than this: numpy (a session call has a fixed cost of ~20 us)
PARALLEL_ROWS = 8192  # from this many rows two threads: a 16,384-row block took 2.1 ms on two, 3.4 on one


def build_graph(binary: bool) -> bytes:
    """The graph of FILES[binary], built with the onnx helper API (packaging time and tests only)."""
    from onnx import TensorProto, helper

    f = TensorProto.FLOAT
    nodes = [helper.make_node("MatMul", ["X", "W"], ["XW"]), helper.make_node("Add", ["XW", "B"], ["Z"])]
    if binary:  # one column of decision values: [1 - sigmoid(z), sigmoid(z)], as sklearn
        nodes += [helper.make_node("Sigmoid", ["Z"], ["P"]), helper.make_node("Neg", ["P"], ["NP"]),
                  helper.make_node("Constant", [], ["ONE"], value=helper.make_tensor("one", f, [], [1.0])),
                  helper.make_node("Add", ["ONE", "NP"], ["Q"]),
                  helper.make_node("Concat", ["Q", "P"], ["Y"], axis=1)]
    else:
        nodes.append(helper.make_node("Softmax", ["Z"], ["Y"], axis=-1))
    graph = helper.make_graph(nodes, "linear_head", [
        helper.make_tensor_value_info("X", f, ["n", "d"]), helper.make_tensor_value_info("W", f, ["d", "c"]),
        helper.make_tensor_value_info("B", f, ["c"])], [helper.make_tensor_value_info("Y", f, ["n", "k"])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # readable by every onnxruntime the package allows
    return model.SerializeToString()


def _session(binary: bool, threads: int):
    with _lock:
        key = (binary, threads)
        if key not in _sessions:
            _sessions[key] = _open(binary, threads)
        return _sessions[key]


def _open(binary: bool, threads: int):
    import onnxruntime as ort

    from desktop_app.resources_path import resource

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads  # no spinning (below): a thread that waits leaves the core to the GUI
    opts.inter_op_num_threads = 1
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.log_severity_level = 3
    try:
        return ort.InferenceSession(str(resource("models", FILES[binary])), opts, providers=["CPUExecutionProvider"])
    except Exception:  # noqa: BLE001  (a missing or unreadable graph: numpy gives the same numbers)
        return None


def linear_proba(X: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """(n, classes) float32 probabilities of a multinomial (coef (c, d), c >= 2) or binary (coef (1, d))
    logistic head."""
    X = np.ascontiguousarray(X, dtype=np.float32)
    coef = np.asarray(coef, np.float32)
    b = np.ascontiguousarray(intercept, dtype=np.float32).reshape(-1)
    binary = coef.shape[0] == 1
    threads = min(2, os.cpu_count() or 1) if len(X) >= PARALLEL_ROWS else 1
    sess = None if len(X) < SMALL or X.ndim != 2 or X.shape[1] != coef.shape[1] else _session(binary, threads)
    if sess is None:
        return probabilities(X @ coef.T + b)
    out = sess.run(None, {"X": X, "W": np.ascontiguousarray(coef.T), "B": b})[0]
    return np.asarray(out, np.float32)


def probabilities(z: np.ndarray) -> np.ndarray:
    """Class probabilities from decision values: a sigmoid for one column (binary), else a softmax."""
    if z.shape[1] == 1:
        p = 1.0 / (1.0 + np.exp(-z[:, 0]))
        return np.stack([1 - p, p], axis=1).astype(np.float32)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


if __name__ == "__main__":  # packaging: write the shipped graphs again
    from desktop_app.resources_path import resource

    for is_binary, name in FILES.items():
        resource("models", name).write_bytes(build_graph(is_binary))
        print("wrote", resource("models", name))
