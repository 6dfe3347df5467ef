"""ProjectController's embedding and storage methods (a mixin, to keep the controller class small):
start, pause and resume embedding on the engine this computer's settings name (ops/embed_engines.py),
and change how the open project stores its vectors and kNN index (File ▸ Embedding and index…)."""
from __future__ import annotations

import logging
import time

from desktop_app.ops.embed_engines import run_embedding
from desktop_app.qt.settings import embed_choice
from desktop_app.store.project import Project

log = logging.getLogger("shoal.gui")


class EmbeddingControl:
    """Mixed into ProjectController (a QObject): uses its project, runner, signals and _open_session."""

    # ---- embedding ------------------------------------------------------------------------------
    def start_embedding(self) -> None:
        project = self.project
        self.embedding, self._embed_t0 = True, time.perf_counter()
        self.embed_state.emit("running")
        choice = embed_choice()
        self.embedding_on = choice.describe()
        self.runner.submit("embed", lambda p, c: run_embedding(project, choice, progress=p, cancel=c),
                           on_done=self._embedded, on_error=self._embed_failed, on_progress=self._embed_progress)

    def cancel_embedding(self) -> None:
        if self.embedding:
            self.runner.cancel("embed")
            self.embedding = False
            self.embed_state.emit("paused")
            if self.project.counts()["n_embedded"]:
                self._open_session()

    def _embed_progress(self, done: int, total: int) -> None:
        secs = max(time.perf_counter() - self._embed_t0, 1e-6)
        rate = done / secs
        self.embed_progress.emit(done, total, rate, (total - done) / rate if rate > 0 else -1.0)

    def _embedded(self, result: dict) -> None:
        self.embedding = False
        self.last_embed = {**result, "on": self.embedding_on}
        self.embed_state.emit("paused" if result.get("cancelled") else "done")
        log.info("embedding: %s", result)
        self._open_session()

    def _embed_failed(self, message: str) -> None:
        self.embedding = False
        self.embed_state.emit("paused")
        self.error.emit(message)

    # ---- storage: index kind and vector dtype ------------------------------------------------------
    def change_storage(self, index: str | None = None, dtype: str | None = None, on_progress=None,
                       on_done=None) -> None:
        """Keep a new index kind and/or vector dtype and reopen the project so they take effect now: a
        new kind's index is built as the project opens; a dtype change first rewrites the stored vectors
        (one transaction, with the project closed here, so nothing reads them half-way)."""
        path = self.project.path
        if index:
            self.project.set_meta({"index": index})

        def finish(*_) -> None:
            self.open(path)
            if on_done:
                on_done()
        if not dtype:
            finish()
            return
        self.close()

        def rewrite(progress, cancel):
            with Project.open(path) as project:
                return project.set_embedding_dtype(dtype, progress=progress)

        def failed(message: str) -> None:
            finish()
            self.error.emit(message)

        self.runner.submit("rewrite", rewrite, on_done=finish, on_error=failed, on_progress=on_progress)
