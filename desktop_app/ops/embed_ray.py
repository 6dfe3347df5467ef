"""`shoal embed --engine ray`: the project's encoder as a Ray Data pipeline.

The item list (pending items only, so a rerun is resumable) is read into a Ray Dataset,
`map_batches` runs an actor pool holding one onnxruntime session per worker, and the results
stream back to the driver, which writes them as Parquet shards of (id, vector, error) in the project's
cache folder and imports them every 20,000 rows with `ops.import_vectors.import_shards` (the one import
code path), reporting progress as batches arrive.
Without `address` a local Ray runtime is started (and stopped); with one, the user's cluster is
used, whose workers must have Shoal installed and (for images) see the same file paths.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Callable

from desktop_app.errors import ItemError, ShoalError
from desktop_app.ops.embed import check_encoder, encoder_path
from desktop_app.ops.import_vectors import import_shards, shard_files
from desktop_app.store.project import Project

INSTALL = "--engine ray needs Ray: pip install 'shoal[cluster]' (or pip install 'ray[data]')"


def import_ray():
    try:
        import ray
        import ray.data
    except ImportError:
        raise ShoalError(INSTALL) from None
    import logging

    for name in ("ray", "ray.data"):  # Shoal's own progress bar reports; Ray's INFO lines would drown it
        logging.getLogger(name).setLevel(logging.WARNING)
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False
    if hasattr(ctx, "print_on_execution_start"):
        ctx.print_on_execution_start = False
    return ray


class EncodeBatch:
    """One actor of the pool: the encoder (and its onnxruntime session) is made once per worker."""

    def __init__(self, encoder: str, identity: str, threads: int | None, path: str | None = None,
                 device: str = "cpu"):
        from desktop_app.core.embedding import device as devices
        from desktop_app.core.embedding.registry import ENCODERS, OWN

        devices.select(device)  # "cuda": this worker's onnxruntime must have the CUDA provider

        if encoder == OWN:  # the user's own ONNX model: the workers must see the same file
            from desktop_app.core.embedding.own_onnx import OwnOnnxEncoder

            self.encoder = OwnOnnxEncoder(Path(str(path)), threads=threads)
        else:
            self.encoder = ENCODERS[encoder][0]()(threads=threads)
        if self.encoder.identity() != identity:  # a worker with another model file must not mix vectors in
            raise RuntimeError(f"worker has {self.encoder.identity()}, the project needs {identity}")

    def __call__(self, batch):
        import numpy as np
        import pyarrow as pa

        from desktop_app.core.embedding.batch import encode_payloads

        payloads = batch.column("payload").to_pylist()
        vectors, good, bad = encode_payloads(self.encoder, payloads)
        dim = self.encoder.dim
        out = np.zeros((len(payloads), dim), np.float32)
        out[good] = vectors
        errors = [bad.get(i) for i in range(len(payloads))]
        vec = pa.FixedSizeListArray.from_arrays(pa.array(out.reshape(-1)), dim)
        return pa.table({"id": batch.column("id"), "vector": vec, "error": pa.array(errors, pa.string())})


def _item_list(project: Project) -> tuple[list[dict], dict[int, str]]:
    """(rows of pending items as {id, payload}, {idx: reason} for items refused before encoding)."""
    image = project.meta("kind") == "image"
    rows, refused, last = [], {}, -1
    while batch := project.pending_embedding(10_000, after=last):
        last = batch[-1]["idx"]
        ids = {it["idx"]: it["id"] for it in project.items(r["idx"] for r in batch)}
        for r in batch:
            if image:
                try:
                    payload = str(project.item_file(r["path"]))
                except ItemError as e:
                    refused[r["idx"]] = str(e)
                    continue
            else:
                payload = r["text"]
            rows.append({"id": ids[r["idx"]], "payload": payload})
    return rows, refused


def embed_with_ray(project: Project, address: str | None = None, workers: int | None = None,
                   progress: Callable[[int, int], None] | None = None, batch_size: int | None = None,
                   device: str = "auto", cancel: Callable[[], bool] | None = None) -> dict:
    """`cancel`: checked after each batch that comes back; a stop imports what arrived and returns
    with cancelled=True (a rerun embeds the rest)."""
    from desktop_app.core.embedding import device as devices

    if device not in devices.DEVICES:
        raise ShoalError(f"unknown device {device!r} (choose from {', '.join(devices.DEVICES)})")
    ray = import_ray()
    enc = check_encoder(project)
    if enc is None:  # imported vectors: no encoder to run (embed_pending words it)
        from desktop_app.ops.embed import embed_pending

        return embed_pending(project)
    if project.meta("kind") == "image":
        from desktop_app.ops.create import check_source

        check_source(project)
    if workers is not None and workers < 1:
        raise ShoalError("--workers must be at least 1")
    t0 = time.perf_counter()
    rows, refused = _item_list(project)
    if refused:
        project.store_embeddings([], [], refused)
    if not rows:
        return {"embedded": 0, "failed": len(refused), "seconds": 0.0, "per_second": 0.0, "cancelled": False}
    if progress:
        progress(0, len(rows))
    out = project.cache_dir / f"ray-shards-{os.getpid()}-{os.urandom(4).hex()}"
    t_start = time.perf_counter()
    started = _start(ray, address, workers)
    start_s = time.perf_counter() - t_start
    try:
        gpus = int(ray.cluster_resources().get("GPU", 0))
        if device == "cuda" and gpus == 0:
            raise ShoalError("--device cuda: the Ray cluster has no GPUs (ray.cluster_resources() lists none); "
                             "use --device auto or cpu")
        gpu = gpus > 0 and device != "cpu"
        note = "device: cpu (the Ray cluster has no GPUs)" if device == "auto" and not gpu else None
        n = workers or (gpus if gpu else int(ray.cluster_resources().get("CPU", 1)))
        threads = max(1, (os.cpu_count() or 1) // n) if address is None else None
        batch_size = batch_size or (devices.GPU_BATCH if gpu else devices.CPU_BATCH)
        # results come back a block at a time: blocks of 2 batches keep the progress bar moving
        ds = ray.data.from_items(rows, override_num_blocks=max(n, -(-len(rows) // (2 * batch_size))))
        own = encoder_path(project)
        kwargs = {"encoder": project.meta("encoder"), "identity": enc.identity(), "threads": threads,
                  "path": str(own.resolve()) if own else None,
                  "device": device if gpu else "cpu"}  # auto on a GPU worker falls back to its CPU
        ds = ds.map_batches(EncodeBatch, fn_constructor_kwargs=kwargs, batch_size=batch_size,
                            batch_format="pyarrow", concurrency=n, num_cpus=1, num_gpus=1 if gpu else 0)
        t_pipe = time.perf_counter()
        result, import_s = _stream(ds, out, project, len(rows), progress, cancel)
        pipeline_s = time.perf_counter() - t_pipe - import_s
    except ShoalError:
        raise
    except Exception as e:  # a worker's error reaches the driver wrapped by Ray: one line, not its traceback
        raise ShoalError(f"the Ray pipeline failed: {_first_line(e)}") from None
    finally:
        shutil.rmtree(out, ignore_errors=True)
        if started:
            ray.shutdown()
    seconds = time.perf_counter() - t0
    return {"embedded": result["embedded"], "failed": result["failed"] + len(refused), "seconds": seconds,
            "start_seconds": start_s, "pipeline_seconds": pipeline_s, "import_seconds": import_s,
            "per_second": len(rows) / seconds if seconds else 0.0,
            "pipeline_per_second": len(rows) / pipeline_s if pipeline_s else 0.0,
            "workers": n, "device": "cuda" if gpu else "cpu", "device_note": note,
            "cancelled": result["cancelled"]}


IMPORT_EVERY = 20_000  # rows per import: each import reads the items' embedded flags once


def _stream(ds, out: Path, project: Project, total: int, progress, cancel=None) -> tuple[dict, float]:
    """Pull the encoded batches to the driver as the workers finish them (progress counts them),
    write each as a Parquet shard in `out` and import the shards every IMPORT_EVERY rows, so a
    killed run keeps what was imported (a rerun embeds the rest). The driver, not each node, writes
    the shards: on a cluster the workers need no disk shared with it."""
    import pyarrow.parquet as pq

    out.mkdir(parents=True, exist_ok=True)
    result = {"embedded": 0, "failed": 0, "cancelled": False}
    import_s, done, waiting = 0.0, 0, 0

    def flush() -> None:
        nonlocal import_s, waiting
        t = time.perf_counter()
        got = import_shards(project, shard_files(out))
        import_s += time.perf_counter() - t
        result["embedded"] += got["embedded"]
        result["failed"] += got["failed"]
        for f in shard_files(out):
            f.unlink()
        waiting = 0

    for k, table in enumerate(ds.iter_batches(batch_format="pyarrow", batch_size=None)):
        if table.num_rows == 0:
            continue
        pq.write_table(table, out / f"part-{k:06d}.parquet")
        done += table.num_rows
        waiting += table.num_rows
        if waiting >= IMPORT_EVERY:
            flush()
        if progress:
            progress(min(done, total), total)
        if cancel and cancel():
            result["cancelled"] = True
            break
    if waiting:
        flush()
    return result, import_s


def _start(ray, address: str | None, workers: int | None) -> bool:
    """Connect to the cluster at `address`, or start a local runtime; True if this call started it."""
    if ray.is_initialized():
        return False
    opts = {"include_dashboard": False, "log_to_driver": False, "configure_logging": False}
    try:
        if address:
            ray.init(address=address, **opts)
        else:
            ray.init(num_cpus=max(workers or 0, os.cpu_count() or 1), **opts)
    except Exception as e:
        raise ShoalError(f"cannot start Ray{' at ' + address if address else ''}: {_first_line(e)}") from None
    return True


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return (text[-1] if text else type(e).__name__)[:300]
