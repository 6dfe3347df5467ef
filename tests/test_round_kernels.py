"""The round's faster parts give the answers of the plain ones: the linear head's probabilities on
onnxruntime (learning/kernels.py), the partial sort of the batch's top scores, the pool's rows read from
the in-RAM copy (CachedRows), and the usearch/onnxruntime import order that used to crash the process."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from desktop_app.core.index.rows import CachedRows, RowCache, RowFile
from desktop_app.core.learning import kernels
from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.selection.base import UNLABELED
from desktop_app.core.selection.diversity import top_order
from desktop_app.core.session import Session


@pytest.mark.parametrize("classes", [2, 3, 10])
@pytest.mark.parametrize("rows", [5, 300, 9000])
def test_linear_proba_matches_the_numpy_softmax(classes, rows):
    rng = np.random.default_rng(classes)
    train = rng.standard_normal((200, 48)).astype(np.float32)
    head = LinearHead().fit(train, np.arange(200) % classes)
    X = rng.standard_normal((rows, 48)).astype(np.float32)   # few rows: numpy; many: onnxruntime on 1 or 2 threads
    got = head.predict_proba(X)
    want = kernels.probabilities(X @ head.coef_.T + head.intercept_)
    assert got.dtype == np.float32 and got.shape == (rows, classes)
    np.testing.assert_allclose(got, want, atol=2e-6)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-5)


def test_the_shipped_graphs_are_the_ones_the_onnx_helper_builds(tmp_path):
    import onnxruntime as ort

    from desktop_app.resources_path import resource

    rng = np.random.default_rng(0)
    X, W, B = (rng.standard_normal(s).astype(np.float32) for s in ((400, 16), (16, 4), (4,)))
    for binary, name in kernels.FILES.items():
        w, b = (W[:, :1], B[:1]) if binary else (W, B)
        feeds = {"X": X, "W": w, "B": b}
        shipped = ort.InferenceSession(str(resource("models", name)), providers=["CPUExecutionProvider"])
        built = ort.InferenceSession(kernels.build_graph(binary), providers=["CPUExecutionProvider"])
        np.testing.assert_array_equal(shipped.run(None, feeds)[0], built.run(None, feeds)[0])


def test_without_a_graph_the_numbers_come_from_numpy(monkeypatch):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((1000, 8)).astype(np.float32)
    coef, b = rng.standard_normal((3, 8)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    monkeypatch.setattr(kernels, "FILES", {False: "no-such-graph.onnx", True: "no-such-graph.onnx"})
    monkeypatch.setattr(kernels, "_sessions", {})
    np.testing.assert_allclose(kernels.linear_proba(X, coef, b), kernels.probabilities(X @ coef.T + b), atol=1e-7)


def test_top_order_is_the_stable_argsort_head():
    rng = np.random.default_rng(2)
    for trial in range(400):
        n = int(rng.integers(1, 2000))
        s = rng.integers(0, 4, n).astype(float) if trial % 3 == 0 else rng.random(n)  # many ties, or none
        if trial % 5 == 0:
            s[rng.integers(0, n, 3)] = np.nan
        m = int(rng.integers(0, n + 3))
        np.testing.assert_array_equal(top_order(s, m), np.argsort(-s, kind="stable")[:m])


def test_cached_rows_read_what_the_file_holds(tmp_path):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((500, 12)).astype(np.float32)
    np.save(tmp_path / "e.npy", X)
    rows = RowFile.from_memmap(np.load(tmp_path / "e.npy", mmap_mode="r"))
    cache = RowCache(rows, block=64)
    cache.add(np.arange(0, 500, 3))
    view = CachedRows(cache)
    ids = rng.integers(0, 500, 200)
    np.testing.assert_array_equal(view[ids], X[ids])          # cached and uncached ids mixed
    np.testing.assert_array_equal(view[list(ids[:5])], X[ids[:5]])
    np.testing.assert_array_equal(view[10:20], X[10:20])
    assert len(view) == 500 and view.shape == (500, 12) and view[np.array([], np.int64)].shape == (0, 12)
    np.testing.assert_array_equal(np.asarray(view), X)


def test_a_session_over_a_file_picks_what_one_over_the_array_picks(tmp_path):
    """The rows selection reads come from the in-RAM copy over a RowFile (CachedRows) and straight from
    the array otherwise: the batches must be the same, round after round."""
    from desktop_app.core.index.hnsw import KnnIndex

    rng = np.random.default_rng(4)
    centres = rng.standard_normal((6, 32))
    truth = rng.integers(0, 6, 3000)
    X = (centres[truth] + 0.6 * rng.standard_normal((3000, 32))).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    np.save(tmp_path / "e.npy", X)
    index = KnnIndex(32, len(X))
    index.add(X, np.arange(len(X)))
    state = np.full(len(X), UNLABELED, np.int64)
    start = rng.choice(len(X), 40, replace=False)
    state[start] = truth[start]
    on_file = Session(RowFile.from_memmap(np.load(tmp_path / "e.npy", mmap_mode="r")), state, index=index, seed=7)
    in_ram = Session(X, state, index=index, seed=7)
    for _ in range(4):
        picks = []
        for s in (on_file, in_ram):
            s.refit()
            picks.append([p.idx for p in s.select(10, "seals")])
        assert picks[0] == picks[1]
        for s in (on_file, in_ram):
            s.set_state(np.array(picks[0]), truth[picks[0]])


def test_onnxruntime_can_be_loaded_after_a_usearch_index():
    """onnxruntime 1.32 imported after usearch 2.26 killed the process (SIGSEGV); a project with a usearch
    index opened its encoder after the index. The index module now loads onnxruntime first."""
    pytest.importorskip("usearch")
    code = ("from desktop_app.core.index.compressed import UsearchIndex\n"
            "import numpy as np\n"
            "i = UsearchIndex(8, 10)\n"
            "i.add(np.eye(8, dtype=np.float32), np.arange(8))\n"
            "import onnxruntime\n"
            "print('ok', i.count)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "ok 8" in done.stdout, (done.returncode, done.stderr[-2000:])


def test_search_threads_follow_the_measured_rule():
    from desktop_app.core.index.compressed import PARALLEL_ITEMS, search_threads

    assert search_threads(20, 100_000) == 1                        # thread start costs more than the search
    assert search_threads(1, 10 * PARALLEL_ITEMS) == 1
    cores = __import__("os").cpu_count() or 1
    assert search_threads(20, PARALLEL_ITEMS) == min(cores, 20)
    assert search_threads(5000, 1000) == min(cores, 5000)


def test_audit_picks_are_drawn_from_the_unlabeled_items_not_picked():
    """with_audit's candidates (unlabeled minus the batch) come from a mask now, not np.setdiff1d's sort
    of every unlabeled id (4.8 s at 5M items): the same items, so the same seeded draw."""
    from desktop_app.core.selection.audit import with_audit
    from desktop_app.core.selection.base import EXCLUDED, Pick, SelectionContext

    rng = np.random.default_rng(5)
    for trial in range(30):
        n = int(rng.integers(30, 3000))
        state = rng.choice([UNLABELED, UNLABELED, UNLABELED, 0, 1, EXCLUDED], size=n).astype(np.int64)
        picks = [Pick(int(i), 1.0, "x") for i in rng.choice(np.flatnonzero(state == UNLABELED), 10, replace=False)]
        ctx = SelectionContext(embeddings=np.zeros((n, 2), np.float32), state=state, predict_proba=None,
                               classes=np.array([0, 1]), rng=np.random.default_rng(trial))
        got = with_audit(ctx, list(picks), 10, 0.3)
        cand = np.setdiff1d(np.flatnonzero(state == UNLABELED), [p.idx for p in picks])  # the former rule
        want_rng = np.random.default_rng(trial)
        k = min(9, int(0.3 * 10) + int(want_rng.random() < 0.3 * 10 - int(0.3 * 10)))
        want = want_rng.choice(cand, size=min(k, len(cand)), replace=False)
        audit = [p.idx for p in got if p.audit]
        assert audit == [int(i) for i in want]
        assert not set(audit) & {p.idx for p in picks} and np.all(state[audit] == UNLABELED)


def test_a_usearch_index_loaded_through_the_gil_yielding_callback_answers_as_saved(tmp_path):
    """usearch's load holds the GIL; UsearchIndex.load passes a progress callback that hands it over every
    20 ms (the GUI froze for 7 s at 5M items; measured in docs/scale.md, not timed here). The callback
    must pass usearch's signature check, and the loaded index must answer as the saved one did."""
    pytest.importorskip("usearch")
    from desktop_app.core.index.compressed import UsearchIndex

    rng = np.random.default_rng(0)
    X = rng.standard_normal((20000, 32)).astype(np.float32)
    built = UsearchIndex(32, len(X))
    built.add(X, np.arange(len(X)))
    crc = built.save(tmp_path / "i.bin")
    loaded = UsearchIndex.load(tmp_path / "i.bin", 32, crc=crc)
    assert loaded.count == built.count
    ids_a, _ = built.query(X[:50], 10)
    ids_b, _ = loaded.query(X[:50], 10)
    np.testing.assert_array_equal(ids_a, ids_b)
