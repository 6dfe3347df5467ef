"""Qt-free undo commands on a real project; the task runner drops stale results."""
from __future__ import annotations

import threading

from desktop_app.core.sources.base import SourceOptions
from desktop_app.ops.commands import AddLabel, DeleteLabel, MergeLabels, RenameLabel, SetLabels
from desktop_app.ops.create import new_project
from desktop_app.workers.tasks import TaskRunner


def test_commands_do_undo_redo(text_csv, tmp_path):
    with new_project(tmp_path / "c.shoal", text_csv, SourceOptions(text_column="text"), labels=["a", "b"]) as p:
        a, b = (l["id"] for l in p.label_set())
        first = SetLabels(p, [0, 1], a)
        assert first.do() == [(0, a, "labeled"), (1, a, "labeled")]
        second = SetLabels(p, [1], b)
        second.do()
        assert p.current_label(1) == (b, "labeled")
        assert second.undo() == [(1, a, "labeled")]
        assert p.current_label(1) == (a, "labeled")
        first.undo()
        assert p.current_label(0) is None and p.n_labeled() == 0
        add = AddLabel(p, "c")
        add.do()
        cid = add.label_id
        SetLabels(p, [5], cid).do()
        ren = RenameLabel(p, cid, "see")
        ren.do()
        assert p.label_counts()["see"] == 1
        ren.undo()
        assert "c" in p.label_counts()
        SetLabels(p, [7], None, "skipped").do()
        assert p.current_label(7) == (None, "skipped")
        assert MergeLabels(p, cid, a).do() == [(5, a, "labeled")]
        assert [l["name"] for l in p.label_set()] == ["a", "b"]
        assert DeleteLabel(p, a).do() == [(5, None, "cleared")]
        assert p.n_labeled() == 0


def test_stale_generation_is_dropped(qtbot):
    runner = TaskRunner()
    gate = threading.Event()
    got = []

    def slow(progress, cancel):
        gate.wait(10)
        return "old"

    runner.submit("ch", slow, on_done=got.append)
    runner.submit("ch", lambda p, c: "new", on_done=got.append)
    qtbot.waitUntil(lambda: got == ["new"])
    gate.set()
    assert runner.wait(10_000)
    qtbot.wait(50)
    assert got == ["new"]


def test_progress_and_errors_reach_the_gui_thread(qtbot):
    from desktop_app.errors import ShoalError

    runner = TaskRunner()
    seen, errors = [], []

    def work(progress, cancel):
        for i in range(3):
            progress(i + 1, 3)
        raise ShoalError("bad file")

    runner.submit("x", work, on_progress=lambda d, t: seen.append((d, t)), on_error=errors.append)
    qtbot.waitUntil(lambda: errors == ["bad file"])
    assert seen[-1] == (3, 3)
    assert runner.wait(5000)
