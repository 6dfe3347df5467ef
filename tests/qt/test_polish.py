"""Issue 12 section 4 polish, on real widgets offscreen: the key banner, label buttons at 1024 px, the side-panel
label table, the learning-curve legend and axis, the new-project preview."""
from __future__ import annotations

from PySide6.QtCore import Qt
from qt_helpers import TIMEOUT_MS, create_via_dialog, shot


def test_banner_stays_dismissed_after_f9(qtbot, window, text_csv, tmp_path):
    create_via_dialog(qtbot, window, text_csv, tmp_path / "b.shoal", labels="a, b")
    qtbot.waitUntil(lambda: window.pc.current() is not None, timeout=TIMEOUT_MS)
    view = window.work.labeling
    assert view.hint.isVisibleTo(view)
    qtbot.wait(50)
    shot(view, "banner-first-run.png")
    qtbot.mouseClick(view.hint.ok, Qt.LeftButton)
    assert not view.hint.isVisibleTo(view)
    side = window.work.side_scroll
    for shown in (False, True):
        qtbot.keyClick(window, Qt.Key_F9)                       # F9 hides, then shows the side panel
        assert side.isVisibleTo(window) is shown
        assert not view.hint.isVisibleTo(view)
    qtbot.wait(50)
    assert view.view.geometry().top() < view.hint.geometry().bottom() + 30    # the item moved up into its room
    shot(view, "banner-after-f9.png")
    window.pc.close()
    create_via_dialog(qtbot, window, text_csv, tmp_path / "c.shoal", labels="a, b")
    assert not view.hint.isVisibleTo(view)


NEWSGROUPS = ["alt.atheism", "comp.graphics", "rec.autos", "sci.space", "talk.politics.guns", "talk.religion.misc",
              "soc.religion.christian", "misc.forsale", "comp.sys.mac.hardware"]


def test_label_buttons_keep_their_digit_at_1024_px(qtbot, window, text_csv, tmp_path):
    window.resize(1024, 700)
    create_via_dialog(qtbot, window, text_csv, tmp_path / "n.shoal", labels=", ".join(NEWSGROUPS))
    qtbot.waitUntil(lambda: window.pc.current() is not None, timeout=TIMEOUT_MS)
    qtbot.wait(50)
    bar = window.work.labeling.bar
    assert bar.width() <= 1024
    for digit, b in enumerate(bar._buttons, 1):
        assert b.text().startswith(f"{digit}  "), b.text()
        assert b.geometry().right() <= bar.width() and b.width() >= b.sizeHint().width() - 2  # nothing clipped
        assert b.visibleRegion().boundingRect().width() >= b.width() - 1
    assert "talk.politics.gun" in bar._buttons[4].text() or bar.two_rows
    shot(bar, "label-bar-1024.png")
    window.resize(1900, 700)
    qtbot.wait(50)
    assert bar._buttons[4].text() == "5  talk.politics.guns"
    window.resize(700, 700)
    qtbot.wait(50)
    assert all(b.text()[0] == str(d) for d, b in enumerate(bar._buttons, 1))
    qtbot.keyClick(window, Qt.Key_5)
    assert window.pc.project.label_counts()["talk.politics.guns"] == 1
    table = window.work.side.counts                              # the side panel shows all nine labels
    assert table.rowCount() == 9
    for row in range(9):
        rect = table.visualRect(table.model().index(row, 1))
        assert table.viewport().rect().contains(rect), row
    assert table.item(5, 1).text() == "talk.religion.misc"
    shot(window.work.side, "side-panel-labels.png")


def test_learning_curve_legend_once_and_whole_round_ticks(qtbot, window):
    side = window.work.side
    rounds = [{"round": r, "n_labeled": 20 * r, "changed_fraction": 0.5 / r, "positives": 3 * r} for r in (1, 2, 3)]

    def entries():
        return [name.text for _, name in side.legend.items]

    for _ in range(3):                                              # every refresh: still one entry each
        side._plot_changes(rounds)
        assert entries().count("positive rate") == 1 and entries().count("predictions changed") == 1
    ticks = side.change_plot.getAxis("bottom")._tickLevels[0]
    assert [v for v, _ in ticks] == [1.0, 2.0, 3.0]                 # no 1.5 or 2.5
    shot(side, "side-curves.png")
    learn = [{k: v for k, v in r.items() if k != "positives"} for r in rounds]
    side._plot_changes(learn)                                       # the next project has no search label
    assert "positive rate" not in entries()
    side._plot_changes([dict(r, round=i) for i, r in enumerate(learn * 10, 1)])
    values = [v for v, _ in side.change_plot.getAxis("bottom")._tickLevels[0]]
    assert all(v == int(v) for v in values) and 3 <= len(values) <= 10
    side._plot_changes([])                                          # before the first round: no legend over nothing
    assert not side.legend.isVisible()
    side._plot_changes(rounds)
    assert side.legend.isVisible()


def _dialog(qtbot, window, source):
    from desktop_app.qt.new_project_dialog import NewProjectDialog

    dialog = NewProjectDialog(window.pc.runner, str(source), window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.preview.rowCount() > 0, timeout=20_000)
    return dialog


def test_new_project_preview_counts_thumbnails_and_flags(qtbot, window, image_folder, tmp_path):
    (image_folder / "zz_broken.png").write_bytes(b"this is not a png")
    dialog = _dialog(qtbot, window, image_folder)
    table = dialog.preview
    assert "61 image files" in dialog.note.text() and "1 of the first 61 files cannot be used" in dialog.note.text()
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["file", "label", "problem"]
    names = [table.item(r, 0).text() for r in range(table.rowCount())]
    assert names[0].endswith(".png") and len(names[0]) < 40           # the file name, not a content hash
    assert names[-1] == "zz_broken.png" and table.item(table.rowCount() - 1, 2).text()   # listed, with its reason
    assert table.verticalHeaderItem(table.rowCount() - 1).text().startswith("⚠")
    qtbot.waitUntil(lambda: not table.item(0, 0).icon().isNull(), timeout=20_000)   # thumbnails arrive
    qtbot.wait(50)
    shot(dialog, "new-project-images.png")

    src = tmp_path / "rows.jsonl"
    src.write_text('{"key": "doc-1", "text": "first"}\n{"key": "doc-2", "text": "second"}\n{broken\n'
                   '{"key": "doc-4", "text": "fourth"}\n', encoding="utf-8")
    dialog.source.setText(str(src))
    dialog.refresh_preview()
    qtbot.waitUntil(lambda: "text rows" in dialog.note.text(), timeout=20_000)
    assert dialog.note.text().startswith("4 text rows") and "1 cannot be used" in dialog.note.text(), dialog.note.text()
    dialog.id_col.setCurrentText("key")
    dialog.id_col.activated.emit(dialog.id_col.currentIndex())
    qtbot.waitUntil(lambda: table.verticalHeaderItem(0).text() == "doc-1", timeout=20_000)   # the user's ids
    assert table.verticalHeaderItem(2).text().startswith("⚠") and "not valid JSON" in table.item(2, 0).text()
    assert table.verticalHeaderItem(3).text() == "doc-4"
    shot(dialog, "new-project-jsonl.png")
