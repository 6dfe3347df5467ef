"""Label names with invisible or bidi-control characters (issue 11.15).

A name typed by a user (`new --labels`, `label`, `labels add/rename`, the GUI) is NFC-normalised and
refused, naming the character, when it holds a control (Cc), format (Cf: zero-width, bidi overrides and
isolates, soft hyphen, BOM), line or paragraph separator (Zl, Zp). A label that comes from the source
(a label column, a folder name) has those characters removed instead, so one odd cell never stops an
import and two labels that look the same are one label, down to the export's folder names."""
from __future__ import annotations

import sqlite3

import pytest

from .conftest import cli, one_clear_line

BAD = {"\u200b": "U+200B (ZERO WIDTH SPACE)", "\u202e": "U+202E (RIGHT-TO-LEFT OVERRIDE)",
       "\u2066": "U+2066 (LEFT-TO-RIGHT ISOLATE)", "\ufeff": "U+FEFF (ZERO WIDTH NO-BREAK SPACE)",
       "\u00ad": "U+00AD (SOFT HYPHEN)", "\u2028": "U+2028 (LINE SEPARATOR)",
       "\u2029": "U+2029 (PARAGRAPH SEPARATOR)", "\x07": "U+0007", "\n": "U+000A"}


def _csv_project(tmp_path, labels="spam,ham"):
    src = tmp_path / "t.csv"
    src.write_text("id,text\n" + "".join(f"m{i},text number {i}\n" for i in range(6)), encoding="utf-8")
    project = tmp_path / "t.shoal"
    rc, _, err = cli("new", project, "--source", src, "--id-column", "id", "--labels", labels)
    assert rc == 0, err
    return project, src


def _label_names(project):
    con = sqlite3.connect(project)
    try:
        return [r[0] for r in con.execute("SELECT name FROM label_set ORDER BY position")]
    finally:
        con.close()


@pytest.mark.parametrize("char", list(BAD))
def test_a_typed_name_with_an_invisible_character_is_refused_naming_it(tmp_path, char):
    project, src = _csv_project(tmp_path)
    name = f"sp{char}am"
    for args in (("label", project, "m0", name, "--new-label"), ("labels", project, "add", name),
                 ("labels", project, "rename", "ham", name)):
        rc, _, err = cli(*args)
        line = one_clear_line(err)
        assert rc == 2 and BAD[char] in line and "invisible or control characters" in line, (args, line)
        assert f"sp<{BAD[char].split()[0]}>am" in line      # where it is, visibly
    assert _label_names(project) == ["spam", "ham"]
    other = tmp_path / "other.shoal"
    rc, _, err = cli("new", other, "--source", src, "--labels", f"a,{name}")
    assert rc == 2 and BAD[char] in one_clear_line(err) and not other.exists()


def test_names_are_compared_after_nfc(tmp_path):
    project, _ = _csv_project(tmp_path, labels="caf\u00e9")        # é precomposed
    rc, _, err = cli("label", project, "m0", "cafe\u0301")         # e + combining acute: the same name
    assert rc == 0, err
    assert _label_names(project) == ["caf\u00e9"]


def test_source_labels_lose_invisible_characters_instead_of_failing(tmp_path):
    src = tmp_path / "labeled.csv"
    rows = [("a", "spam"), ("b", "spam\u200b"), ("c", "\u202espam"), ("d", "s\u00adpam\ufeff"),
            ("e", "ham"), ("f", "ham\u2028x"), ("g", "\u200b")]
    src.write_text("id,text,label\n" + "".join(f"{i},text {i},{lab}\n" for i, lab in rows), encoding="utf-8")
    project = tmp_path / "l.shoal"
    rc, out, err = cli("new", project, "--source", src, "--id-column", "id", "--label-column", "label")
    assert rc == 0, err
    assert _label_names(project) == ["spam", "ham", "ham x"]     # an all-invisible cell is no label at all
    rc, out, _ = cli("labels", project, "list", "--json")
    assert '"items": 4' in out


def test_folder_labels_and_export_folders_hold_no_invisible_characters(tmp_path):
    from PIL import Image

    src = tmp_path / "images"
    for i, folder in enumerate(["cat", "cat\u200b", "\u202edog"]):
        (src / folder).mkdir(parents=True)
        Image.new("RGB", (8, 8), (i * 60, 10, 10)).save(src / folder / f"{i}.png")
    project = tmp_path / "img.shoal"
    rc, _, err = cli("new", project, "--source", src, "--labels-from-folders")
    assert rc == 0, err
    assert _label_names(project) == ["cat", "dog"]
    out = tmp_path / "export"
    rc, _, err = cli("export", project, out, "--format", "imagefolder")
    assert rc == 0, err
    assert sorted(d.name for d in out.iterdir() if d.is_dir()) == ["cat", "dog"]


def test_a_stored_name_from_before_the_rule_can_still_be_renamed(tmp_path):
    project, _ = _csv_project(tmp_path)
    con = sqlite3.connect(project)  # a project file written before the rule existed
    con.execute("INSERT INTO label_set(name, position) VALUES ('x\u202e', 3)")
    con.commit()
    con.close()
    rc, _, err = cli("labels", project, "rename", "x\u202e", "x")
    assert rc == 0, err
    assert _label_names(project) == ["spam", "ham", "x"]
