"""`shoal demo` / `shoal gui` entry points run the real app; the worker layer needs QtCore only."""
from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def _close_when(cond):
    def check():
        wins = [w for w in QApplication.topLevelWidgets() if w.objectName() == "shoalMainWindow" and w.isVisible()]
        if wins and cond(wins[0]):
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
        w.lc.press_digit(2)
        return True
    _close_when(opened)
    assert shoal_app.run_demo(kind="image") == 0
    assert seen["title"] == "Shoal — demo-image"
    _close_when(lambda w: w.pc.project is not None and w.pc.project.n_labeled() == 1)
    assert shoal_app.run_gui(seen["path"]) == 0


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
