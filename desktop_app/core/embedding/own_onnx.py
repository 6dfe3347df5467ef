"""A user's own ONNX encoder (image or text), described by the sidecar model.json (core.embedding.own_spec).

Its identity is a hash of the model, the sidecar and the tokenizer files: change any of them and the
project refuses to mix the new vectors with the old ones. The model is checked when it is loaded
(inputs and outputs named in the sidecar exist, the output has a shape the pooling can read), and one
dummy item is encoded to learn the dimension."""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from desktop_app.core.embedding import device
from desktop_app.core.embedding.base import file_sha256, l2_normalise
from desktop_app.core.embedding.own_spec import EncoderSpec, load_spec, sidecar_of
from desktop_app.errors import ItemError, ShoalError

RUN = 16             # images per model run (as the bundled image encoder)
TOKENS_PER_RUN = 2048
MAX_CHARS = 20_000


def files_key(model: Path) -> str:
    """A cache key that changes when the model or its sidecar file changes."""
    parts = [str(model.resolve())]
    for p in (model, sidecar_of(model)):
        try:
            st = p.stat()
            parts.append(f"{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append("-")
    return "onnx:" + "|".join(parts)


def spec_identity(spec: EncoderSpec) -> str:
    files = [spec.model, spec.sidecar] + ([spec.tokenizer] if spec.tokenizer else [])
    h = hashlib.sha256(":".join(file_sha256(p) for p in files if p is not None).encode()).hexdigest()
    return f"onnx:{h[:16]}"


class OwnOnnxEncoder:
    name = "onnx"

    def __init__(self, model: Path, threads: int | None = None):
        self.spec = load_spec(Path(model))
        self.kind = self.spec.kind
        self.threads = threads or max(1, min(4, os.cpu_count() or 1))
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None
        self._dim: int | None = None
        self._identity: str | None = None

    @property
    def model_path(self) -> Path:
        return self.spec.model

    def export_spec(self) -> EncoderSpec:
        return self.spec

    def files(self) -> list[Path]:
        """The files that make this encoder (to copy it beside a project)."""
        return [p for p in (self.spec.model, self.spec.sidecar, self.spec.tokenizer) if p is not None]

    def identity(self) -> str:
        if self._identity is None:
            self._identity = spec_identity(self.spec)
        return self._identity

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._load()
        assert self._dim is not None
        return self._dim

    # ---- loading and checking -------------------------------------------------------------------------
    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                so = ort.SessionOptions()
                so.intra_op_num_threads = self.threads
                so.inter_op_num_threads = 1
                so.add_session_config_entry("session.intra_op.allow_spinning", "0")
                try:
                    sess = ort.InferenceSession(str(self.spec.model), so, providers=device.providers())
                except Exception as e:  # onnxruntime raises its own types for a bad file
                    raise ShoalError(f"cannot load {self.spec.model.name} with onnxruntime: "
                                     f"{str(e).splitlines()[0][:160]}") from None
                device.check(sess)
                self._check_names(sess)
                if self.kind == "text":
                    from tokenizers import Tokenizer

                    try:
                        tok = Tokenizer.from_file(str(self.spec.tokenizer))
                    except Exception as e:  # tokenizers raises a bare Exception on a bad file
                        raise ShoalError(f"cannot read the tokenizer {self.spec.tokenizer}: "
                                         f"{str(e).splitlines()[0][:120]}") from None
                    tok.enable_truncation(max_length=self.spec.max_length)
                    tok.no_padding()
                    self._tokenizer = tok
                self._session = sess
                probe = (np.zeros((1, self.spec.size, self.spec.size, 3), np.uint8) if self.kind == "image"
                         else None)
                try:
                    out = self._run_images(probe) if self.kind == "image" else self._run_texts(["shoal"])
                except ShoalError:
                    self._session = None
                    raise
                except Exception as e:
                    self._session = None
                    raise ShoalError(f"{self.spec.model.name} fails on a {self.kind} shaped as {self.spec.sidecar.name} "
                                     f"says: {str(e).splitlines()[0][:160]}") from None
                self._dim = int(out.shape[1])
        return self._session, self._tokenizer

    def _check_names(self, sess) -> None:
        ins = [i.name for i in sess.get_inputs()]
        outs = [o.name for o in sess.get_outputs()]
        side = self.spec.sidecar.name if self.spec.sidecar else "the sidecar"
        wanted = [self.spec.input] if self.kind == "image" else [v for v in self.spec.inputs.values() if v]
        for name in wanted:
            if name is not None and name not in ins:
                raise ShoalError(f"{side} names input {name!r}, but {self.spec.model.name} has inputs: {', '.join(ins)}")
        if self.spec.output is not None and self.spec.output not in outs:
            raise ShoalError(f"{side} names output {self.spec.output!r}, but {self.spec.model.name} has outputs: "
                             f"{', '.join(outs)}")
        self._input = self.spec.input or ins[0]
        self._output = self.spec.output or outs[0]
        self._int32 = {i.name for i in sess.get_inputs() if i.type == "tensor(int32)"}

    # ---- the encoder protocol ---------------------------------------------------------------------------
    def prepare(self, payload: Any) -> Any:
        if self.kind == "image":
            from desktop_app.core.sources import image_io

            return image_io.load_rgb(payload, self.spec.size)
        if not isinstance(payload, str) or not payload.strip():
            raise ItemError("empty text")
        return payload[:MAX_CHARS]

    def encode(self, prepared: Sequence[Any]) -> np.ndarray:
        self._load()
        if len(prepared) == 0:
            return np.zeros((0, self.dim), np.float32)
        if self.kind == "image":
            batch = np.stack(prepared)
            return np.concatenate([self._run_images(batch[s:s + RUN]) for s in range(0, len(batch), RUN)])
        return self._run_texts(list(prepared))

    def _run_images(self, batch: np.ndarray) -> np.ndarray:
        s = self.spec
        x = (batch.astype(np.float32) / np.float32(s.scale) - np.array(s.mean, np.float32)) / np.array(s.std, np.float32)
        if s.layout == "NCHW":
            x = x.transpose(0, 3, 1, 2)
        out = np.asarray(self._session.run([self._output], {self._input: np.ascontiguousarray(x)})[0], np.float32)
        if s.pool == "mean":
            if out.ndim < 3:
                raise ShoalError(f"output {self._output!r} has shape {out.shape[1:]} per image: nothing to average; "
                                 "use pool \"none\"")
            axes = tuple(range(2, out.ndim)) if s.layout == "NCHW" else tuple(range(1, out.ndim - 1))
            out = out.mean(axis=axes)
        return l2_normalise(out.reshape(len(batch), -1))

    def _run_texts(self, texts: list[str]) -> np.ndarray:
        encs = self._tokenizer.encode_batch(texts)
        lengths = np.array([max(1, len(e.ids)) for e in encs])
        order = np.argsort(lengths, kind="stable")
        parts, start = [], 0
        while start < len(order):
            n = 1
            while start + n < len(order) and int(lengths[order[start + n]]) * (n + 1) <= TOKENS_PER_RUN and n < 64:
                n += 1
            parts.append(order[start:start + n])
            start += n
        out: np.ndarray | None = None
        for part in parts:
            vec = self._run_tokens([encs[j] for j in part], int(lengths[part].max()))
            if out is None:
                out = np.empty((len(encs), vec.shape[1]), np.float32)
            out[part] = vec
        assert out is not None
        return l2_normalise(out)

    def _run_tokens(self, encs, width: int) -> np.ndarray:
        ids = np.zeros((len(encs), width), np.int64)
        mask = np.zeros((len(encs), width), np.int64)
        for row, e in enumerate(encs):
            ids[row, :len(e.ids)] = e.ids
            mask[row, :len(e.ids)] = 1
        names = self.spec.inputs
        feed = {names["input_ids"]: ids}
        if names.get("attention_mask"):
            feed[names["attention_mask"]] = mask
        if names.get("token_type_ids"):
            feed[names["token_type_ids"]] = np.zeros_like(ids)
        feed = {k: (v.astype(np.int32) if k in self._int32 else v) for k, v in feed.items()}
        hidden = np.asarray(self._session.run([self._output], feed)[0], np.float32)
        pool = self.spec.pool
        if pool == "none":
            if hidden.ndim != 2:
                raise ShoalError(f"output {self._output!r} has shape {hidden.shape[1:]} per text; with pool \"none\" "
                                 "it must be one vector per text: use pool \"mean\" or \"cls\"")
            return hidden
        if hidden.ndim != 3:
            raise ShoalError(f"output {self._output!r} has shape {hidden.shape[1:]} per text; pool \"{pool}\" needs "
                             "one vector per token (batch, tokens, dim): use pool \"none\"")
        if pool == "cls":
            return hidden[:, 0]
        m = mask[:, :, None].astype(np.float32)
        return (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
