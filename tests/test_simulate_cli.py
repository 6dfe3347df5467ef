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
