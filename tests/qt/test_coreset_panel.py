"""The Export dialog's subset panel: choose the most useful labeled items in the background (progress,
Cancel), see the learning curve of the choice, export only those. A real project with real embeddings."""
from __future__ import annotations

import csv
import shutil

import pytest
from qt_helpers import TIMEOUT_MS

from desktop_app.cli import main
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    d = tmp_path_factory.mktemp("coreset_gui")
    with open(DEMO / "texts.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:150]
    with open(d / "posts.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "text", "label"])
        w.writeheader()
        w.writerows(rows)
    project = d / "posts.shoal"
    assert main(["new", str(project), "--source", str(d / "posts.csv"), "--id-column", "id",
                 "--text-column", "text", "--label-column", "label"]) == 0
    assert main(["embed", str(project)]) == 0
    return project


@pytest.fixture
def dialog(qtbot, window, embedded, tmp_path):
    from desktop_app.qt.export_dialog import ExportDialog

    p = tmp_path / "posts.shoal"
    shutil.copy(embedded, p)
    window.pc.open(p)
    d = ExportDialog(window.pc, window)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def _choose(qtbot, panel):
    panel.start()
    qtbot.waitUntil(lambda: panel.choose.isEnabled() and panel.summary.text() != "Choosing…", timeout=TIMEOUT_MS)


def test_choose_shows_the_curve_and_export_writes_only_the_kept_items(qtbot, dialog, tmp_path):
    panel = dialog.subset
    assert not panel.choose.isEnabled()                      # off until ticked
    panel.enabled.setChecked(True)
    dialog.out.setText(str(tmp_path / "out"))
    dialog.start()
    assert dialog.result.text().startswith("Not exported: choose the items first")
    assert not (tmp_path / "out").exists()
    panel.share.setValue(30)
    _choose(qtbot, panel)
    assert panel.summary.text().startswith("Kept 45 of 150 labeled items (method "), panel.summary.text()
    assert "held-out" in panel.summary.text() and panel.plot.isVisible()
    curve = panel.result.curve
    assert curve is not None and len(curve.points) >= 3 and 0 < curve.all_f1 <= 1
    panel.grab().save("/tmp/r16_coreset_panel.png")
    dialog.grab().save("/tmp/r16_export_dialog.png")
    kept_ids = {r.id for r in panel.result.rows}
    dialog.start()
    qtbot.waitUntil(lambda: dialog.go.isEnabled() and dialog.result.text().startswith(("Wrote", "Export failed")),
                    timeout=TIMEOUT_MS)
    assert dialog.result.text().startswith("Wrote"), dialog.result.text()
    with open(tmp_path / "out" / "labels.csv", newline="", encoding="utf-8") as f:
        exported = list(csv.DictReader(f))
    assert {r["id"] for r in exported} == kept_ids
    assert abs(sum(float(r["weight"]) for r in exported) - 150) < 0.01   # auto is a weighted core-set
    panel.share.setValue(50)                                  # changed settings: the old choice is dropped
    assert panel.result is None and "choose the items again" in panel.summary.text()


def test_cancel_leaves_no_choice(qtbot, dialog):
    panel = dialog.subset
    panel.enabled.setChecked(True)
    panel.start()
    panel.stop()
    assert panel.summary.text() == "Cancelled" and panel.result is None and panel.choose.isEnabled()
    qtbot.wait(300)
    assert panel.summary.text() == "Cancelled"               # a late result of the cancelled run is dropped
