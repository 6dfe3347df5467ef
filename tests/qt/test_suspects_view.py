"""The "Suspicious" tab on real widgets (offscreen): a project made from labeled data with wrong labels,
walked with real key presses — a digit relabels, Space keeps, Ctrl+Z undoes, ← goes back. The list is
computed on the runner's "suspects" channel, off the GUI thread."""
from __future__ import annotations

import os
import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from qt_helpers import TIMEOUT_MS, wait_model

from desktop_app.cli import main
from tests.test_suspects import flipped_csv  # noqa: F401 - the fixture

SHOTS = os.environ.get("SHOAL_SCREENSHOTS")  # a folder: the tests save their screenshots there (docs/gui.md)


def _shot(qtbot, window, name: str) -> None:
    qtbot.wait(300)  # widgets added to a shown layout appear on the next turns of the event loop
    image = window.grab()
    assert not image.isNull()
    if SHOTS:
        image.save(os.path.join(SHOTS, name))


def _project(tmp_path, *args) -> str:
    path = tmp_path / "p.shoal"
    assert main(["new", str(path), *map(str, args)]) == 0
    assert main(["embed", str(path)]) == 0
    return str(path)


def _open_suspects(qtbot, window, path):
    window.pc.open(path)
    wait_model(qtbot, window)
    view = window.work.suspects
    threads = set()
    submit = window.pc.runner.submit

    def spy(channel, fn, *a, **k):  # which thread computes the list
        if channel == "suspects":
            inner = fn

            def fn(p, c):
                threads.add(threading.get_ident())
                return inner(p, c)
        return submit(channel, fn, *a, **k)
    window.pc.runner.submit = spy
    qtbot.keyClick(window, Qt.Key_4, Qt.ControlModifier)  # View > Review suspicious labels
    assert window.work.tabs.currentWidget() is view
    qtbot.waitUntil(lambda: view.queue is not None, timeout=TIMEOUT_MS)
    assert threads and threading.get_ident() not in threads
    return view


def test_walk_the_suspects_with_the_labeling_keys(qtbot, window, tmp_path, flipped_csv):  # noqa: F811
    src, flipped = flipped_csv
    path = _project(tmp_path, "--source", src, "--id-column", "id", "--label-column", "label")
    view = _open_suspects(qtbot, window, path)
    project, queue = window.pc.project, view.queue
    assert 10 <= len(queue.entries) <= 200
    assert len({e.id for e in queue.entries[:20]} & flipped) >= 8
    first, second = queue.entries[0], queue.entries[1]
    assert view.position.text() == f"Suspect 1 / {len(queue.entries)}"
    assert first.id in view.item_id.text()
    assert f"Labeled: {first.label}" in view.verdict.text() and f"Model suggests: {first.suggested}" in view.verdict.text()
    assert "Why suspected:" in view.why.text() and "nearest labeled items" in view.why.text()
    assert view.view.text.toPlainText() == project.item(first.idx)["text"]
    assert view.strip.count() == 1 + 5 + 1  # caption, five neighbours, stretch
    _shot(qtbot, window, "suspects-text.png")

    names = [l["name"] for l in project.label_set()]
    digit = names.index(first.suggested) + 1
    qtbot.keyClick(window, getattr(Qt, f"Key_{digit}"))  # relabel to the suggestion
    assert window.lc.answer_of(first.idx) == first.suggested
    assert queue.pos == 1 and view.position.text().startswith("Suspect 2 /")
    qtbot.keyClick(window, Qt.Key_Space)  # keep the second one's label
    assert window.lc.answer_of(second.idx) == second.label and queue.pos == 2
    assert view.tally.text() == "relabeled 1 · kept 1"
    qtbot.keyClick(window, Qt.Key_Left)  # back to the kept one
    assert queue.pos == 1
    qtbot.keyClick(window, Qt.Key_Z, Qt.ControlModifier)  # undo the relabel: the first is shown again
    assert window.lc.answer_of(first.idx) == first.label and queue.pos == 0
    assert first.idx not in queue.decided and view.tally.text() == "relabeled 0 · kept 1"
    own = names.index(first.label) + 1
    events = len(project.events(1000))
    qtbot.keyClick(window, getattr(Qt, f"Key_{own}"))  # its own label: kept, nothing written
    assert queue.decided[first.idx] == "kept" and len(project.events(1000)) == events


def test_image_suspects_show_thumbnails(qtbot, window, tmp_path, labeled_image_folder):
    # move three images into a wrong class folder: their imported labels are wrong
    folders = sorted(p for p in labeled_image_folder.iterdir() if p.is_dir())
    picked = [(sorted(src.iterdir())[0], dst) for src, dst in zip(folders[:3], folders[1:4])]
    for f, dst in picked:
        f.rename(dst / f.name)
    moved = [f"{dst.name}/{f.name}" for f, dst in picked]
    path = _project(tmp_path, "--source", labeled_image_folder, "--labels-from-folders")
    view = _open_suspects(qtbot, window, path)
    top = [e.path for e in view.queue.entries[:10]]
    assert len(set(moved) & set(top)) >= 2, (moved, top)
    assert view.item_id.text().strip() == view.queue.entries[0].path
    qtbot.waitUntil(lambda: view.view.currentWidget() is view.view.image, timeout=20_000)

    def thumbs() -> int:
        cells = [view.strip.itemAt(i).widget() for i in range(view.strip.count())]
        return sum(1 for w in cells if w is not None for label in w.findChildren(QLabel)
                   if not label.pixmap().isNull())
    qtbot.waitUntil(lambda: thumbs() == 5, timeout=20_000)
    _shot(qtbot, window, "suspects-image.png")


def test_too_few_labels_says_so(qtbot, window, tmp_path, text_csv):
    path = _project(tmp_path, "--source", text_csv, "--id-column", "id")
    window.pc.open(path)
    wait_model(qtbot, window)
    view = window.work.suspects
    qtbot.keyClick(window, Qt.Key_4, Qt.ControlModifier)
    qtbot.waitUntil(lambda: not view.computing and bool(view.message), timeout=TIMEOUT_MS)
    assert "at least 10 embedded labeled items" in view.view.empty.text() and "0 labeled items of 0 labels" in view.message
    qtbot.keyClick(window, Qt.Key_Space)  # nothing to keep: no error, nothing written
    assert window.pc.project.n_labeled() == 0
