"""`shoal import-embeddings`: vectors computed elsewhere (a GPU box, a cluster), matched to items by the ids
users see. Everything is checked before anything is written, and the import is one transaction."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from desktop_app.core.embedding.base import l2_normalise
from desktop_app.errors import ShoalError
from desktop_app.store.project import Project

IMPORTED = "imported"  # the encoder name of a project whose vectors come from elsewhere
MAX_ID_BYTES = 1 << 30
CHUNK = 8192


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def read_ids(path: str | Path) -> list[str]:
    """One id per line (UTF-8); a trailing empty line is ignored."""
    path = Path(path)
    try:
        if not path.is_file():
            raise ShoalError(f"ids file not found (or not a regular file): {path}")
        if path.stat().st_size > MAX_ID_BYTES:
            raise ShoalError(f"{path} is larger than 1 GiB; that is no list of ids")
        raw = path.read_bytes()
    except OSError as e:
        raise ShoalError(f"cannot read {path}: {e.strerror or e}") from None
    try:
        body = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ShoalError(f"{path} is not UTF-8 text (byte {e.start}); write one id per line in UTF-8") from None
    lines = body.splitlines()
    return [line.strip("\r") for line in lines]


def read_vectors(vectors: str | Path, ids: str | Path | None, id_column: str | None = None,
                 vector_column: str | None = None) -> tuple[list[str], np.ndarray]:
    """(ids, (N, d) array, possibly memory-mapped) from a .npy + ids file, or a .parquet table."""
    path = Path(vectors)
    if not path.is_file():
        raise ShoalError(f"vectors file not found (or not a regular file): {path}")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        if ids is None:
            raise ShoalError("a .npy file holds no ids: give them with --ids IDS (one id per line, in row order)")
        try:
            arr = np.load(path, mmap_mode="r", allow_pickle=False)
        except (ValueError, OSError, EOFError) as e:
            raise ShoalError(f"{path} is not a readable .npy array ({str(e).splitlines()[0][:120]})") from None
        return read_ids(ids), _checked_array(arr, path)
    if suffix == ".parquet":
        return _read_parquet(path, id_column, vector_column)
    raise ShoalError(f"{path}: vectors must be a .npy (N x d) or a .parquet table (an id and a vector column)")


def _checked_array(arr: np.ndarray, path: Path) -> np.ndarray:
    if arr.dtype.kind != "f" or arr.dtype.itemsize not in (2, 4, 8):
        raise ShoalError(f"{path} holds {arr.dtype} values; vectors must be float32 or float16")
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ShoalError(f"{path} has shape {tuple(arr.shape)}; vectors must be a 2-D array, one row per item (N x d)")
    return arr


def _read_parquet(path: Path, id_column: str | None, vector_column: str | None) -> tuple[list[str], np.ndarray]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ShoalError("reading .parquet needs pyarrow: pip install 'shoal[models]' (or save the vectors as .npy "
                         "with an ids file)") from None
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as e:
        raise ShoalError(f"{path} is not a readable parquet file ({str(e).splitlines()[0][:120]})") from None
    names = list(schema.names)
    lists = [f.name for f in schema if pa.types.is_list(f.type) or pa.types.is_fixed_size_list(f.type)
             or pa.types.is_large_list(f.type)]
    id_col = id_column or "id"
    if id_col not in names:
        raise ShoalError(f"{path} has no column {id_col!r} (columns: {', '.join(names)}); name the id column with "
                         "--id-column")
    if vector_column is None:
        if len(lists) != 1:
            raise ShoalError(f"{path} has {len(lists)} list columns ({', '.join(lists) or 'none'}); name the vector "
                             "column with --vector-column")
        vector_column = lists[0]
    elif vector_column not in lists:
        raise ShoalError(f"{path}: column {vector_column!r} is not a list column of numbers "
                         f"(list columns: {', '.join(lists) or 'none'})")
    try:
        table = pq.read_table(path, columns=[id_col, vector_column])
        ids = [None if v is None else str(v) for v in table.column(id_col).to_pylist()]
        col = table.column(vector_column).combine_chunks()
        if col.null_count:
            raise ShoalError(f"{path}: {_plural(col.null_count, 'row')} of {vector_column!r} hold no vector")
        lengths = np.asarray(col.value_lengths()) if hasattr(col, "value_lengths") else None
        flat = np.asarray(col.flatten().to_numpy(zero_copy_only=False))
    except pa.ArrowException as e:
        raise ShoalError(f"{path} could not be read ({str(e).splitlines()[0][:120]})") from None
    if any(i is None for i in ids):
        raise ShoalError(f"{path}: some rows have no id")
    d = int(lengths[0]) if lengths is not None and len(lengths) else (len(flat) // max(1, len(ids)))
    if lengths is not None and len(lengths) and not (lengths == d).all():
        raise ShoalError(f"{path}: the vectors have different lengths ({int(lengths.min())} to {int(lengths.max())})")
    if len(ids) and d * len(ids) != len(flat):
        raise ShoalError(f"{path}: the vector column does not hold {len(ids)} vectors of one length")
    return [str(i) for i in ids], _checked_array(flat.reshape(len(ids), max(d, 1)) if len(ids) else flat.reshape(0, 1), path)


def match_ids(project: Project, ids: list[str], vectors: np.ndarray) -> dict[str, int]:
    """{id: idx} for vectors row-aligned with `ids`, after the checks every import makes (also
    `shoal embed --engine ray`'s shards, ops/import_vectors.py): one id per row, no repeated id,
    no NaN/inf/all-zero row, every id an item of the project. ShoalError otherwise."""
    n, d = vectors.shape
    if len(ids) != n:
        raise ShoalError(f"{_plural(n, 'vector')} but {_plural(len(ids), 'id')}: give one id per row, in row order")
    if n == 0:
        raise ShoalError("the vectors file holds no rows")
    if len(set(ids)) != n:
        seen: set[str] = set()
        dup = ""
        for i in ids:
            if i in seen:
                dup = i
                break
            seen.add(i)
        raise ShoalError(f"{_plural(n - len(set(ids)), 'id')} appear more than once (first: {dup!r}); "
                         "each item gets one vector")
    bad = [s + int(j) for s in range(0, n, CHUNK)
           for j in np.flatnonzero(~_usable_rows(np.asarray(vectors[s:s + CHUNK], np.float32)))]
    if bad:
        raise ShoalError(f"{_plural(len(bad), 'row')} hold NaN, infinite or all-zero values (first: row {bad[0]}, "
                         f"id {ids[bad[0]]!r}); nothing was imported")
    where = project.idxs_of(ids)
    unknown = [i for i in ids if i not in where]
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5])
        raise ShoalError(f"{_plural(len(unknown), 'id')} of {n} are not items of this project (e.g. {shown}); "
                         "ids must be the ones `shoal export` and `shoal next` show; nothing was imported")
    return where


def import_vectors(project: Project, ids: list[str], vectors: np.ndarray, name: str = "external",
                   replace: bool = False) -> dict:
    """Store `vectors` (row i belongs to item `ids[i]`), L2-normalised, as the project's embeddings.
    Refuses (ShoalError, nothing written) a count mismatch, repeated or unknown ids, NaN/inf/zero rows,
    another dimension than the vectors already imported, and vectors of another encoder unless `replace`."""
    n, d = vectors.shape
    where = match_ids(project, ids, vectors)
    identity = f"{IMPORTED}:{name}"
    encoder, stored, have = project.meta("encoder"), project.meta("encoder_identity"), project.counts()["n_embedded"]
    fresh = replace or have == 0
    if not fresh and stored != identity:
        raise ShoalError(f"this project holds {_plural(have, 'vector')} from {stored}; vectors of another model are "
                         "never mixed with them: pass --replace to drop them and use only the imported ones"
                         + (f" (or --name {stored.split(':', 1)[1]} if these come from the same model)"
                            if encoder == IMPORTED else ""))
    if not fresh and int(project.meta("dim", 0)) != d:
        raise ShoalError(f"the vectors have {d} dimensions, but the ones imported before have {project.meta('dim')}")
    skipped = {r["idx"] for r in project.skipped_items()}
    rows = np.array([where[i] for i in ids], np.int64)
    with project.tx():
        if fresh:
            project.clear_embeddings()
            project.set_meta({"encoder": IMPORTED, "encoder_identity": identity, "dim": d})
            if encoder != IMPORTED or stored != identity:
                project.put_arrays("head", {})  # a head of other vectors means nothing for these
                project.put_arrays("snapshot", {})
        keep = np.array([int(r) not in skipped for r in rows], bool)
        for s in range(0, n, CHUNK):
            part = keep[s:s + CHUNK]
            block = l2_normalise(np.asarray(vectors[s:s + CHUNK], np.float32))
            project.store_embeddings(rows[s:s + CHUNK][part], block[part], {})
    c = project.counts()
    missing = c["n_items"] - c["n_skipped"] - c["n_embedded"]
    left = [r["id"] for r in project.items(project_pending(project, 5))] if missing else []
    return {"imported": int(keep.sum()), "dim": d, "identity": identity, "skipped_items": int((~keep).sum()),
            "n_embedded": c["n_embedded"], "left_unembedded": missing, "left_examples": left}


def project_pending(project: Project, limit: int) -> list[int]:
    return [r["idx"] for r in project.pending_embedding(limit)]


def _usable_rows(block: np.ndarray) -> np.ndarray:
    finite = np.isfinite(block).all(axis=1)
    return finite & (np.abs(np.where(np.isfinite(block), block, 0)).sum(axis=1) > 0)
