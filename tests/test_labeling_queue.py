"""The typed batch entry and the Qt-free labeling queue (issue 13, item 1): the cursor rules the GUI
relies on, tested without Qt; and entries built from a real project (SQLite file, real encoder, real
session) keep the `next --json` keys and carry the neighbour as an idx and an id, never re-parsed."""
from __future__ import annotations

import json

import numpy as np
import pytest

from desktop_app.ops.batch import BatchEntry, LabelingQueue
from desktop_app.store.project import Project
from tests.test_engine_cli import run

JSON_KEYS = {"id", "idx", "score", "reason", "audit", "kind", "top", "neighbour_of", "why"}


def entries(*idxs: int) -> list[BatchEntry]:
    return [BatchEntry(idx=i, id=f"item{i}", reason="r") for i in idxs]


def test_advance_back_forward_jump_and_done():
    q = LabelingQueue(entries(5, 6, 7))
    assert q.current().idx == 5 and not q.done
    assert q.advance().idx == 6 and q.answered == {5}
    assert q.back() and q.current().idx == 5
    assert not q.back() and q.pos == 0  # nothing before the first
    q.forward()
    q.forward()
    assert q.current().idx == 7
    q.advance()
    assert q.done and q.current() is None and q.answered == {5, 7}
    assert q.back() and q.current().idx == 7  # back from past the end lands on the last entry
    assert q.jump(5) and q.current().idx == 5
    assert not q.jump(99) and q.current().idx == 5
    q.finish()
    assert q.done
    assert not LabelingQueue().done  # an empty queue has not started


def test_load_puts_the_cursor_on_the_first_unanswered_entry():
    q = LabelingQueue(entries(1, 2, 3), answered={1, 2, 42})
    assert q.current().idx == 3 and q.answered == {1, 2}  # answers of other items are not this batch's
    q.load(entries(1, 2), answered={1, 2})
    assert q.done and q.all_answered
    q.waiting = True
    q.load(entries(8))
    assert q.pos == 0 and not q.waiting and q.answered == set()


def test_marks_from_any_view_and_what_a_prefetch_excludes():
    q = LabelingQueue(entries(1, 2, 3, 4))
    q.advance()
    q.mark(3)            # labeled in the grid
    q.mark(1, False)     # its answer undone
    assert [e.idx for e in q.unanswered()] == [1, 2, 4]
    assert not q.all_answered
    for i in (1, 2, 4):
        q.mark(i)
    assert q.all_answered


def test_replace_rest_keeps_the_answered_entries_and_drops_the_others():
    q = LabelingQueue(entries(1, 2, 3, 4))
    q.advance()
    q.advance()
    q.replace_rest()       # "Find more of": the unanswered rest was chosen for the old mode
    assert q.idxs() == [1, 2] and q.done
    q.replace_rest(entries(9, 10))
    assert q.idxs() == [1, 2, 9, 10] and q.current().idx == 9


def test_prefetch_is_taken_once_and_clear_resets_everything():
    q = LabelingQueue(entries(1))
    q.prefetched = entries(2, 3)
    assert [e.idx for e in q.take_prefetched()] == [2, 3] and q.take_prefetched() is None
    q.prefetched, q.waiting = entries(4), True
    q.clear()
    assert (q.entries, q.pos, q.answered, q.prefetched, q.waiting) == ([], 0, set(), None, False)


def test_annotate_copies_the_model_parts_only():
    q = LabelingQueue(entries(1, 2))
    other = BatchEntry(idx=2, id="x", reason="other", guess=3, confidence=0.75, neighbours=[{"idx": 0}])
    q.annotate([other])
    e = q.entries[1]
    assert (e.id, e.reason, e.guess, e.confidence, e.neighbours) == ("item2", "r", 3, 0.75, [{"idx": 0}])
    assert q.entries[0].guess is None


def test_why_is_built_from_the_parts():
    top = [{"label": "cat", "p": 0.51}, {"label": "dog", "p": 0.49}]
    unsure = BatchEntry(idx=1, id="a", reason="margin 0.02", kind="uncertain", top=top)
    assert unsure.why == "the model is unsure: top two cat 0.51 / dog 0.49"
    assert BatchEntry(idx=1, id="a", audit=True, kind="audit").why.startswith("audit: drawn at random")
    near = BatchEntry(idx=1, id="a", reason="seals · neighbour of a labeled item", neighbour_of=7,
                      neighbour_id="src7", neighbour_name="img/src7.png")
    assert near.why == "seals · neighbour of img/src7.png"
    assert near.to_json()["neighbour_of"] == "src7" and near.queue_row()["neighbour_of"] == 7
    assert BatchEntry(idx=1, id="a", path="x.png").to_json()["path"] == "x.png"
    assert BatchEntry(idx=1, id="a", text="hello").to_json()["text"] == "hello"


@pytest.fixture
def embedded_text(capsys, tmp_path, text_csv):
    project = tmp_path / "p.shoal"
    assert run(capsys, "new", project, "--source", text_csv, "--text-column", "text", "--id-column", "id")[0] == 0
    assert run(capsys, "embed", project)[0] == 0
    return project


def test_entries_of_a_real_project_round_trip_through_the_saved_queue(capsys, embedded_text):
    from desktop_app.ops import gui_support
    from desktop_app.ops.loop import describe, open_session

    project = embedded_text
    batch = json.loads(run(capsys, "next", project, "-n", "12", "--json")[1])
    with Project.open(project) as p:
        names = ["a", "b"]
        p.set_labels([(e["idx"], p.label_id(names[i % 2], create=True), "labeled") for i, e in enumerate(batch)])
        session = open_session(p)
        result = gui_support.prepare_round(p, session, 8, "seals")
        fresh = result["batch"]
        assert fresh and all(isinstance(e, BatchEntry) for e in fresh)
        assert all(e.proba is not None and e.classes for e in fresh if not e.audit)  # own, until saved
        assert all(e.guess is not None and len(e.neighbours) == 4 for e in fresh)
        for e in fresh:
            assert set(e.to_json()) - {"text", "path"} <= JSON_KEYS and "text" in e.to_json()
            if e.neighbour_of is not None:  # the neighbour: an idx for the store, the item's own id shown
                assert e.neighbour_id == p.item(e.neighbour_of)["id"] and e.why.endswith(e.neighbour_id)
        gui_support.promote(p, fresh)
        assert [q["idx"] for q in p.load_queue()] == [e.idx for e in fresh]
        assert [q["neighbour_of"] for q in p.load_queue()] == [e.neighbour_of for e in fresh]
        resumed = describe(p, p.load_queue())
        assert [e.to_json() for e in resumed] == [e.to_json() for e in fresh]  # probabilities from `asked`
        asked = p.asked_probabilities([e.idx for e in fresh])
        assert all(np.allclose(asked[e.idx][1], e.proba) for e in fresh if e.proba is not None)
    # the CLI shows the saved batch with the same keys
    shown = json.loads(run(capsys, "next", project, "-n", "8", "--json")[1])
    assert [e["id"] for e in shown] == [e.id for e in fresh]


def test_only_the_queues_move_a_cursor():
    """No controller or view assigns `pos` (the cursor moves through LabelingQueue / SuspectQueue methods)."""
    import re
    from pathlib import Path

    import desktop_app

    root = Path(desktop_app.__file__).parent
    allowed = {root / "ops" / "batch.py", root / "ops" / "suspects.py", root / "core" / "index" / "rows.py"}
    moves = [f"{p.relative_to(root)}:{i}" for p in root.rglob("*.py") if p not in allowed
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(r"\.pos\s*(\+=|-=|=(?!=))", line)]
    assert moves == []


def test_entries_compare_without_their_probability_arrays():
    a = BatchEntry(idx=1, id="a", proba=np.array([0.4, 0.6]), classes=[0, 1])
    b = BatchEntry(idx=1, id="a", proba=np.array([0.5, 0.5]), classes=[0, 1])
    assert a == b and a != BatchEntry(idx=2, id="a")


def test_an_item_opened_from_another_view_comes_in_at_the_cursor_with_its_note():
    q = LabelingQueue(entries(1, 2, 3))
    q.advance()
    opened = BatchEntry(idx=9, id="item9", reason="", note="opened from the map")
    q.insert_current(opened, answered=True)
    assert q.idxs() == [1, 9, 2, 3] and q.current() is opened and 9 in q.answered
    assert opened.why == "opened from the map"
    q.finish()
    q.insert_current(BatchEntry(idx=8, id="item8"))
    assert q.idxs()[-1] == 8 and q.current().idx == 8 and 8 not in q.answered


def test_forward_stays_in_the_batch_and_next_unanswered_wraps():
    q = LabelingQueue(entries(1, 2, 3, 4))
    q.advance()                      # 1 answered, cursor on 2
    q.mark(3)                        # 3 answered in the grid
    assert q.forward() and q.current().idx == 3
    assert q.forward() and q.current().idx == 4
    assert not q.forward() and q.current().idx == 4   # browsing never ends the batch
    assert q.next_unanswered() and q.current().idx == 2  # wraps to the first open one
    q.mark(2)
    q.mark(4)
    assert not q.next_unanswered() and q.current().idx == 2
