"""Small helpers shared by the benchmark parts: timing, peak memory, percentiles."""
from __future__ import annotations

import json
import os
import resource
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far: VmHWM (reset by exec, unlike ru_maxrss,
    which a child started by a big parent inherits)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def reset_peak_rss() -> None:
    """Start VmHWM afresh (Linux: 5 > /proc/self/clear_refs), so one process can measure the
    peak of two phases in turn; where it cannot be reset the figure stays the process's peak."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def current_rss_mb() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return float("nan")


def pct(values, q: float) -> float | None:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if len(values) else None


@contextmanager
def stopwatch(out: dict, key: str):
    t = time.perf_counter()
    try:
        yield
    finally:
        out[key] = out.get(key, 0.0) + time.perf_counter() - t


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def write_result(res: dict, json_path=None) -> int:
    """End of a sweep: add peak RSS and the closing load average, print the figures as JSON, and write
    them to json_path when given; returns the exit code 0."""
    res["peak_rss_mb"] = round(peak_rss_mb())
    res["loadavg_end"] = round(os.getloadavg()[0], 2)
    text = json.dumps(res, indent=1)
    print(text)
    if json_path:
        Path(json_path).write_text(text)
    return 0


def read_through(path, block: int = 64 << 20) -> float:
    """Read a file once, front to back (into the OS page cache); return the seconds it took. The rounds
    read scattered embedding rows; on a laptop the file is cached from when it was written, but this VM's
    kernel pages out memory not touched for a minute (DAMON reclaim), so the bench warms it first."""
    t = time.perf_counter()
    with open(path, "rb", buffering=0) as f:
        buf = bytearray(block)
        while f.readinto(buf):
            pass
    return time.perf_counter() - t
