"""Path containment (issue 11, case 12): whatever a project file says, Shoal reads, copies and links only
files inside the real source folder. Every reader goes through one helper (Project.item_file)."""
from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

import desktop_app
from desktop_app.store.project import Project

from .conftest import cli, file_hash

PACKAGE = Path(desktop_app.__file__).parent


@pytest.fixture
def labeled_project(image_folder, tmp_path):
    """A real image project over 60 PNGs, all labeled, plus a private folder outside the source."""
    project = tmp_path / "img.shoal"
    rc, _, err = cli("new", project, "--source", image_folder, "--labels", "a")
    assert rc == 0, err
    private = tmp_path / "private"
    (private / ".ssh").mkdir(parents=True)
    (private / ".ssh" / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    Image.new("RGB", (20, 20), (255, 0, 255)).save(private / "secret.png")
    con = sqlite3.connect(project)
    con.execute("INSERT INTO labels(idx, label_id, state, at) SELECT idx, 1, 'labeled', 0 FROM items")
    con.commit()
    con.close()
    return project, image_folder, private


def _craft(project, sql, *args):
    con = sqlite3.connect(project)
    con.execute(sql, args)
    con.commit()
    con.close()


def _set_paths(project, paths):
    con = sqlite3.connect(project)
    for idx, path in enumerate(paths):
        con.execute("UPDATE items SET path=?, embedded=0, skip_reason=NULL WHERE idx=?", (path, idx))
    con.commit()
    con.close()


def _export(project, out):
    rc, _, err = cli("export", project, out, "--format", "imagefolder")
    assert rc == 0, err
    files = [p for p in out.rglob("*") if p.is_file() and p.name not in ("labels.json", ".shoal-export.json")]
    missing = json.loads((out / "labels.json").read_text())["missing"]
    return files, {m["path"]: m["reason"] for m in missing}


def test_crafted_item_paths_are_never_exported(labeled_project, tmp_path):
    project, src, private = labeled_project
    os.symlink(private / "secret.png", src / "innocent.png")        # a link in the source, pointing out
    secret_key = private / ".ssh" / "id_rsa"
    crafted = ["../private/secret.png", str(private / "secret.png"), "../../" * 12 + str(secret_key)[1:],
               "innocent.png", "sub/../../private/secret.png"]
    _set_paths(project, crafted)
    files, missing = _export(project, tmp_path / "out")
    assert len(files) == 60 - len(crafted)
    secret = file_hash(private / "secret.png")
    assert all(file_hash(f) != secret for f in files) and not any(f.name == "id_rsa" for f in files)
    assert set(missing) == set(crafted)
    assert all("outside the source folder" in r for r in missing.values()), missing
    assert "a link to" in missing["innocent.png"]


def test_a_crafted_source_root_cannot_reach_other_files(labeled_project, tmp_path):
    project, src, private = labeled_project
    for root in ("/", str(private)):
        _craft(project, "UPDATE meta SET value=? WHERE key IN ('source_root', 'source')", json.dumps(root))
        rel = str(private / ".ssh" / "id_rsa").lstrip("/") if root == "/" else ".ssh/id_rsa"
        _set_paths(project, [rel, "secret.png" if root != "/" else str(private / "secret.png").lstrip("/")])
        out = tmp_path / f"out{len(root)}"
        rc, _, err = cli("export", project, out, "--format", "imagefolder")
        exported = [p for p in out.rglob("*") if p.is_file()] if rc == 0 else []
        assert not any(p.name == "id_rsa" for p in exported)
        if root == "/":  # nothing at all is read under the file system root
            assert not any(p.name == "secret.png" for p in exported)
            missing = json.loads((out / "labels.json").read_text())["missing"] if rc == 0 else []
            assert all("file system root" in m["reason"] for m in missing)


def test_embed_refuses_paths_outside_the_source_instead_of_reading_them(labeled_project):
    project, src, private = labeled_project
    os.symlink(private / "secret.png", src / "innocent.png")
    _set_paths(project, ["../private/secret.png", "innocent.png", str(private / "secret.png")])
    rc, _, err = cli("embed", project)
    assert rc == 0, err
    st = json.loads(cli("status", project, "--json")[1])
    reasons = {s["path"]: s["reason"] for s in st["skipped"]}
    assert set(reasons) == {"../private/secret.png", "innocent.png", str(private / "secret.png")}
    assert all("outside the source folder" in r for r in reasons.values())
    assert st["n_embedded"] == 57


def test_a_link_out_of_the_source_is_skipped_at_scan_and_in_the_gui_helper(image_folder, tmp_path):
    outside = tmp_path / "elsewhere.png"
    Image.new("RGB", (20, 20), (1, 1, 1)).save(outside)
    os.symlink(outside, image_folder / "link_out.png")
    (image_folder / "sub").mkdir()
    shutil.copy(next(image_folder.glob("*.png")), image_folder / "sub" / "inner.png")
    os.symlink("sub/inner.png", image_folder / "link_in.png")         # a link that stays inside is fine
    project = tmp_path / "p.shoal"
    rc, _, err = cli("new", project, "--source", image_folder)
    assert rc == 0, err
    st = json.loads(cli("status", project, "--json")[1])
    assert {s["path"]: s["reason"] for s in st["skipped"]} == {
        "link_out.png": f"path outside the source folder (a link to {outside})"}
    with Project.open(project, readonly=True) as p:
        assert p.item_path("link_out.png") is None and p.item_path("../elsewhere.png") is None
        assert p.item_path(str(outside)) is None and p.item_path("sub/../../elsewhere.png") is None
        assert p.item_path("link_in.png") == str((image_folder / "sub" / "inner.png").resolve())


def test_the_file_system_root_is_never_a_source(tmp_path):
    rc, _, err = cli("new", tmp_path / "p.shoal", "--source", "/")
    assert rc == 2 and "file system root cannot be a source" in err
    assert not (tmp_path / "p.shoal").exists()


def test_no_reader_joins_the_source_root_itself():
    """The helper is the only way to an item file: no module builds `source_root / path` on its own."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"source_root\s*/|root\s*/\s*(r|row|cur|b|n|item)\[\"path\"\]", text):
            offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []
