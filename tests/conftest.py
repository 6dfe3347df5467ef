"""Shared fixtures: small real sources built from the bundled demo sample, real projects."""
from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from desktop_app.resources_path import resource  # noqa: E402

DEMO = resource("demo")


def demo_truth() -> dict[str, str]:
    with open(DEMO / "images_truth.csv", newline="") as f:
        return {r["file"]: r["label"] for r in csv.DictReader(f)}


def truth_of_csv(path) -> dict[str, str]:
    """id -> label of a CSV with id and label columns (the demo texts)."""
    with open(path, newline="", encoding="utf-8") as f:
        return {r["id"]: r["label"] for r in csv.DictReader(f)}


def cli_run(capsys, *args) -> tuple[int, str, str]:
    """`shoal ARGS` in this process: exit code, stdout, stderr."""
    from desktop_app.cli import main

    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="session", autouse=True)
def _garbage_collected_on_the_gui_thread(qapp):
    """As the app does (desktop_app/qt/gc_guard.py): cyclic garbage holding Qt objects is freed on the GUI
    thread only; collected by a worker thread it deadlocked the GUI tests now and then."""
    from desktop_app.qt.gc_guard import install

    install(qapp)


@pytest.fixture(autouse=True)
def _collect_after_each_test():
    """Automatic collection is off (above): tests that spin no event loop collect here, on the main thread."""
    yield
    import gc

    gc.collect()


@pytest.fixture(scope="session", autouse=True)
def _umap_compiled_in_the_main_thread():
    """Compile umap-learn's numba code once, here, before any GUI test: its first compile inside a Qt worker
    thread (the Map tab) stalled the suite in a fresh environment. Cached on disk afterwards."""
    try:
        from desktop_app.core.projection import warm_up

        warm_up()
    except ImportError:  # no umap-learn: the map tests say so themselves
        pass


@pytest.fixture(autouse=True)
def _isolated_dirs(tmp_path_factory, monkeypatch):
    """Keep caches/settings of each test out of the user's home."""
    home = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    yield
    from desktop_app import logs

    logs.shutdown_logging()  # a log handler a test installed must not outlive its temporary folder


@pytest.fixture
def text_csv(tmp_path) -> Path:
    """120 newsgroup posts (5 topics) with id,text,label columns."""
    out = tmp_path / "texts.csv"
    with open(DEMO / "texts.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:120]
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "text", "label"])
        w.writeheader()
        w.writerows(rows)
    return out


@pytest.fixture
def image_folder(tmp_path) -> Path:
    """60 Fashion-MNIST PNGs, flat folder (labels hidden)."""
    out = tmp_path / "images"
    out.mkdir()
    for name in sorted(demo_truth())[:60]:
        shutil.copy(DEMO / "images" / name, out / name)
    return out


@pytest.fixture
def labeled_image_folder(tmp_path) -> Path:
    """90 Fashion-MNIST PNGs in one sub-folder per class (for --labels-from-folders)."""
    out = tmp_path / "labeled"
    for name, label in sorted(demo_truth().items())[:90]:
        (out / label).mkdir(parents=True, exist_ok=True)
        shutil.copy(DEMO / "images" / name, out / label / name)
    return out
