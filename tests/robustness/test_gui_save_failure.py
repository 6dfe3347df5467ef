"""The GUI when a label cannot be saved (a really full disk): one clear message, the item stays current
and unlabeled, nothing goes on the undo stack; once there is room again the same key saves it."""
from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop_app.qt.labeling import LabelingController

from .conftest import cli, write_csv

sys.path.insert(0, str(Path(__file__).parent.parent / "qt"))
from qt_helpers import wait_model


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 16 MB file system (tmpfs), mounted for the test (needs root)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mnt)], capture_output=True, text=True, check=False)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip() or 'not root'})")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(disk: Path) -> Path:
    """Write zeros until the file system has not one byte left."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (1 << 20, 4096, 1):
            try:
                while True:
                    os.write(fd, b"\0" * chunk)
            except OSError as e:
                assert e.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def _window(qtbot):
    from desktop_app.qt.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    return w


def test_disk_full_while_labeling_in_the_gui_shows_one_message_and_keeps_the_item(qtbot, tiny_disk, tmp_path):
    src = write_csv(tmp_path / "texts.csv", 40)
    project = tiny_disk / "p.shoal"
    rc, _, err = cli("new", project, "--source", src, "--id-column", "id", "--labels", "a,b")
    assert rc == 0, err
    assert cli("embed", project)[0] == 0
    window = _window(qtbot)
    try:
        window.flows.open_path(str(project))
        pc = window.pc
        wait_model(qtbot, window)
        qtbot.waitUntil(lambda: pc.current() is not None, timeout=60_000)
        first = pc.current().idx
        qtbot.keyClick(window, Qt.Key_1)
        assert pc.project.current_label(first) is not None
        qtbot.wait(300)  # let background work settle
        item, pos = pc.current().idx, pc.pos
        undo = window.findChild(LabelingController).undo_stack
        commands = undo.count()
        with pc.project.mutex:
            pc.project.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()  # the next write must grow a file
        filler = _fill(tiny_disk)

        qtbot.keyClick(window, Qt.Key_2)
        boxes = [b for b in window.findChildren(QMessageBox) if b.objectName() == "errorDialog" and b.isVisible()]
        assert len(boxes) == 1
        assert "disk is full" in boxes[0].text() and "\n" not in boxes[0].text()
        assert pc.current().idx == item and pc.pos == pos  # still the current item ...
        assert pc.project.current_label(item) is None          # ... and unlabeled
        assert undo.count() == commands                        # nothing to undo that did not happen
        boxes[0].close()

        os.unlink(filler)  # room again: the same key saves it
        qtbot.keyClick(window, Qt.Key_2)
        assert pc.project.current_label(item) is not None
        assert pc.current() is None or pc.current().idx != item
    finally:
        window.pc.close()
        window.images.clear()
