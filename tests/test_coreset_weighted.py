"""The weighted core-set (`weighted`, auto): each kept item carries the weight of the items its k-means
group holds, boundary items join above 30% kept; keep.csv's weight column travels through
`shoal export --only` into the exports and into `shoal train --only` as sample weights."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from desktop_app.core.coreset import weighted as w
from desktop_app.core.coreset.base import CoresetInput, quotas
from desktop_app.core.coreset.registry import AUTO, METHODS
from tests import test_coreset as base

digit_set, embedded, project = base.digit_set, base.embedded, base.project   # the fixtures of test_coreset
read_keep, run = base.read_keep, base.run


def test_a_dense_group_is_one_item_that_weighs_as_much_as_the_group():
    rng = np.random.default_rng(0)
    dense = rng.normal([5, 0, 0], 0.05, (200, 3))     # 200 near-duplicates
    sparse = rng.normal([0, 5, 0], 0.05, (20, 3))      # 20 others of the same class
    other = rng.normal([0, 0, 5], 0.05, (110, 3))
    X = np.vstack([dense, sparse, other]).astype(np.float32)
    y = np.r_[np.zeros(220), np.ones(110)].astype(np.int64)
    kept = w.weighted(CoresetInput(X, y, n_keep=3, seed=0))   # 10% kept: prototypes only
    by_pos = dict(zip(kept.positions.tolist(), kept.weights.tolist()))
    class0 = {p: wt for p, wt in by_pos.items() if y[p] == 0}
    assert len(class0) == 2 and sorted(round(v) for v in class0.values()) == [20, 200]
    assert next(wt for p, wt in class0.items() if p < 200) == pytest.approx(200)
    assert sum(v for p, v in by_pos.items() if y[p] == 1) == pytest.approx(110)


def test_boundary_items_join_only_above_30_percent_and_are_not_label_errors(digit_set):
    X, y = digit_set
    assert w.boundary_share(0.1) == w.boundary_share(0.3) == 0 < w.boundary_share(0.5) < w.boundary_share(0.7)
    small = w.weighted(CoresetInput(X, y, n_keep=120, seed=1))
    assert not any("boundary" in r for r in small.reasons)
    inp = CoresetInput(X, y, n_keep=360, seed=1)
    big = w.weighted(inp)
    hard = [p for p, r in zip(big.positions, big.reasons) if "boundary" in r]
    assert len(hard) == pytest.approx(w.boundary_share(0.6) * 360, abs=10)   # 60% kept: 3/8 of each quota
    assert inp.top2 is not None and inp.top2[hard].all()        # the given label is one of the two likeliest
    margin = np.abs(inp.proxy[1])
    assert np.median(margin[hard]) < np.median(margin)           # they are the hard ones
    for group, k in quotas(y, 360, True):                        # weights of each class sum to its size
        inside = np.isin(big.positions, group)
        assert inside.sum() == k and big.weights[inside].sum() == pytest.approx(len(group), rel=1e-5)


def test_weights_change_the_head_the_benchmark_trains(digit_set):
    from desktop_app.quality_bench.coreset import macro_f1

    X, y = digit_set
    kept = METHODS[AUTO].fn(CoresetInput(X[:450], y[:450], n_keep=90, seed=0))
    plain = macro_f1(X[kept.positions], y[kept.positions], X[450:], y[450:])
    weighted = macro_f1(X[kept.positions], y[kept.positions], X[450:], y[450:], kept.weights)
    assert AUTO == "weighted" and kept.weights is not None and plain != weighted


def plain(cell: str) -> str:
    """An id as the user gave it (csv files guard a formula-like cell with a leading quote)."""
    return cell[1:] if cell.startswith("'=") else cell


def test_keep_file_weights_travel_into_exports_and_training(capsys, project, tmp_path):
    p, truth = project
    assert run(capsys, "coreset", p, "--keep", "0.3", "--out", tmp_path / "keep.csv")[0] == 0
    rows = read_keep(tmp_path / "keep.csv")
    weights = {plain(r["id"]): float(r["weight"]) for r in rows}
    assert sum(weights.values()) == pytest.approx(120, abs=0.01) and max(weights.values()) > 1
    code, _, err = run(capsys, "export", p, tmp_path / "out", "--format", "csv", "--only", tmp_path / "keep.csv")
    assert code == 0, err
    with open(tmp_path / "out" / "labels.csv", newline="", encoding="utf-8") as f:
        got = {plain(r["id"]): float(r["weight"]) for r in csv.DictReader(f)}
    assert got == pytest.approx(weights)
    assert run(capsys, "export", p, tmp_path / "hf", "--format", "hf", "--only", tmp_path / "keep.csv")[0] == 0
    recs = [json.loads(line) for line in (tmp_path / "hf" / "data.jsonl").read_text("utf-8").splitlines()]
    assert {r["id"]: r["weight"] for r in recs} == pytest.approx(weights)
    code, out, err = run(capsys, "train", p, "--only", tmp_path / "keep.csv", "--json")
    info = json.loads(out)
    assert code == 0, err
    assert info["n_labeled"] == 36 and info["subset"]["weighted"] and info["subset"]["weight_sum"] == pytest.approx(120)
    code, _, err = run(capsys, "train", p, "--only", tmp_path / "keep.csv", "--head", "mlp")
    assert code == 2 and "weight" in err and len(err.strip().splitlines()) == 1


def test_an_unweighted_list_exports_no_weight_column_and_a_bad_weight_is_one_line(capsys, project, tmp_path):
    p, truth = project
    ids = [i for i in truth if i.startswith("t")][:10]
    (tmp_path / "mine.csv").write_text("id\n" + "\n".join(ids) + "\n", encoding="utf-8")
    assert run(capsys, "export", p, tmp_path / "o", "--format", "csv", "--only", tmp_path / "mine.csv")[0] == 0
    with open(tmp_path / "o" / "labels.csv", newline="", encoding="utf-8") as f:
        assert "weight" not in next(csv.reader(f))
    for bad in ("-1", "abc", "nan", ""):
        (tmp_path / "bad.csv").write_text(f"id,weight\n{ids[0]},2\n{ids[1]},{bad}\n", encoding="utf-8")
        code, _, err = run(capsys, "export", p, tmp_path / f"b{bad}", "--format", "csv", "--only", tmp_path / "bad.csv")
        assert code == 2 and "line 3" in err and len(err.strip().splitlines()) == 1


def test_a_keep_file_from_before_the_weight_column_is_still_shoals(capsys, project, tmp_path):
    p, truth = project
    ids = [i for i in truth if i.startswith("t")][:4]
    old = tmp_path / "keep.csv"
    old.write_text("id,label,score,reason\n" + "".join(f"{i},{truth[i]},1.0,random pick\n" for i in ids), "utf-8")
    assert run(capsys, "export", p, tmp_path / "o", "--format", "csv", "--only", old)[0] == 0   # read unweighted
    code, _, err = run(capsys, "coreset", p, "--keep", "10", "--out", old, "--overwrite")
    assert code == 0, err
    assert list(read_keep(old)[0]) == ["id", "label", "score", "reason", "weight"]


def test_a_run_of_more_methods_joins_the_saved_benchmark_section(tmp_path, capsys):
    from desktop_app.quality_bench import coreset as bench

    (tmp_path / "benchmarks.md").write_text("# Selection benchmarks\n")
    common = ["--sets", "digits", "--keep", "0.3", "--quiet"]
    assert bench.main([*common, "--seeds", "2", "--methods", "prototypes,random", "--docs", str(tmp_path)]) == 0
    assert bench.main([*common, "--seeds", "2", "--methods", f"{AUTO},random", "--add-to-docs", str(tmp_path)]) == 0
    page = (tmp_path / "benchmarks.md").read_text()
    assert f"| 30% | **{AUTO}** |" in page and "| 30% | prototypes |" in page and "agree seed for seed" in page
    saved = json.loads((tmp_path / "curves" / "results" / "coreset.json").read_text())
    assert saved["methods"] == [AUTO, "prototypes", "random"]
    with pytest.raises(ValueError, match="seeds"):   # another number of seeds cannot be joined
        bench.main([*common, "--seeds", "1", "--methods", "kcenter,random", "--add-to-docs", str(tmp_path)])
