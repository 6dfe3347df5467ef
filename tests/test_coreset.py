"""Core-set selection: the methods on real embeddings (sklearn digits), and `shoal coreset` -> keep.csv ->
`shoal export --only` on a real project (bundled MiniLM embeddings of real posts), exports read back."""
from __future__ import annotations

import csv
import json
import shutil
import sqlite3

import numpy as np
import pytest

from desktop_app.cli import main
from desktop_app.core.coreset.base import Cancelled, CoresetInput, keep_count, quotas
from desktop_app.core.coreset.registry import AUTO, METHODS, select
from desktop_app.errors import ShoalError
from desktop_app.quality_bench.datasets import digits
from tests.conftest import DEMO

TRICKY = {3: "=HYPERLINK(\"x\")", 4: "007", 5: "a,b \"quoted\""}   # row -> source id


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


# ---- core -------------------------------------------------------------------------------
@pytest.mark.parametrize("text,n,want", [("0.3", 100, 30), ("0.5", 7, 4), ("5000", 9000, 5000), ("1.0", 40, 40),
                                         ("1", 40, 1), ("2e3", 5000, 2000), ("0.001", 100, 1)])
def test_keep_is_a_share_or_a_count(text, n, want):
    assert keep_count(text, n) == want


@pytest.mark.parametrize("text", ["0", "-0.3", "abc", "1.5", "nan", "inf", "", "101"])
def test_bad_keep_is_one_clear_error(text):
    with pytest.raises(ShoalError, match="--keep"):
        keep_count(text, 100)


def test_quotas_follow_class_sizes_and_keep_every_class():
    y = np.array([0] * 90 + [1] * 9 + [2] * 1)
    groups = quotas(y, 10, stratify=True)
    got = {int(y[g[0]]): k for g, k in groups}
    assert sum(got.values()) == 10 and got[2] == 1 and got[1] >= 1 and got[0] >= 8
    assert sum(k for _, k in quotas(y, 2, stratify=True)) == 2   # fewer than classes: the budget still holds
    assert [k for _, k in quotas(y, 10, stratify=False)] == [10]


@pytest.fixture(scope="module")
def digit_set():
    X, y, _ = digits()
    rng = np.random.default_rng(0)
    pick = rng.choice(len(y), 600, replace=False)
    return X[pick], y[pick]


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_keeps_exactly_the_quota_of_each_class(method, digit_set):
    X, y = digit_set
    inp = CoresetInput(X, y, n_keep=180, seed=1)
    kept = METHODS[method].fn(inp)
    assert len(kept.positions) == 180 == len(set(kept.positions.tolist())) == len(kept.scores) == len(kept.reasons)
    want = {int(y[g[0]]): k for g, k in quotas(y, 180, True)}
    got = dict(zip(*np.unique(y[kept.positions], return_counts=True)))
    assert {int(c): int(n) for c, n in got.items()} == want
    assert all(isinstance(r, str) and r for r in kept.reasons) and np.isfinite(kept.scores).all()


def test_auto_is_a_registered_method_and_seeded_runs_repeat(digit_set):
    X, y = digit_set
    assert AUTO in METHODS
    a = select(CoresetInput(X, y, n_keep=100, seed=3), "auto").positions
    b = select(CoresetInput(X, y, n_keep=100, seed=3), AUTO).positions
    assert np.array_equal(a, b)


def test_kept_subset_trains_a_head_close_to_all_items(digit_set):
    """Not a target (the benchmark measures those): the chosen half is a usable training set."""
    from desktop_app.core.learning.heads import LinearHead

    X, y = digit_set
    tr, te = np.arange(450), np.arange(450, 600)
    kept = select(CoresetInput(X[tr], y[tr], n_keep=225), "auto").positions
    acc_kept = (LinearHead().fit(X[tr][kept], y[tr][kept]).predict(X[te]) == y[te]).mean()
    acc_all = (LinearHead().fit(X[tr], y[tr]).predict(X[te]) == y[te]).mean()
    assert acc_kept >= acc_all - 0.05


@pytest.mark.parametrize("method", ["kcenter", "uncertainty", "redundancy"])
def test_cancel_stops_a_run(method, digit_set):
    X, y = digit_set
    with pytest.raises(Cancelled):
        METHODS[method].fn(CoresetInput(X, y, n_keep=300, cancel=lambda: True))


# ---- a real project ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    """120 real posts (5 topics) with their labels imported, some with ids a spreadsheet would
    mangle; embedded once with the bundled MiniLM, copied per test."""
    d = tmp_path_factory.mktemp("coreset")
    with open(DEMO / "texts.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:120]
    for i, new_id in TRICKY.items():
        rows[i]["id"] = new_id
    with open(d / "posts.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "text", "label"])
        w.writeheader()
        w.writerows(rows)
    project = d / "posts.shoal"
    assert main(["new", str(project), "--source", str(d / "posts.csv"), "--id-column", "id",
                 "--text-column", "text", "--label-column", "label"]) == 0
    assert main(["embed", str(project)]) == 0
    return project, {r["id"]: r["label"] for r in rows}


@pytest.fixture
def project(embedded, tmp_path):
    src, truth = embedded
    p = tmp_path / "posts.shoal"
    shutil.copy(src, p)
    return p, truth


def read_keep(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def uids(project) -> set[str]:
    con = sqlite3.connect(project)
    try:
        return {u for (u,) in con.execute("SELECT uid FROM items")}
    finally:
        con.close()


def test_coreset_writes_user_ids_labels_scores_and_reasons(capsys, project, tmp_path):
    p, truth = project
    before = p.read_bytes()
    code, out, err = run(capsys, "coreset", p, "--keep", "0.3", "--out", tmp_path / "keep.csv")
    assert code == 0, err
    assert "kept 36 of 120 labeled items" in out and f"method {AUTO}" in out
    rows = read_keep(tmp_path / "keep.csv")
    assert list(rows[0]) == ["id", "label", "score", "reason", "weight"] and len(rows) == 36
    ids = [r["id"].removeprefix("'") if r["id"].startswith("'=") else r["id"] for r in rows]
    assert set(ids) <= set(truth) and not set(ids) & (uids(p) - set(truth))    # never an internal uid
    assert all(truth[i] == r["label"] and r["reason"] for i, r in zip(ids, rows))
    assert all(np.isfinite(float(r["score"])) for r in rows)
    counts = {lab: sum(r["label"] == lab for r in rows) for lab in set(truth.values())}
    assert min(counts.values()) >= 1                  # no class vanished
    assert p.read_bytes() == before                   # the project was only read


@pytest.mark.parametrize("method", ["kcenter", "random", "moderate"])
def test_count_keep_and_other_methods(capsys, project, tmp_path, method):
    p, _ = project
    code, out, err = run(capsys, "coreset", p, "--keep", "25", "--method", method, "--no-stratify",
                         "--out", tmp_path / "k.csv")
    assert code == 0, err and f"method {method}" in out
    assert len(read_keep(tmp_path / "k.csv")) == 25


def test_drop_suspects_removes_flipped_labels_first(capsys, project, tmp_path):
    p, truth = project
    from desktop_app.ops.answers import label_items
    from desktop_app.store.project import Project

    labels = sorted(set(truth.values()))
    flipped = [i for i in list(truth)[20:30]]
    with Project.open(p) as proj:   # ten wrong labels: each item gets the next topic's name
        label_items(proj, [(i, labels[(labels.index(truth[i]) + 1) % len(labels)], "labeled") for i in flipped])
    code, out, err = run(capsys, "coreset", p, "--keep", "0.5", "--drop-suspects", "--out", tmp_path / "k.csv")
    assert code == 0, err and "suspicious label" in out
    kept = {r["id"] for r in read_keep(tmp_path / "k.csv")}
    assert len(kept & set(flipped)) <= 3


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "hf"])
def test_export_only_restricts_every_format_to_the_keep_file(capsys, project, tmp_path, fmt):
    p, truth = project
    assert run(capsys, "coreset", p, "--keep", "0.25", "--out", tmp_path / "keep.csv")[0] == 0
    wanted = {r["id"].removeprefix("'") if r["id"].startswith("'=") else r["id"] for r in read_keep(tmp_path / "keep.csv")}
    code, out, err = run(capsys, "export", p, tmp_path / "out", "--format", fmt, "--only", tmp_path / "keep.csv")
    assert code == 0, err
    out_dir = tmp_path / "out"
    if fmt == "csv":
        with open(out_dir / "labels.csv", newline="", encoding="utf-8") as f:
            got = [r["id"].removeprefix("'") if r["id"].startswith("'=") else r["id"] for r in csv.DictReader(f)]
    elif fmt == "jsonl":
        got = [json.loads(line)["id"] for line in (out_dir / "labels.jsonl").read_text("utf-8").splitlines()]
    else:
        got = [json.loads(line)["id"] for line in (out_dir / "data.jsonl").read_text("utf-8").splitlines()]
        assert np.load(out_dir / "embeddings.npy", allow_pickle=False).shape[0] == len(got)
    assert sorted(got) == sorted(wanted) and len(got) == 30


def test_export_only_with_predictions_keeps_unlabeled_rows_of_the_list(capsys, project, tmp_path):
    p, truth = project
    from desktop_app.ops.answers import label_items
    from desktop_app.store.project import Project

    some = list(truth)[40:50]
    with Project.open(p) as proj:
        label_items(proj, [(i, None, "cleared") for i in some])
    code, out, _ = run(capsys, "next", p, "-n", "2", "--json")
    asked = [e["id"] for e in json.loads(out)]
    with Project.open(p) as proj:   # answering the batch completes a round: the head is trained and saved
        label_items(proj, [(i, truth[i], "labeled") for i in asked])
    assert run(capsys, "next", p, "-n", "2")[0] == 0
    some = [i for i in some if i not in asked]
    listed = some[:2] + list(truth)[60:63]
    (tmp_path / "mine.csv").write_text("id\n" + "\n".join(listed) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "export", p, tmp_path / "o", "--format", "jsonl", "--with-predictions",
                         "--only", tmp_path / "mine.csv")
    assert code == 0, err
    rows = [json.loads(l) for l in (tmp_path / "o" / "labels.jsonl").read_text("utf-8").splitlines()]
    assert sorted(r["id"] for r in rows) == sorted(listed)
    assert {r["id"] for r in rows if r["label"] is None} == set(some[:2])


def test_benchmark_prints_and_writes_its_docs_section_once(tmp_path, capsys):
    from desktop_app.quality_bench import coreset as bench
    from desktop_app.quality_bench.coreset_docs import START
    from desktop_app.quality_bench.write import KEPT, _kept_sections

    (tmp_path / "benchmarks.md").write_text("# Selection benchmarks\n\nabove\n")
    argv = ["--sets", "digits", "--methods", f"{AUTO},random", "--keep", "0.3", "--seeds", "2", "--quiet",
            "--docs", str(tmp_path)]
    assert bench.main(argv) == 0 and bench.main(argv) == 0
    out = capsys.readouterr().out
    assert f"| 30% | {AUTO} |" in out and "over 2 seeds" in out
    page = (tmp_path / "benchmarks.md").read_text()
    assert page.startswith("# Selection benchmarks\n\nabove\n") and page.count(START) == 1
    assert f"| 30% | **{AUTO}** |" in page and "at 30% kept, at least 2 points above random" in page
    assert (tmp_path / "curves" / "coreset.png").stat().st_size > 1000
    assert START in _kept_sections(tmp_path / "benchmarks.md")   # the report keeps it when it rewrites the page
    assert page.index(KEPT) < page.index(START)
    assert bench.main([*argv[:-2], "--confirm-docs", str(tmp_path)]) == 0   # a confirmation run joins the section
    page = (tmp_path / "benchmarks.md").read_text()
    assert "Confirmation on the benchmark sets" in page and page.count(START) == 1 and f"| 30% | **{AUTO}** |" in page


def test_prototypes_in_pieces_keeps_the_quota(digit_set, monkeypatch):
    """Large classes are clustered piece by piece (cost linear in the items): same quotas, no repeats."""
    from desktop_app.core.coreset import prototypes

    X, y = digit_set
    monkeypatch.setattr(prototypes, "CHUNK", 12)
    kept = prototypes.prototypes(CoresetInput(X, y, n_keep=200, seed=2))
    assert len(set(kept.positions.tolist())) == 200
    want = {int(y[g[0]]): k for g, k in quotas(y, 200, True)}
    got = dict(zip(*np.unique(y[kept.positions], return_counts=True)))
    assert {int(c): int(n) for c, n in got.items()} == want
    assert kept.scores.sum() <= len(y) and kept.scores.min() >= 1   # each stands for its own group


def test_help_lists_every_method(capsys):
    with pytest.raises(SystemExit) as e:
        main(["coreset", "--help"])
    out = capsys.readouterr().out
    assert e.value.code == 0 and all(name in out for name in METHODS) and f"auto = {AUTO}" in out
