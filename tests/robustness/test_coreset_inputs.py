"""Bad input to `shoal coreset` and `shoal export --only`: one clear line, exit code 2, the project and
every file Shoal did not write untouched, nothing half-written. Real projects (conftest.text_project)."""
from __future__ import annotations

import os

import pytest

from .conftest import LABELS, cli, file_hash, one_clear_line, uids


def _label_all(project, tmp_path, n=None, labels=LABELS):
    ids = uids(project)[:n]
    answers = tmp_path / "answers.csv"
    answers.write_text("item,label\n" + "".join(f"{i},{labels[k % len(labels)]}\n" for k, i in enumerate(ids)),
                       encoding="utf-8")
    rc, _, err = cli("label", project, "--csv", answers)
    assert rc == 0, err
    return ids


@pytest.fixture
def labeled(text_project, tmp_path):
    p = text_project(n=40)
    _label_all(p, tmp_path)
    return p


@pytest.mark.parametrize("keep", ["0", "-1", "abc", "1.5", "nan", "inf", "41", "", "0.0"])
def test_bad_keep_is_one_line_and_writes_nothing(labeled, tmp_path, keep):
    before = file_hash(labeled)
    rc, _, err = cli("coreset", labeled, "--keep", keep, "--out", tmp_path / "keep.csv")
    assert rc == 2 and "--keep" in one_clear_line(err)
    assert not (tmp_path / "keep.csv").exists() and file_hash(labeled) == before


def test_out_never_replaces_a_file_shoal_did_not_write(labeled, tmp_path):
    mine = tmp_path / "notes.csv"
    mine.write_text("id,comment\nx,mine\n")
    for extra in ([], ["--overwrite"]):
        rc, _, err = cli("coreset", labeled, "--keep", "0.5", "--out", mine, *extra)
        assert rc == 2 and ("exists" in one_clear_line(err) or "not a keep file" in err)
        assert mine.read_text() == "id,comment\nx,mine\n"
    before = file_hash(labeled)   # the project file itself: not a keep file, never replaced
    rc, _, err = cli("coreset", labeled, "--keep", "0.5", "--out", labeled, "--overwrite")
    assert rc == 2 and "not a keep file" in one_clear_line(err) and file_hash(labeled) == before
    link = tmp_path / "link.csv"
    os.symlink(mine, link)
    rc, _, err = cli("coreset", labeled, "--keep", "0.5", "--out", link, "--overwrite")
    assert rc == 2 and one_clear_line(err) and mine.read_text() == "id,comment\nx,mine\n"
    rc, _, err = cli("coreset", labeled, "--keep", "0.5", "--out", tmp_path)
    assert rc == 2 and "is a folder" in one_clear_line(err)
    rc, _, err = cli("coreset", labeled, "--keep", "0.5", "--out", tmp_path / "no" / "such" / "keep.csv")
    assert rc == 2 and "does not exist" in one_clear_line(err)
    assert not any(p.name.startswith(".") and "partial" in p.name for p in tmp_path.iterdir())


def test_a_previous_keep_file_is_replaced_only_with_overwrite(labeled, tmp_path):
    out = tmp_path / "keep.csv"
    assert cli("coreset", labeled, "--keep", "10", "--out", out)[0] == 0
    rc, _, err = cli("coreset", labeled, "--keep", "20", "--out", out)
    assert rc == 2 and "--overwrite" in one_clear_line(err)
    assert cli("coreset", labeled, "--keep", "20", "--out", out, "--overwrite")[0] == 0
    assert len(out.read_text().splitlines()) == 21


def test_nothing_labeled_not_embedded_or_one_class(text_project, tmp_path):
    p = text_project(n=40)
    rc, _, err = cli("coreset", p, "--keep", "0.5", "--out", tmp_path / "k.csv")
    assert rc == 2 and "no item is labeled yet" in one_clear_line(err)
    q = text_project(n=40, embed=0, name="q.shoal")
    _label_all(q, tmp_path)
    rc, _, err = cli("coreset", q, "--keep", "0.5", "--out", tmp_path / "k.csv")
    assert rc == 2 and "shoal embed" in one_clear_line(err)
    r = text_project(n=40, name="r.shoal")
    _label_all(r, tmp_path, labels=["a"])
    rc, _, err = cli("coreset", r, "--keep", "0.5", "--method", "uncertainty", "--out", tmp_path / "k.csv")
    assert rc == 2 and "at least two labels" in one_clear_line(err)
    assert cli("coreset", r, "--keep", "0.5", "--method", "kcenter", "--out", tmp_path / "k.csv")[0] == 0
    assert len((tmp_path / "k.csv").read_text().splitlines()) == 21


def test_unknown_method_is_refused(labeled, tmp_path):
    rc, _, err = cli("coreset", labeled, "--keep", "0.5", "--method", "best", "--out", tmp_path / "k.csv")
    assert rc == 2 and "invalid choice" in err and "Traceback" not in err and not (tmp_path / "k.csv").exists()


@pytest.mark.parametrize("content,needle", [
    ("id\nnot-an-item\n0\n", "1 id in"),
    ("id\n" + "".join(f"ghost{i}\n" for i in range(5)), "5 ids in"),
    ("item,label\n0,a\n", "needs a column named id"),
    ("id\n", "lists no ids"),
    (b"\xff\xfe\x00id\x00\n", "not a UTF-8 CSV"),
])
def test_only_with_bad_lists_exports_nothing(labeled, tmp_path, content, needle):
    only = tmp_path / "only.csv"
    only.write_bytes(content if isinstance(content, bytes) else content.encode())
    rc, _, err = cli("export", labeled, tmp_path / "out", "--only", only)
    assert rc == 2 and needle in one_clear_line(err)
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_only_that_is_missing_or_a_folder(labeled, tmp_path):
    for only, needle in ((tmp_path / "nope.csv", "no such file"), (tmp_path, "is a folder")):
        rc, _, err = cli("export", labeled, tmp_path / "out", "--only", only)
        assert rc == 2 and needle in one_clear_line(err) and not (tmp_path / "out").exists()


def test_only_listing_unlabeled_items(text_project, tmp_path):
    p = text_project(n=40)
    ids = _label_all(p, tmp_path, n=20)
    unlabeled = uids(p)[20:]
    only = tmp_path / "only.csv"
    only.write_text("id\n" + "\n".join(ids[:5] + unlabeled[:3]) + "\n")
    rc, out, err = cli("export", p, tmp_path / "out", "--only", only)
    assert rc == 0, err
    assert "3 items of the --only list are not labeled: left out" in out
    assert len((tmp_path / "out" / "labels.csv").read_text().splitlines()) == 6
    only.write_text("id\n" + "\n".join(unlabeled[:3]) + "\n")
    rc, _, err = cli("export", p, tmp_path / "out2", "--only", only)
    assert rc == 2 and "no item of the --only list is labeled" in one_clear_line(err)
    assert not (tmp_path / "out2").exists()
