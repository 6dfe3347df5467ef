"""Embeddings kept as float16 on disk (`shoal settings P --embedding-dtype float16`): half the bytes in
the project file and the .npy cache, read back as float32 within ~1e-3, old float32 files keep working
(each blob's length says its dtype), and selection on float16 vectors is as good as on float32."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np

from desktop_app.core.index.rows import RowFile
from desktop_app.store.project import Project

from .conftest import cli, shoal


def _blob_sizes(project: Path) -> set[int]:
    with sqlite3.connect(f"file:{project}?mode=ro", uri=True) as con:
        return {r[0] for r in con.execute("SELECT DISTINCT length(vec) FROM embeddings")}


def test_float16_halves_the_stored_vectors_and_reads_back_as_float32(text_project):
    project = text_project(n=40, embed=-1)  # real MiniLM vectors
    with Project.open(project) as p:
        before = np.asarray(p.load_embeddings()).copy()
        dim = int(p.meta("dim"))
        npy = p.cache_dir / "embeddings.npy"
        size32 = npy.stat().st_size
    assert _blob_sizes(project) == {4 * dim}
    rc, out, err = cli("settings", project, "--embedding-dtype", "float16")
    assert rc == 0 and "embedding dtype: float16   (changed)" in out and "40 stored vectors rewritten" in out, err
    assert _blob_sizes(project) == {2 * dim}
    with Project.open(project) as p:
        emb = p.load_embeddings()
        assert isinstance(emb, RowFile) and emb.stored == np.float16 and emb.dtype == np.float32
        got = np.asarray(emb)
        assert got.dtype == np.float32 and got.shape == before.shape
        assert np.abs(got - before).max() <= 1e-3
        assert np.all(np.sum(got * before, axis=1) / np.linalg.norm(got, axis=1) >= 0.9999)
        assert np.load(npy, mmap_mode="r").dtype == np.float16 and npy.stat().st_size < size32 * 0.55
        assert np.array_equal(emb[[3, 1, 3]], got[[3, 1, 3]]) and np.array_equal(emb[5:9], got[5:9])
    with Project.open(project) as p:  # reopened: the float16 cache passes its checks and is reused
        mtime = npy.stat().st_mtime_ns
        assert np.array_equal(np.asarray(p.load_embeddings()), got) and npy.stat().st_mtime_ns == mtime
    r = shoal("embed", project)  # nothing pending; the index is built over the float16 rows
    assert r.returncode == 0, r.stderr
    rc, out, err = cli("settings", project, "--embedding-dtype", "float32")  # and back
    assert rc == 0 and _blob_sizes(project) == {4 * dim}, err
    with Project.open(project) as p:
        assert np.array_equal(np.asarray(p.load_embeddings()), got)  # the float16 values, widened exactly


def test_a_project_holding_both_dtypes_reads_each_blob_by_its_length(text_project):
    project = text_project(n=40, embed=-1)
    with Project.open(project) as p:
        first = np.asarray(p.load_embeddings()).copy()
        p.set_meta({"embedding_dtype": "float16"})  # e.g. a copy interrupted before its rewrite: old rows stay float32
        fresh = first[:5][::-1].copy()
        p.store_embeddings(range(5), fresh, {})  # new vectors are written as float16
    dim = first.shape[1]
    assert _blob_sizes(project) == {2 * dim, 4 * dim}
    with Project.open(project) as p:
        got = np.asarray(p.load_embeddings())
        assert np.abs(got[:5] - fresh).max() <= 1e-3 and np.abs(got[5:] - first[5:]).max() <= 1e-3
        p.set_meta({"embedding_dtype": "bfloat17"})  # an unknown mark reads as the default, float32
        assert p.embedding_dtype() == "float32"
        assert np.asarray(p.load_embeddings()).dtype == np.float32


def test_a_schema_1_file_with_float32_vectors_moves_to_float16(tmp_path):
    old = tmp_path / "old.shoal"
    shutil.copy(Path(__file__).parents[1] / "data" / "schema1_project.sqlite", old)
    rng = np.random.default_rng(0)
    with Project.open(old) as p:  # opening upgrades the file; the vectors are stored as any old project's were
        n = p.n_items
        X = rng.standard_normal((n, 384)).astype(np.float32)
        X /= np.linalg.norm(X, axis=1, keepdims=True)
        p.set_meta({"dim": 384})
        p.store_embeddings(range(n), X, {})
        assert p.embedding_dtype() == "float32"
    assert _blob_sizes(old) == {4 * 384}
    rc, out, err = cli("settings", old, "--embedding-dtype", "float16")
    assert rc == 0 and f"{n:,} stored vectors rewritten" in out, err
    with Project.open(old) as p:
        assert np.abs(np.asarray(p.load_embeddings()) - X).max() <= 1e-3
    with Project.open(old, readonly=True) as p:  # read-only: rebuilt in memory, same values
        assert np.abs(np.asarray(p.load_embeddings()) - X).max() <= 1e-3


def test_a_bad_embedding_dtype_is_one_clear_line(text_project):
    project = text_project(n=40, embed=-1)
    r = shoal("settings", project, "--embedding-dtype", "int4")
    assert r.returncode == 2 and "invalid choice: 'int4'" in r.stderr and "Traceback" not in r.stderr


def test_selection_on_float16_vectors_is_as_good_as_on_float32(text_project):
    """SEALS on sklearn's digits (1,797 unit vectors; a real data set that needs no encoding, so the test does
    not embed 2,000 posts in its own empty cache) through a real float16 project, 10 seeds paired with the
    float32 run: the learning curves end at the same macro-F1 within 0.02."""
    from sklearn.datasets import load_digits

    from desktop_app.core.simulate import run_one

    X, y = load_digits(return_X_y=True)
    X = np.asarray(X, np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    project = text_project(n=len(X), embed=0)
    with Project.open(project) as p:
        p.set_meta({"dim": X.shape[1]})
        assert p.set_embedding_dtype("float16") == 0
        p.store_embeddings(range(len(X)), X, {})
        X16 = np.asarray(p.load_embeddings())
    assert np.abs(X16 - X).max() <= 1e-3
    f32, f16 = [], []
    for seed in range(10):
        f32.append(run_one(X, y, "seals", budget=80, batch=20, init=20, seed=seed)[-1]["macro_f1"])
        f16.append(run_one(X16, y, "seals", budget=80, batch=20, init=20, seed=seed)[-1]["macro_f1"])
    assert abs(np.mean(f16) - np.mean(f32)) <= 0.02, (np.mean(f32), np.mean(f16))
    assert np.mean(f32) > 0.3  # the task is learnable at this budget: the comparison means something
