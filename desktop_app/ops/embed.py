"""Embed pending items (resumable, committed batch by batch) and keep the kNN index cache fresh."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Callable

import numpy as np

from desktop_app.core.embedding.batch import finish_encode, start_prepare
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
    if project.meta("kind") == "image":  # a moved folder must not mark every item "file not found"
        from desktop_app.ops.create import check_source

        check_source(project)
    root = project.source_root
    total = project.n_pending_embedding()
    done = failed = 0
    t0 = time.perf_counter()
    batches = _pending_batches(project, batch_size)
    rows = next(batches, None)
    if progress and rows:
        progress(0, total)  # the clock of a rate starts now, not after the first batch
    pending = start_prepare(enc, [_payload(project, root, r) for r in rows]) if rows else None
    while rows and not (cancel and cancel()):
        # decode the next batch (thread pool) while this one is encoded
        nxt = next(batches, None)
        upcoming = start_prepare(enc, [_payload(project, root, r) for r in nxt]) if nxt else None
        vectors, good, bad = finish_encode(enc, pending)
        project.store_embeddings([rows[i]["idx"] for i in good], vectors,
                                 {rows[i]["idx"]: reason for i, reason in bad.items()})
        done += len(rows)
        failed += len(bad)
        if progress:
            progress(done, total)
        rows, pending = nxt, upcoming
    seconds = time.perf_counter() - t0
    return {"embedded": done - failed, "failed": failed, "seconds": seconds,
            "per_second": (done / seconds) if seconds > 0 else 0.0, "cancelled": bool(cancel and cancel())}


def _pending_batches(project: Project, batch_size: int):
    """Rows not embedded yet, batch by batch in idx order (the next batch is read before the
    current one is stored, so it cannot come from `pending_embedding`)."""
    last = -1
    while True:
        rows = [dict(zip(("idx", "path", "text"), r)) for r in project.conn.execute(
            "SELECT idx, path, text FROM items WHERE embedded=0 AND skip_reason IS NULL AND idx > ? "
            "ORDER BY idx LIMIT ?", (last, int(batch_size)))]
        if not rows:
            return
        last = rows[-1]["idx"]
        yield rows


def reembed(project: Project) -> None:
    """Forget all embeddings and adopt the installed model's identity."""
    enc = get_encoder(project.meta("encoder"))
    project.clear_embeddings()
    project.set_meta({"encoder_identity": enc.identity(), "dim": enc.dim})
    project.put_arrays("head", {})


def embedded_mask(project: Project) -> np.ndarray:
    """Which items have an embedding. Kept beside the embeddings cache under the same stamp, so
    opening a 1M-item project does not walk the 1.5 GB embeddings table."""
    stamp = f"{project.meta('encoder_identity')}:{project.embeddings_stamp()}:{project.n_items}"
    path, info = project.cache_dir / "embedded_mask.npy", project.cache_dir / "embedded_mask.json"
    try:
        if json.loads(info.read_text())["stamp"] == stamp:
            mask = np.load(path, allow_pickle=False)
            if mask.shape == (project.n_items,) and mask.dtype == bool:
                return mask
    except (OSError, ValueError, KeyError):
        pass
    mask = np.zeros(project.n_items, dtype=bool)
    mask[np.fromiter((r[0] for r in project.conn.execute("SELECT idx FROM items WHERE embedded=1")), np.int64)] = True
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, mask)
    os.replace(tmp, path)
    info.write_text(json.dumps({"stamp": stamp}))
    return mask


def remember_index(project: Project, ids: np.ndarray, crc: int | None = None) -> None:
    """Record which items the saved index file (cache_dir/index.bin) holds, and its checksum."""
    from desktop_app.core.index.hnsw import file_crc

    ids = np.asarray(ids, np.int64)
    path = project.cache_dir / "index.bin"
    crc = file_crc(path) if crc is None else crc
    st = path.stat()
    np.save(project.cache_dir / "index_ids.npy", ids)
    (project.cache_dir / "index.json").write_text(json.dumps({
        "identity": project.meta("encoder_identity"), "count": int(len(ids)), "crc": int(crc),
        "size": st.st_size, "mtime_ns": st.st_mtime_ns}))


def _trusted_crc(path: Path, info: dict) -> int | None:
    """None (skip the checksum) when the file is exactly as written: same size and mtime.
    Any rewrite changes the mtime, and then the CRC recorded at save is checked."""
    st = path.stat()
    if st.st_size == info.get("size") and st.st_mtime_ns == info.get("mtime_ns"):
        return None
    return int(info["crc"])


def load_index(project: Project, embeddings: np.ndarray, progress: Progress | None = None,
               cancel: Cancel | None = None, lazy: bool = False):
    """The kNN index over embedded items: loaded from the cache, extended, or rebuilt.

    With lazy=True the call returns at once and the (large) file is read, and new items added,
    when neighbours are first needed (LazyIndex; `.start()` begins it in a background thread).
    Loading does not overlap with other Python work: hnswlib's load_index holds the GIL
    (about 1-2.5 s at 1M items). The project file itself is only read here, on the calling thread."""
    ids = np.flatnonzero(embedded_mask(project))
    if len(ids) < EXACT_BELOW:
        return ExactIndex(np.asarray(embeddings[ids]), ids)
    cache = project.cache_dir
    identity = project.meta("encoder_identity")
    n = len(embeddings)

    def build():
        index, known = None, np.zeros(n, bool)
        try:
            info = json.loads((cache / "index.json").read_text())
            if info["identity"] == identity:
                known_ids = np.load(cache / "index_ids.npy", allow_pickle=False)
                if len(known_ids) and (known_ids.max() >= n or not np.all(np.isin(known_ids, ids))):
                    raise ValueError("index holds items that are gone")
                index = KnnIndex.load(cache / "index.bin", embeddings.shape[1],
                                      crc=_trusted_crc(cache / "index.bin", info))
                if index.count != len(known_ids):
                    raise ValueError("index and its id list disagree")
                probe = np.unique(known_ids[np.linspace(0, len(known_ids) - 1, 64).astype(np.int64)])
                if len(probe) and not np.allclose(index.vectors(probe), embeddings[probe], atol=1e-5):
                    raise ValueError("index was built from other embeddings (re-embedded)")
                known[known_ids] = True
        except (OSError, ValueError, KeyError, TypeError, RuntimeError):
            index, known = None, np.zeros(n, bool)
        if index is None:
            index = KnnIndex(embeddings.shape[1], len(ids))
        new = ids[~known[ids]]
        if len(new):
            if progress:
                progress(0, len(new))
            for s in range(0, len(new), 50_000):  # read the memory map in slices, not all at once
                part = new[s:s + 50_000]
                index.add(np.asarray(embeddings[part]), part, cancel=cancel,
                          progress=(lambda d, t, s=s: progress(s + d, len(new))) if progress else None)
                if cancel and cancel():
                    return index
            crc = index.save(cache / "index.bin")
            remember_index(project_ids_only, ids, crc)
        return index

    project_ids_only = _CacheOnly(cache, identity)
    if lazy:
        from desktop_app.core.index.lazy import LazyIndex

        return LazyIndex(build, embeddings.shape[1], start=False)
    return build()


class _CacheOnly:
    """What remember_index needs of a project, without touching its SQLite connection (the lazy
    build runs in another thread)."""

    def __init__(self, cache_dir: Path, identity: str):
        self.cache_dir = cache_dir
        self._identity = identity

    def meta(self, key: str):
        return self._identity if key == "encoder_identity" else None
