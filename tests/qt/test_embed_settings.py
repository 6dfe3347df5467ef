"""File ▸ Embedding and index…: the engine and device are a machine setting the GUI's embedding uses;
the index kind and the vectors' dtype are the project's, and changing them reopens the project with
them in effect (vectors rewritten, the new index built), labeling going on as before."""
from __future__ import annotations

import os
import sqlite3

import numpy as np
import pytest
from qt_helpers import TIMEOUT_MS, create_via_dialog, shot, wait_model

from desktop_app.ops.embed_engines import EngineChoice, cuda_offered, ray_installed
from desktop_app.qt import settings


def _dialog(qtbot, window):
    from desktop_app.qt.embed_settings import EmbedSettingsDialog

    dlg = EmbedSettingsDialog(window.pc, settings.embed_choice(), window)
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def test_the_engine_is_chosen_before_any_project_exists(qtbot, window, text_csv, tmp_path):
    """A new project embeds as soon as it is created, so the engine must be choosable with none open."""
    assert window.pc.project is None and window.actions["embed_settings"].isEnabled()
    dlg = _dialog(qtbot, window)
    assert not dlg.project_box.isEnabled() and "Open a project" in dlg.store_note.text()
    dlg.device.setCurrentIndex(dlg.device.findData("cpu"))
    assert dlg.storage_changes() == (None, None)
    settings.set_embed_choice(dlg.choice())
    dlg.close()
    create_via_dialog(qtbot, window, text_csv, tmp_path / "n.shoal", labels="a, b")
    wait_model(qtbot, window)
    assert window.pc.last_embed["device"] == "cpu" and window.actions["embed_settings"].isEnabled()
    window.actions["close"].trigger()
    assert window.actions["embed_settings"].isEnabled()  # still there with the project closed


def test_the_dialog_says_what_runs_where_and_changes_the_projects_storage(qtbot, window, text_csv, tmp_path):
    settings.set_embed_choice(EngineChoice(engine="local", device="cpu"))
    create_via_dialog(qtbot, window, text_csv, tmp_path / "t.shoal", labels="a, b")
    wait_model(qtbot, window)
    pc = window.pc
    assert pc.last_embed["device"] == "cpu" and pc.last_embed["on"] == "this computer"  # the setting was used
    assert window.actions["embed_settings"].isEnabled()

    dlg = _dialog(qtbot, window)
    note = dlg.engine_note.text()
    assert ("CUDA provider" in note) == cuda_offered() and ("CPU only" in note) == (not cuda_offered())
    assert "Last run: 120 items on this computer (cpu)" in note
    assert dlg.engine.model().item(1).isEnabled() == ray_installed()
    in_use = dlg.store_note.text().splitlines()[0]  # the index loads lazily: built already, or not yet
    assert in_use.startswith("In use: exact search (under 5,000 items")  # 120 items: no graph to choose
    assert "120 vectors of 384" in dlg.store_note.text()
    if ray_installed():  # a cluster needs its address before OK
        dlg.engine.setCurrentIndex(2)
        assert not dlg.buttons.button(dlg.buttons.StandardButton.Ok).isEnabled() and dlg.address.isEnabled()
        dlg.address.setText("ray://head:10001")
        dlg.workers.setValue(3)
        assert dlg.buttons.button(dlg.buttons.StandardButton.Ok).isEnabled()
        assert dlg.choice() == EngineChoice(engine="ray", device="cpu", address="ray://head:10001", workers=3)
        settings.set_embed_choice(dlg.choice())
        assert settings.embed_choice() == dlg.choice()
        dlg.engine.setCurrentIndex(0)
        assert dlg.choice() == EngineChoice(engine="local", device="cpu")  # no stray Ray options kept
    dlg.index.setCurrentIndex(dlg.index.findData("usearch"))
    dlg.dtype.setCurrentIndex(dlg.dtype.findData("float16"))
    assert "rewrites every stored vector" in dlg.store_note.text() and "builds the new index" in dlg.store_note.text()
    qtbot.waitUntil(lambda: dlg.height() >= dlg.sizeHint().height())  # grown to show the longer notes whole
    shot(dlg, "embed_settings.png")
    assert dlg.storage_changes() == ("usearch", "float16")
    before = np.asarray(pc.project.load_embeddings()).copy()
    path = pc.project.path

    seen = []
    pc.change_storage(*dlg.storage_changes(), on_progress=lambda d, t: seen.append((d, t)))
    qtbot.waitUntil(lambda: pc.project is not None and pc.session_ready and not pc.runner.busy("rewrite"),
                    timeout=TIMEOUT_MS)
    assert seen and seen[-1] == (120, 120)
    assert pc.project.embedding_dtype() == "float16" and pc.project.meta("index") == "usearch"
    after = np.asarray(pc.project.load_embeddings())
    assert np.abs(after - before).max() < 1e-3
    con = sqlite3.connect(path)
    assert {r[0] for r in con.execute("SELECT length(vec) FROM embeddings")} == {384 * 2}
    con.close()
    wait_model(qtbot, window)
    assert pc.queue.entries, "labeling goes on after the reopen"


def test_embedding_on_ray_from_the_gui_shows_where_and_stores_the_local_vectors(qtbot, window, text_csv, tmp_path):
    if os.environ.get("SHOAL_RAY_TESTS") != "1":
        pytest.skip("opt-in: set SHOAL_RAY_TESTS=1 (needs `pip install 'shoal[cluster]'`)")
    pytest.importorskip("ray")
    from desktop_app.ops.create import new_project
    from desktop_app.ops.embed_engines import run_embedding

    settings.set_embed_choice(EngineChoice(engine="ray", device="auto", workers=1))
    texts: list[str] = []
    strip = window.work.strip  # connected to the controller before this test's slots, so it has updated
    window.pc.embed_state.connect(lambda _s: texts.append(strip.text.text()))
    window.pc.embed_progress.connect(lambda *_a: texts.append(strip.text.text()))
    create_via_dialog(qtbot, window, text_csv, tmp_path / "r.shoal", labels="a, b")
    # Ray's runtime starts first (tens of seconds on a busy 2-core machine)
    qtbot.waitUntil(lambda: window.pc.session_ready and not window.pc.embedding, timeout=5 * TIMEOUT_MS)
    pc = window.pc
    assert pc.last_embed["on"] == "a local Ray runtime, 1 worker" and pc.last_embed["workers"] == 1
    assert pc.last_embed["embedded"] == 120 and not pc.last_embed["cancelled"]
    ray_vecs = np.asarray(pc.project.load_embeddings()).copy()
    from desktop_app.core.sources.base import SourceOptions

    local = new_project(tmp_path / "l.shoal", text_csv, SourceOptions(kind="text", text_column="text", id_column="id"))
    with local:
        run_embedding(local, EngineChoice(engine="local", device="cpu"))
        loc = np.asarray(local.load_embeddings())
    cos = (ray_vecs * loc).sum(1) / np.linalg.norm(ray_vecs, axis=1) / np.linalg.norm(loc, axis=1)
    assert cos.min() >= 0.999
    assert any("on a local Ray runtime, 1 worker" in t for t in texts)
