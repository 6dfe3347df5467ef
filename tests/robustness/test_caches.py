"""Caches are the project's own: stamped with its random id and spot-checked against the database,
an index file is always checksummed before hnswlib reads it, a planted link is never written through,
and a full disk while the embeddings cache is written is one clear line (no SIGBUS, no temp file left)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from desktop_app.store.project import Project

from .conftest import _env, cli, integrity_ok, one_clear_line, shoal


def _vectors(n: int, dim: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_a_new_project_at_the_same_path_never_reuses_the_old_cache(text_project, tmp_path):
    project = text_project(n=300, embed=0)
    with Project.open(project) as p:
        p.store_embeddings(range(300), _vectors(300, 384, 1), {})
        old = np.array(p.load_embeddings())
    for suffix in ("", "-wal", "-shm", ".lock"):  # the user deletes p.shoal; p.shoal-cache/ stays
        Path(str(project) + suffix).unlink(missing_ok=True)
    rc, _, err = cli("new", project, "--source", tmp_path / "texts.csv", "--id-column", "id")
    assert rc == 0, err
    mine = _vectors(300, 384, 2)
    with Project.open(project) as p:
        p.store_embeddings(range(300), mine, {})  # same item count, same embedding stamp as the old one
        got = np.array(p.load_embeddings())
    assert np.array_equal(got, mine) and not np.array_equal(got, old)  # 300 of 300 vectors its own


def test_a_cache_with_the_right_stamp_and_other_content_is_rebuilt(text_project):
    project = text_project(n=300, embed=0)
    mine = _vectors(300, 384, 3)
    with Project.open(project) as p:
        p.store_embeddings(range(300), mine, {})
        p.load_embeddings()
        npy = p.cache_dir / "embeddings.npy"
    np.save(npy, _vectors(300, 384, 4))  # right shape and dtype, stamp untouched, other vectors
    with Project.open(project) as p:
        assert np.array_equal(np.array(p.load_embeddings()), mine)


CORRUPT_CHECK = """
import sys
import numpy as np
from desktop_app.ops.embed import load_index
from desktop_app.store.project import Project
with Project.open(sys.argv[1]) as p:
    emb = p.load_embeddings()
    index = load_index(p, emb)
    ids, sims = index.query(np.asarray(emb[:50]), 5)
    assert (ids[:, 0] == np.arange(50)).all(), ids[:, 0]
print("OK")
"""


def test_bit_rot_in_the_index_that_keeps_size_and_mtime_is_caught(text_project):
    from desktop_app.core.index.hnsw import EXACT_BELOW, file_crc
    from desktop_app.ops.embed import load_index

    n, dim = EXACT_BELOW + 100, 16  # an hnsw index (not the exact fallback); small vectors keep it quick
    project = text_project(n=n, embed=0)
    with Project.open(project) as p:
        p.set_meta({"dim": dim})
        p.store_embeddings(range(n), _vectors(n, dim, 5), {})
        load_index(p, p.load_embeddings())
        index_bin = p.cache_dir / "index.bin"
    good = file_crc(index_bin)
    st = index_bin.stat()
    with open(index_bin, "r+b") as f:  # damaged level-0 link lists (vectors intact): neighbour ids far out of range
        head = f.read(96)
        count, per_element = (int.from_bytes(head[o:o + 8], "little") for o in (16, 24))
        for i in range(0, count, 3):
            f.seek(96 + i * per_element)
            f.write((32).to_bytes(4, "little") + (0x3FFFFFFF).to_bytes(4, "little") * 32)
    os.utime(index_bin, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert index_bin.stat().st_size == st.st_size and index_bin.stat().st_mtime_ns == st.st_mtime_ns
    damaged = file_crc(index_bin)
    assert damaged != good
    r = subprocess.run([sys.executable, "-c", CORRUPT_CHECK, str(project)], env=_env(), capture_output=True,
                       text=True, timeout=300, check=False)
    assert r.returncode == 0 and r.stdout.strip() == "OK", (r.returncode, r.stderr[-2000:])
    recorded = json.loads((index_bin.parent / "index.json").read_text())["crc"]
    assert file_crc(index_bin) == recorded != damaged  # rebuilt and recorded afresh


def test_cache_files_replaced_by_links_are_never_written_through(text_project, tmp_path):
    project = text_project(n=40, embed=-1)
    with Project.open(project) as p:
        p.set_meta({"k": 2})  # a small neighbourhood: the pool (and its saved rows) grows round by round
    cache = Path(str(project) + "-cache")
    shutil.rmtree(cache, ignore_errors=True)
    cache.mkdir()
    victims = {}
    names = ["embeddings.json", "embeddings.npy", "embedded_mask.json", "embedded_mask.npy", "pool.npz",
             "pool_rows.f32", "pool_rows_ids.npy", "pool_rows.json", "index.json",
             "embeddings.tmp.npy", "embedded_mask.tmp.npy", "pool.tmp.npz", "pool_rows_ids.tmp.npy"]  # old temp names
    for name in names:
        victim = tmp_path / f"victim-{name}"
        victim.write_text(f"user data {name}\n")
        (cache / name).symlink_to(victim)
        victims[name] = victim
    rc, out, err = cli("next", project, "-n", "6", "--json")  # builds the session, saves the pool
    assert rc == 0, err
    for k, entry in enumerate(json.loads(out)):
        assert cli("label", project, entry["id"], "ab"[k % 2])[0] == 0
    rc, _, err = cli("next", project, "-n", "6")  # a round: refit, pool grown and saved with its rows
    assert rc == 0, err
    rc, _, err = cli("export", project, tmp_path / "hf", "--format", "hf")
    assert rc == 0, err
    for name, victim in victims.items():
        assert victim.read_text() == f"user data {name}\n", name
    written = {"embeddings.json", "embeddings.npy", "embedded_mask.json", "embedded_mask.npy", "pool.npz",
               "pool_rows.f32", "pool_rows_ids.npy", "pool_rows.json"}
    for name in written:
        assert (cache / name).is_file() and not (cache / name).is_symlink(), name
    # the pool rows file (appended in place each round) made a hard link to a user's file: never appended to
    rows_file = cache / "pool_rows.f32"
    victim = tmp_path / "victim-hardlinked"
    victim.write_bytes(rows_file.read_bytes())
    kept = victim.read_bytes()
    rows_file.unlink()
    os.link(victim, rows_file)
    rc, out, err = cli("next", project, "--json")
    for k, entry in enumerate(json.loads(out)):
        assert cli("label", project, entry["id"], "ab"[k % 2])[0] == 0
    rc, _, err = cli("next", project, "-n", "6")  # a second round grows the pool
    assert rc == 0, err
    assert victim.read_bytes() == kept and rows_file.stat().st_nlink == 1
    # a read-only command neither follows nor removes a linked cache file (it writes nothing)
    for name in ("embeddings.json", "embeddings.npy", "embedded_mask.json"):
        (cache / name).unlink()
        (cache / name).symlink_to(victims[name])
    rc, _, err = cli("export", project, tmp_path / "hf2", "--format", "hf")
    assert rc == 0, err
    for name in ("embeddings.json", "embeddings.npy", "embedded_mask.json"):
        assert (cache / name).is_symlink() and victims[name].read_text() == f"user data {name}\n"
    # a cache folder that is a link is replaced by a real one, never written through
    shutil.rmtree(cache)
    (tmp_path / "elsewhere").mkdir()
    cache.symlink_to(tmp_path / "elsewhere")
    rc, _, err = cli("embed", project)  # reads the embeddings cache and the mask
    assert rc == 0, err
    assert cache.is_dir() and not cache.is_symlink() and os.listdir(tmp_path / "elsewhere") == []


@pytest.fixture
def small_disk(tmp_path):
    """small_disk(bytes) -> a real file system of that size (tmpfs): writes past it fail with ENOSPC,
    and memory-mapped pages past it with SIGBUS."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = []

    def mount(size: int) -> Path:
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)],
                           capture_output=True, text=True, check=False)
        if r.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here ({r.stderr.strip() or r.returncode}): needs root")
        mounted.append(disk)
        return disk
    try:
        yield mount
    finally:
        for d in mounted:
            subprocess.run(["umount", "-l", str(d)], check=False)


def test_disk_full_while_the_embeddings_cache_is_written(text_project, small_disk):
    n = 3000
    project = text_project(n=n, embed=0)
    with Project.open(project) as p:
        p.store_embeddings(range(n), _vectors(n, 384, 6), {})  # the cache needs 4.6 MB
    room = 2 << 20  # free space left beside the project: room for the lock, WAL and mask, not the cache
    disk = small_disk(project.stat().st_size + room)
    shutil.copy(project, disk / "p.shoal")
    project = disk / "p.shoal"
    r = shoal("next", project, timeout=300)
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])  # not -7 (SIGBUS)
    line = one_clear_line(r.stderr)
    assert "disk is full" in line, line
    cache = Path(str(project) + "-cache")
    assert [f for f in os.listdir(cache) if "tmp" in f] == []  # no partial file keeps the disk full
    assert integrity_ok(project)


def test_disk_full_while_the_index_is_saved(text_project, small_disk):
    """hnswlib writes a short index file without a word when the disk is full: Shoal checks the size,
    drops the file, and works from the index in memory; the next run with room saves it."""
    from desktop_app.core.index.hnsw import EXACT_BELOW

    n, dim = EXACT_BELOW + 100, 16
    project = text_project(n=n, embed=0)
    with Project.open(project) as p:
        p.set_meta({"dim": dim})
        p.store_embeddings(range(n), _vectors(n, dim, 7), {})
    disk = small_disk(project.stat().st_size + (1 << 20))  # room for the caches, not for the index too
    shutil.copy(project, disk / "p.shoal")
    project = disk / "p.shoal"
    r = subprocess.run([sys.executable, "-c", CORRUPT_CHECK, str(project)], env=_env(), capture_output=True,
                       text=True, timeout=300, check=False)
    assert r.returncode == 0 and r.stdout.strip() == "OK", (r.returncode, r.stderr[-2000:])
    cache = Path(str(project) + "-cache")
    assert not (cache / "index.bin").exists() and [f for f in os.listdir(cache) if "tmp" in f] == []
