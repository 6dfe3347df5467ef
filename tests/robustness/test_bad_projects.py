"""Bad project files: one clear message, exit code != 0, the file untouched."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3

import numpy as np
import pytest

from desktop_app.store.project import Project

from .conftest import cli, file_hash, one_clear_line, shoal

COMMANDS = [("status",), ("label", "ITEM", "a"), ("embed",), ("next",), ("export", "OUT")]


def _run_all(project, tmp_path, expect):
    """Every command refuses the file with one clear line and leaves it byte-for-byte as it was."""
    before = file_hash(project)
    for cmd in COMMANDS:
        args = [a.replace("ITEM", "id:0").replace("OUT", str(tmp_path / "out")) for a in cmd]
        rc, out, err = cli(args[0], project, *args[1:])
        assert rc == 2, (cmd, out, err)
        line = one_clear_line(err)
        assert expect in line, (cmd, line)
        assert file_hash(project) == before, cmd
    assert not (tmp_path / "out").exists()


@pytest.fixture
def project(text_project):
    return text_project(n=40, embed=-1)


def test_truncated_project(project, tmp_path):
    data = project.read_bytes()
    project.write_bytes(data[: len(data) // 2])
    _run_all(project, tmp_path, "truncated")


def test_truncated_project_at_a_page_boundary(project, tmp_path):
    data = project.read_bytes()
    project.write_bytes(data[: 4096 * 3])
    _run_all(project, tmp_path, "truncated")


def test_random_bytes(project, tmp_path):
    project.write_bytes(np.random.default_rng(0).bytes(50_000))
    _run_all(project, tmp_path, "not a Shoal project")


def test_garbage_after_a_valid_header(project, tmp_path):
    data = bytearray(project.read_bytes())
    data[100:] = np.random.default_rng(1).bytes(len(data) - 100)
    project.write_bytes(bytes(data))
    _run_all(project, tmp_path, "damaged")


def test_empty_file(project, tmp_path):
    project.write_bytes(b"")
    _run_all(project, tmp_path, "not a Shoal project")


def test_other_sqlite_file(tmp_path):
    project = tmp_path / "other.shoal"
    con = sqlite3.connect(project)
    con.execute("CREATE TABLE meta (key TEXT, value TEXT)")
    con.execute("INSERT INTO meta VALUES ('x', '1')")
    con.commit()
    con.close()
    _run_all(project, tmp_path, "SQLite file but not a Shoal project")


def test_project_from_a_newer_shoal(project, tmp_path):
    con = sqlite3.connect(project)
    con.execute("PRAGMA user_version = 99")
    con.close()
    _run_all(project, tmp_path, "newer Shoal (schema 99")


def test_newer_schema_still_in_the_wal_is_refused(project, tmp_path):
    """The header can lag behind a WAL that a crashed newer Shoal left: the version SQLite reports wins."""
    con = sqlite3.connect(project, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("PRAGMA user_version = 99")
    snapshot = tmp_path / "crashed"
    snapshot.mkdir()
    for suffix in ("", "-wal"):  # what a crash leaves: the main file (old header) + its WAL
        shutil.copy(str(project) + suffix, str(snapshot / project.name) + suffix)
    con.close()
    crashed = snapshot / project.name
    from desktop_app.store.schema import SCHEMA_VERSION

    assert int.from_bytes(crashed.read_bytes()[60:64], "big") == SCHEMA_VERSION  # the header says this one...
    rc, _, err = cli("label", crashed, "id:0", "a")
    assert rc == 2 and "newer Shoal (schema 99" in one_clear_line(err)


def test_model_hash_differs_refuses_and_offers_reembed(project, tmp_path):
    con = sqlite3.connect(project)
    con.execute("UPDATE meta SET value=? WHERE key='encoder_identity'", (json.dumps("minilm:0123456789abcdef"),))
    con.commit()
    con.close()
    before = file_hash(project)
    for cmd in (("embed",), ("next",)):
        rc, out, err = cli(cmd[0], project)
        assert rc == 2
        line = one_clear_line(err)
        assert "minilm:0123456789abcdef" in line and "shoal embed --reembed" in line
        assert file_hash(project) == before
    rc, out, err = cli("embed", project, "--reembed")
    assert rc == 0, err
    rc, out, err = cli("next", project, "--json")
    assert rc == 0, err


def test_moved_image_source_offers_relink(image_folder, tmp_path):
    project = tmp_path / "img.shoal"
    rc, _, err = cli("new", project, "--source", image_folder)
    assert rc == 0, err
    moved = tmp_path / "moved_images"
    image_folder.rename(moved)
    before = file_hash(project)
    for cmd in (("embed",), ("scan",), ("export", tmp_path / "out", "--format", "imagefolder")):
        rc, out, err = cli(cmd[0], project, *cmd[1:])
        assert rc == 2, (cmd, out, err)
        line = one_clear_line(err)
        assert "shoal relink" in line and "not there any more" in line, line
        assert file_hash(project) == before
    r = shoal("relink", project, moved)
    assert r.returncode == 0, r.stderr
    rc, out, err = cli("embed", project)
    assert rc == 0, err
    st = json.loads(cli("status", project, "--json")[1])
    assert st["n_skipped"] == 0 and st["n_embedded"] == st["n_items"] == 60


def test_items_marked_missing_get_another_chance_after_relink(image_folder, tmp_path):
    """Files missing at embed time (deleted, not moved) are skipped; a relink to where they are retries them."""
    project = tmp_path / "img.shoal"
    rc, _, err = cli("new", project, "--source", image_folder)
    assert rc == 0, err
    backup = tmp_path / "backup"
    shutil.copytree(image_folder, backup)
    victims = sorted(image_folder.iterdir())[:5]
    for v in victims:
        v.unlink()
    rc, _, err = cli("embed", project)
    assert rc == 0, err
    st = json.loads(cli("status", project, "--json")[1])
    assert [s["reason"] for s in st["skipped"]] == ["file not found"] * 5
    rc, _, err = cli("relink", project, backup)
    assert rc == 0, err
    rc, _, err = cli("embed", project)
    assert rc == 0, err
    st = json.loads(cli("status", project, "--json")[1])
    assert st["n_skipped"] == 0 and st["n_embedded"] == 60


@pytest.mark.parametrize("damage", ["missing", "truncated", "pickle", "garbage_info"])
def test_missing_or_corrupt_embeddings_cache_is_rebuilt(project, damage):
    rc, out, err = cli("next", project, "--json")
    assert rc == 0, err
    cache = project.with_name(project.name + "-cache")
    npy = cache / "embeddings.npy"
    assert npy.exists()
    if damage == "missing":
        shutil.rmtree(cache)
    elif damage == "truncated":
        npy.write_bytes(npy.read_bytes()[:1000])
    elif damage == "pickle":
        np.save(npy, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    else:
        (cache / "embeddings.json").write_bytes(os.urandom(64))
    with Project.open(project) as p:  # what `shoal next` / the GUI do when they start a session
        emb = np.asarray(p.load_embeddings())
        stored = {i: np.frombuffer(v, np.float32) for i, v in p.conn.execute("SELECT idx, vec FROM embeddings")}
    assert emb.shape == (40, 384)
    assert all(np.array_equal(emb[i], v) for i, v in stored.items())
    assert np.load(npy, allow_pickle=False).shape == (40, 384)


def test_missing_project_and_directory(tmp_path):
    for path in (tmp_path / "nope.shoal", tmp_path):
        rc, _, err = cli("status", path)
        assert rc == 2 and "project not found" in one_clear_line(err)
