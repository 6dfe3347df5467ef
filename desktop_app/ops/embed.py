"""Embed pending items (resumable, committed batch by batch) and keep the kNN index cache fresh."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

from desktop_app.core.embedding.batch import finish_encode, start_prepare
from desktop_app.core.embedding.registry import get_encoder
from desktop_app.core.index import kinds
from desktop_app.core.index.hnsw import EXACT_BELOW, ExactIndex
from desktop_app.errors import ItemError, ShoalError
from desktop_app.store import sidecar
from desktop_app.store.project import Project

Progress = Callable[[int, int], None]
Cancel = Callable[[], bool]


def check_encoder(project: Project):
    """The project's encoder, refusing to mix embeddings from a model file that changed. None for a
    project whose vectors were imported (`shoal import-embeddings`): it has no encoder."""
    if project.meta("encoder") == "imported":
        return None
    enc = project_encoder(project)
    stored = project.meta("encoder_identity")
    if stored != enc.identity():
        raise ShoalError(f"this project was embedded with {stored}, but the installed model is {enc.identity()}; "
                         "run `shoal embed --reembed` to embed everything again with it")
    return enc


def project_encoder(project: Project):
    """The encoder a project was made with: a bundled one by name, or the user's own ONNX model
    (meta `encoder_path`, relative to the project's folder when it was copied beside it)."""
    name = project.meta("encoder")
    if name == "imported":
        raise ShoalError(f"the vectors of {project.path.name} were imported ({project.meta('encoder_identity')}); "
                         "it has no encoder to embed new items with")
    return get_encoder(name, encoder_path(project))


def encoder_path(project: Project) -> Path | None:
    raw = project.meta("encoder_path")
    if not isinstance(raw, str) or not raw:
        return None
    return project.path.parent / raw


def _prepare(project: Project, enc, rows: list[dict]):
    """Start decoding a batch: (rows being decoded, the decoding, {idx: reason} for rows refused
    before any decoding, e.g. a path outside the source folder)."""
    if project.meta("kind") != "image":
        return rows, start_prepare(enc, [r["text"] for r in rows]), {}
    ok, paths, refused = [], [], {}
    for r in rows:
        try:
            paths.append(str(project.item_file(r["path"])))
            ok.append(r)
        except ItemError as e:
            refused[r["idx"]] = str(e)
    return ok, start_prepare(enc, paths), refused


def embed_pending(project: Project, progress: Progress | None = None, cancel: Cancel | None = None,
                  batch_size: int = 64) -> dict:
    """Embed every item not embedded yet. Safe to interrupt: each batch is committed."""
    enc = check_encoder(project)
    if enc is None:  # imported vectors: Shoal cannot embed what the import left out
        left = project.n_pending_embedding()
        if left:
            raise ShoalError(f"{left} item{'s have' if left != 1 else ' has'} no vector, and this project's vectors "
                             f"were imported ({project.meta('encoder_identity')}): import theirs with "
                             f"`shoal import-embeddings {project.path} VECTORS --ids IDS`; the embedded items can "
                             "be labeled meanwhile")
        return {"embedded": 0, "failed": 0, "seconds": 0.0, "per_second": 0.0, "cancelled": False}
    if project.meta("kind") == "image":  # a moved folder must not mark every item "file not found"
        from desktop_app.ops.create import check_source

        check_source(project)
    total = project.n_pending_embedding()
    done = failed = 0
    t0 = time.perf_counter()
    batches = _pending_batches(project, batch_size)
    rows = next(batches, None)
    if progress and rows:
        progress(0, total)  # the clock of a rate starts now, not after the first batch
    pending = _prepare(project, enc, rows) if rows else None
    while rows and not (cancel and cancel()):
        # decode the next batch (thread pool) while this one is encoded
        nxt = next(batches, None)
        upcoming = _prepare(project, enc, nxt) if nxt else None
        ok, prepared, refused = pending
        vectors, good, bad = finish_encode(enc, prepared)
        project.store_embeddings([ok[i]["idx"] for i in good], vectors,
                                 {**refused, **{ok[i]["idx"]: reason for i, reason in bad.items()}})
        done += len(rows)
        failed += len(bad) + len(refused)
        if progress:
            progress(done, total)
        rows, pending = nxt, upcoming
    seconds = time.perf_counter() - t0
    return {"embedded": done - failed, "failed": failed, "seconds": seconds,
            "per_second": (done / seconds) if seconds > 0 else 0.0, "cancelled": bool(cancel and cancel())}


def _pending_batches(project: Project, batch_size: int):
    """Rows not embedded yet, batch by batch in idx order (the next batch is read before the
    current one is stored, so each read starts after the last idx read)."""
    last = -1
    while True:
        rows = project.pending_embedding(batch_size, after=last)
        if not rows:
            return
        last = rows[-1]["idx"]
        yield rows


def reembed(project: Project) -> None:
    """Forget all embeddings and adopt the installed model's identity."""
    enc = project_encoder(project)
    project.clear_embeddings()
    project.set_meta({"encoder_identity": enc.identity(), "dim": enc.dim})
    project.put_arrays("head", {})


def embedded_mask(project: Project) -> np.ndarray:
    """Which items have an embedding. Kept beside the embeddings cache under the same stamp, so
    opening a 1M-item project does not walk the 1.5 GB embeddings table."""
    stamp = (f"{project.meta('project_id')}:{project.meta('encoder_identity')}:{project.embeddings_stamp()}:"
             f"{project.n_items}")
    path = project.cache_dir / "embedded_mask.npy"
    mask = sidecar.read_stamped(path, stamp, valid=lambda m: m.shape == (project.n_items,) and m.dtype == bool)
    if mask is not None:
        return mask
    mask = project.embedded_flags()
    if not project.readonly:
        sidecar.write_stamped(path, stamp, mask)
    return mask


def remember_index(project: Project, ids: np.ndarray, crc: int | None = None, kind: str = "hnsw") -> None:
    """Record which items the saved index file (cache_dir/index.bin) holds, its kind and checksum."""
    _remember_index(project.cache_dir, project.meta("encoder_identity"), project.meta("project_id"), ids, crc, kind)


def _remember_index(cache: Path, identity, project_id, ids: np.ndarray, crc: int | None, kind: str) -> None:
    """remember_index from plain values: the lazy build runs in another thread and needs no project."""
    from desktop_app.core.index.hnsw import file_crc

    ids = np.asarray(ids, np.int64)
    path = cache / "index.bin"
    crc = file_crc(path) if crc is None else crc
    st = path.stat()
    sidecar.save_npy(cache / "index_ids.npy", ids)
    sidecar.write_json(cache / "index.json", {
        "identity": identity, "project_id": project_id,
        "kind": kind, "count": int(len(ids)), "crc": int(crc), "size": st.st_size, "mtime_ns": st.st_mtime_ns})


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
    kind = index_kind(project, len(ids))
    cache = project.cache_dir
    identity = project.meta("encoder_identity")
    project_id = project.meta("project_id")
    n = len(embeddings)

    def build():
        index, known = None, np.zeros(n, bool)
        try:
            info = sidecar.read_json(cache / "index.json")
            if (info["identity"] == identity and info.get("project_id") == project_id
                    and info.get("kind", "hnsw") == kind):  # a switch of kind rebuilds
                known_ids = sidecar.load_npy(cache / "index_ids.npy")
                if len(known_ids) and (known_ids.max() >= n or not np.all(np.isin(known_ids, ids))):
                    raise ValueError("index holds items that are gone")
                # the checksum is always verified (about 1 GB/s, small next to loading): a flipped bit
                # that kept size and mtime would otherwise reach hnswlib, which crashes on it
                index = kinds.load(kind, sidecar.plain(cache / "index.bin"), embeddings.shape[1],
                                   crc=int(info["crc"]))
                if index.count != len(known_ids):
                    raise ValueError("index and its id list disagree")
                probe = np.unique(known_ids[np.linspace(0, len(known_ids) - 1, 64).astype(np.int64)])
                if len(probe) and not np.allclose(index.vectors(probe), embeddings[probe],
                                                                      atol=kinds.probe_atol(index)):
                    raise ValueError("index was built from other embeddings (re-embedded)")
                known[known_ids] = True
        except (OSError, ValueError, KeyError, TypeError, RuntimeError):
            index, known = None, np.zeros(n, bool)
        if index is None:
            index = kinds.new_index(kind, embeddings.shape[1], len(ids))
        kinds.attach_rows(index, embeddings)  # usearch re-ranks its int8 candidates by exact cosine
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
            try:
                crc = index.save(cache / "index.bin")
                _remember_index(cache, identity, project_id, ids, crc, kind)
            except (OSError, ShoalError):  # a full disk or read-only cache: this index works from memory,
                pass                           # and a stale index.json fails the checksum next time
        return index

    if lazy:
        from desktop_app.core.index.lazy import LazyIndex

        return LazyIndex(build, embeddings.shape[1], start=False)
    return build()


def index_kind(project: Project, n: int) -> str:
    """The kNN index kind for n embedded items under the project's `index` setting (auto by default);
    the kind in use is recorded in the project as `index_kind`."""
    try:
        kind = kinds.choose(project.meta("index", "auto"), n)
    except ValueError as e:
        raise ShoalError(f"{e}; or choose another with `shoal settings PROJECT --index auto`") from None
    if not project.readonly and project.meta("index_kind") != kind:
        project.set_meta({"index_kind": kind})
    return kind
