"""The app's own round on a real project, in the real GUI (offscreen): open it, answer three batches
from the truth file the way the label buttons do, and report what a person waits for.

    QT_QPA_PLATFORM=offscreen PACE=1.0 python -m desktop_app.speed_bench.gui_project P.shoal truth.npy out.png

`shoal bench` times the session's round (refit + selection); this adds what the app does around it
(stopping signals, saving, SQLite) and the GUI thread. PACE: seconds per answer over each batch's last
five items (a person's pace; the mid-batch round runs then); 0.02 answers at machine speed. Prints one
JSON line: open -> first item, the wait after each batch, the event loop's stalls (gui_stall's heartbeat), peak
RSS; writes a screenshot and one taken 3 s into the first wait. Settings and logs go to a temporary home.
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from desktop_app.speed_bench.common import pct, peak_rss_mb
from desktop_app.speed_bench.gui_stall import TICK_MS, stalls


def main(argv: list[str]) -> int:
    project, truth, out = Path(argv[0]), np.load(argv[1]), Path(argv[2])
    home = Path(tempfile.mkdtemp(prefix="shoal-gui-bench-"))
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        os.environ[var] = str(home / var.lower())
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    pace = float(os.environ.get("PACE", "0.02"))
    from PySide6.QtCore import QEventLoop, Qt, QTimer

    from desktop_app.app import main_window, make_app

    app = make_app(["shoal"])
    app.setStyle("Fusion")

    def spin(s: float) -> None:
        loop = QEventLoop()
        QTimer.singleShot(int(s * 1000), loop.quit)
        loop.exec()

    def wait(cond, timeout: float = 600.0) -> None:
        t = time.monotonic()
        while not cond():
            if time.monotonic() - t > timeout:
                raise TimeoutError("the app did not get there in time")
            spin(0.02)

    ticks: list[float] = []  # the event loop's heartbeat, as speed_bench.gui_stall measures it
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(TICK_MS)
    w = main_window()
    w.resize(1280, 800)
    w.show()
    res: dict = {"pace_s": pace}
    t0 = time.perf_counter()
    w.flows.open_path(str(project))
    wait(lambda: w.pc.project is not None and w.pc.session_ready and w.pc.current() is not None)
    res["open_to_first_item_s"] = time.perf_counter() - t0
    ids = {lab["name"]: lab["id"] for lab in w.pc.project.label_set()}
    waits = []
    for b in range(3):
        for i in range(20):
            wait(lambda: w.pc.current() is not None)
            cur = w.pc.current()
            w.lc._answer(None, ids[f"class {truth[cur.idx]}"], "labeled", "label")  # what a label button does
            spin(pace if i >= 15 else 0.02)
        t1 = time.perf_counter()
        if b == 0:
            spin(3.0)
            w.grab().save(str(out.with_name(out.stem + "-waiting.png")))
        wait(lambda: not w.pc.runner.busy("round") and w.pc.current() is not None)
        waits.append(time.perf_counter() - t1)
    res["after_batch_wait_s"] = waits
    late = stalls(ticks)
    res.update(stall_p99_ms=pct(late, 99), stall_max_ms=float(late.max()), peak_rss_mb=peak_rss_mb(), screenshot=str(out))
    spin(1.0)
    w.grab().save(str(out))
    print(json.dumps(res))
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
