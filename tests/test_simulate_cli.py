"""`shoal simulate` end to end on the bundled demo texts, and the oracle replay on synthetic data."""
from __future__ import annotations

import json

import numpy as np

from desktop_app.cli import main
from desktop_app.core.simulate import run_one, summary_table
from desktop_app.ops.simulate import simulate_arrays
from desktop_app.resources_path import resource


def test_simulate_cli_writes_json_and_png(tmp_path, capsys):
    out, png = tmp_path / "sim.json", tmp_path / "curve.png"
    code = main([
        "simulate", str(resource("demo", "texts.csv")), "--label-column", "label", "--limit", "60",
        "--budget", "30", "--batch", "10", "--init", "10", "--seeds", "1",
        "--strategy", "seals", "--strategy", "random", "--json", str(out), "--plot", str(png)])
    assert code in (0, None)
    result = json.loads(out.read_text())
    assert {r["strategy"] for r in result["runs"]} == {"seals", "random"}
    assert result["n_items"] == 60
    curve = result["runs"][0]["curve"]
    assert [p["n_labeled"] for p in curve] == [10, 20, 30]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "seals" in capsys.readouterr().out


def _two_blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    X = np.where(y[:, None] == 1, 1.0, -1.0) * np.eye(8)[0] + 0.6 * rng.standard_normal((n, 8))
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32), y


def test_simulate_arrays_shares_split_and_start_per_seed():
    X, y = _two_blobs()
    result = simulate_arrays(X, y, ["a", "b"], "blobs", ["seals", "random", "kcenter"], budget=50, batch=10,
                             init=10, seeds=2, signals={"seals"}, workers=2)
    assert len(result["runs"]) == 6 and len(result["full_supervision_per_seed"]) == 2
    for seed in (0, 1):
        firsts = {r["curve"][0]["macro_f1"] for r in result["runs"] if r["seed"] == seed}
        assert len(firsts) == 1  # same split and the same initial labels for every strategy
    seals_run = next(r for r in result["runs"] if r["strategy"] == "seals")
    assert "recommendation" in seals_run["curve"][-1]
    assert "kcenter" in summary_table(result)


def test_rare_task_counts_positives():
    X, y = _two_blobs(400)
    y = np.where((y == 1) & (np.arange(400) % 10 != 0), 0, y)  # ~5% positives
    curve = run_one(X, y, "search", budget=60, batch=10, init=10, seed=0, positive=1)
    found = [p["positives_found"] for p in curve]
    assert found == sorted(found) and found[-1] > found[0]


def _three_blobs(n=6000, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((3, dim))
    y = rng.integers(0, 3, n)
    X = centres[y] + 1.2 * rng.standard_normal((n, dim))
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32), y


def test_replay_index_is_the_same_graph_every_build():
    from desktop_app.core.index.hnsw import EXACT_BELOW, KnnIndex
    from desktop_app.core.simulate import replay_index

    X, _ = _three_blobs()
    assert len(X) >= EXACT_BELOW
    a, b = replay_index(X), replay_index(X)
    assert isinstance(a, KnnIndex)
    ids_a, sims_a = a.query(X[:1000], 51)
    ids_b, sims_b = b.query(X[:1000], 51)
    assert np.array_equal(ids_a, ids_b) and np.array_equal(sims_a, sims_b)


def test_two_replays_with_the_same_seed_give_identical_curves():
    """The pool is above EXACT_BELOW, so the replay builds its own HNSW index each time."""
    X, y = _three_blobs()
    for strategy in ("seals", "margin"):
        first = run_one(X, y, strategy, budget=80, batch=20, init=10, seed=3)
        second = run_one(X, y, strategy, budget=80, batch=20, init=10, seed=3)
        strip = [{k: v for k, v in p.items() if not k.endswith("_seconds")} for p in first]
        assert strip == [{k: v for k, v in p.items() if not k.endswith("_seconds")} for p in second]
        assert [p["n_labeled"] for p in first] == [10, 30, 50, 70, 80]


def test_simulate_with_audit_share_reports_the_estimate_against_the_truth(tmp_path, capsys):
    X, y = _two_blobs(600)
    result = simulate_arrays(X, y, ["a", "b"], "blobs", ["seals"], budget=300, batch=20, init=10, seeds=1,
                             audit_share=0.2)
    pts = [p for p in result["runs"][0]["curve"] if p.get("estimate")]
    assert pts and all("true_accuracy_unlabeled" in p for p in pts)
    assert result["audit_share"] == 0.2
    table = summary_table(result)
    assert "accuracy estimate covers the true accuracy" in table
    code = main(["simulate", str(resource("demo", "texts.csv")), "--label-column", "label", "--audit-share", "0.9"])
    assert code == 2 and "--audit-share must be between 0 and 0.5" in capsys.readouterr().err


def test_simulate_replays_a_projects_own_labels(tmp_path, text_csv, capsys):
    """`shoal simulate --project P.shoal`: the project's labeled items are the pool, and the output says
    so; a project with too few labels, or both/neither of SOURCE and --project, is one clear line."""
    import csv as _csv
    import json as _json

    project = tmp_path / "own.shoal"
    assert main(["new", str(project), "--source", str(text_csv), "--text-column", "text", "--id-column", "id"]) == 0
    assert main(["embed", str(project)]) == 0
    with open(text_csv, newline="", encoding="utf-8") as f:
        rows = list(_csv.DictReader(f))
    few = tmp_path / "few.csv"
    few.write_text("item,label\n" + "".join(f"{r['id']},{r['label']}\n" for r in rows[:12]))
    assert main(["label", str(project), "--csv", str(few), "--new-label"]) == 0
    capsys.readouterr()
    assert main(["simulate", "--project", str(project)]) == 2
    assert "has 12 labeled, embedded items" in capsys.readouterr().err
    answers = tmp_path / "answers.csv"
    answers.write_text("item,label\n" + "".join(f"{r['id']},{r['label']}\n" for r in rows[:100]))
    assert main(["label", str(project), "--csv", str(answers), "--new-label"]) == 0
    capsys.readouterr()
    out_json = tmp_path / "own.json"
    assert main(["simulate", "--project", str(project), "--strategy", "seals", "--strategy", "random",
                 "--budget", "50", "--batch", "10", "--seeds", "2", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "its 100 labeled items are the whole pool (the other 20 have no known label and are left out)" in out
    assert "own.shoal (labeled items only): 100 items" in out
    result = _json.loads(out_json.read_text())
    assert result["pool"] == "labeled items only" and result["n_items"] == 100
    assert sorted(result["labels"]) == sorted({r["label"] for r in rows[:100]})
    assert {r["strategy"] for r in result["runs"]} == {"seals", "random"} and len(result["runs"]) == 4
    assert all(r["curve"][-1]["n_labeled"] <= 80 for r in result["runs"])  # a fifth is held out to test on
    for args in (["simulate"], ["simulate", str(text_csv), "--project", str(project)]):
        assert main(args) == 2
        assert "give a labeled SOURCE, or --project P.shoal" in capsys.readouterr().err
