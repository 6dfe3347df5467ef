"""numpy arrays as plain bytes + dtype + shape (never pickled).

Decoding trusts nothing in the row: the dtype must be a plain number type from a fixed list, the
shape a JSON list of non-negative ints, and the byte count exactly what they imply. Anything else
(a pickled object, a crafted shape) is refused with a ShoalError; it is never handed to numpy."""
from __future__ import annotations

import json
import math

import numpy as np

ALLOWED_DTYPES = {"float32", "float64", "int64", "int32", "int8", "uint8", "bool"}
MAX_BYTES = 1 << 34  # 16 GiB: no array Shoal stores comes near it


def encode(array: np.ndarray) -> tuple[str, str, bytes]:
    a = np.ascontiguousarray(array)
    if a.dtype.name not in ALLOWED_DTYPES:
        raise ValueError(f"dtype {a.dtype} cannot be stored")
    return a.dtype.name, json.dumps(list(a.shape)), a.tobytes()


def decode(dtype: str, shape: str, data: bytes) -> np.ndarray:
    from desktop_app.errors import ShoalError

    if not isinstance(dtype, str) or dtype not in ALLOWED_DTYPES:
        raise ShoalError(f"project holds an array of unsupported type {str(dtype)[:40]!r}; refusing to load it")
    try:
        dims = json.loads(shape)
    except (TypeError, ValueError, RecursionError):
        dims = None
    if not isinstance(dims, list) or not all(type(d) is int and d >= 0 for d in dims):
        raise ShoalError("project holds an array with a malformed shape; refusing to load it")
    if not isinstance(data, bytes):
        raise ShoalError("project holds an array that is not stored as bytes; refusing to load it")
    size = math.prod(dims)  # Python ints: no overflow
    if size * np.dtype(dtype).itemsize != len(data) or len(data) > MAX_BYTES:
        raise ShoalError("project holds an array whose size does not match its shape; refusing to load it")
    return np.frombuffer(data, dtype=np.dtype(dtype)).reshape(dims).copy()
