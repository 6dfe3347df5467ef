"""Work-arounds for bugs of the installed Qt binding (QtCore only).

PySide6 6.12.0 on CPython 3.11: `SignalInstance.emit()` returns True without taking a new reference,
so every emit made from Python steals one reference from the `True` singleton. After a few thousand
emits (progress updates, pyqtgraph repaints) the count reaches zero and Python aborts with
"Fatal Python error: bool_dealloc". CPython 3.12+ makes True/False immortal, so only older
interpreters need help: when a probe shows the leak, give True/False a reference count that
no session can exhaust (bools are never freed anyway)."""
from __future__ import annotations

import sys

_done = False


def emit_steals_bool_reference() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.ping.emit()
    return sys.getrefcount(True) < before


def guard_bool_refcounts() -> bool:
    """Apply the work-around once, if needed; returns whether it was applied."""
    global _done
    if _done or sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    _done = True
    if not emit_steals_bool_reference():
        return False
    import ctypes

    for obj in (True, False):
        ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40  # ob_refcnt is the first field
    return True


guard_bool_refcounts()
