"""Embed pending items (resumable, committed batch by batch) and keep the kNN index cache fresh."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Callable

import numpy as np

from desktop_app.core.embedding.batch import encode_payloads
from desktop_app.core.embedding.registry import get_encoder
from desktop_app.core.index.hnsw import EXACT_BELOW, ExactIndex, KnnIndex
from desktop_app.errors import ShoalError
from desktop_app.store.project import Project

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


def check_encoder(project: Project):
    """The project's encoder, refusing to mix embeddings from a model file that changed."""
    enc = get_encoder(project.meta("encoder"))
    stored = project.meta("encoder_identity")
    if stored != enc.identity():
        raise ShoalError(f"this project was embedded with {stored}, but the installed model is {enc.identity()}; "
                         "run `shoal embed --reembed` to embed everything again with it")
    return enc


def _payload(project: Project, root: Path, row: dict):
    if project.meta("kind") == "image":
        return str(root / row["path"])
    return row["text"]


def embed_pending(project: Project, progress: Progress | None = None, cancel: Cancel | None = None,
                  batch_size: int = 64) -> dict:
    """Embed every item not embedded yet. Safe to interrupt: each batch is committed."""
    enc = check_encoder(project)
    root = project.source_root
    total = project.n_pending_embedding()
    done = failed = 0
    t0 = time.perf_counter()
    while not (cancel and cancel()):
        rows = project.pending_embedding(batch_size)
        if not rows:
            break
        vectors, good, bad = encode_payloads(enc, [_payload(project, root, r) for r in rows])
        project.store_embeddings([rows[i]["idx"] for i in good], vectors,
                                 {rows[i]["idx"]: reason for i, reason in bad.items()})
        done += len(rows)
        failed += len(bad)
        if progress:
            progress(done, total)
    seconds = time.perf_counter() - t0
    return {"embedded": done - failed, "failed": failed, "seconds": seconds,
            "per_second": (done / seconds) if seconds > 0 else 0.0, "cancelled": bool(cancel and cancel())}


def reembed(project: Project) -> None:
    """Forget all embeddings and adopt the installed model's identity."""
    enc = get_encoder(project.meta("encoder"))
    project.clear_embeddings()
    project.set_meta({"encoder_identity": enc.identity(), "dim": enc.dim})
    project.put_arrays("head", {})


def load_index(project: Project, embeddings: np.ndarray, progress: Progress | None = None,
               cancel: Cancel | None = None):
    """The kNN index over embedded items: loaded from the cache, extended, or rebuilt."""
    ids = np.flatnonzero(project.embedded_mask())
    if len(ids) < EXACT_BELOW:
        return ExactIndex(np.asarray(embeddings[ids]), ids)
    path, info_path = project.cache_dir / "index.bin", project.cache_dir / "index.json"
    ids_path = project.cache_dir / "index_ids.npy"
    identity = project.meta("encoder_identity")
    index, known_ids = None, np.empty(0, np.int64)
    try:
        info = json.loads(info_path.read_text())
        if info["identity"] == identity:
            known_ids = np.load(ids_path, allow_pickle=False)
            index = KnnIndex.load(path, embeddings.shape[1])
            if index.count != len(known_ids) or not np.isin(known_ids, ids).all():
                index, known_ids = None, np.empty(0, np.int64)
    except (OSError, ValueError, KeyError, RuntimeError):
        index, known_ids = None, np.empty(0, np.int64)
    if index is None:
        index = KnnIndex(embeddings.shape[1], len(ids))
    new = np.setdiff1d(ids, known_ids)
    if len(new):
        index.add(np.asarray(embeddings[new]), new, progress=progress, cancel=cancel)
        if cancel and cancel():
            return index
        index.save(path)
        np.save(ids_path, np.union1d(known_ids, new))
        info_path.write_text(json.dumps({"identity": identity, "count": index.count}))
    return index
