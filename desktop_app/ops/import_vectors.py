"""Import embeddings from Parquet shards of (id, vector[, error]) into a project: the one code path
behind `shoal embed --engine ray` (and the shape an `import-embeddings` command can reuse).

Each shard is read batch by batch with pyarrow (no pickle, no Ray needed), ids are the ids a user
sees (the source's own id, else the uid; `project.idx_of`), vectors must have the project's
dimension and be finite, and each batch is stored with `store_embeddings` (one transaction), so
an interrupted import keeps what it stored and a rerun finishes the rest.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from desktop_app.errors import ShoalError
from desktop_app.store.project import Project

BATCH = 4096


def shard_files(folder: Path) -> list[Path]:
    """The .parquet files of a folder, in name order (regular files only, no links followed)."""
    return sorted(p for p in Path(folder).iterdir()
                  if p.suffix == ".parquet" and p.is_file() and not p.is_symlink())


def import_shards(project: Project, files: Iterable[Path], progress: Callable[[int, int], None] | None = None,
                  only_pending: bool = True) -> dict:
    """Store the vectors of every row; rows whose `error` is set mark their item unreadable.
    With only_pending, items that already have a vector are left as they are (a rerun after a crash)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ShoalError("reading Parquet needs pyarrow: pip install pyarrow (or 'shoal[cluster]')") from None
    files = list(files)
    dim = int(project.meta("dim"))
    pending = ~project.embedded_flags() if only_pending else None
    total = 0
    for f in files:
        try:
            total += pq.ParquetFile(f).metadata.num_rows
        except Exception as e:  # pyarrow raises several types for a file that is not Parquet
            raise ShoalError(f"{f.name} is not a readable Parquet file ({type(e).__name__})") from None
    stored = failed = skipped = done = 0
    for f in files:
        pf = pq.ParquetFile(f)
        names = set(pf.schema_arrow.names)
        if not {"id", "vector"} <= names:
            raise ShoalError(f"{f.name} needs columns 'id' and 'vector' (has: {', '.join(sorted(names))})")
        cols = ["id", "vector"] + (["error"] if "error" in names else [])
        for batch in pf.iter_batches(batch_size=BATCH, columns=cols):
            ids = [str(v) for v in batch.column("id").to_pylist()]
            errors = batch.column("error").to_pylist() if "error" in cols else [None] * len(ids)
            vectors = _vectors(batch.column("vector"), dim, f.name)
            idxs, keep, failures = [], [], {}
            for row, item_id in enumerate(ids):
                idx = project.idx_of(item_id)
                if idx is None:
                    raise ShoalError(f"{f.name}: id {item_id!r} is not an item of this project")
                if pending is not None and not pending[idx]:
                    skipped += 1
                elif errors[row]:
                    failures[idx] = str(errors[row])
                else:
                    idxs.append(idx)
                    keep.append(row)
            project.store_embeddings(idxs, vectors[keep], failures)
            stored += len(idxs)
            failed += len(failures)
            done += len(ids)
            if progress:
                progress(done, total)
    return {"embedded": stored, "failed": failed, "already_embedded": skipped, "rows": done}


def _vectors(column, dim: int, name: str) -> np.ndarray:
    """A list<float> / fixed_size_list<float> column as an (n, dim) float32 array, checked."""
    import pyarrow as pa

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not (pa.types.is_list(column.type) or pa.types.is_fixed_size_list(column.type)
            or pa.types.is_large_list(column.type)):
        raise ShoalError(f"{name}: column 'vector' must be a list of floats (is {column.type})")
    if column.null_count:
        raise ShoalError(f"{name}: column 'vector' has empty rows")
    lengths = np.asarray(column.value_lengths()) if not pa.types.is_fixed_size_list(column.type) \
        else np.full(len(column), column.type.list_size)
    if len(column) and (lengths != dim).any():
        bad = int(lengths[lengths != dim][0])
        raise ShoalError(f"{name}: vectors must have {dim} values, as the project's encoder gives (found {bad})")
    try:
        flat = np.asarray(column.flatten().to_numpy(zero_copy_only=False), dtype=np.float32)
    except (ValueError, TypeError, pa.ArrowInvalid):
        raise ShoalError(f"{name}: column 'vector' must hold numbers") from None
    vectors = flat.reshape(len(column), dim)
    if not np.isfinite(vectors).all():
        raise ShoalError(f"{name}: column 'vector' holds NaN or infinite values")
    return vectors
