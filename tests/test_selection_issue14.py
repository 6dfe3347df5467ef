"""The strategies added for issue 14 (TypiClust/TCM, BADGE, query by committee, expected gradient length)
on small constructed problems with a known answer (real Session, real index, real logistic heads)."""
from __future__ import annotations

import numpy as np

from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.selection.badge import gradient_parts, kmeanspp_kron
from desktop_app.core.selection.base import UNLABELED
from desktop_app.core.selection.committee import committee_proba, vote_entropy
from desktop_app.core.selection.egl import expected_gradient_length
from desktop_app.core.selection.typiclust import PER_CLASS, typicality
from tests.test_selection_strategies import blobs, boundary_problem, replay, session_for, unit


def striped_boundary(seed=0):
    """Two classes split by the sign of x0, in four groups along other axes: every group holds a stretch
    of the boundary. 30 labels, head fitted."""
    rng = np.random.default_rng(seed)
    n = 800
    x0 = rng.uniform(-1, 1, n)
    group = rng.integers(0, 4, n)
    other = np.zeros((n, 4))
    other[np.arange(n), group] = 1.5
    X = unit(np.column_stack([x0, other, 0.05 * rng.standard_normal((n, 4))]))
    truth = (x0 > 0).astype(np.int64)
    state = np.full(n, UNLABELED, np.int64)
    start = rng.choice(n, 30, replace=False)
    state[start] = truth[start]
    s = session_for(X, state, k=50)
    s.refit()
    return x0, group, state, s


# ---- BADGE -----------------------------------------------------------------------------------------

def test_kron_seeding_distances_are_those_of_the_explicit_gradient_embeddings():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(3), 40)
    x = unit(rng.standard_normal((40, 5)))
    a, x1 = gradient_parts(proba, x)
    g = np.einsum("ic,id->icd", a, x1).reshape(40, -1)     # the embeddings BADGE describes
    top = np.argmax(proba, axis=1)
    assert np.allclose(g[0], np.outer(proba[0] - np.eye(3)[top[0]], x1[0]).ravel())
    explicit = ((g[:, None, :] - g[None, :, :]) ** 2).sum(axis=2)
    sq = (a * a).sum(1) * (x1 * x1).sum(1)
    assert np.allclose(explicit, sq[:, None] + sq[None, :] - 2 * (a @ a.T) * (x1 @ x1.T), atol=1e-9)
    chosen = kmeanspp_kron(a, x1, 6, np.random.default_rng(1))
    assert chosen[0] == int(np.argmax((g * g).sum(axis=1)))  # starts with the longest gradient
    assert len(set(chosen)) == 6


def test_badge_never_takes_two_copies_of_the_same_item():
    rng = np.random.default_rng(0)
    proba = np.vstack([np.tile([0.5, 0.5], (30, 1)), rng.dirichlet([8, 1], 70)])   # 30 identical, unsure
    x = np.vstack([np.tile(unit(np.ones((1, 4))), (30, 1)), unit(rng.standard_normal((70, 4)))])
    a, x1 = gradient_parts(proba, x)
    chosen = kmeanspp_kron(a, x1, 10, np.random.default_rng(0))
    assert len(set(chosen)) == 10
    assert sum(c < 30 for c in chosen) == 1       # one of the duplicates, not ten


def test_badge_prefers_uncertain_items_and_spreads_them_over_the_groups():
    x0, group, state, s = striped_boundary()
    picks = s.select(12, "badge")
    idx = np.array([p.idx for p in picks])
    assert len(set(idx.tolist())) == 12 and all(state[idx] == UNLABELED)
    assert np.median(np.abs(x0[idx])) < 0.3 < np.median(np.abs(x0[state == UNLABELED]))
    assert len(set(group[idx].tolist())) == 4      # every stretch of the boundary gets picks
    assert all("BADGE" in p.reason for p in picks)


# ---- query by committee ----------------------------------------------------------------------------

def test_vote_entropy_is_zero_when_unanimous_and_log2_on_an_even_split():
    votes = np.array([[0, 0, 1], [0, 1, 2], [0, 0, 1], [0, 1, 2]])   # 4 members, 3 items
    ve = vote_entropy(votes, 3)
    assert ve[0] == 0.0 and np.isclose(ve[1], np.log(2)) and np.isclose(ve[2], np.log(2))


def test_the_committee_disagrees_at_the_boundary_and_qbc_asks_there():
    x0, state, s = boundary_problem()
    lab = np.flatnonzero(state >= 0)
    X = s.embeddings
    near, far = np.flatnonzero(np.abs(x0) < 0.05), np.flatnonzero(np.abs(x0) > 0.7)
    probs = committee_proba(X[lab], state[lab], X[np.concatenate([near, far])], np.random.default_rng(0))
    ve = vote_entropy(np.argmax(probs, axis=2), 2)
    assert ve[:len(near)].mean() > 5 * max(ve[len(near):].mean(), 1e-3)
    picks = s.select(10, "qbc")
    assert np.median(np.abs(x0[[p.idx for p in picks]])) < 0.25
    assert all("committee disagrees" in p.reason for p in picks)


# ---- expected gradient length ----------------------------------------------------------------------

def test_expected_gradient_length_is_the_expected_norm_of_the_loss_gradient():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), 25)
    x = rng.standard_normal((25, 6))
    x1 = np.hstack([x, np.ones((25, 1))])
    brute = np.array([sum(p[c] * np.linalg.norm(np.outer(p - np.eye(4)[c], xi)) for c in range(4))
                      for p, xi in zip(proba, x1)])
    assert np.allclose(expected_gradient_length(proba, x), brute)


def test_egl_asks_at_the_boundary():
    x0, state, s = boundary_problem()
    picks = s.select(10, "egl")
    assert np.median(np.abs(x0[[p.idx for p in picks]])) < 0.25
    assert np.median(np.abs(x0[state == UNLABELED])) > 0.4


# ---- TypiClust / TCM -------------------------------------------------------------------------------

def dense_blobs_with_outliers(seed=0):
    X, g = blobs([120, 120, 120], dim=16, spread=0.06, seed=seed)
    rng = np.random.default_rng(seed)
    out = unit(rng.standard_normal((40, 16)))                      # scattered, far from every blob
    return unit(np.vstack([X, out])), np.concatenate([g, np.full(40, 3)])


def test_typicality_is_highest_in_the_dense_core():
    X, g = dense_blobs_with_outliers()
    typ = typicality(X)
    assert np.median(typ[g < 3]) > 2 * np.median(typ[g == 3])


def test_typiclust_picks_typical_members_of_each_dense_region_not_outliers():
    X, g = dense_blobs_with_outliers()
    state = np.full(len(X), UNLABELED, np.int64)
    s = session_for(X, state)
    picks = s.select(3, "typiclust")
    idx = np.array([p.idx for p in picks])
    assert sorted(g[idx].tolist()) == [0, 1, 2]                    # one per blob, no outlier
    centres = np.vstack([X[g == b].mean(axis=0) for b in range(3)])
    centres = unit(centres)
    sim = (X[idx] * centres[g[idx]]).sum(axis=1)
    members = [(X[g == b] @ centres[b]) for b in range(3)]
    assert all(sim[i] >= np.median(members[g[idx][i]]) for i in range(3))   # nearer the centre than most
    assert all(p.kind == "explore" and "TypiClust" in p.reason for p in picks)
    # kcenter, by contrast, opens with outliers
    s2 = session_for(X, state)
    state2 = state.copy()
    state2[0] = 0
    s2 = session_for(X, state2)
    assert (g[[p.idx for p in s2.select(3, "kcenter")]] == 3).any()


def test_typiclust_moves_on_to_regions_with_fewer_labels():
    X, g = dense_blobs_with_outliers()
    state = np.full(len(X), UNLABELED, np.int64)
    state[np.flatnonzero(g == 0)[:5]] = 0                          # blob 0 already well labeled
    state[np.flatnonzero(g == 1)[:5]] = 1
    s = session_for(X, state)
    picks = s.select(2, "typiclust")
    assert 2 in g[[p.idx for p in picks]]


def test_tcm_is_typiclust_while_labels_are_few_then_margin():
    x0, state, s = boundary_problem()                              # 30 labels of 2 classes: past the switch
    assert 30 >= PER_CLASS * 2
    picks = s.select(10, "tcm")
    assert all(p.kind == "uncertain" for p in picks)
    assert np.median(np.abs(x0[[p.idx for p in picks]])) < 0.25
    few = np.full(len(state), UNLABELED, np.int64)
    lab = np.flatnonzero(state >= 0)[:4]
    few[lab] = state[lab]
    if len(np.unique(few[lab])) < 2:
        lab = np.concatenate([lab, [np.flatnonzero((state >= 0) & (state != few[lab[0]]))[0]]])
        few[lab] = state[lab]
    s2 = session_for(s.embeddings, few, k=50)
    s2.refit()
    assert all(p.kind == "explore" for p in s2.select(5, "tcm"))


def test_tcm_seals_opens_with_typical_items_then_asks_neighbours_of_labels():
    X, g = dense_blobs_with_outliers()
    state = np.full(len(X), UNLABELED, np.int64)
    state[[0, 120]] = g[[0, 120]]                                  # 2 labels of 2 classes: few
    s = session_for(X, state, k=20)
    s.refit()
    first = s.select(4, "tcm-seals")
    assert all("TypiClust" in p.reason for p in first)
    assert 2 in g[[p.idx for p in first]]                          # the blob with no label yet
    idx = np.array([p.idx for p in first])
    s.set_state(idx, g[idx])
    lab = np.flatnonzero(g < 3)[::12]
    s.set_state(lab, g[lab])                                       # now plenty of labels
    s.refit()
    later = s.select(6, "tcm-seals")
    assert not any("TypiClust" in p.reason for p in later)
    assert any(p.neighbour_of is not None for p in later)          # SEALS candidates


def test_new_strategies_replay_several_rounds_without_repeats():
    X, g = blobs([60, 60, 60])
    for name in ("tcm", "tcm-seals", "typiclust", "badge", "qbc", "egl"):
        state = np.full(len(X), UNLABELED, np.int64)
        state[[0, 60, 120]] = g[[0, 60, 120]]
        picked = replay(session_for(X, state), g, name, rounds=4, batch=9)
        assert len(set(picked.tolist())) == 36, name


def test_committee_members_know_every_class():
    x0, state, s = boundary_problem()
    lab = np.flatnonzero(state >= 0)
    probs = committee_proba(s.embeddings[lab], state[lab], s.embeddings[:5], np.random.default_rng(3), members=4)
    assert probs.shape == (4, 5, 2)
    assert np.allclose(probs.sum(axis=2), 1.0, atol=1e-5)
    assert LinearHead().fit(s.embeddings[lab], state[lab]).classes_.tolist() == [0, 1]


def test_shoal_simulate_runs_the_new_strategies(tmp_path, capsys):
    import json

    from desktop_app.cli import main
    from desktop_app.resources_path import resource

    out = tmp_path / "sim.json"
    names = ["tcm", "tcm-seals", "badge", "qbc", "egl", "typiclust"]
    code = main(["simulate", str(resource("demo", "texts.csv")), "--label-column", "label", "--limit", "60",
                 "--budget", "30", "--batch", "10", "--init", "10", "--seeds", "1",
                 *[a for n in names for a in ("--strategy", n)], "--json", str(out)])
    assert code in (0, None)
    runs = json.loads(out.read_text())["runs"]
    assert {r["strategy"] for r in runs} == set(names)
    assert all([p["n_labeled"] for p in r["curve"]] == [10, 20, 30] for r in runs)


def test_target_checks_on_known_curves():
    from desktop_app.quality_bench import targets

    def curve(f1s):
        return [{"n_labeled": 20 + 25 * i, "macro_f1": f} for i, f in enumerate(f1s)]

    runs = {"st:RandomSampling": [curve([0.2, 0.4, 0.6, 0.8])] * 2,
            "st:BreakingTies": [curve([0.2, 0.6, 0.8, 0.9])] * 2,
            "new": [curve([0.19, 0.8, 0.85, 0.895])] * 2}
    res = {"runs": runs, "summary": {"best_peer": "st:BreakingTies", "target": 0.8}}
    rows = {r["method"]: r for r in targets.checks(res)}
    assert rows["st:BreakingTies"]["labels"] == 70 and rows["st:RandomSampling"]["labels"] == 95
    assert rows["new"]["labels"] == 45 and np.isclose(rows["new"]["vs_best"], 45 / 70)
    assert np.isclose(rows["new"]["vs_random"], 45 / 95)
    assert np.isclose(rows["new"]["worst_vs_random"], 0.95)          # the first round: 0.19 / 0.2
    assert np.isclose(rows["new"]["final_vs_margin"], -0.005)
    assert "| new | 45 | 0.64 | 0.47 | 0.95 | -0.005 |" in targets.table({"x": res})


def test_peers_add_extends_the_saved_tables_and_refuses_other_parameters(tmp_path):
    import json
    import shutil
    from pathlib import Path

    import pytest

    from desktop_app.quality_bench import peers_add

    docs = tmp_path / "docs"
    (docs / "curves").mkdir(parents=True)
    src = Path(__file__).resolve().parents[1] / "docs"
    shutil.copy(src / "benchmarks.md", docs / "benchmarks.md")
    saved = json.loads((src / "curves" / "peers-newsgroups.json").read_text())
    (docs / "curves" / "peers-newsgroups.json").write_text(json.dumps(saved))
    new = {"newsgroups": {"runs": {"seals-copy": saved["runs"]["seals"]}, "params": saved["params"]}}
    (tmp_path / "new.json").write_text(json.dumps(new))
    peers_add.main([str(tmp_path / "new.json"), "--docs", str(docs)])
    merged = json.loads((docs / "curves" / "peers-newsgroups.json").read_text())
    m = merged["summary"]["methods"]
    assert m["seals-copy"]["crossing"] == m["seals"]["crossing"]
    # the saved curves are rounded to 5 decimals: recomputed figures agree to far below a label
    assert abs(m["seals"]["crossing"] - saved["summary"]["methods"]["seals"]["crossing"]) < 0.05
    assert merged["summary"]["best_peer"] == saved["summary"]["best_peer"]
    assert "| seals-copy |" in (docs / "benchmarks.md").read_text()
    other = {"newsgroups": {"runs": new["newsgroups"]["runs"], "params": {**saved["params"], "seeds": 3}}}
    (tmp_path / "other.json").write_text(json.dumps(other))
    with pytest.raises(SystemExit, match="seeds"):
        peers_add.main([str(tmp_path / "other.json"), "--docs", str(docs)])
