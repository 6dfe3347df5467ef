"""`shoal gui` / `shoal demo`: build the QApplication and the main window."""
from __future__ import annotations

import sys

from desktop_app.display import require_display
from desktop_app.errors import ShoalError


def make_app(argv: list[str] | None = None):
    """The QApplication, with Shoal's settings file in the user config folder and logging installed."""
    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from desktop_app import paths
    from desktop_app.qt.logging_setup import setup_logging

    if QApplication.instance() is None:  # HiDPI: follow fractional scale factors (125 %, 150 %) exactly
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    from desktop_app.qt.gc_guard import install as collect_on_the_gui_thread

    collect_on_the_gui_thread(app)  # Qt objects are never freed by a worker thread's garbage collection
    app.setOrganizationName("shoal")
    app.setApplicationName("shoal")
    app.setApplicationDisplayName("Shoal")
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(paths.user_config_dir()))
    setup_logging()
    from desktop_app.store.lock import set_holder

    set_holder("the Shoal desktop app")  # what a CLI command meeting this app's lock is told
    # the GUI thread shares the GIL with CPU-bound workers: hand it over every 1 ms instead of 5 ms,
    # so Python slots and pyqtgraph painting are not slowed 5x while embedding or refitting runs
    sys.setswitchinterval(0.001)
    return app


def main_window():
    from desktop_app.qt.main_window import MainWindow

    return MainWindow()


def run_gui(target: str | None = None) -> int:
    require_display()
    app = make_app()
    win = main_window()
    win.show()
    if target:
        win.flows.open_target(target)
    return int(app.exec())


def run_demo(kind: str = "image", reset: bool = False) -> int:
    if kind not in ("image", "text"):
        raise ShoalError(f"unknown demo kind {kind!r}; use image or text")
    require_display()
    app = make_app()
    win = main_window()
    win.show()
    win.flows.open_demo(kind, reset)
    return int(app.exec())
