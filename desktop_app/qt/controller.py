"""The open project and its background work: create/open/close, embedding, session, rounds.

The GUI thread only does quick reads and single-transaction label writes. Everything long runs on
the TaskRunner; the Session object is touched only by tasks of the serial "model"/"round" channels.
The batch, its cursor and the batch prepared ahead live in one Qt-free `LabelingQueue` (`self.queue`):
only the queue moves the cursor; this controller loads batches into it, the labeling controller moves it.
"""
from __future__ import annotations

import copy
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop_app.ops import gui_support
from desktop_app.ops.batch import BatchEntry, LabelingQueue
from desktop_app.ops.loop import answered_items, effective_strategy, open_session, round_due
from desktop_app.ops.search_query import store_search
from desktop_app.qt.controller_embedding import EmbeddingControl
from desktop_app.store.project import Project
from desktop_app.workers.tasks import TaskRunner


class ProjectController(EmbeddingControl, QObject):
    opened = Signal()
    closed = Signal()
    batch_changed = Signal()
    labels_changed = Signal(list)
    label_set_changed = Signal()
    round_done = Signal(object)           # stats dict or None
    review_changed = Signal()
    embed_progress = Signal(int, int, float, float)   # done, total, items/s, eta seconds
    embed_state = Signal(str)             # running | done | paused | idle
    model_state = Signal(str)             # human-readable: what the model worker is doing
    error = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.runner = TaskRunner(self, max_threads=4)
        self.project: Project | None = None
        self.session = None               # only touched inside model-channel tasks
        self.session_ready = False
        self.queue = LabelingQueue()      # the batch, its cursor, its answers, the next batch prepared ahead
        self.labels_changed.connect(self._answers_changed)
        self.preds: dict | None = None       # model predictions for labeled items (review table)
        self.last_stats: dict | None = None
        self.embedding = False
        self._embed_t0 = 0.0
        self.embedding_on = "this computer"
        self.last_embed: dict | None = None   # the last embedding run's result (File ▸ Embedding and index…)

    # ---- lifecycle ----------------------------------------------------------------------------
    def open(self, path: str | Path) -> None:
        self.close()
        self.adopt(Project.open(path))

    def create(self, path, source, options, encoder=None, labels=None, on_done=None, copy_encoder=False) -> None:
        from desktop_app.ops.create import new_project

        self.close()
        self.model_state.emit("Reading the source…")

        def done(project):
            self.adopt(project)
            if on_done:
                on_done(project)
        self.runner.submit("create", lambda p, c: new_project(path, source, options, encoder, labels,
                                                               copy_encoder=copy_encoder),
                           on_done=done, on_error=self._fail)

    def adopt(self, project: Project) -> None:
        self.project = project
        self.session, self.session_ready, self.preds = None, False, None
        self.queue.clear()
        self.last_stats = (project.rounds() or [None])[-1]
        self._load_batch()
        self.opened.emit()
        if project.n_pending_embedding():
            self.start_embedding()
        else:
            self.embed_state.emit("idle")
            self._open_session()
        self.batch_changed.emit()

    def close(self) -> None:
        if self.project is None:
            return
        self.runner.cancel_all()
        self.runner.wait(60000)
        self.project.close()
        self.project, self.session, self.session_ready, self.embedding = None, None, False, False
        self.queue.clear()
        self.model_state.emit("")
        self.closed.emit()

    def _fail(self, message: str) -> None:
        self.model_state.emit("")
        self.error.emit(message)

    # ---- model: session, rounds, prefetch ---------------------------------------------------------------
    def _open_session(self) -> None:
        project = self.project
        self.session_ready, self.queue.prefetched = False, None
        current = [copy.copy(e) for e in self.queue.entries]   # the worker annotates copies
        self.model_state.emit("Loading the kNN index…")

        def work(progress, cancel):
            self.session = open_session(project, progress=progress, cancel=cancel)
            return gui_support.annotate(project, self.session, current)
        self.runner.submit("model", work, on_done=self._session_opened, on_error=self._fail, serial=True)

    def _session_opened(self, annotated: list[BatchEntry]) -> None:
        self.session_ready = True
        self.model_state.emit("")
        self.queue.annotate(annotated)
        if not self.queue.entries:
            self.queue.waiting = True
        self.request_round()
        self.batch_changed.emit()

    def request_round(self, mid_batch: bool = False) -> None:
        """Refit (when labels changed since the last round) and select the next batch, in the background.
        Mid-batch requests only refit (no round is recorded) so the prefetched batch uses fresh labels."""
        if not self.session_ready or self.project is None:
            return
        project = self.project
        n = int(project.meta("batch_size", 20))
        strategy = effective_strategy(project)
        changed = round_due(project)  # the rule `shoal next` starts a round by (ops.loop.round_due)
        finish = None if not changed else ("refit" if mid_batch else "round")
        exclude = [e.idx for e in self.queue.unanswered()] if not self.queue.waiting else []
        self.model_state.emit("Retraining and ranking…" if finish else "Ranking…")
        # a batch prepared before these labels is stale: never serve it while a fresher one is on its way
        # (it was chosen knowing fewer labels, e.g. "cold start" after two classes were labeled)
        self.queue.prefetched = None

        def work(progress, cancel):
            return gui_support.prepare_round(project, self.session, n, strategy, exclude=exclude, finish=finish)
        self.runner.submit("round", work, on_done=self._round_ready, on_error=self._fail, serial=True)

    def _round_ready(self, result: dict) -> None:
        self.model_state.emit("")
        self.queue.prefetched = result["batch"]
        self.preds = result["review"]
        if result["stats"]:
            self.last_stats = result["stats"]
            self.round_done.emit(result["stats"])
        self.review_changed.emit()
        if self.queue.waiting:
            self.next_batch()

    def next_batch(self) -> None:
        """Called when the current batch is answered: show the prefetched batch without waiting."""
        project, queue = self.project, self.queue
        pre = queue.take_prefetched()
        if pre is not None:
            answered = answered_items(project, [e.idx for e in pre])
            batch = [e for e in pre if e.idx not in answered]
            if batch or not pre:  # an empty prefetch means: nothing left to label
                gui_support.promote(project, batch)
                queue.load(batch)
                self.batch_changed.emit()
                if batch:
                    self.request_round()
                return
        if not self.session_ready:
            queue.load(gui_support.cold_start_batch(project, int(project.meta("batch_size", 20))))
            queue.waiting = not queue.entries
        else:
            queue.waiting = True
            if not self.runner.busy("round"):
                self.request_round()
        self.batch_changed.emit()

    def _load_batch(self) -> None:
        project = self.project
        saved = gui_support.resume_batch(project)
        answered = answered_items(project, [e.idx for e in saved])
        if any(e.idx not in answered for e in saved):
            self.queue.load(saved, answered)  # the cursor on its first unanswered item
        elif project.n_pending_embedding():
            self.queue.load(gui_support.cold_start_batch(project, int(project.meta("batch_size", 20))))
        else:
            self.queue.load([])
            self.queue.waiting = True

    def _answers_changed(self, changes: list) -> None:
        for idx, _label, state in changes:
            self.queue.mark(idx, state != "cleared")

    def current(self) -> BatchEntry | None:
        return self.queue.current()

    @property
    def batch(self) -> list[BatchEntry]:
        return self.queue.entries

    @property
    def pos(self) -> int:  # read-only: the queue moves the cursor
        return self.queue.pos

    # ---- settings, export, relink ---------------------------------------------------------------------------
    def set_search_label(self, name: str | None, query=None) -> None:
        """Search mode for one label (find more of it), or back to learn mode; re-rank the next batch.
        `query`: (kind, shown, vector) from ops.search_query.embed_query, stored with the mode (else cleared)."""
        store_search(self.project, name, query)
        self.queue.prefetched = None
        if self.session_ready and self.queue.entries:
            # the rest of this batch was chosen for the old mode: the new mode takes over from here
            self.queue.replace_rest()
            self.queue.waiting = True
            self.batch_changed.emit()
        elif not self.session_ready:
            self.model_state.emit("Find more of: starts with the first batch after embedding")
        self.request_round()

    def set_setting(self, key: str, value) -> None:
        if self.project is None or self.project.meta(key) == value:
            return
        self.project.set_meta({key: value})
        if key == "audit_share" and self.session is not None:
            from desktop_app.ops.loop import audit_share

            self.session.audit_share = audit_share(self.project)
        if key == "k":
            self._open_session()
        else:
            self.queue.prefetched = None
            self.request_round()

    def export(self, out, fmt, with_predictions, overwrite, on_done, on_error, on_progress, only=None) -> None:
        from desktop_app.ops.export import export

        project = self.project
        self.runner.submit("export", lambda p, c: export(project, out, fmt, with_predictions=with_predictions,
                                                         overwrite=overwrite, progress=p, only=only),
                           on_done=on_done, on_error=on_error, on_progress=on_progress)

    def relink(self, new_source: str, force: bool = False) -> str:
        from desktop_app.ops.create import relink

        return relink(self.project, new_source, force=force)
