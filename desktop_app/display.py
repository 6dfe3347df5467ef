"""Before the window opens: is there a screen to open it on? One clear line instead of Qt's abort."""
from __future__ import annotations

import ctypes.util
import os
import sys

from desktop_app.errors import ShoalError

# what Qt 6.5+'s xcb plugin loads besides libxcb itself (a missing one aborts the process in qFatal)
XCB_LIBRARIES = ("xcb-cursor", "xkbcommon-x11", "xcb-icccm", "xcb-keysyms", "xcb-shape")
APT_LINE = "sudo apt-get install libxcb-cursor0 libxkbcommon-x11-0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libegl1"


def display_problem(env: dict[str, str] | None = None, platform: str | None = None,
                    find=ctypes.util.find_library) -> str | None:
    """Why the desktop window cannot open here, or None when it can (or when Qt is told what to use)."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None  # macOS/Windows always have a screen; a chosen platform plugin is the user's call
    if env.get("WAYLAND_DISPLAY"):
        return None
    if not env.get("DISPLAY"):
        return ("no screen to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set): run it in a "
                "desktop session (or ssh -X, or xvfb-run); every step is also a command: shoal --help")
    if find("xcb") is None:
        return f"Qt's X11 plugin needs libxcb, not installed here: {APT_LINE}"
    missing = [name for name in XCB_LIBRARIES if find(name) is None]
    if missing:
        libs = ", ".join(f"lib{name}" for name in missing)
        return f"Qt's X11 plugin needs {libs}, not installed here: {APT_LINE}"
    if not can_connect(env["DISPLAY"]):
        return (f"cannot reach the X display {env['DISPLAY']!r} (DISPLAY): is the desktop session running, "
                "and is this user allowed on it? Every step is also a command: shoal --help")
    return None


def can_connect(display: str) -> bool:
    """Whether libxcb can open the X display (the same call Qt's xcb plugin makes first)."""
    path = ctypes.util.find_library("xcb")
    if path is None:
        return False
    xcb = ctypes.CDLL(path)
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    conn = xcb.xcb_connect(display.encode(), None)
    try:
        return conn is not None and xcb.xcb_connection_has_error(conn) == 0
    finally:
        if conn is not None:
            xcb.xcb_disconnect(conn)


def require_display() -> None:
    problem = display_problem()
    if problem:
        raise ShoalError(problem)
