"""The accuracy estimate (core/estimate.py) and its plumbing: audit picks, prequential answers recorded
before each label, `status --json` → estimate, and its coverage of the hidden truth in replays."""
from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest

from desktop_app.core import estimate as est
from desktop_app.core.selection.audit import audit_count
from tests.test_engine_cli import answer_batch, run, truth_of_csv


def _calibrated(n: int, classes: int, rng, sharp: float = 3.0):
    """Probabilities and labels drawn from them: calibrated by construction."""
    logits = rng.normal(size=(n, classes)) * sharp
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    y = np.array([rng.choice(classes, p=row) for row in p])
    return p, y


def test_calibrated_answers_give_the_true_accuracy():
    rng = np.random.default_rng(0)
    p, y = _calibrated(400, 4, rng)
    ans = est.answers_from(list(p), [np.arange(4)] * len(p), y, np.zeros(len(p), bool))
    pool, pool_y = _calibrated(5000, 4, rng)
    truth = float((pool.argmax(1) == pool_y).mean())
    e = est.estimate(ans, pool)
    lo, hi = e["accuracy_interval"]
    assert lo <= truth <= hi and hi - lo < 0.1
    assert abs(e["temperature"] - 1.0) < 0.35
    assert 0 <= e["macro_f1"] <= 1 and e["n"] == 400


def test_an_overconfident_head_is_tempered_down():
    rng = np.random.default_rng(1)
    p, y = _calibrated(600, 3, rng)
    sharpened = p ** 3 / (p ** 3).sum(1, keepdims=True)       # same argmax, overconfident
    ans = est.answers_from(list(sharpened), [np.arange(3)] * len(p), y, np.zeros(len(p), bool))
    pool, pool_y = _calibrated(4000, 3, rng)
    pool_sharp = pool ** 3 / (pool ** 3).sum(1, keepdims=True)
    truth = float((pool.argmax(1) == pool_y).mean())
    naive = float(pool_sharp.max(1).mean())
    e = est.estimate(ans, pool_sharp)
    assert e["temperature"] > 2
    assert abs(e["accuracy"] - truth) < 0.03 < naive - truth
    assert e["accuracy_interval"][0] <= truth <= e["accuracy_interval"][1]


def test_answers_from_heads_that_knew_fewer_classes():
    # an item asked when the head knew classes [3, 7] and labeled 9 (a class it did not know): wrong
    ans = est.answers_from([np.array([0.6, 0.4]), np.array([0.2, 0.3, 0.5])], [[3, 7], [3, 7, 9]], [9, 9],
                           [True, False])
    assert ans.proba.shape == (2, 3) and ans.correct.tolist() == [False, True]
    assert ans.proba[0, 2] == 0
    top = est.tempered_top(ans.proba, np.array([0.5, 1.0, 2.0]))
    assert np.allclose(top[1], [0.6, 0.5])          # T=1 leaves probabilities as they are
    assert top[0, 0] > 0.6 > top[2, 0]               # the padded class stays at 0 for every T


def test_too_few_answers_give_no_estimate():
    n = est.MIN_ANSWERS - 1
    ans = est.answers_from([np.array([0.9, 0.1])] * n, [[0, 1]] * n, [0] * n, [False] * n)
    assert est.estimate(ans, np.full((10, 2), 0.5)) is None


def test_audit_share_is_kept_on_average():
    rng = np.random.default_rng(0)
    counts = [audit_count(0.05, 20, rng) for _ in range(2000)]
    assert abs(np.mean(counts) - 1.0) < 0.1 and max(counts) <= 2
    assert audit_count(0.0, 20, rng) == 0 and audit_count(0.5, 1, rng) == 0


def test_replay_interval_covers_the_hidden_truth():
    """On digits (no encoder needed), after 200 labels the true accuracy of the head on the items still
    unlabeled lies inside the shown 95% interval in >= 90% of rounds, and the interval is narrower than 0.2."""
    from desktop_app.core.simulate import run_one
    from desktop_app.quality_bench.datasets import digits
    from desktop_app.quality_bench.estimate import summarise

    X, y, _ = digits()
    curves = [run_one(X, y, "seals", budget=320, batch=20, init=10, seed=s, signals=True, audit_share=0.1)
              for s in range(3)]
    s = summarise(curves, after=200)
    assert s["rounds"] >= 15
    assert s["coverage"] >= 0.9, s
    assert s["max_width"] < 0.2, s
    assert s["mean_abs_error"] < s["cv_mean_error"] * -1  # far closer than the old CV figure


def test_cli_records_answers_and_reports_the_estimate(capsys, tmp_path, text_csv):
    project = tmp_path / "e.shoal"
    truth = truth_of_csv(text_csv)
    assert run(capsys, "new", project, "--source", text_csv, "--text-column", "text", "--id-column", "id")[0] == 0
    assert run(capsys, "embed", project)[0] == 0

    # a larger audit share than the default, so 120 items are enough (the same setting as the GUI's)
    code, out, _ = run(capsys, "settings", project, "--audit-share", "0.25")
    assert code == 0 and "audit share: 0.25   (changed)" in out
    assert json.loads(run(capsys, "settings", project, "--json")[1])["audit_share"] == 0.25
    code, _, err = run(capsys, "settings", project, "--audit-share", "0.9")
    assert code != 0 and "between 0.0 and 0.5" in err and "Traceback" not in err
    seen_audit = False
    for i in range(6):
        if i == 1:  # labels but no audit answers yet: status says what the estimate waits for
            out = run(capsys, "status", project)[1]
            assert "estimated accuracy: not yet; it needs 5 answered audit items, 0 so far" in out, out
            assert json.loads(run(capsys, "status", project, "--json")[1])["estimate_needs"].startswith("it needs 5")
        batch = json.loads(run(capsys, "next", project, "-n", "12", "--json")[1])
        seen_audit |= any(e["audit"] and e["why"].startswith("audit:") for e in batch)
        answer_batch(capsys, project, batch, truth, tmp_path)
    json.loads(run(capsys, "next", project, "-n", "12", "--json")[1])  # closes the round
    con = sqlite3.connect(project)
    n_asked, n_audit = con.execute("SELECT count(*), coalesce(sum(audit), 0) FROM asked").fetchone()
    con.close()
    assert n_asked >= 4 * 12  # every item served with a model was recorded before its label
    assert seen_audit and n_audit >= 10
    st = json.loads(run(capsys, "status", project, "--json")[1])
    e = st["estimate"]
    assert set(e) >= {"accuracy", "accuracy_interval", "macro_f1", "n", "method"}
    assert e["accuracy_interval"][0] <= e["accuracy"] <= e["accuracy_interval"][1]
    assert e["n"] == e["n_audit"] >= 10
    code, out, _ = run(capsys, "status", project)
    assert "estimated accuracy on the unlabeled items" in out and "a lower bound" in out


def test_a_version_1_project_upgrades_in_place(tmp_path):
    from desktop_app.store import schema
    from desktop_app.store.project import Project

    path = tmp_path / "old.shoal"
    con = sqlite3.connect(path)
    con.executescript(schema.SCHEMA_V1 + f"PRAGMA application_id = {schema.APPLICATION_ID}; PRAGMA user_version = 1;")
    con.execute("INSERT INTO meta VALUES ('kind', '\"text\"')")
    con.execute("INSERT INTO items(idx, uid, text) VALUES (0, 'a', 'hello')")
    con.execute("INSERT INTO queue VALUES (0, 0, 0.5, 'uncertain', NULL, 1)")
    con.commit()
    con.close()
    with Project.open(path) as p:
        assert p.conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert p.load_queue()[0]["audit"] == 0 and p.answered_asks() == []


@pytest.mark.parametrize("classes, blob", [("not json", b"\0" * 8), ("[1, 2]", b"\0" * 4), ('["a", "b"]', b"\0" * 8)])
def test_a_damaged_asked_row_is_ignored(tmp_path, classes, blob):
    from desktop_app.store.project import Project

    with Project.create(tmp_path / "d.shoal", {"kind": "text"}) as p:
        p.add_items([])
        with p.tx():
            p.conn.execute("INSERT INTO items(idx, uid, text) VALUES (0, 'a', 'x')")
            p.conn.execute("INSERT INTO asked VALUES (0, 1, 0, ?, ?, 0)", (classes, blob))
        lid = p.add_label("x")
        p.set_labels([(0, lid, "labeled")])
        assert p.answered_asks() == [] and p.asked_probabilities([0]) == {}


@pytest.mark.parametrize("value, expected", [("\"lots\"", 0.1), ("-1", 0.0), ("7", 0.5), ("null", 0.1),
                                             ("1e999", 0.1)])
def test_a_crafted_audit_share_is_read_safely(tmp_path, value, expected):
    from desktop_app.ops.loop import audit_share
    from desktop_app.store.project import Project

    path = tmp_path / "a.shoal"
    Project.create(path, {"kind": "text", "source": "x.csv", "source_root": str(tmp_path)}).close()
    con = sqlite3.connect(path)
    con.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('audit_share', ?)", (value,))
    con.commit()
    con.close()
    with Project.open(path, readonly=True) as p:
        assert audit_share(p) == expected
