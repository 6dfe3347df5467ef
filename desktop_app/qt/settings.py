"""QSettings helpers: recent projects, window geometry, one-time hints."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

MAX_RECENT = 10


def settings() -> QSettings:
    return QSettings()


def recent_projects() -> list[str]:
    value = settings().value("recent", [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or [])]


def add_recent(path: str | Path) -> None:
    path = str(Path(path).resolve())
    items = [p for p in recent_projects() if p != path]
    settings().setValue("recent", [path, *items][:MAX_RECENT])


def remove_recent(path: str) -> None:
    settings().setValue("recent", [p for p in recent_projects() if p != path])


def flag(name: str) -> bool:
    return str(settings().value(name, "false")).lower() == "true"


def set_flag(name: str, value: bool = True) -> None:
    settings().setValue(name, "true" if value else "false")
