"""No silent new classes, and the label set managed from the CLI: `shoal label` refuses a name that is not
in the label set (a typo) unless --new-label, a `--csv` file with unknown names is refused whole, and
`shoal labels P list|add|rename|merge|delete` edits the set. Real CSV sources, real project files."""
from __future__ import annotations

import csv
import json
import sqlite3

import pytest

from desktop_app.cli import main


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(err: str) -> str:
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("shoal: error: "), err
    return lines[0]


@pytest.fixture
def project(tmp_path, capsys):
    src = tmp_path / "sms.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(12):
            w.writerow([f"m{i}", f"message number {i} about {'prizes' if i % 2 else 'lunch'}"])
    p = tmp_path / "sms.shoal"
    assert run(capsys, "new", p, "--source", src, "--id-column", "id", "--labels", "spam,ham")[0] == 0
    return p


def db(project):
    con = sqlite3.connect(project)
    try:
        labels = con.execute("SELECT id, name, position, mode FROM label_set ORDER BY position").fetchall()
        answers = dict(con.execute("SELECT i.source_id, s.name FROM labels l JOIN items i ON i.idx=l.idx "
                                   "LEFT JOIN label_set s ON s.id=l.label_id"))
        events = con.execute("SELECT count(*) FROM label_events").fetchone()[0]
        return labels, answers, events
    finally:
        con.close()


def test_a_typo_is_refused_with_the_label_list(capsys, project):
    before = project.read_bytes(), db(project)
    code, _, err = run(capsys, "label", project, "m5", "spma")
    line = one_line_error(err)
    assert code == 2 and "unknown label 'spma'" in line and "did you mean 'spam'?" in line
    assert "the labels are: spam, ham" in line and "--new-label" in line
    assert db(project) == before[1]
    # the same name with --new-label joins the set; a known name needs nothing
    assert run(capsys, "label", project, "m5", "spma", "--new-label")[0] == 0
    assert run(capsys, "label", project, "m6", "ham")[0] == 0
    labels, answers, _ = db(project)
    assert [l[1] for l in labels] == ["spam", "ham", "spma"] and answers == {"m5": "spma", "m6": "ham"}
    # names are matched after NFC and trimming: "  ham " is ham, not a new class
    assert run(capsys, "label", project, "m7", "  ham ")[0] == 0
    assert db(project)[1]["m7"] == "ham"


def test_a_csv_with_unknown_labels_is_refused_whole(capsys, project, tmp_path):
    answers = tmp_path / "answers.csv"
    answers.write_text("item,label\nm0,spam\nm1,spma\nm2,hma\nm3,ham\nm4,spma\n", encoding="utf-8")
    before = db(project)
    code, _, err = run(capsys, "label", project, "--csv", answers)
    line = one_line_error(err)
    assert code == 2
    assert "'spma' (rows 3, 6; did you mean 'spam'?)" in line and "'hma' (row 4; did you mean 'ham'?)" in line
    assert "Nothing was saved" in line
    assert db(project) == before                      # not even m0, m3 (known labels) were applied
    assert run(capsys, "label", project, "--csv", answers, "--new-label")[0] == 0
    labels, got, _ = db(project)
    assert [l[1] for l in labels] == ["spam", "ham", "spma", "hma"] and len(got) == 5
    # an unknown item or an empty label cell names its row; nothing of the file is applied
    for body, message in (("m6,spam\nzz,ham\n", "row 3: no item with id 'zz' in this project; nothing was saved"),
                          ("m6,spam\nm7,\n", "row 3: a label name cannot be empty; nothing was saved")):
        answers.write_text("item,label\n" + body, encoding="utf-8")
        code, _, err = run(capsys, "label", project, "--csv", answers, "--new-label")
        assert code == 2 and message in one_line_error(err)
        assert "m6" not in db(project)[1]


def test_an_empty_label_set_says_how_to_start(capsys, tmp_path):
    src = tmp_path / "t.csv"
    src.write_text("text\none\ntwo\n", encoding="utf-8")
    p = tmp_path / "t.shoal"
    assert run(capsys, "new", p, "--source", src)[0] == 0
    code, _, err = run(capsys, "label", p, "--csv", _answers(tmp_path, p, "pos"))
    assert code == 2 and "the labels are: none yet" in one_line_error(err) and "labels" in err
    assert run(capsys, "labels", p, "add", "pos", "neg")[0] == 0
    assert run(capsys, "label", p, "--csv", _answers(tmp_path, p, "pos"))[0] == 0


def _answers(tmp_path, project, label):
    con = sqlite3.connect(project)
    uid = con.execute("SELECT uid FROM items ORDER BY idx LIMIT 1").fetchone()[0]
    con.close()
    f = tmp_path / "a.csv"
    f.write_text(f"item,label\n{uid},{label}\n", encoding="utf-8")
    return f


def test_labels_list_add_rename_merge_delete(capsys, project, tmp_path):
    for item, label in (("m0", "spam"), ("m1", "spam"), ("m2", "ham")):
        assert run(capsys, "label", project, item, label)[0] == 0
    code, out, _ = run(capsys, "labels", project, "list")
    assert code == 0
    assert out.splitlines() == ["key  label   items  mode", "  1  spam        2  learn",
                                 "  2  ham         1  learn"]

    assert run(capsys, "labels", project, "add", "eggs", "bacon")[0] == 0
    code, _, err = run(capsys, "labels", project, "add", "ham")
    assert code == 2 and "already exists" in one_line_error(err)
    code, _, err = run(capsys, "labels", project, "add", "x\u202e")
    assert code == 2 and "U+202E" in one_line_error(err)

    assert run(capsys, "label", project, "m3", "eggs")[0] == 0
    code, out, _ = run(capsys, "labels", project, "rename", "eggs", "egg")
    assert code == 0 and "renamed 'eggs' to 'egg' (1 items keep it)" in out
    code, _, err = run(capsys, "labels", project, "rename", "egg", "spam")
    assert code == 2 and "merge instead" in one_line_error(err)
    code, _, err = run(capsys, "labels", project, "rename", "nope", "x")
    assert code == 2 and "no label 'nope'" in one_line_error(err)

    code, out, _ = run(capsys, "labels", project, "merge", "egg", "ham")
    assert code == 0 and "1 item moved" in out
    labels, answers, _ = db(project)
    assert [l[1] for l in labels] == ["spam", "ham", "bacon"] and answers["m3"] == "ham"

    # delete: a label on items needs --yes, and says how many items it clears
    code, _, err = run(capsys, "labels", project, "delete", "ham")
    assert code == 2 and "2 items carry 'ham'" in one_line_error(err) and "--yes" in err
    assert [l[1] for l in db(project)[0]] == ["spam", "ham", "bacon"]
    code, out, _ = run(capsys, "labels", project, "delete", "ham", "--yes")
    assert code == 0 and "deleted 'ham'; 2 items unlabeled again" in out
    code, out, _ = run(capsys, "labels", project, "delete", "bacon")   # on no item: no --yes needed
    assert code == 0 and "0 items unlabeled again" in out
    labels, answers, events = db(project)
    assert [l[1] for l in labels] == ["spam"] and answers == {"m0": "spam", "m1": "spam"}
    rows = json.loads(run(capsys, "labels", project, "list", "--json")[1])
    assert rows == [{"name": "spam", "key": 1, "items": 2, "mode": "learn"}]
    # the history of every change is kept in the file: 4 labels given, 1 moved by the merge, 2 cleared
    assert events == 7


def test_labels_list_reads_a_project_open_elsewhere(capsys, project):
    """`labels list` is read-only: it works while another process holds the write lock."""
    from desktop_app.store.project import Project

    with Project.open(project):
        code, out, err = run(capsys, "labels", project, "list")
        assert code == 0, err
        assert "spam" in out
        code, _, err = run(capsys, "labels", project, "add", "x")
        assert code == 2
