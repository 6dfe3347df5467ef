"""`shoal gui` / `shoal demo` without a usable screen: one line and exit 2, never Qt's abort."""
from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
import time

import pytest

from desktop_app.display import display_problem


def _shoal(args, env):
    return subprocess.run([sys.executable, "-m", "desktop_app", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(extra)
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY is a Linux/X11 matter")
@pytest.mark.parametrize("extra, words", [({}, "no screen to open the window on"),
                                          ({"DISPLAY": ":97"}, "cannot reach the X display ':97'")])
def test_demo_without_a_screen_says_so_in_one_line(extra, words):
    done = _shoal(["demo", "--kind", "text"], _env(**extra))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], done.stderr
    assert "Traceback" not in done.stderr and "qt.qpa" not in done.stderr


def test_a_missing_xcb_library_is_named_with_the_install_line():
    lookup = {"xcb-cursor": None}
    problem = display_problem({"DISPLAY": ":0"}, "linux",
                              find=lambda name: lookup.get(name, ctypes.util.find_library(name) or "lib.so"))
    assert "libxcb-cursor" in problem and "apt-get install libxcb-cursor0" in problem


def test_a_chosen_platform_plugin_or_another_system_is_left_to_qt():
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "darwin") is None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb (apt xvfb; .ci/run installs it)")
def test_a_running_x_server_is_accepted():
    server = subprocess.Popen(["Xvfb", ":96", "-screen", "0", "640x480x24"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if os.path.exists("/tmp/.X11-unix/X96"):
                break
            time.sleep(0.1)
        assert display_problem({"DISPLAY": ":96"}, "linux") is None
    finally:
        server.terminate()
        server.wait(10)
