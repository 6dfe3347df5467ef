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


def embed_choice():
    """Where this computer's Shoal embeds (File ▸ Embedding and index…): a machine setting, not a project's."""
    from desktop_app.core.embedding.device import DEVICES
    from desktop_app.ops.embed_engines import ENGINES, EngineChoice

    s = settings()
    engine = str(s.value("embed/engine", "local"))
    device = str(s.value("embed/device", "auto"))
    address = str(s.value("embed/address", "") or "").strip() or None
    try:
        workers = int(s.value("embed/workers", 0) or 0) or None
    except (TypeError, ValueError):
        workers = None
    return EngineChoice(engine=engine if engine in ENGINES else "local",
                        device=device if device in DEVICES else "auto",
                        address=address, workers=workers)


def set_embed_choice(choice) -> None:
    s = settings()
    s.setValue("embed/engine", choice.engine)
    s.setValue("embed/device", choice.device)
    s.setValue("embed/address", choice.address or "")
    s.setValue("embed/workers", choice.workers or 0)
