"""QThreadPool glue: run a plain function `fn(progress, cancel)` off the GUI thread.

Orange's rule: the long work is a plain function taking a progress callback and a cancel flag;
this module only adapts it to Qt signals. Every request carries a generation number per channel;
a result for a stale generation (a newer request was made, or the channel was cancelled) is dropped.
QtCore only.
"""
from __future__ import annotations

import logging
import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from desktop_app.errors import ShoalError

log = logging.getLogger("shoal.workers")


class _Signals(QObject):
    progress = Signal(str, int, int, int)   # channel, generation, done, total
    finished = Signal(str, int, object)     # channel, generation, result
    failed = Signal(str, int, str, bool)    # channel, generation, message, is_user_error


class CancelFlag:
    def __init__(self):
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def __call__(self) -> bool:
        return self._event.is_set()


class _Task(QRunnable):
    def __init__(self, channel: str, generation: int, fn: Callable, cancel: CancelFlag, signals: _Signals,
                 throttle_s: float = 0.05):
        super().__init__()
        self.setAutoDelete(True)
        self.channel, self.generation, self.fn, self.cancel, self.signals = channel, generation, fn, cancel, signals
        self._throttle, self._last = throttle_s, 0.0

    def _progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last >= self._throttle or done >= total:  # never flood the GUI event queue
            self._last = now
            self.signals.progress.emit(self.channel, self.generation, int(done), int(total))

    def run(self) -> None:
        try:
            result = self.fn(self._progress, self.cancel)
        except ShoalError as e:
            self.signals.failed.emit(self.channel, self.generation, str(e), True)
        except Exception as e:  # noqa: BLE001 - reported to the user as one line, logged in full
            log.error("task %s failed:\n%s", self.channel, traceback.format_exc())
            self.signals.failed.emit(self.channel, self.generation, f"{type(e).__name__}: {e}", False)
        else:
            self.signals.finished.emit(self.channel, self.generation, result)


class TaskRunner(QObject):
    """Named channels of background work. `submit` returns the generation of the request;
    callbacks run on the GUI thread and only for the latest generation of their channel."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(max_threads)
        self._signals = _Signals()
        self._signals.progress.connect(self._on_progress)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._gen: dict[str, int] = {}
        self._live: dict[str, tuple[int, CancelFlag, dict]] = {}
        self._serial = threading.Lock()  # channels marked serial share one lock: one at a time

    def submit(self, channel: str, fn: Callable[[Callable, Callable], Any], on_done: Callable | None = None,
               on_error: Callable | None = None, on_progress: Callable | None = None, serial: bool = False) -> int:
        self.cancel(channel)
        gen = self._gen.get(channel, 0) + 1
        self._gen[channel] = gen
        flag = CancelFlag()
        self._live[channel] = (gen, flag, {"done": on_done, "error": on_error, "progress": on_progress})
        body = fn
        if serial:
            lock = self._serial

            def body(progress, cancel, _fn=fn):
                with lock:
                    if cancel():
                        return None
                    return _fn(progress, cancel)
        self.pool.start(_Task(channel, gen, body, flag, self._signals))
        return gen

    def busy(self, channel: str) -> bool:
        return channel in self._live

    def cancel(self, channel: str) -> None:
        live = self._live.pop(channel, None)
        if live:
            live[1].set()

    def cancel_all(self) -> None:
        for channel in list(self._live):
            self.cancel(channel)

    def wait(self, timeout_ms: int = 30000) -> bool:
        return self.pool.waitForDone(timeout_ms)

    def _current(self, channel: str, gen: int):
        live = self._live.get(channel)
        return live[2] if live and live[0] == gen else None

    @Slot(str, int, int, int)
    def _on_progress(self, channel, gen, done, total):
        cbs = self._current(channel, gen)
        if cbs and cbs["progress"]:
            cbs["progress"](done, total)

    @Slot(str, int, object)
    def _on_finished(self, channel, gen, result):
        cbs = self._current(channel, gen)
        if cbs is None:
            log.debug("dropped stale result of %s #%d", channel, gen)
            return
        del self._live[channel]
        if cbs["done"]:
            cbs["done"](result)

    @Slot(str, int, str, bool)
    def _on_failed(self, channel, gen, message, user_error):
        cbs = self._current(channel, gen)
        if cbs is None:
            return
        del self._live[channel]
        if cbs["error"]:
            cbs["error"](message)
        else:
            log.error("%s failed: %s", channel, message)
