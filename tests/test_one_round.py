"""One round (issue 13.4): the CLI and the GUI start a new round by one rule (ops.loop.round_due), the
round is computed once (Session.finish_round, core/rounds.py) and saved in one transaction, and
`shoal simulate` computes the stopping signals with the app's settings."""
from __future__ import annotations

import contextlib
import csv
import io

import numpy as np

from desktop_app.cli import main
from desktop_app.core import rounds, stopping
from desktop_app.core.learning.heads import LinearHead
from desktop_app.ops.loop import finish_round, open_session, round_due
from desktop_app.store.project import Project


def cli(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def _project(tmp_path, text_csv):
    project = tmp_path / "r.shoal"
    assert cli("new", project, "--source", text_csv, "--text-column", "text", "--id-column", "id")[0] == 0
    assert cli("embed", project)[0] == 0
    with open(text_csv, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return project, rows


def test_a_round_starts_when_the_answers_changed_since_the_last_one(tmp_path, text_csv):
    project, rows = _project(tmp_path, text_csv)
    with Project.open(project) as p:
        assert not round_due(p)                       # no labels: nothing to fit
    for r in rows[:12]:
        assert cli("label", project, r["id"], r["label"], "--new-label")[0] == 0
    with Project.open(project) as p:
        assert round_due(p)                           # labels, no round yet (the GUI used to say so, the CLI not)
    assert cli("next", project, "-n", "5", "--json")[0] == 0
    with Project.open(project) as p:
        assert len(p.rounds()) == 1 and not round_due(p)
        assert p.rounds()[0]["answers_through"] == p.events(1)[0]["id"]
    assert cli("next", project, "-n", "5")[0] == 0    # the batch is still open: no round
    with Project.open(project) as p:
        assert len(p.rounds()) == 1 and not round_due(p)
    other = next(r["label"] for r in rows if r["label"] != rows[0]["label"])
    assert cli("label", project, rows[0]["id"], other)[0] == 0
    with Project.open(project) as p:                  # a changed answer, the same count of labels:
        assert p.n_labeled() == p.rounds()[-1]["n_labeled"] and round_due(p)  # a new round all the same
        session = open_session(p)
        stats = finish_round(p, session, "seals")
        assert not round_due(p) and len(p.rounds()) == 2
        assert p.get_arrays("head")["classes"].tolist() == session.head.classes_.tolist()
        assert len(p.get_arrays("snapshot")["idx"]) == min(rounds.SNAPSHOT_SIZE, p.n_items - 12)
        assert stats["changed_fraction"] is not None  # against the first round's tracked predictions


def test_the_round_of_the_app_is_computed_by_session_finish_round(tmp_path, text_csv):
    """ops.loop.finish_round saves what Session.finish_round computes: the same figures on the same labels."""
    project, rows = _project(tmp_path, text_csv)
    for r in rows[:30]:
        assert cli("label", project, r["id"], r["label"], "--new-label")[0] == 0
    with Project.open(project) as p:
        saved = finish_round(p, open_session(p), "seals")
        again = open_session(p).finish_round([], snapshot_idx=p.get_arrays("snapshot")["idx"])
    assert saved["cv_accuracy"] == again.stats["cv_accuracy"] and saved["n_classes"] == again.stats["n_classes"]


def test_simulate_computes_the_signals_with_the_apps_settings():
    """The cross-validated accuracy a replay reports is the app's: 5 folds over at most 3000 labels,
    seed 0 (it was 3 folds over 1000 with the replay's seed), on the labels the replay had then."""
    from desktop_app.core.simulate import run_one, split
    from desktop_app.quality_bench.datasets import digits

    assert (rounds.CV_FOLDS, rounds.CV_MAX_ITEMS, rounds.CV_SEED) == (5, 3000, 0)
    X, y, _ = digits()
    curve = run_one(X, y, "seals", budget=90, batch=20, init=10, seed=4, signals=True, audit_share=0.1)
    train, _ = split(y, 4)
    Xtr, ytr = X[train], y[train]
    labeled = list(curve[0]["start"])
    checked = 0
    for point in curve:
        cv = stopping.cv_accuracy(lambda: LinearHead(), Xtr[np.sort(labeled)], ytr[np.sort(labeled)],
                                  folds=5, seed=0, max_items=3000)
        assert point.get("cv_accuracy") == (cv["accuracy"] if cv else None)
        checked += cv is not None
        labeled += point.get("asked", [])
    assert checked >= 3
    assert any(p.get("changed_fraction") is not None for p in curve)


def test_pool_and_coverage_go_to_arrays_and_back():
    """CandidatePool/Coverage carry their own persistence (as LinearHead does), so ops never reaches into
    their private fields; arrays that do not fit are refused with ValueError."""
    import pytest

    from desktop_app.core.selection.anchors import Coverage
    from desktop_app.core.selection.pool import CandidatePool
    from desktop_app.core.simulate import replay_index

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 16)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    pool = CandidatePool(400, k=10)
    pool.update(replay_index(X), X, np.array([3, 50, 120]))
    pool.coverage.uncovered(X, np.full(400, -1))
    back = CandidatePool.from_arrays(pool.to_arrays(), 400, k=10)
    assert np.array_equal(back.members(), pool.members()) and back.source == pool.source
    assert back.update(None, X, np.array([3, 50, 120])) == 0          # those labels were queried already
    assert back.coverage.to_arrays().keys() == pool.coverage.to_arrays().keys() == {"n", "centres", "medoids", "sizes"}
    assert np.array_equal(back.coverage.medoids, pool.coverage.medoids)
    assert np.array_equal(back.coverage.uncovered(X, np.full(400, -1)), pool.coverage.uncovered(X, np.full(400, -1)))
    with pytest.raises(ValueError):
        CandidatePool.from_arrays(pool.to_arrays(), 100)                # another item count
    with pytest.raises(ValueError):
        Coverage.from_arrays(pool.coverage.to_arrays(), 300)
    bad = {**pool.to_arrays(), "cov_medoids": np.array([999])}
    assert CandidatePool.from_arrays(bad, 400).coverage.to_arrays() == {}  # bad regions: computed again later
    assert Coverage().to_arrays() == {}


def test_one_stamped_cache_helper(tmp_path):
    """store.sidecar.read_stamped/write_stamped serve the embeddings, embedded-mask and map caches: an
    array is read back only under its own stamp and when its check holds; a torn write is not current."""
    import os

    from desktop_app.store import sidecar

    path = tmp_path / "thing.npy"
    arr = np.arange(6, dtype=np.float32).reshape(3, 2)
    sidecar.write_stamped(path, "s1", arr)
    assert (tmp_path / "thing.json").is_file()
    assert np.array_equal(sidecar.read_stamped(path, "s1", valid=lambda a: a.shape == (3, 2)), arr)
    assert sidecar.read_stamped(path, "s2", valid=lambda a: True) is None          # stale stamp
    assert sidecar.read_stamped(path, "s1", valid=lambda a: a.shape == (4, 2)) is None  # fails its check
    (tmp_path / "thing.json").unlink()                                              # torn: array, no stamp
    assert sidecar.read_stamped(path, "s1", valid=lambda a: True) is None
    sidecar.write_stamped(path, "s1", arr)
    path.write_bytes(b"damaged")
    assert sidecar.read_stamped(path, "s1", valid=lambda a: True) is None
    other = tmp_path / "elsewhere.npy"
    np.save(other, arr)
    path.unlink()
    os.symlink(other, path)                                                         # a planted link: not read
    assert sidecar.read_stamped(path, "s1", valid=lambda a: True) is None
    sidecar.write_stamped(path, "s3", arr * 2)                                      # replaces the link itself
    assert not path.is_symlink() and np.array_equal(np.load(other), arr)
    assert np.array_equal(sidecar.read_stamped(path, "s3", valid=lambda a: True), arr * 2)
