"""Cyclic garbage is collected on the GUI thread only.

Python's collector runs in whichever thread happens to allocate past its threshold; when that is a worker
thread and the garbage holds Qt objects (a closed window, a dialog), PySide defers their deletion to the GUI
thread, which then destroys them while holding the GIL. A worker emitting a signal at that moment holds one of
Qt's signal-slot mutexes and waits for the GIL: both threads wait for ever (seen in the test suite, py-spy:
main thread in QObject::~QObject -> QBasicMutex::lockInternal, worker waiting for the GIL). The usual remedy for
PyQt/PySide programs: turn automatic collection off and collect from a timer on the GUI thread."""
from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500


class GarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS):
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds, as the automatic collector would."""
        c0, c1, c2 = gc.get_count()
        if c0 > self.threshold[0]:
            gc.collect(0)
            if c1 > self.threshold[1]:
                gc.collect(1)
                if c2 > self.threshold[2]:
                    gc.collect(2)


_installed: GarbageCollector | None = None


def install(app: QObject) -> GarbageCollector:
    """Once per process, on the QApplication (call from the GUI thread)."""
    global _installed
    if _installed is None:
        _installed = GarbageCollector(app)
    return _installed
