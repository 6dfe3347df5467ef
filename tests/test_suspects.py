"""Suspicious labels: the core ranking on real digits with flipped labels, and `shoal suspects` on a real
project made from a labeled CSV (real MiniLM embeddings) in two commands: `shoal new --label-column`, then
`shoal suspects`."""
from __future__ import annotations

import csv
import json
import random

import numpy as np
import pytest

from desktop_app.cli import main
from desktop_app.core.suspects import find_suspects, labeled_neighbours
from desktop_app.resources_path import resource


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    X = d.data.astype(np.float32)
    return X / np.linalg.norm(X, axis=1, keepdims=True), d.target.astype(np.int64)


def test_flipped_digits_come_first():
    from desktop_app.quality_bench.suspects import flip

    X, y = _digits()
    noisy, flipped = flip(y, 0.05, np.random.default_rng(3))
    ranked = find_suspects(X, noisy + 100, seed=3)  # class ids are the caller's, not 0..k-1
    assert sorted(s.pos for s in ranked) == list(range(len(y)))  # every labeled item, once
    scores = [s.score for s in ranked]
    assert scores == sorted(scores, reverse=True) and 0 <= min(scores) and max(scores) <= 1
    top = {s.pos for s in ranked[:2 * len(flipped)]}
    assert len(top & set(flipped.tolist())) / len(flipped) >= 0.9
    first = ranked[0]
    assert first.label == noisy[first.pos] + 100 and first.suggested != first.label
    assert first.suggested == y[first.pos] + 100  # the evidence points back to the true digit
    assert first.flagged and first.label_proba < first.suggested_proba
    assert first.pos not in first.neighbours and len(first.neighbours) == 10
    assert first.disagree == int(sum(noisy[j] + 100 != first.label for j in first.neighbours))


def test_neighbours_leave_the_item_out_even_with_duplicates():
    X = np.array([[1, 0], [1, 0], [0, 1], [0.9, 0.1]], np.float32)
    nb = labeled_neighbours(X, k=2)
    assert nb.shape == (4, 2)
    assert all(i not in row for i, row in enumerate(nb))
    assert set(nb[0]) == {1, 3} and set(nb[1]) == {0, 3}


def test_a_label_with_one_item_is_judged_too():
    X, y = _digits()
    y = y.copy()
    y[0] = 42  # one item carries a label no other item has: no fold can learn it
    ranked = find_suspects(X[:300], y[:300])
    lone = next(s for s in ranked if s.pos == 0)
    assert lone.label == 42 and lone.label_proba == 0.0 and lone.suggested == 0  # its digit is 0
    assert [s.pos for s in ranked[:1]] == [0]


def test_one_label_is_refused():
    with pytest.raises(ValueError, match="two labels"):
        find_suspects(np.eye(4, dtype=np.float32), np.zeros(4, np.int64))


@pytest.fixture
def flipped_csv(tmp_path):
    """200 demo newsgroup posts (5 topics) with 10 labels flipped; returns (csv, flipped ids)."""
    with open(resource("demo") / "texts.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:200]
    rng = random.Random(1)
    labels = sorted({r["label"] for r in rows})
    flipped = rng.sample(range(len(rows)), 10)
    for i in flipped:
        rows[i]["label"] = rng.choice([l for l in labels if l != rows[i]["label"]])
    out = tmp_path / "posts.csv"
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "text", "label"])
        w.writeheader()
        w.writerows(rows)
    return out, {rows[i]["id"] for i in flipped}


def test_imported_labels_are_judged_in_two_commands(capsys, tmp_path, flipped_csv):
    src, flipped = flipped_csv
    project = tmp_path / "posts.shoal"
    code, out, _ = run(capsys, "new", project, "--source", src, "--id-column", "id", "--label-column", "label")
    assert code == 0 and "200 labeled" in out and f"shoal suspects {project}" in out
    code, out, err = run(capsys, "suspects", project, "-n", "20", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 20 and all(set(r) == {"id", "label", "suggested", "score", "reason"} for r in rows)
    assert all(r["label"] != r["suggested"] for r in rows)
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    top = {r["id"] for r in rows}
    assert top <= {f"t{i:03d}" for i in range(200)}  # the source's own ids, never internal ones
    assert len(top & flipped) >= 8  # 10 flipped, 20 listed
    # the CSV still says what it said: the wrong labels are in the project, where they can be fixed
    by_id = {r["id"]: r for r in rows}
    with open(src, newline="", encoding="utf-8") as f:
        truth = {r["id"]: r["label"] for r in csv.DictReader(f)}
    assert all(by_id[i]["label"] == truth[i] for i in top)
    # embedded now: a second run only reads the project (not a byte of it changes), and prints the
    # same ranking as text
    before = project.read_bytes()
    code, text, _ = run(capsys, "suspects", project, "-n", "3")
    assert project.read_bytes() == before
    assert code == 0 and [l.split()[0] for l in text.splitlines()] == [r["id"] for r in rows[:3]]
    assert "nearest labeled items" in text


def test_too_few_labels_is_one_line(capsys, tmp_path, text_csv):
    project = tmp_path / "p.shoal"
    assert run(capsys, "new", project, "--source", text_csv, "--id-column", "id")[0] == 0
    code, _, err = run(capsys, "suspects", project)
    lines = [l for l in err.splitlines() if l.strip() and "embedding" not in l]
    assert code == 2 and len(lines) == 1 and "at least 10 embedded labeled items" in lines[0], err
    code, _, err = run(capsys, "suspects", project, "-n", "-1")
    assert code == 2 and "-n takes a count" in err
