"""Import Parquet shards of (id, vector[, error]) made with the project's own encoder: the import
step of `shoal embed --engine ray`.

It shares `shoal import-embeddings`' code (ops/vectors.py): the same Parquet reader
(`read_vectors`) and the same checks (`match_ids`: one vector per id, no repeated or unknown id,
no NaN/inf/zero row), then `store_embeddings`, L2-normalised. What differs is what the vectors
are: these come from the project's own encoder (identity checked on every worker), so the
project keeps its encoder and a rerun adds to what is stored (resumable) instead of replacing it,
and a row's `error` marks its item unreadable, as the local engine does.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from desktop_app.core.embedding.base import l2_normalise
from desktop_app.errors import ShoalError
from desktop_app.ops.vectors import match_ids, read_vectors
from desktop_app.store.project import Project


def shard_files(folder: Path) -> list[Path]:
    """The .parquet files of a folder, in name order (regular files only, no links followed)."""
    return sorted(p for p in Path(folder).iterdir()
                  if p.suffix == ".parquet" and p.is_file() and not p.is_symlink())


def import_shards(project: Project, files: Iterable[Path], progress: Callable[[int, int], None] | None = None,
                  only_pending: bool = True) -> dict:
    """Store each shard's vectors (one transaction per shard, checked whole first). With
    only_pending, items that already have a vector are left as they are (a rerun after a crash)."""
    files = list(files)
    dim = int(project.meta("dim"))
    pending = ~project.embedded_flags() if only_pending else None
    total = sum(_rows(f) for f in files)
    stored = failed = skipped = done = 0
    for f in files:
        errors = _errors(f)
        ids, vectors = read_vectors(f, None, id_column="id", vector_column="vector")
        if vectors.shape[1] != dim:
            raise ShoalError(f"{f.name}: vectors have {vectors.shape[1]} values, the project's encoder gives {dim}")
        failed_rows = [i for i, e in enumerate(errors) if e] if errors else []
        ok = np.setdiff1d(np.arange(len(ids)), failed_rows)
        where = match_ids(project, [ids[i] for i in ok], vectors[ok]) if len(ok) else {}
        failures = {}
        for i in failed_rows:
            idx = project.idx_of(ids[i])
            if idx is None:
                raise ShoalError(f"{f.name}: id {ids[i]!r} is not an item of this project")
            failures[idx] = str(errors[i])
        rows = np.array([where[ids[i]] for i in ok], np.int64)
        keep = pending[rows] if pending is not None else np.ones(len(rows), bool)
        skipped += int((~keep).sum())
        project.store_embeddings(rows[keep], l2_normalise(np.asarray(vectors[ok[keep]], np.float32)), failures)
        stored += int(keep.sum())
        failed += len(failures)
        done += len(ids)
        if progress:
            progress(done, total)
    return {"embedded": stored, "failed": failed, "already_embedded": skipped, "rows": done}


def _rows(path: Path) -> int:
    try:
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    except Exception:  # not Parquet: read_vectors says so, in its words
        return 0


def _errors(path: Path) -> list | None:
    """The shard's `error` column (None where the item was encoded), or None if it has none."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ShoalError("reading Parquet needs pyarrow: pip install 'shoal[cluster]'") from None
    try:
        if "error" not in pq.read_schema(path).names:
            return None
        return pq.read_table(path, columns=["error"]).column("error").to_pylist()
    except (pa.ArrowException, OSError) as e:
        raise ShoalError(f"{path} is not a readable parquet file ({str(e).splitlines()[0][:120]})") from None
