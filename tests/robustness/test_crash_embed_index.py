"""Crash safety of embedding (resumes) and of the kNN index cache (a stale or broken one is rebuilt)."""
from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

from desktop_app.core.embedding.registry import get_encoder
from desktop_app.core.index.hnsw import KnnIndex
from desktop_app.ops import embed as embed_ops
from desktop_app.store.project import Project

from .conftest import _env, cli, integrity_ok, text_project_template


def _embedded_state(project) -> tuple[int, int]:
    con = sqlite3.connect(project)
    try:
        flags = con.execute("SELECT count(*) FROM items WHERE embedded=1").fetchone()[0]
        rows = con.execute("SELECT count(*) FROM embeddings").fetchone()[0]
        return flags, rows
    finally:
        con.close()


def test_sigkill_during_embedding_then_resume(text_project):
    project = text_project(n=300, embed=0)
    rng = random.Random(11)
    seen = []
    for _ in range(3):
        p = subprocess.Popen([sys.executable, "-m", "desktop_app", "embed", str(project), "--batch-size", "16"],
                             env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.6, 1.6))
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert integrity_ok(project)
        flags, rows = _embedded_state(project)
        assert flags == rows  # an item is marked embedded exactly when its vector is stored
        seen.append(flags)
    assert seen == sorted(seen)  # progress is kept across kills
    rc, out, err = cli("embed", project)
    assert rc == 0, err
    assert _embedded_state(project) == (300, 300)
    # resumed vectors are the ones an uninterrupted run gives
    enc = get_encoder("minilm")
    with Project.open(project, readonly=True) as p:
        emb = p.load_embeddings()
        for idx in (0, 57, 299):
            want = enc.encode([p.item(idx)["text"]])[0]
            assert np.allclose(emb[idx], want, atol=1e-4)


def _fake_embedded(project, dim=384, seed=0):
    """Store unit vectors for every item through the real store API (the model is too slow for 5k items)."""
    rng = np.random.default_rng(seed)
    with Project.open(project) as p:
        n = p.n_items
        v = rng.normal(size=(n, dim)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        p.store_embeddings(list(range(n)), v, {})
    return v


def test_sigkill_during_index_build_then_rebuild(template_dir, tmp_path):
    """A project above the exact-search size builds an HNSW index cache; kills leave no usable-but-wrong cache."""
    import shutil

    project = tmp_path / "big.shoal"
    shutil.copy(text_project_template(template_dir, 5200, 0), project)
    vectors = _fake_embedded(project)
    rng = random.Random(5)
    for _ in range(3):
        p = subprocess.Popen([sys.executable, "-m", "desktop_app", "next", str(project), "-n", "3"],
                             env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.4, 1.6))
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert integrity_ok(project)
    with Project.open(project) as p:  # what the next `shoal next` / GUI session does
        index = embed_ops.load_index(p, p.load_embeddings())
        assert isinstance(index, KnnIndex) and index.count == 5200
        ids, _ = index.query(vectors[:50], k=1)
        assert (ids[:, 0] == np.arange(50)).mean() > 0.95
    assert json.loads((project.with_name(project.name + "-cache") / "index.json").read_text())["count"] == 5200


@pytest.fixture
def small_hnsw(text_project, monkeypatch):
    """A 400-item project that uses the HNSW cache (exact-search threshold lowered for speed)."""
    monkeypatch.setattr(embed_ops, "EXACT_BELOW", 100)
    project = text_project(n=400, embed=0)
    vectors = _fake_embedded(project, seed=1)
    with Project.open(project) as p:
        embed_ops.load_index(p, p.load_embeddings())
    return project, vectors


def _rebuilt_and_right(project, vectors):
    with Project.open(project) as p:
        index = embed_ops.load_index(p, p.load_embeddings())
    assert index.count == 400
    ids, _ = index.query(vectors[:100], k=1)
    assert (ids[:, 0] == np.arange(100)).mean() > 0.95


@pytest.mark.parametrize("damage", ["missing", "truncated", "random", "middle", "ids_pickle", "ids_wrong",
                                    "info_garbage"])
def test_missing_or_corrupt_index_cache_is_rebuilt(small_hnsw, damage):
    project, vectors = small_hnsw
    cache = project.with_name(project.name + "-cache")
    index_bin = cache / "index.bin"
    data = index_bin.read_bytes()
    if damage == "missing":
        index_bin.unlink()
    elif damage == "truncated":
        index_bin.write_bytes(data[: len(data) // 2])
    elif damage == "random":
        index_bin.write_bytes(np.random.default_rng(0).bytes(len(data)))
    elif damage == "middle":  # same size, garbage in the link lists: loads fine in hnswlib, answers wrong
        b = bytearray(data)
        mid = len(b) // 2
        b[mid:mid + 20000] = np.random.default_rng(1).bytes(20000)
        index_bin.write_bytes(bytes(b))
    elif damage == "ids_pickle":
        import pickle

        (cache / "index_ids.npy").write_bytes(pickle.dumps(list(range(400))))
    elif damage == "ids_wrong":
        np.save(cache / "index_ids.npy", np.arange(1000, 1400))
    elif damage == "info_garbage":
        (cache / "index.json").write_text("{not json")
    _rebuilt_and_right(project, vectors)


def test_reembed_invalidates_index_cache(small_hnsw):
    """After `shoal embed --reembed`, the old index (same ids, other vectors) must not be reused."""
    project, _ = small_hnsw
    new = _fake_embedded(project, seed=2)  # same ids, new vectors (what a re-embed produces)
    with Project.open(project) as p:
        embed_ops.reembed(p)
        p.store_embeddings(list(range(400)), new, {})
        index = embed_ops.load_index(p, p.load_embeddings())
    ids, _ = index.query(new[:100], k=1)
    assert (ids[:, 0] == np.arange(100)).mean() > 0.95
    info = json.loads((project.with_name(project.name + "-cache") / "index.json").read_text())
    assert info["count"] == 400


def test_reembed_never_serves_a_stale_embeddings_cache(text_project):
    """clear + re-store must not bring the stamp back to a value an old embeddings.npy was built at."""
    project = text_project(n=40, embed=0)
    _fake_embedded(project, seed=3)
    with Project.open(project) as p:
        p.load_embeddings()  # cache written at this stamp
        embed_ops.reembed(p)
        new = np.eye(40, 384, dtype=np.float32)
        p.store_embeddings(list(range(40)), new, {})
        assert np.array_equal(np.asarray(p.load_embeddings()), new)
