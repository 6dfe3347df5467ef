"""Logging to a rotating file under the user log dir (see paths.user_log_dir).

Call ``setup_logging()`` once at start-up (GUI and CLI); it returns the log file's path, which the GUI's
Help -> "Open log folder" shows. Calling it again is harmless: the handler is installed once per file.
"""
from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from desktop_app import paths

LOG_NAME = "shoal.log"
MAX_BYTES = 1_000_000
BACKUPS = 3
FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s] %(message)s"

_MARK = "_shoal_handler"


def log_file() -> Path:
    return paths.user_log_dir(create=False) / LOG_NAME


def log_dir() -> Path:
    return paths.user_log_dir(create=False)


def setup_logging(level: int | str | None = None, *, console: bool = False, max_bytes: int = MAX_BYTES,
                  backups: int = BACKUPS, excepthook: bool = False) -> Path:
    """Send the root logger to ``<user log dir>/shoal.log`` (rotating: max_bytes x backups).

    level: default INFO, or the SHOAL_LOG_LEVEL environment variable (DEBUG, INFO, WARNING...).
    console: also log WARNING and above to stderr.
    excepthook: also log uncaught exceptions (the GUI wants this; the CLI prints its own errors).
    If the log folder cannot be written, logging falls back to stderr and the intended path is returned.
    """
    level = level or os.environ.get("SHOAL_LOG_LEVEL", "INFO")
    if isinstance(level, str):
        level = logging.getLevelName(level.upper())
        if not isinstance(level, int):
            level = logging.INFO
    root = logging.getLogger()
    root.setLevel(level)
    path = log_file()
    if not any(getattr(h, _MARK, None) == str(path) for h in root.handlers):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler: logging.Handler = logging.handlers.RotatingFileHandler(
                path, maxBytes=max_bytes, backupCount=backups, encoding="utf-8", delay=False)
        except OSError as e:  # read-only home, full disk: never stop the app for its log
            handler = logging.StreamHandler(sys.stderr)
            print(f"shoal: cannot write the log at {path} ({e.strerror}); logging to stderr", file=sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        setattr(handler, _MARK, str(path))
        root.addHandler(handler)
        if console:
            stream = logging.StreamHandler(sys.stderr)
            stream.setLevel(logging.WARNING)
            stream.setFormatter(logging.Formatter("shoal: %(levelname)s: %(message)s"))
            setattr(stream, _MARK, "console")
            root.addHandler(stream)
        logging.captureWarnings(True)
        from desktop_app import __version__

        logging.getLogger("shoal").info("shoal %s, Python %s, %s%s", __version__, sys.version.split()[0],
                                        sys.platform, " (bundle)" if getattr(sys, "frozen", False) else "")
    if excepthook:
        _install_excepthook()
    return path


def _install_excepthook() -> None:
    previous = sys.excepthook

    def hook(exc_type, exc, tb):
        if not issubclass(exc_type, KeyboardInterrupt):
            logging.getLogger("shoal").critical("uncaught exception", exc_info=(exc_type, exc, tb))
        previous(exc_type, exc, tb)

    if getattr(sys.excepthook, "_shoal", False):
        return
    hook._shoal = True  # type: ignore[attr-defined]
    sys.excepthook = hook


def shutdown_logging() -> None:
    """Close and remove the handlers setup_logging added (tests; clean exit)."""
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, _MARK, None):
            root.removeHandler(h)
            h.close()
