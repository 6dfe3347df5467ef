"""Parquet shards of (id, vector[, error]) imported into a project by `shoal embed --engine ray`,
through the reader and checks of `shoal import-embeddings` (ops/vectors.py). Real Parquet files
(pyarrow), real projects; bad shards are one clear line and store nothing."""
from __future__ import annotations

import numpy as np
import pytest

from desktop_app.errors import ShoalError
from desktop_app.store.project import Project

pa = pytest.importorskip("pyarrow", reason="pyarrow is not installed (it comes with shoal[cluster])")
pq = pytest.importorskip("pyarrow.parquet")


def _shard(path, ids, vectors, errors=None, fixed=True):
    dim = vectors.shape[1]
    flat = pa.array(np.asarray(vectors, np.float32).reshape(-1))
    vec = pa.FixedSizeListArray.from_arrays(flat, dim) if fixed else pa.array([list(v) for v in vectors])
    cols = {"id": pa.array(ids, pa.string()), "vector": vec}
    if errors is not None:
        cols["error"] = pa.array(errors, pa.string())
    pq.write_table(pa.table(cols), path)
    return path


def _unit(n, dim, seed=0):
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_shards_are_imported_by_user_id_and_errors_mark_items(text_project, tmp_path):
    from desktop_app.ops.import_vectors import import_shards, shard_files

    project = text_project(n=40, embed=0)
    v = _unit(40, 384)
    d = tmp_path / "shards"
    d.mkdir()
    ids = [str(i) for i in range(40)]  # the csv's own ids
    _shard(d / "b.parquet", ids[20:], v[20:], errors=[None] * 19 + ["cannot be read (test)"], fixed=False)
    _shard(d / "a.parquet", ids[:20], v[:20])
    (d / "notes.txt").write_text("not a shard")
    with Project.open(project) as p:
        res = import_shards(p, shard_files(d))
        assert res == {"embedded": 39, "failed": 1, "already_embedded": 0, "rows": 40}
        emb = np.asarray(p.load_embeddings())
        assert np.allclose(emb[:39], v[:39], atol=1e-6)  # stored L2-normalised, as import-embeddings does
        assert p.counts()["n_skipped"] == 1 and p.n_pending_embedding() == 0
        again = import_shards(p, shard_files(d))  # a rerun keeps what is stored
        assert again["embedded"] == 0 and again["already_embedded"] == 39


@pytest.mark.parametrize("case, expect", [
    ("dim", "vectors have 16 values"), ("nan", "NaN, infinite or all-zero"), ("unknown", "not items of this project"),
    ("columns", "has no column 'id'"), ("junk", "not a readable parquet file"),
    ("strings", "is not a list column")])
def test_a_bad_shard_is_one_clear_error_and_stores_nothing(text_project, tmp_path, case, expect):
    from desktop_app.ops.import_vectors import import_shards

    project = text_project(n=10, embed=0)
    f = tmp_path / "s.parquet"
    ids = [str(i) for i in range(10)]
    if case == "dim":
        _shard(f, ids, _unit(10, 16))
    elif case == "nan":
        v = _unit(10, 384)
        v[3, 5] = np.nan
        _shard(f, ids, v)
    elif case == "unknown":
        _shard(f, ids[:9] + ["no-such-item"], _unit(10, 384))
    elif case == "columns":
        pq.write_table(pa.table({"key": ids}), f)
    elif case == "junk":
        f.write_bytes(b"PAR1 but not really" * 50)
    else:
        pq.write_table(pa.table({"id": ids, "vector": [str(i) for i in range(10)]}), f)
    with Project.open(project) as p:
        with pytest.raises(ShoalError, match=expect):
            import_shards(p, [f])
        assert p.counts()["n_embedded"] == 0  # a batch is checked whole before it is stored
