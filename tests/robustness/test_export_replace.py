"""`export --overwrite` replaces only a previous Shoal export, never the user's files; an interrupted
replace leaves the old export or the new one; hf leaves out items with no vector, and says so."""
from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from desktop_app.store.project import Project

from .conftest import _env, cli, file_hash, one_clear_line, shoal, uids

MANIFEST = ".shoal-export.json"


def _tree(root: Path) -> dict[str, str]:
    """Every file under root (links as links) -> its hash: to prove nothing was touched."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_symlink():
            out[str(p.relative_to(root))] = "link:" + os.readlink(p)
        elif p.is_file():
            out[str(p.relative_to(root))] = file_hash(p)
        else:
            out[str(p.relative_to(root))] = "dir"
    return out


def _labeled(text_project, n=40, k=10) -> Path:
    project = text_project(n=n, embed=0)
    with Project.open(project) as p:
        a, b = p.label_id("a"), p.label_id("b")
        p.set_labels([(i, a if i % 2 else b, "labeled") for i in range(k)])
    return project


def test_overwrite_never_deletes_the_project_its_source_or_a_folder_above(text_project, tmp_path):
    project = _labeled(text_project)
    (tmp_path / "thesis.txt").write_text("three years of work")
    rc, _, err = cli("export", project, tmp_path / "ok")  # makes the cache folder and a real export
    assert rc == 0, err
    (Path(str(project) + "-cache")).mkdir(exist_ok=True)
    before = _tree(tmp_path)
    for out in (tmp_path, tmp_path.parent, Path(str(project) + "-cache")):
        rc, _, err = cli("export", project, out, "--overwrite")
        line = one_clear_line(err)
        assert rc == 2 and "never replace" in line, line
        assert "--overwrite" not in line
    r = shoal("export", project, ".", "--overwrite", cwd=tmp_path)  # the reported case, word for word
    assert r.returncode == 2 and "never replace" in one_clear_line(r.stderr)
    assert _tree(tmp_path) == before


def test_a_folder_that_is_not_a_shoal_export_is_refused_and_untouched(text_project, tmp_path):
    project = _labeled(text_project)
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "notes.txt").write_text("keep me")
    (mine / "sub" / "data.csv").write_text("1,2\n")
    before = _tree(mine)
    for extra in ((), ("--overwrite",)):
        rc, _, err = cli("export", project, mine, *extra)
        line = one_clear_line(err)
        assert rc == 2 and "not a Shoal export" in line and "--overwrite" not in line, line
    assert _tree(mine) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".mine")] == []


def test_a_previous_export_is_replaced_only_with_overwrite_and_only_while_it_holds_nothing_else(
        text_project, tmp_path):
    project = _labeled(text_project)
    out = tmp_path / "out"
    assert cli("export", project, out, "--format", "jsonl")[0] == 0
    manifest = json.loads((out / MANIFEST).read_text())
    with Project.open(project, readonly=True) as p:
        assert manifest["project_id"] == p.meta("project_id") and manifest["files"] == ["labels.jsonl"]
    rc, _, err = cli("export", project, out, "--format", "csv")
    assert rc == 2 and "holds a previous Shoal export; pass --overwrite" in err
    rc, _, err = cli("export", project, out, "--format", "csv", "--overwrite")
    assert rc == 0, err
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "labels.csv"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask  # a normal folder, not the temp folder's 0700
    # the user adds a file, a folder, or a link to an export: it is theirs now, and it stays
    for name, make in (("notes.txt", lambda p: p.write_text("mine")), ("plots", lambda p: p.mkdir()),
                       ("link", lambda p: p.symlink_to(tmp_path / "elsewhere"))):
        make(out / name)
        before = _tree(out)
        rc, _, err = cli("export", project, out, "--format", "csv", "--overwrite")
        assert rc == 2 and "Shoal only replaces its own exports" in err and repr(name) in err, err
        assert _tree(out) == before
        (out / name).rmdir() if (out / name).is_dir() and not (out / name).is_symlink() else (out / name).unlink()
    # an export reached through a symlink is refused (the link would be replaced, not the folder)
    (tmp_path / "via").symlink_to(out)
    rc, _, err = cli("export", project, tmp_path / "via", "--overwrite")
    assert rc == 2 and "symbolic link" in err


def test_a_crafted_manifest_cannot_widen_what_is_deleted(text_project, tmp_path):
    project = _labeled(text_project)
    out = tmp_path / "out"
    assert cli("export", project, out)[0] == 0
    (tmp_path / "thesis.txt").write_text("outside")
    (out / "unlisted.txt").write_text("inside, not listed")
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"] += ["../thesis.txt", "/etc/hostname", "../../x"]
    manifest["folders"] += ["..", "/"]
    (out / MANIFEST).write_text(json.dumps(manifest))
    before = _tree(tmp_path)
    rc, _, err = cli("export", project, out, "--overwrite")
    assert rc == 2 and "'unlisted.txt'" in err, err
    assert _tree(tmp_path) == before
    (out / "unlisted.txt").unlink()  # now every entry is listed: the folder is replaced, nothing outside it
    rc, _, err = cli("export", project, out, "--overwrite")
    assert rc == 0, err
    assert (tmp_path / "thesis.txt").read_text() == "outside" and Path("/etc/hostname").exists()
    # a manifest that is a link, or damaged, makes the folder not an export
    (out / MANIFEST).unlink()
    (out / MANIFEST).symlink_to(tmp_path / "thesis.txt")
    rc, _, err = cli("export", project, out, "--overwrite")
    assert rc == 2 and "not a Shoal export" in err
    (out / MANIFEST).unlink()
    (out / MANIFEST).write_text("{not json")
    rc, _, err = cli("export", project, out, "--overwrite")
    assert rc == 2 and "not a Shoal export" in err
    assert (tmp_path / "thesis.txt").read_text() == "outside"


def test_inside_a_folder_source_is_never_replaced(tmp_path):
    from PIL import Image

    src = tmp_path / "imgs"
    src.mkdir()
    for i in range(4):
        Image.new("RGB", (8, 8), (i * 40, 0, 0)).save(src / f"{i}.png")
    rc, _, err = cli("new", tmp_path / "i.shoal", "--source", src, "--labels", "x,y")
    assert rc == 0, err
    with Project.open(tmp_path / "i.shoal") as p:
        p.set_labels([(0, p.label_id("x"), "labeled")])
    inner = src / "exp"
    inner.mkdir()
    rc, _, err = cli("export", tmp_path / "i.shoal", inner, "--overwrite")
    assert rc == 2 and "never replace" in err and inner.is_dir()


REPLACE_LOOP = """
import sys
from desktop_app.ops.export import export
from desktop_app.store.project import Project
project, out = sys.argv[1], sys.argv[2]
with Project.open(project, readonly=True) as p:
    for k in range(10000):
        fmt = ("csv", "jsonl")[k % 2]
        def progress(i, n, k=k):
            if i == 0:
                print("WRITING", k, flush=True)
        export(p, out, fmt, overwrite=True, progress=progress)
        print("OK", k, fmt, flush=True)
"""


def _complete(out: Path, n: int) -> str:
    manifest = json.loads((out / MANIFEST).read_text())
    names = sorted(p.name for p in out.iterdir() if p.name != MANIFEST)
    assert manifest["files"] == names and not manifest["partial"]
    name = {"csv": "labels.csv", "jsonl": "labels.jsonl"}[manifest["format"]]
    assert names == [name]
    lines = (out / name).read_text().splitlines()
    assert len(lines) == n + (manifest["format"] == "csv")
    return manifest["format"]


def test_sigkill_during_replace_leaves_the_old_or_the_new_export_and_no_hidden_folder(text_project, tmp_path):
    n = 2000
    project = _labeled(text_project, n=n, k=n)
    base = tmp_path / "exports"
    base.mkdir()
    out = base / "out"
    assert cli("export", project, out)[0] == 0
    rng = random.Random(5)
    hidden_seen = 0
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, "-c", REPLACE_LOOP, str(project), str(out)], env=_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        writing, target = 0, rng.randint(1, 4)
        while writing < target:  # let a few replaces run, then kill while one is writing or swapping
            writing += proc.stdout.readline().startswith("WRITING")
        time.sleep(rng.uniform(0.0, 0.004))
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
        assert "Traceback" not in err, err
        _complete(out, n)  # always a whole export: the old one or the new one
        hidden = [p.name for p in base.iterdir() if p.name != "out"]
        assert all(h.startswith((".out.partial-", ".out.old-")) for h in hidden), hidden
        hidden_seen += bool(hidden)
    assert hidden_seen, "no kill landed inside a replace: the test proved nothing"
    # the next export clears what the killed ones left (theirs only)
    (base / ".out.partial-1-someone-else").mkdir()  # not ours (no manifest; pid 1 is alive anyway)
    assert cli("export", project, out, "--overwrite")[0] == 0
    assert sorted(p.name for p in base.iterdir()) == [".out.partial-1-someone-else", "out"]


def test_an_old_export_left_aside_by_a_killed_replace_is_put_back(text_project, tmp_path):
    """Without renameat2 the replace is two renames; a kill between them leaves `.out.old-PID` and no
    `out`: the next export puts it back before anything else."""
    project = _labeled(text_project)
    out = tmp_path / "out"
    assert cli("export", project, out, "--format", "jsonl")[0] == 0
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    os.rename(out, tmp_path / f".out.old-{dead}")
    rc, _, err = cli("export", project, out, "--format", "csv")
    assert rc == 2 and "previous Shoal export" in err  # restored first, so it is not clobbered
    assert (out / "labels.jsonl").exists() and not (tmp_path / f".out.old-{dead}").exists()
    # killed part-way through deleting a swapped-out export (its manifest goes last), or before the
    # temp folder's marker was written: removed; a folder of the same shape without our marker: kept
    half = tmp_path / f".out.partial-{dead}-half"
    half.mkdir()
    (half / MANIFEST).write_text(json.dumps({"shoal_export": 1, "files": ["a.csv", "b.csv"], "folders": []}))
    (half / "b.csv").write_text("x")
    (tmp_path / f".out.partial-{dead}-empty").mkdir()
    theirs = tmp_path / f".out.partial-{dead}-theirs"
    theirs.mkdir()
    (theirs / "keep.txt").write_text("not ours")
    rc, _, err = cli("export", project, out, "--format", "csv", "--overwrite")
    assert rc == 0, err
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out")) == [theirs.name]
    assert (theirs / "keep.txt").read_text() == "not ours"


def test_hf_export_leaves_out_items_labeled_before_they_were_embedded(text_project, tmp_path):
    project = text_project(n=40, embed=0)
    with Project.open(project) as p:
        a = p.label_id("a")
        p.store_embeddings(range(20), np.eye(20, 384, dtype=np.float32) + 0.5, {})
        p.set_labels([(i, a, "labeled") for i in range(15, 30)])  # 15..19 embedded, 20..29 not
    r = shoal("export", project, tmp_path / "hf", "--format", "hf")
    assert r.returncode == 0, r.stderr
    assert "10 labeled items left out: not embedded yet" in r.stdout
    emb = np.load(tmp_path / "hf" / "embeddings.npy")
    rows = [json.loads(l) for l in (tmp_path / "hf" / "data.jsonl").read_text().splitlines()]
    assert emb.shape == (5, 384) and len(rows) == 5
    assert not (emb == 0).all(axis=1).any()  # no all-zero row
    ids = uids(project)
    assert sorted(r["id"] for r in rows) == sorted(ids[15:20])
    # csv has no vectors: every labeled item, no note
    r = shoal("export", project, tmp_path / "csv")
    assert r.returncode == 0 and "left out" not in r.stdout
    assert len((tmp_path / "csv" / "labels.csv").read_text().splitlines()) == 16


@pytest.mark.parametrize("fmt", ["csv", "hf"])
def test_export_is_read_only(text_project, tmp_path, fmt):
    """export opens the project read-only: no lock, no cache written, the file unchanged."""
    project = _labeled(text_project)
    with Project.open(project) as p:
        p.store_embeddings(range(40), np.eye(40, 384, dtype=np.float32), {})
    before = file_hash(project)
    cache = Path(str(project) + "-cache")
    assert not cache.exists()
    r = shoal("export", project, tmp_path / "out", "--format", fmt)
    assert r.returncode == 0, r.stderr
    assert file_hash(project) == before and not cache.exists()
    assert not Path(str(project) + ".lock").exists() or Path(str(project) + ".lock").read_text() == ""
