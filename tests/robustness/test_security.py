"""Security: nothing in a project runs code; exports stay inside their folder; SQL only with parameters."""
from __future__ import annotations

import ast
import json
import os
import pickle
import sqlite3
from pathlib import Path

import numpy as np
import pytest

import desktop_app
from desktop_app.core.export.base import folder_names, safe_name
from desktop_app.errors import ShoalError
from desktop_app.store import arrays
from desktop_app.store.project import Project

from .conftest import cli, current_labels, integrity_ok, one_clear_line, uids

PACKAGE = Path(desktop_app.__file__).parent


class _Payload:
    """Unpickling this writes a marker file: proof that code ran."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("dtype,shape", [("object", "[1]"), ("O", "[1]"), ("float32", "[2]"), ("|O", "[]")])
def test_pickled_blob_in_a_project_is_rejected_never_unpickled(text_project, tmp_path, dtype, shape):
    """A pickle planted in the (derived) head/snapshot rows is never decoded: the rows are dropped
    as damaged, status says so, and the next round rebuilds them with plain arrays."""
    project = text_project(n=40, embed=-1)
    marker = tmp_path / "PWNED"
    blob = pickle.dumps(_Payload(str(marker)))
    con = sqlite3.connect(project)
    con.execute("DELETE FROM arrays")
    for name in ("head.params", "head.classes", "head.coef", "snapshot.idx"):
        con.execute("INSERT INTO arrays(name, dtype, shape, data) VALUES (?,?,?,?)", (name, dtype, shape, blob))
    con.commit()
    con.close()
    for cmd in (("status", "--json"), ("next",), ("export", str(tmp_path / "out"), "--with-predictions")):
        rc, out, err = cli(cmd[0], project, *cmd[1:])
        assert rc in (0, 2) and "Traceback" not in err, (cmd, out, err)
        if rc == 2:
            assert "nothing to export" in one_clear_line(err)
        if cmd[0] == "status":
            st = json.loads(out)
            assert st["model"]["trained"] is False
            assert any("model (head) is damaged" in p for p in st["problems"]), st["problems"]
    assert not marker.exists()


def test_pickle_in_cache_files_is_never_loaded(text_project, tmp_path):
    project = text_project(n=40, embed=-1)
    rc, _, err = cli("next", project, "--json")
    assert rc == 0, err
    cache = project.with_name(project.name + "-cache")
    marker = tmp_path / "PWNED"
    blob = pickle.dumps(_Payload(str(marker)))
    for f in cache.iterdir():
        if f.suffix in (".npy", ".npz", ".bin"):
            f.write_bytes(blob)
    with Project.open(project) as p:
        from desktop_app.ops.loop import open_session

        open_session(p)
    assert not marker.exists()


def test_array_decoding_rejects_anything_but_plain_numbers():
    good = arrays.encode(np.arange(6, dtype=np.float32).reshape(2, 3))
    assert arrays.decode(*good).shape == (2, 3)
    bad = [("object", "[1]", b"x"), ("float32", "[4]", b"\0" * 8), ("float32", "[-1]", b""),
           ("float32", '"2"', b"\0" * 8), ("float32", "[1e3]", b"\0" * 4), ("float32", "not json", b""),
           ("float32", "[4294967296, 4294967296]", b""), ("float32", "[3037000500, 3037000500]", b""),
           ("int64", "[true]", b"\0" * 8), ("float32", "{}", b"")]
    for dtype, shape, data in bad:
        with pytest.raises(ShoalError):
            arrays.decode(dtype, shape, data)


FORBIDDEN = {"pickle", "cPickle", "dill", "shelve", "marshal", "joblib", "cloudpickle"}


def _py_files():
    return [p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts]


def test_no_pickle_or_eval_anywhere_in_the_package():
    for path in _py_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert not {a.name.split(".")[0] for a in node.names} & FORBIDDEN, path
            elif isinstance(node, ast.ImportFrom):
                assert (node.module or "").split(".")[0] not in FORBIDDEN, path
            elif isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                assert name not in ("eval", "exec") or isinstance(f, ast.Attribute), (path, node.lineno)
                if name == "__import__":  # only ever a fixed module name
                    assert node.args and isinstance(node.args[0], ast.Constant), (path, node.lineno)
                for kw in node.keywords:  # np.load(..., allow_pickle=True) would unpickle
                    if kw.arg == "allow_pickle":
                        assert isinstance(kw.value, ast.Constant) and kw.value.value is False, (path, node.lineno)


_FOLLOWING: set[str] = set()  # variables being followed (a self-reference must not recurse forever)


def _sql_is_static(node: ast.AST, tree: ast.AST | None = None) -> bool:
    """An SQL argument is safe when it is a literal, or an f-string whose holes only make `?` lists
    or `int(...)`s (no value is ever spliced into the text)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.IfExp):
        return _sql_is_static(node.body) and _sql_is_static(node.orelse)
    if isinstance(node, ast.Name) and tree is not None:  # a variable: all its assignments must be static
        if node.id in _FOLLOWING:  # `q = q + "..."`: the other assignments decide
            return True
        _FOLLOWING.add(node.id)
        try:
            values = [n.value for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AugAssign)) and any(
                      getattr(t, "id", None) == node.id for t in getattr(n, "targets", [getattr(n, "target", None)]))]
            return bool(values) and all(_sql_is_static(v, tree) for v in values)
        finally:
            _FOLLOWING.discard(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _sql_is_static(node.left, tree) and _sql_is_static(node.right, tree)
    if isinstance(node, ast.JoinedStr):
        for v in node.values:
            if isinstance(v, ast.FormattedValue):
                if isinstance(v.value, ast.Name) and _sql_is_static(v.value, tree):
                    continue  # a variable every assignment of which is itself static SQL (e.g. a column name)
                src = ast.unparse(v.value)
                # `?` lists, ints, schema constants; and comma-joined ints from an int64 array (the GUI's
                # review model sorts ids this way)
                if not ("'?'" in src or src.startswith("int(") or src in SQL_CONSTANTS
                        or src.startswith("','.join(map(str,") and src.endswith(".tolist()))")):
                    return False
        return True
    return False


SQL_CONSTANTS = {"APPLICATION_ID", "SCHEMA_VERSION", "v", "k", "version", "VALID_LABEL", "VALID_SKIP"}


def test_sql_is_built_only_with_parameters():
    """Every execute() gets a literal SQL text (or `?` lists / ints / schema constants); values go as parameters."""
    offenders = []
    for path in _py_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("execute", "executemany") and node.args):
                if not _sql_is_static(node.args[0], tree):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not offenders, f"SQL text built from values: {offenders}"


EVIL = ["'); DROP TABLE items;--", 'x" OR 1=1 --', "Robert'); DELETE FROM labels; --", "%", "_", "a.%"]


def test_sql_injection_label_names_are_just_names(text_project, tmp_path):
    project = text_project(n=40, embed=-1)
    items = uids(project)
    for i, name in enumerate(EVIL):
        rc, out, err = cli("label", project, items[i], name, "--new-label")
        assert rc == 0, err
    rc, out, err = cli("label", project, "'; DROP TABLE items;--", "a")
    assert rc == 2 and "no item with id" in one_clear_line(err)
    assert integrity_ok(project)
    now = current_labels(project)
    assert [now[items[i]][1] for i in range(len(EVIL))] == EVIL
    st = json.loads(cli("status", project, "--json")[1])
    assert st["n_items"] == 40 and set(EVIL) <= set(st["label_set"])
    rc, out, err = cli("export", project, tmp_path / "out", "--format", "jsonl")
    assert rc == 0, err
    exported = [json.loads(l)["label"] for l in (tmp_path / "out" / "labels.jsonl").read_text().splitlines()]
    assert sorted(exported) == sorted(EVIL)


NASTY = ["../../x", "/etc/passwd", "..", ".", "CON", "con.txt", "NUL", "COM1", "LPT9.log", "a/b", "a\\b",
         "x" * 300, "😀" * 100, " spaced ", ".hidden", "trailing.", "labels.json", "A", "a", "é", "e\u0301",
         "<>:\"|?*", "\t"]


def test_safe_names_never_escape_and_stay_distinct():
    names = folder_names(NASTY)
    assert len(set(n.lower() for n in names.values())) == len(NASTY)
    for name in names.values():
        assert name and "/" not in name and "\\" not in name and name not in (".", "..")
        assert not name.startswith(".") and not name.endswith((".", " "))
        assert len(name.encode()) <= 200
        assert name.split(".")[0].upper() not in ("CON", "NUL", "COM1", "LPT9")
        assert name != "labels.json"
    assert safe_name("plain name") == "plain name"


def _image_project_with_nasty_names(tmp_path):
    from PIL import Image

    src = tmp_path / "images"
    (src / "sub").mkdir(parents=True)
    files = ["a.png", "sub/b.png", "c d.png", "..x.png", "new\nline.png", "CON.png", "x" * 200 + ".png"]
    for i, f in enumerate(files):
        Image.new("RGB", (8, 8), (i * 30, 0, 0)).save(src / f, format="PNG")
    project = tmp_path / "img.shoal"
    rc, _, err = cli("new", project, "--source", src)
    assert rc == 0, err
    return project, src


def test_imagefolder_export_never_writes_outside_its_folder(tmp_path):
    project, src = _image_project_with_nasty_names(tmp_path)
    labels = [n for n in NASTY if n.strip() and n != "\t"][:7]
    with Project.open(project) as p:
        # names the CLI refuses (empty, control characters, 300 characters) written directly, as a
        # hand-crafted project file would hold them
        ids = []
        for name in ["", "y" * 300] + labels:
            ids.append(p.conn.execute("INSERT INTO label_set(name, position) VALUES (?, ?)",
                                      (name, len(ids) + 1)).lastrowid)
        n_images = p.n_items  # "..x.png" is hidden, so not an item
        p.set_labels([(i, ids[i % len(ids)], "labeled") for i in range(n_images)])
        # and a crafted item path that points outside the source folder
        p.conn.execute("INSERT INTO items(idx, uid, path) VALUES (?, 'evil', '../../etc/passwd')", (p.n_items,))
        p.conn.execute("INSERT INTO items(idx, uid, path) VALUES (?, 'evil2', '/etc/hostname')", (p.n_items,))
        p.set_labels([(p.n_items - 2, ids[0], "labeled"), (p.n_items - 1, ids[1], "labeled")])
    out = tmp_path / "deep" / "export"
    out.parent.mkdir()
    rc, o, err = cli("export", project, out, "--format", "imagefolder")
    assert rc == 0, err
    everything = [p for p in tmp_path.rglob("*")]
    outside = [p for p in everything if not p.is_relative_to(out) and not p.is_relative_to(src)
               and not p.name.startswith("img.shoal") and p != out.parent]
    assert outside == [], outside
    for f in out.rglob("*"):
        assert f.resolve().is_relative_to(out.resolve())
        assert f.relative_to(out).parts[0] != ".."
    mapping = json.loads((out / "labels.json").read_text())
    folders = mapping["folders"]  # folder -> label: the reversible mapping
    assert set(folders.values()) == set(labels + ["", "y" * 300])
    made = {d.name for d in out.iterdir() if d.is_dir()}
    assert made <= set(folders) and len(made) == n_images == 6
    assert sorted(m["path"] for m in mapping["missing"]) == ["../../etc/passwd", "/etc/hostname"]
    n_files = sum(1 for f in out.rglob("*") if f.is_file() and f.name not in ("labels.json", ".shoal-export.json"))
    assert n_files == n_images
