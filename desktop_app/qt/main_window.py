"""The main window: assembles pages, menus and controllers; the logic lives in the controllers."""
from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QStackedWidget

from desktop_app.ops.gui_support import status_line
from desktop_app.qt import settings
from desktop_app.qt.actions import PROJECT_ONLY, build_actions
from desktop_app.qt.controller import ProjectController
from desktop_app.qt.dialogs import show_error
from desktop_app.qt.flows import Flows
from desktop_app.qt.images import ImageCache
from desktop_app.qt.label_bar import button_text
from desktop_app.qt.labeling import LabelingController
from desktop_app.qt.labeling_view import plain_label
from desktop_app.qt.start_page import StartPage
from desktop_app.qt.warmup import preload
from desktop_app.qt.workspace import Workspace


class MainWindow(QMainWindow):
    def __init__(self, parent=None):
        super().__init__(parent)
        preload()
        self.setObjectName("shoalMainWindow")
        self.pc = ProjectController(self)
        self.lc = LabelingController(self.pc, self)
        self.images = ImageCache(self)
        self.flows = Flows(self)
        self.actions = build_actions(self)
        self.start = StartPage()
        self.work = Workspace(self.pc, self.lc, self.images)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.start)
        self.stack.addWidget(self.work)
        self.setCentralWidget(self.stack)
        self.status_text = plain_label("")
        self.model_text = plain_label("", "color: #2f6fb3;")
        self.statusBar().addWidget(self.status_text, 1)
        self.statusBar().addPermanentWidget(self.model_text)
        self.setAcceptDrops(True)
        self._connect()
        self._restore()
        self._project_state()

    # ---- wiring -------------------------------------------------------------------------------------
    def _connect(self) -> None:
        a, pc, lc, f = self.actions, self.pc, self.lc, self.flows
        for name, slot in (("new", f.new_project), ("open", f.open_dialog), ("save_as", f.save_as),
                           ("relink", f.relink), ("export", f.export), ("resume_embed", pc.start_embedding),
                           ("embed_settings", f.embedding_settings),
                           ("close", f.close_project), ("quit", self.close), ("undo", lc.undo_stack.undo),
                           ("redo", lc.undo_stack.redo), ("add_label", f.add_label), ("label_set", f.label_set),
                           ("skip", self._skip), ("accept", self._accept), ("back", self._back),
                           ("forward", self._forward), ("next_unanswered", self._next_unanswered),
                           ("retrain", lambda: pc.request_round()),
                           ("view_label", lambda: self._tab(0)), ("view_grid", lambda: self._tab(1)),
                           ("view_review", lambda: self._tab(2)), ("view_suspects", lambda: self._tab(3)),
                           ("view_map", lambda: self._tab(4)),
                           ("zoom_in", lambda: self._zoom(1.25)),
                           ("zoom_out", lambda: self._zoom(0.8)), ("zoom_fit", lambda: self._zoom(None)),
                           ("shortcuts", f.shortcuts), ("logs", f.open_logs), ("about", f.about)):
            a[name].triggered.connect(slot)
        for d in range(1, 10):
            a[f"digit{d}"].triggered.connect(lambda _=False, d=d: self._digit(d))
        a["side_panel"].toggled.connect(self.work.side_scroll.setVisible)
        lc.undo_stack.canUndoChanged.connect(a["undo"].setEnabled)
        lc.undo_stack.canRedoChanged.connect(a["redo"].setEnabled)
        a["undo"].setEnabled(False)
        a["redo"].setEnabled(False)
        self.recent_menu.aboutToShow.connect(f.fill_recent)
        self.start.open_requested.connect(f.open_path)
        self.start.new_requested.connect(f.new_project)
        self.start.open_dialog_requested.connect(f.open_dialog)
        self.start.demo_requested.connect(f.open_demo)
        pc.opened.connect(self._project_state)
        pc.closed.connect(self._project_state)
        pc.label_set_changed.connect(self._label_actions)
        for sig in (pc.labels_changed, pc.round_done, pc.opened):
            sig.connect(self._status)
        pc.model_state.connect(self.model_text.setText)
        pc.error.connect(lambda msg: show_error(self, msg))
        pc.embed_state.connect(lambda s: a["resume_embed"].setEnabled(s == "paused"))
        lc.message.connect(lambda msg: self.statusBar().showMessage(msg, 5000))
        lc.show_labeling.connect(lambda: self._tab(0))
        self.work.tabs.currentChanged.connect(self._tab_changed)

    # ---- state ----------------------------------------------------------------------------------------
    def _project_state(self, *_) -> None:
        project = self.pc.project
        self.setWindowTitle(f"Shoal — {project.name}" if project else "Shoal")
        self.stack.setCurrentWidget(self.work if project else self.start)
        for name in PROJECT_ONLY - {"resume_embed"}:  # resume follows the embedding state
            self.actions[name].setEnabled(project is not None)
        self.actions["resume_embed"].setEnabled(False)
        if project is None:
            self.start.refresh()
            self.status_text.setText("")
        else:
            settings.add_recent(project.path)
            self._label_actions()
            self._tab_changed(self.work.tabs.currentIndex())

    def _label_actions(self) -> None:
        labels = self.lc.labels()
        for d in range(1, 10):
            act = self.actions[f"digit{d}"]
            act.setText(f"Label as {button_text(labels[d - 1]['name'])}" if d <= len(labels) else f"Label {d} (unused)")

    def _status(self, *_) -> None:
        if self.pc.project is not None:
            self.status_text.setText(status_line(self.pc.project, self.pc.last_stats))

    # ---- dispatch ---------------------------------------------------------------------------------------
    def _current_tab(self):
        return self.work.tabs.currentWidget()

    def _selection(self):
        tab = self._current_tab()
        if tab is self.work.grid:
            return tab.selected_idxs()
        if tab is self.work.review:
            return tab.selected_idxs()
        return None

    def _map_keys(self) -> bool:
        """In the Map tab a key never labels the labeling view's item (it is not on screen): say so."""
        if self._current_tab() is self.work.map:
            self.statusBar().showMessage("Shift+drag to lasso items and press a digit, or click a point to open it",
                                         4000)
            return True
        return False

    def _digit(self, d: int) -> None:
        if self._current_tab() is self.work.map and len(self.work.map.selected):
            self.work.map.label_selection(d)
            return
        if self._map_keys():
            return
        if self._current_tab() is self.work.suspects:
            self.work.suspects.press_digit(d)
            return
        idxs = self._selection()
        if idxs is not None and not idxs:
            self.statusBar().showMessage("Select items first (click, Shift+click or drag), then press a digit", 4000)
            return
        self.lc.press_digit(d, idxs)

    def _skip(self) -> None:
        if self._map_keys():
            return
        if self._current_tab() is self.work.suspects:
            self.work.suspects.keep()  # Space keeps the suspected label
            return
        idxs = self._selection()
        if idxs is None or idxs:
            self.lc.skip(idxs)

    def _accept(self) -> None:
        """Enter: the model's guess for the current item (labeling view), the suggestion (Suspicious tab)."""
        tab = self._current_tab()
        if tab is self.work.suspects:
            self.work.suspects.accept_suggestion()
        elif tab is self.work.labeling:
            cur = self.pc.current()
            ids = [l["id"] for l in self.lc.labels()]
            guess = cur.guess if cur else None
            if guess in ids[:9]:
                self.lc.press_digit(ids.index(guess) + 1)
            elif cur is not None:
                self.statusBar().showMessage("No model guess for this item yet: press a digit", 4000)

    def _back(self) -> None:
        if self._current_tab() is self.work.suspects:
            self.work.suspects.back()
        else:
            self.lc.back()

    def _forward(self) -> None:
        if self._current_tab() is self.work.labeling:
            self.lc.forward()

    def _next_unanswered(self) -> None:
        if self._current_tab() is self.work.labeling and not self.lc.next_unanswered():
            self.statusBar().showMessage("Every item of this batch has an answer", 4000)

    def _tab(self, i: int) -> None:
        if self.pc.project is not None:
            self.work.tabs.setCurrentIndex(i)

    def _tab_changed(self, i: int) -> None:
        self.actions["back"].setEnabled(self.pc.project is not None and i in (0, 3))
        for name in ("forward", "next_unanswered"):
            self.actions[name].setEnabled(self.pc.project is not None and i == 0)
        if i == 1:
            self.work.grid.list.setFocus()
        elif i == 2:
            self.work.review.table.setFocus()
        elif i == 4:
            self.work.map.setFocus()
        else:
            self.setFocus()

    def _zoom(self, factor) -> None:
        if self._current_tab() is self.work.labeling:
            self.work.labeling.view.zoom(factor)

    # ---- window events ------------------------------------------------------------------------------------
    def _restore(self) -> None:
        s = settings.settings()
        geometry = s.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)
        sizes = s.value("splitter")
        if sizes is not None:
            self.work.splitter.restoreState(sizes)

    def closeEvent(self, event) -> None:
        s = settings.settings()
        s.setValue("geometry", self.saveGeometry())
        s.setValue("splitter", self.work.splitter.saveState())
        s.sync()
        self.pc.close()
        self.images.clear()
        super().closeEvent(event)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.flows.open_target(urls[0])
            event.acceptProposedAction()
