"""Render screenshots of Shoal's main views offscreen into docs/screenshots/*.png.

    QT_QPA_PLATFORM=offscreen python packaging/screenshots.py [--out docs/screenshots]

Runs the real app on the bundled demo sample in a throw-away home (settings, data, logs), labels three
batches the way a person would (the answers come from the sample's truth file, like a careful annotator),
and grabs each view once the model has caught up."""
from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="shoal-shots-"))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        os.environ[var] = str(home / var.lower())
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))

    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from desktop_app.app import main_window, make_app
    from desktop_app.resources_path import resource

    app = make_app(["shoal"])
    app.setStyle("Fusion")

    def spin(seconds: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    def wait(cond, timeout: float = 180.0) -> None:
        t = time.monotonic()
        while not cond():
            if time.monotonic() - t > timeout:
                raise TimeoutError("the app did not get there in time")
            spin(0.05)

    def shot(widget, name: str) -> None:
        spin(0.3)
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        print("wrote", path)

    with open(resource("demo", "images_truth.csv"), newline="") as f:
        truth = {r["file"]: r["label"] for r in csv.DictReader(f)}

    w = main_window()
    w.resize(1280, 800)
    w.show()
    # start page with a couple of recent projects
    w.flows.open_demo("text")
    wait(lambda: w.pc.project is not None)
    wait(lambda: w.pc.session_ready and not w.pc.embedding)
    text_project = w.pc.project.path
    w.flows.open_demo("image")
    wait(lambda: w.pc.project is not None and w.pc.project.path != text_project)
    image_project = w.pc.project.path
    w.flows.close_project()
    shot(w, "start-page")

    w.flows.open_path(str(image_project))
    wait(lambda: w.pc.session_ready and not w.pc.embedding)
    names = [l["name"] for l in w.pc.project.label_set()]
    for _ in range(3 * 20 + 6):
        wait(lambda: w.pc.current() is not None)
        cur = w.pc.current()
        w.lc.press_digit(names.index(truth[Path(cur.path).name]) + 1)
        spin(0.02)
    wait(lambda: not w.pc.runner.busy("round") and w.pc.current() is not None)
    spin(1.0)
    shot(w, "labeling-image")
    w.work.tabs.setCurrentIndex(1)
    grid = w.work.grid
    for row in (1, 2, 5):
        grid.list.selectionModel().select(grid.model.index(row), grid.list.selectionModel().SelectionFlag.Select)
    spin(1.0)
    shot(w, "grid")
    w.work.tabs.setCurrentIndex(2)
    shot(w, "review")
    shot(w.work.side, "side-panel")
    w.work.tabs.setCurrentIndex(0)

    from desktop_app.qt.export_dialog import ExportDialog

    dialog = ExportDialog(w.pc, w)
    dialog.out.setText(str(home / "export"))
    dialog.show()
    dialog.start()
    wait(lambda: not dialog.open_folder.isHidden())
    shot(dialog, "export-dialog")
    dialog.close()

    w.flows.open_path(str(text_project))
    wait(lambda: w.pc.session_ready and w.pc.current() is not None)
    text_names = [l["name"] for l in w.pc.project.label_set()]
    with open(resource("demo", "texts.csv"), newline="", encoding="utf-8") as f:
        text_truth = {r["id"]: r["label"] for r in csv.DictReader(f)}
    for i in range(2 * 20 + 3):
        wait(lambda: w.pc.current() is not None)
        w.lc.press_digit(text_names.index(text_truth[w.pc.current().id]) + 1)
        spin(0.02)
    wait(lambda: not w.pc.runner.busy("round") and w.pc.current() is not None)
    shot(w, "labeling-text")

    from desktop_app.qt.actions import ShortcutSheet

    sheet = ShortcutSheet(w.actions, w)
    sheet.show()
    shot(sheet, "shortcuts")
    sheet.close()
    w.close()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
