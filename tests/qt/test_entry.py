"""`shoal demo` / `shoal gui` entry points run the real app; the worker layer needs QtCore only."""
from __future__ import annotations

import subprocess
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def _close_when(cond, seconds: float = 240.0):
    """Close the main window once cond(window) holds; after `seconds` close it anyway (the test then fails
    on its assertions instead of hanging the suite)."""
    deadline = time.monotonic() + seconds

    def check():
        wins = [w for w in QApplication.topLevelWidgets() if w.objectName() == "shoalMainWindow" and w.isVisible()]
        if wins and (cond(wins[0]) or time.monotonic() > deadline):
            wins[0].close()
        else:
            QTimer.singleShot(100, check)
    QTimer.singleShot(100, check)


def test_run_demo_then_reopen_with_run_gui(qapp):
    from desktop_app import app as shoal_app

    seen = {}

    def opened(w):
        if w.pc.project is None or w.pc.current() is None:
            return False
        seen["path"], seen["title"] = str(w.pc.project.path), w.windowTitle()
        if w.pc.project.n_labeled() == 0:  # a save refused for a moment (the embedder writing) is pressed again
            w.lc.press_digit(2)
        return w.pc.project.n_labeled() == 1
    _close_when(opened)
    assert shoal_app.run_demo(kind="image") == 0
    assert seen["title"] == "Shoal — demo-image"
    seen["reopened"] = None

    def reopened(w):
        if w.pc.project is None:
            return False
        seen["reopened"] = w.pc.project.n_labeled()
        return seen["reopened"] == 1
    _close_when(reopened)
    assert shoal_app.run_gui(seen["path"]) == 0
    assert seen["reopened"] == 1, seen


def test_workers_need_only_qtcore():
    code = """
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.startswith(('PySide6.QtGui', 'PySide6.QtWidgets', 'pyqtgraph')):
            raise ImportError(name)
sys.meta_path.insert(0, Block())
import desktop_app.workers.tasks
print('ok')
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.startswith("ok"), res.stderr
