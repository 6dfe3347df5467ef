"""The side-by-side comparison with small-text: same split, start set and head for every method, reproducible
runs, and the statistics and page section it writes."""
from __future__ import annotations

import numpy as np
import pytest

from desktop_app.quality_bench import compare

pytest.importorskip("small_text")

from desktop_app.quality_bench import peers  # noqa: E402


def _blobs(n=600, dim=12, classes=4, seed=0, noise=1.0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((classes, dim))
    y = rng.integers(0, classes, n)
    X = centres[y] + noise * rng.standard_normal((n, dim))
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32), y


METHODS = ["seals", "random", "st:RandomSampling", "st:BreakingTies", "st:SEALS(BreakingTies)",
           "st:EmbeddingKMeans", "st:GreedyCoreset", "st:PredictionEntropy"]


def test_every_method_gets_the_same_start_set_and_label_grid(tmp_path):
    X, y = _blobs()
    res = peers.compare_on(X, y, METHODS, seeds=2, budget=60, batch=10, init=10, log=lambda s: None)
    for seed in range(2):
        starts = {tuple(res["runs"][m][seed][0]["start"]) for m in METHODS}
        assert len(starts) == 1
        firsts = {res["runs"][m][seed][0]["macro_f1"] for m in METHODS}
        assert len(firsts) == 1  # same split, start set and head: same first point
        for m in METHODS:
            curve = res["runs"][m][seed]
            assert [p["n_labeled"] for p in curve] == [10, 20, 30, 40, 50, 60]
            asked = np.concatenate([p["asked"] for p in curve if "asked" in p])
            assert len(np.unique(asked)) == 50 and not np.isin(asked, curve[0]["start"]).any()
    s = res["summary"]
    assert s["best_peer"].startswith("st:")
    assert set(s["methods"]) == set(METHODS)
    for m, d in s["methods"].items():
        assert 0 < d["aulc"] <= 1 and d["seeds"] == 2
        if m != s["best_peer"]:
            lo, hi = d["vs_best"]["aulc"]
            assert lo <= hi
    text = compare.table(s, 60, "st:RandomSampling")
    assert text.count("\n") == len(METHODS) + 1 and "best peer" in text
    res.update(n_pool=480, n_test=120, params={"seeds": 2, "budget": 60, "batch": 10, "init": 10,
                                               "small_text": "1.4.1", "minutes": 0.1})
    peers.write(tmp_path, "fashion", res)  # the page section, its plot and the saved curves
    page = (tmp_path / "benchmarks.md").read_text()
    assert "### fashion" in page and "st:SEALS(BreakingTies)" in page and compare.END in page
    assert (tmp_path / "curves" / "peers-fashion.png").read_bytes()[:4] == b"\x89PNG"


def test_peer_replays_are_reproducible():
    X, y = _blobs()
    from desktop_app.core.simulate import split

    sp = split(y, 1)
    for name in ("st:SEALS(BreakingTies)", "st:EmbeddingKMeans", "st:RandomSampling"):
        a = peers.run_peer(X, y, name, budget=50, batch=10, init=10, seed=1, split_idx=sp)
        b = peers.run_peer(X, y, name, budget=50, batch=10, init=10, seed=1, split_idx=sp)
        assert [p.get("asked") for p in a] == [p.get("asked") for p in b]
        assert [p["macro_f1"] for p in a] == [p["macro_f1"] for p in b]


def test_statistics_on_known_curves():
    def curve(values):
        return [{"n_labeled": 10 * (i + 1), "macro_f1": v} for i, v in enumerate(values)]

    up = curve([0.2, 0.4, 0.6, 0.8])
    assert compare.seed_crossing(up, 0.5) == pytest.approx(25.0)
    assert compare.seed_crossing(up, 0.9) is None
    assert compare.aulc(up) == pytest.approx(0.5)
    fast, slow = [curve([0.2, 0.6, 0.8, 0.9])] * 5, [curve([0.2, 0.4, 0.6, 0.8])] * 5
    got = compare.paired_bootstrap(fast, slow, 0.5, 40.0, n=200)
    assert got["labels"] == pytest.approx((-7.5, -7.5)) and got["aulc"][0] > 0


def test_section_is_spliced_and_kept(tmp_path):
    page = tmp_path / "benchmarks.md"
    page.write_text("# Selection benchmarks\n\nbody\n")
    compare.splice(page, "## side by side\n| a |")
    page.write_text(page.read_text().replace(compare.END, f"{compare.NOTES_START}\nwhat it means\n"
                                                          f"{compare.NOTES_END}\n{compare.END}"))
    compare.splice(page, "## side by side\n| b |")
    text = page.read_text()
    assert "what it means" in text and text.index("| b |") < text.index("what it means") < text.index(compare.END)
    assert text.count(compare.START) == 1 and "| b |" in text and "| a |" not in text and "body" in text
    assert compare.kept_block(page).startswith(compare.START) and "| b |" in compare.kept_block(page)


def test_small_text_greedy_coreset_picks_what_shoal_kcenter_picks():
    """Why the default run leaves st:GreedyCoreset out: on unit vectors it is Shoal's kcenter."""
    X, y = _blobs(400)
    res = peers.compare_on(X, y, ["kcenter", "st:GreedyCoreset"], seeds=1, budget=50, batch=10, init=10,
                           log=lambda s: None)
    a, b = res["runs"]["kcenter"][0], res["runs"]["st:GreedyCoreset"][0]
    assert [sorted(p.get("asked", [])) for p in a] == [sorted(p.get("asked", [])) for p in b]


def test_spread_head_learns_from_the_pool_structure():
    """Two labels per class on well-separated blobs: label spreading over the kNN graph labels the pool
    almost perfectly, and the head trained on labels + pseudo-labels predicts like a linear head."""
    from desktop_app.quality_bench.spread import SpreadHead

    X, y = _blobs(500, classes=3, seed=2, noise=0.4)
    start = np.concatenate([np.flatnonzero(y == c)[:2] for c in range(3)])
    head = SpreadHead(X, share=1.0).fit(X[start], y[start])
    pos, pseudo, conf = head.spread(X[start], y[start])
    assert not np.isin(pos, start).any() and set(pseudo) <= {0, 1, 2}
    assert (pseudo == y[pos]).mean() > 0.9 and np.all(np.diff(conf) <= 1e-6)
    assert (head.predict(X) == y).mean() > 0.9 and head.predict_proba(X).shape == (500, 3)
