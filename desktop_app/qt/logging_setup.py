"""Logging for the GUI: desktop_app.logs when the package has it, else a RotatingFileHandler here."""
from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path


def setup_logging() -> Path:
    """Install the log handler once; return the log folder (Help -> Open log folder)."""
    try:
        from desktop_app import logs
    except ImportError:
        logs = None
    if logs is not None:
        return Path(logs.setup_logging(excepthook=True)).parent
    from platformdirs import user_log_dir

    folder = Path(user_log_dir("shoal", appauthor=False))
    root = logging.getLogger()
    if not any(isinstance(h, RotatingFileHandler) for h in root.handlers):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(folder / "shoal.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8")
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            root.addHandler(handler)
            root.setLevel(logging.INFO)
        except OSError:
            pass
    return folder
