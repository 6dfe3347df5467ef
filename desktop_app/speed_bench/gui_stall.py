"""GUI event-loop stall while heavy work runs in a worker thread.

A Qt event loop (QCoreApplication, offscreen) runs a 10 ms QTimer heartbeat on the main
thread, as the app's GUI thread would, while a worker thread (a minimal stand-in for the
app's QThreadPool runners) does the heavy work: refit + select rounds on the big session,
an incremental HNSW add, and text embedding. The stall of a tick is how late it fires;
the figure is the 99th percentile over the whole run.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Callable

import numpy as np

from desktop_app.speed_bench.common import pct

TICK_MS = 10


def measure(jobs: list[tuple[str, Callable[[], None]]]) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QCoreApplication, Qt, QTimer

    app = QCoreApplication.instance() or QCoreApplication([])
    ticks: list[float] = []
    done = threading.Event()
    spent: dict[str, float] = {}
    errors: list[BaseException] = []

    def work():
        try:
            for name, job in jobs:
                t = time.perf_counter()
                job()
                spent[name] = time.perf_counter() - t
        except BaseException as e:  # reported after the loop stops
            errors.append(e)
        finally:
            done.set()

    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)

    def beat():
        ticks.append(time.perf_counter())
        if done.is_set():
            timer.stop()
            app.quit()

    timer.timeout.connect(beat)
    timer.start()
    worker = threading.Thread(target=work, name="bench-worker", daemon=True)
    QTimer.singleShot(0, worker.start)
    app.exec()
    worker.join()
    if errors:
        raise errors[0]
    stall = stalls(ticks)
    return {"gui_stall_p99_ms": pct(stall, 99), "gui_stall_max_ms": float(stall.max()) if len(stall) else None,
            "gui_ticks": int(len(ticks)), "gui_work_s": {k: round(v, 2) for k, v in spent.items()}}


def stalls(ticks) -> np.ndarray:
    """ms each beat of a TICK_MS heartbeat came late, from the beats' perf_counter times."""
    return np.maximum(np.diff(np.asarray(ticks)) * 1000.0 - TICK_MS, 0.0)
