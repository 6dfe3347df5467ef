"""numpy arrays as plain bytes + dtype + shape (never pickle)."""
from __future__ import annotations

import json

import numpy as np

ALLOWED_DTYPES = {"float32", "float64", "int64", "int32", "int8", "uint8", "bool"}


def encode(array: np.ndarray) -> tuple[str, str, bytes]:
    a = np.ascontiguousarray(array)
    if a.dtype.name not in ALLOWED_DTYPES:
        raise ValueError(f"dtype {a.dtype} cannot be stored")
    return a.dtype.name, json.dumps(list(a.shape)), a.tobytes()


def decode(dtype: str, shape: str, data: bytes) -> np.ndarray:
    from desktop_app.errors import ShoalError

    if dtype not in ALLOWED_DTYPES:
        raise ShoalError(f"project holds an array of unsupported type {dtype!r}; refusing to load it")
    dims = json.loads(shape)
    if not isinstance(dims, list) or not all(isinstance(d, int) and d >= 0 for d in dims):
        raise ShoalError("project holds an array with a malformed shape; refusing to load it")
    a = np.frombuffer(data, dtype=np.dtype(dtype))
    if a.size != int(np.prod(dims)):
        raise ShoalError("project holds an array whose size does not match its shape; refusing to load it")
    return a.reshape(dims).copy()
