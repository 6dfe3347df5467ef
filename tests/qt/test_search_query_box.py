"""The "Describe what you are looking for" box under "Find more of": real MiniLM, real Qt widgets offscreen."""
from __future__ import annotations

import csv

import numpy as np
from qt_helpers import TIMEOUT_MS, create_via_dialog, shot, wait_model

from desktop_app.qt.search_query_box import PLACEHOLDER, QueryBox
from desktop_app.qt.side_panel import SidePanel

PHRASE = "space exploration, rockets and NASA"


def test_a_description_seeds_the_next_batch(qtbot, window, tmp_path, text_csv):
    from PySide6.QtCore import Qt

    with open(text_csv, newline="", encoding="utf-8") as f:
        truth = {r["id"]: r["label"] for r in csv.DictReader(f)}
    create_via_dialog(qtbot, window, text_csv, tmp_path / "q.shoal", labels="sci.space, other", batch_size=10)
    pc = window.pc
    wait_model(qtbot, window)
    panel = window.findChild(SidePanel)
    box = panel.query_box
    assert isinstance(box, QueryBox) and box.text.placeholderText() == PLACEHOLDER
    assert box.text.isVisible() and not box.image.isVisible()          # a text project: no image picker
    assert not box.text.isEnabled() and "Choose a label" in box.note.text()
    combo = panel.search_for
    combo.setCurrentIndex(1)
    combo.activated.emit(1)
    assert box.text.isEnabled()

    # an empty description: one clear line under the box, nothing stored
    qtbot.waitUntil(lambda: pc.current() is not None, timeout=TIMEOUT_MS)
    labeled = pc.project.n_labeled()
    box.text.setFocus()
    qtbot.keyClick(box.text, Qt.Key_Return)   # the box's Enter, not the window's "accept the guess"
    qtbot.waitUntil(lambda: "the query is empty" in box.note.text(), timeout=TIMEOUT_MS)
    assert pc.project.search_query() is None and pc.project.n_labeled() == labeled

    box.text.setText(PHRASE)
    qtbot.keyClick(box.text, Qt.Key_Return)   # Enter starts it; the embedding runs on a worker thread
    qtbot.waitUntil(lambda: pc.project.search_query() is not None, timeout=TIMEOUT_MS)
    assert PHRASE in box.note.text() and pc.project.n_labeled() == labeled
    qtbot.waitUntil(lambda: pc.current() is not None and pc.batch and
                    all(b.reason.startswith("near your query") for b in pc.batch), timeout=TIMEOUT_MS)
    q = pc.project.search_query()["vector"]
    emb = np.asarray(pc.project.load_embeddings(), np.float32)
    answered = set(pc.project.answered(range(pc.project.n_items)))
    nearest = [int(i) for i in np.argsort(-(emb @ q), kind="stable") if int(i) not in answered][:len(pc.batch)]
    assert [b.idx for b in pc.batch] == nearest
    hits = sum(truth[b.id] == "sci.space" for b in pc.batch)
    assert hits >= len(pc.batch) * 0.7, hits    # 24 of the 120 posts
    shot(panel, "search-query-box.png")

    combo.setCurrentIndex(0)                   # learn mode clears it
    combo.activated.emit(0)
    assert pc.project.search_query() is None and box.note.text().startswith("Choose a label")
    wait_model(qtbot, window)


def test_an_example_image_seeds_an_image_project(qtbot, window, tmp_path, image_folder):
    import shutil

    from tests.conftest import DEMO, demo_truth

    truth = demo_truth()
    create_via_dialog(qtbot, window, image_folder, tmp_path / "i.shoal", labels="sandal, other", batch_size=8)
    pc = window.pc
    wait_model(qtbot, window)
    panel = window.findChild(SidePanel)
    box = panel.query_box
    assert box.image.isVisible() and not box.text.isVisible()          # an image project: the file picker
    panel.search_for.setCurrentIndex(1)
    panel.search_for.activated.emit(1)
    assert box.image.isEnabled()
    inside = {p.name for p in image_folder.iterdir()}
    example = next(n for n in sorted(truth) if truth[n] == "sandal" and n not in inside)
    shutil.copy(DEMO / "images" / example, tmp_path / example)
    (tmp_path / "notes.png").write_text("not an image", encoding="utf-8")
    box.start(image=str(tmp_path / "notes.png"))   # what the picker calls with the chosen file
    qtbot.waitUntil(lambda: "not an image" in box.note.text(), timeout=TIMEOUT_MS)
    box.start(image=str(tmp_path / example))
    qtbot.waitUntil(lambda: pc.project.search_query() is not None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: pc.current() is not None and pc.batch and
                    all(b.reason.startswith("near your query") for b in pc.batch), timeout=TIMEOUT_MS)
    from pathlib import Path

    hits = sum(truth[Path(b.path).name] == "sandal" for b in pc.batch)
    assert hits >= len(pc.batch) * 0.7, hits    # 1 in 5 of the folder
    assert "example image" in box.note.text()
    shot(panel, "search-query-image.png")
    wait_model(qtbot, window)
