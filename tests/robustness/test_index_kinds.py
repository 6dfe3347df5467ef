"""The compressed kNN index (usearch, int8) behind the same interface as hnswlib's: recall against
exact search, atomic checksummed save, the kind recorded in the project and the cache, a cache of
the other kind or with flipped bits rebuilt, and the size rule behind `auto`."""
from __future__ import annotations

import json

import numpy as np
import pytest

from desktop_app.core.index import kinds
from desktop_app.core.index.compressed import UsearchIndex
from desktop_app.core.index.hnsw import EXACT_BELOW, ExactIndex, file_crc
from desktop_app.store.project import Project

from .conftest import cli, one_clear_line, shoal


def _clustered(n: int, dim: int, seed: int = 0) -> np.ndarray:
    from desktop_app.speed_bench.synth import chunks, make_mixture

    return np.concatenate([x for _, x, _ in chunks(make_mixture(dim, seed=seed), n)])


def test_usearch_recall_and_round_trip(tmp_path):
    X = _clustered(6000, 48)
    index = UsearchIndex(48, len(X))
    index.add(X, np.arange(len(X)))
    assert index.count == 6000
    q = X[:200]
    found, sims = index.query(q, 100)
    truth, _ = ExactIndex(X, np.arange(len(X))).query(q, 100)
    recall = np.mean([len(np.intersect1d(a, b)) / 100 for a, b in zip(found, truth)])
    assert recall >= 0.9, recall
    assert found.shape == (200, 100) and (found[:, 0] == np.arange(200)).mean() > 0.95
    assert np.all(np.diff(sims, axis=1) <= 1e-6)  # most similar first, similarity = 1 - cosine distance
    assert np.allclose(index.vectors(np.arange(10)), X[:10], atol=index.probe_atol)
    crc = index.save(tmp_path / "u.bin")
    assert crc == file_crc(tmp_path / "u.bin") and [p.name for p in tmp_path.iterdir()] == ["u.bin"]
    again = UsearchIndex.load(tmp_path / "u.bin", 48, crc=crc)
    assert np.array_equal(again.query(q, 10)[0], index.query(q, 10)[0])
    assert index.query(q[:3], 0)[0].shape == (3, 0)


def test_a_damaged_or_foreign_usearch_file_is_refused(tmp_path):
    index = UsearchIndex(16, 100)
    index.add(_clustered(100, 16), np.arange(100))
    crc = index.save(tmp_path / "u.bin")
    data = bytearray((tmp_path / "u.bin").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "u.bin").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum"):
        UsearchIndex.load(tmp_path / "u.bin", 16, crc=crc)
    (tmp_path / "junk.bin").write_bytes(b"not an index at all" * 10)
    with pytest.raises(ValueError):
        UsearchIndex.load(tmp_path / "junk.bin", 16)
    f16 = UsearchIndex(16, 100, dtype="f16")  # a usearch file of other vectors is not this kind's index
    f16.add(_clustered(100, 16), np.arange(100))
    f16.save(tmp_path / "f16.bin")
    with pytest.raises(ValueError, match="not i8"):
        UsearchIndex.load(tmp_path / "f16.bin", 16)


def test_auto_switches_at_the_measured_size():
    assert kinds.choose("auto", kinds.COMPRESSED_FROM - 1) == "hnsw"
    assert kinds.choose(None, kinds.COMPRESSED_FROM) == "usearch"
    assert kinds.choose("hnsw", 10**9) == "hnsw" and kinds.choose("usearch", 10) == "usearch"
    with pytest.raises(ValueError):
        kinds.choose("faiss", 10)


def _embedded(text_project, n: int, dim: int = 16):
    project = text_project(n=n, embed=0)
    with Project.open(project) as p:
        p.set_meta({"dim": dim})
        p.store_embeddings(range(n), _clustered(n, dim, seed=3), {})
    return project


def test_the_index_kind_is_a_project_setting_recorded_in_meta_and_cache(text_project):
    from desktop_app.ops.embed import load_index

    n = EXACT_BELOW + 200
    project = _embedded(text_project, n)
    rc, out, err = cli("settings", project, "--index", "usearch")
    assert rc == 0 and "index: usearch" in out, err
    with Project.open(project) as p:
        emb = p.load_embeddings()
        index = load_index(p, emb)
        assert isinstance(index, UsearchIndex) and index.count == n
        assert p.meta("index_kind") == "usearch"
        info = json.loads((p.cache_dir / "index.json").read_text())
        assert info["kind"] == "usearch" and info["crc"] == file_crc(p.cache_dir / "index.bin")
        st = (p.cache_dir / "index.bin").stat()
    with Project.open(project) as p:  # reopened: the saved file is loaded, not rebuilt
        index = load_index(p, p.load_embeddings())
        assert isinstance(index, UsearchIndex)
        assert (p.cache_dir / "index.bin").stat().st_mtime_ns == st.st_mtime_ns
        ids, _ = index.query(np.asarray(emb[:20]), 5)
        assert (ids[:, 0] == np.arange(20)).mean() >= 0.9
    rc, out, err = cli("settings", project, "--index", "hnsw")
    assert rc == 0, err
    with Project.open(project) as p:  # a cache of the other kind is rebuilt as the new kind
        index = load_index(p, p.load_embeddings())
        assert index.kind == "hnsw" and p.meta("index_kind") == "hnsw"
        assert json.loads((p.cache_dir / "index.json").read_text())["kind"] == "hnsw"


def test_bit_rot_in_a_usearch_index_is_caught_and_rebuilt(text_project):
    from desktop_app.ops.embed import load_index

    n = EXACT_BELOW + 100
    project = _embedded(text_project, n)
    with Project.open(project) as p:
        p.set_meta({"index": "usearch"})
        load_index(p, p.load_embeddings())
        index_bin = p.cache_dir / "index.bin"
    good = file_crc(index_bin)
    data = bytearray(index_bin.read_bytes())
    for at in range(200, len(data), 997):
        data[at] ^= 0x5A
    index_bin.write_bytes(bytes(data))
    damaged = file_crc(index_bin)
    assert damaged != good
    with Project.open(project) as p:
        emb = p.load_embeddings()
        index = load_index(p, emb)
        assert isinstance(index, UsearchIndex) and index.count == n
        assert json.loads((p.cache_dir / "index.json").read_text())["crc"] == file_crc(index_bin) != damaged
        ids, _ = index.query(np.asarray(emb[:20]), 5)
        assert (ids[:, 0] == np.arange(20)).mean() >= 0.9


def test_an_unknown_index_setting_is_one_clear_line(text_project):
    n = EXACT_BELOW + 10
    project = _embedded(text_project, n)
    with Project.open(project) as p:
        p.set_meta({"index": "annoy"})  # e.g. written by a later version
    r = shoal("embed", project)
    assert r.returncode != 0
    assert "unknown index kind 'annoy'" in one_clear_line(r.stderr)
    r = shoal("settings", project, "--index", "annoy")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_usearch_reranks_its_int8_candidates_by_exact_cosine(tmp_path):
    """Over-fetching 2 x k from the int8 graph and keeping the k nearest by the float32 rows
    (read by pread from the .npy file, as a project's rows are) recovers what int8 rounding loses."""
    from desktop_app.core.index.rows import RowFile

    X = _clustered(20000, 128, seed=5)
    np.save(tmp_path / "x.npy", X)
    rows = RowFile.from_memmap(np.load(tmp_path / "x.npy", mmap_mode="r"))
    index = UsearchIndex(128, len(X))
    index.add(X, np.arange(len(X)))
    q = X[::97][:150]
    truth, truth_sims = ExactIndex(X, np.arange(len(X))).query(q, 100)

    def recall(found):
        return np.mean([len(np.intersect1d(a, b)) / 100 for a, b in zip(found, truth)])

    plain, plain_sims = index.query(q, 100)
    index.attach_rows(rows)
    found, sims = index.query(q, 100)
    assert recall(found) > recall(plain) and recall(found) >= 0.99, (recall(plain), recall(found))
    exact = np.einsum("nd,nkd->nk", q, X[found])
    assert np.allclose(sims, exact, atol=1e-5)  # the similarities are the float32 ones, not int8's
    assert np.all(np.diff(sims, axis=1) <= 1e-6)  # nearest first, by the exact similarity
    # each query is an item: first wherever the graph found it. The graph is approximate and built on all
    # cores, so which rare query it misses depends on thread timing (one of 150 missed in a CI run)
    own = np.arange(len(X))[::97][:150]
    hit = (found == own[:, None]).any(axis=1)
    assert hit.mean() >= 0.98 and (found[hit, 0] == own[hit]).all(), (hit.mean(), found[hit, 0][:5])
    assert all(len(set(r.tolist())) == 100 for r in found)  # no id twice
    index.rerank = 1  # the setting off: the int8 answer as before
    assert np.array_equal(index.query(q, 100)[0], plain)
    small = UsearchIndex(16, 30)  # fewer items than 2 x k: every item once, nearest first
    small.add(X[:30, :16] / np.linalg.norm(X[:30, :16], axis=1, keepdims=True), np.arange(30))
    small.attach_rows(X[:30, :16])
    ids, s = small.query(X[:3, :16], 30)
    assert ids.shape == (3, 30) and all(sorted(r.tolist()) == list(range(30)) for r in ids)


def test_load_index_gives_usearch_the_project_rows(text_project):
    from desktop_app.ops.embed import load_index

    project = _embedded(text_project, EXACT_BELOW + 50)
    with Project.open(project) as p:
        p.set_meta({"index": "usearch"})
        emb = p.load_embeddings()
        index = load_index(p, emb)
        assert index._rows is emb
        ids, sims = index.query(np.asarray(emb[:5]), 10)
        assert np.allclose(sims[:, 0], 1.0, atol=1e-5)  # exact cosine of an item with itself
