"""Encode a batch of item payloads, decoding in parallel and collecting per-item failures."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Sequence

import numpy as np

from desktop_app.errors import ItemError

_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="shoal-decode")
    return _pool


def _prepare_one(encoder, payload):
    try:
        return encoder.prepare(payload), None
    except ItemError as e:
        return None, str(e) or "cannot be read"
    except Exception as e:  # a reader bug must not stop the whole run: record it on the item
        return None, f"cannot be read ({type(e).__name__}: {e})"


class Prepared:
    """A batch being decoded in the pool (images) or already prepared (text)."""

    def __init__(self, futures=None, results=None):
        self._futures = futures
        self._results = results

    def results(self) -> list:
        if self._results is None:
            self._results = [f.result() for f in self._futures]
        return self._results


def start_prepare(encoder, payloads: Sequence[Any]) -> Prepared:
    """Begin preparing a batch. Image decoding runs in the thread pool and returns at once, so
    the caller can encode the previous batch meanwhile (decode and inference overlap)."""
    if encoder.kind == "image" and len(payloads) > 1:
        return Prepared(futures=[_executor().submit(_prepare_one, encoder, p) for p in payloads])
    return Prepared(results=[_prepare_one(encoder, p) for p in payloads])


def finish_encode(encoder, prepared: Prepared) -> tuple[np.ndarray, list[int], dict[int, str]]:
    """Encode a prepared batch: (vectors for the good items, their positions, {position: reason})."""
    results = prepared.results()
    good = [i for i, (_, err) in enumerate(results) if err is None]
    failures = {i: err for i, (_, err) in enumerate(results) if err is not None}
    vectors = encoder.encode([results[i][0] for i in good]) if good else np.empty((0, encoder.dim), np.float32)
    return vectors, good, failures


def encode_payloads(encoder, payloads: Sequence[Any]) -> tuple[np.ndarray, list[int], dict[int, str]]:
    """Return (vectors for the good items, their positions in payloads, {position: reason} for bad ones)."""
    return finish_encode(encoder, start_prepare(encoder, payloads))
