"""GUI test fixtures: offscreen Qt (set in tests/conftest.py), isolated QSettings, Qt warnings fail."""
from __future__ import annotations

import itertools

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QCoreApplication, QSettings  # noqa: E402

_serial = itertools.count()


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/qt/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            # the offscreen platform plugin reports this for every top-level window: not our warning
            item.add_marker(pytest.mark.qt_log_ignore("propagateSizeHints"))


@pytest.fixture(autouse=True)
def isolated_qsettings(qapp, tmp_path):
    """Every test gets its own settings file under tmp_path."""
    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(tmp_path / "qsettings"))
    QCoreApplication.setOrganizationName(f"shoal-test-{next(_serial)}")
    QCoreApplication.setApplicationName("shoal")
    yield
    QSettings().clear()


@pytest.fixture
def window(qtbot):
    from desktop_app.qt.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    yield w
    w.pc.close()
    w.images.clear()
