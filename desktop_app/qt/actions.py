"""Every user action as a QAction with its shortcut, placed in menus and the toolbar; plus the
keyboard-shortcut sheet, generated from the same actions so it never goes stale."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QHeaderView, QMenu, QTableWidget, QTableWidgetItem, QVBoxLayout

# name -> (menu, text, shortcuts, tip)
SPEC = [
    ("new", "&File", "&New project…", ["Ctrl+N"], "Start a project from a folder or a CSV/JSONL file"),
    ("open", "&File", "&Open project…", ["Ctrl+O"], "Open a .shoal project"),
    ("save_as", "&File", "Save project &as…", ["Ctrl+Shift+S"], "Copy the project to a new file and continue there"),
    ("relink", "&File", "&Relink source…", [], "The items moved: point the project at their new folder"),
    ("export", "&File", "&Export dataset…", ["Ctrl+E"], "Write the labeled set for training code"),
    ("resume_embed", "&File", "Resume &embedding", [], "Embed the items not embedded yet"),
    ("embed_settings", "&File", "Embedding and &index…", [],
     "Where items are embedded (this computer or Ray, CPU or GPU) and how the project keeps its vectors and index"),
    ("close", "&File", "&Close project", ["Ctrl+W"], "Back to the start page"),
    ("quit", "&File", "&Quit", ["Ctrl+Q"], "Quit Shoal (everything labeled is already saved)"),
    ("undo", "&Edit", "&Undo", ["Ctrl+Z"], "Undo the last answer or label-set change"),
    ("redo", "&Edit", "&Redo", ["Ctrl+Shift+Z", "Ctrl+Y"], "Redo"),
    ("add_label", "&Edit", "&Add label…", ["N"], "Add a label to the set (it gets the next number key)"),
    ("label_set", "&Edit", "&Label set…", ["Ctrl+L"], "Add, rename, merge or delete labels"),
    *[(f"digit{d}", "&Label", f"Label {d}", [str(d)], f"Give the item(s) label {d}") for d in range(1, 10)],
    ("skip", "&Label", "&Skip", ["0", "Space"], "Not sure / not relevant: skip the item(s)"),
    ("accept", "&Label", "&Accept the model's guess", ["Return", "Enter"],
     "Give the item the label the model guesses (in the Suspicious tab: the suggested label)"),
    ("back", "&Label", "&Back to previous item", ["Backspace", "Left"], "Show the previous item of the batch"),
    ("forward", "&Label", "&Forward to next item", ["Right"], "Show the next item of the batch (answered or not)"),
    ("next_unanswered", "&Label", "Next &unanswered item", ["U"], "Jump to the next item of the batch with no answer"),
    ("retrain", "&Label", "&Retrain now", ["Ctrl+R"], "Refit the model and re-rank the queue now"),
    ("view_label", "&View", "&Labeling view", ["Ctrl+1"], "One item at a time"),
    ("view_grid", "&View", "&Grid view", ["Ctrl+2", "G"], "The batch as thumbnails; select several and press a digit"),
    ("view_review", "&View", "&Review table", ["Ctrl+3"], "All labeled items, sortable and filterable"),
    ("view_suspects", "&View", "Review &suspicious labels", ["Ctrl+4"],
     "Labels the data argues against, one at a time: a digit relabels, Space keeps"),
    ("view_map", "&View", "&Map of the items", ["Ctrl+5"], "The items in 2D (UMAP), coloured by label; click one to open it"),
    ("zoom_in", "&View", "Zoom &in", ["Ctrl++", "+"], "Enlarge the item"),
    ("zoom_out", "&View", "Zoom &out", ["Ctrl+-", "-"], "Shrink the item"),
    ("zoom_fit", "&View", "&Fit item", ["Ctrl+0"], "Fit the image to the view"),
    ("side_panel", "&View", "&Side panel", ["F9"], "Label counts, learning curve, settings"),
    ("shortcuts", "&Help", "&Keyboard shortcuts", ["F1", "?"], "All keys at a glance"),
    ("logs", "&Help", "Open &log folder", [], "Where Shoal writes its log (attach it to bug reports)"),
    ("about", "&Help", "&About Shoal", [], ""),
]
TOOLBAR = ["new", "open", "export", None, "undo", "redo", None, "skip", "back", "add_label", None,
           "view_label", "view_grid", "view_review", "view_suspects", "view_map", None, "retrain"]
SHORT = {"new": "New", "open": "Open", "export": "Export", "back": "Back", "add_label": "Add label",
         "view_label": "Label", "view_grid": "Grid", "view_review": "Review", "view_suspects": "Suspicious", "view_map": "Map",
         "retrain": "Retrain"}
# keys that are bare characters must not steal typing in text fields: Qt gives the field priority
PROJECT_ONLY = {"save_as", "relink", "export", "resume_embed", "close", "add_label", "label_set",
                "skip", "accept", "back", "retrain", "view_label", "view_grid", "view_review", "view_suspects", "view_map",
                *(f"digit{d}" for d in range(1, 10))}


def build_actions(window) -> dict[str, QAction]:
    actions = {}
    for name, _menu, text, keys, tip in SPEC:
        act = QAction(text, window)
        act.setShortcuts([QKeySequence(k) for k in keys])
        act.setShortcutContext(Qt.WindowShortcut)
        act.setStatusTip(tip)
        act.setToolTip(f"{text.replace('&', '').rstrip('…')} ({keys[0]})" if keys else text.replace("&", ""))
        act.setIconText(SHORT.get(name, text.replace("&", "").rstrip("…")))
        window.addAction(act)
        actions[name] = act
    actions["side_panel"].setCheckable(True)
    actions["side_panel"].setChecked(True)
    menus = {}
    for name, menu, *_ in SPEC:
        if menu not in menus:
            menus[menu] = window.menuBar().addMenu(menu)
        menus[menu].addAction(actions[name])
        if name in ("relink", "close", "redo", "next_unanswered", "view_map", "zoom_fit"):
            menus[menu].addSeparator()
    window.recent_menu = QMenu("Open &recent", window)
    menus["&File"].insertMenu(actions["save_as"], window.recent_menu)
    bar = window.addToolBar("Main")
    bar.setObjectName("mainToolbar")
    bar.setToolButtonStyle(Qt.ToolButtonTextOnly)
    bar.setMovable(False)
    for name in TOOLBAR:
        bar.addSeparator() if name is None else bar.addAction(actions[name])
    return actions


class ShortcutSheet(QDialog):
    def __init__(self, actions: dict[str, QAction], parent=None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(560, 640)
        table = QTableWidget(0, 2)
        table.setHorizontalHeaderLabels(["Action", "Keys"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeToContents)
        for act in actions.values():
            keys = ", ".join(s.toString(QKeySequence.NativeText) for s in act.shortcuts())
            if not keys:
                continue
            row = table.rowCount()
            table.insertRow(row)
            table.setItem(row, 0, QTableWidgetItem(act.text().replace("&", "")))
            table.setItem(row, 1, QTableWidgetItem(keys))
        lay = QVBoxLayout(self)
        lay.addWidget(table)
