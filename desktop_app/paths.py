"""Per-user folders for Shoal, via platformdirs (XDG on Linux, the platform's own places elsewhere).

    data    ~/.local/share/shoal     demo projects and other things Shoal creates for the user
    config  ~/.config/shoal          settings (the GUI's QSettings file lives here too)
    cache   ~/.cache/shoal           rebuildable caches
    log     ~/.local/state/shoal/log rotating log files (Help -> Open log folder)

Each function creates its folder unless ``create=False``. No Qt here: the CLI and the core use it too.
Tests isolate it by pointing XDG_DATA_HOME / XDG_CONFIG_HOME / XDG_CACHE_HOME / XDG_STATE_HOME at a tmp dir.
"""
from __future__ import annotations

from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "shoal"


def _dirs() -> PlatformDirs:
    # built per call so XDG_* changes (tests, a user's shell) are honoured; cheap
    return PlatformDirs(APP_NAME, appauthor=False)


def _ensure(path: str | Path, create: bool) -> Path:
    path = Path(path)
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path


def user_data_dir(create: bool = True) -> Path:
    return _ensure(_dirs().user_data_dir, create)


def user_config_dir(create: bool = True) -> Path:
    return _ensure(_dirs().user_config_dir, create)


def user_cache_dir(create: bool = True) -> Path:
    return _ensure(_dirs().user_cache_dir, create)


def user_log_dir(create: bool = True) -> Path:
    return _ensure(_dirs().user_log_dir, create)


def demo_dir(create: bool = True) -> Path:
    """Where `shoal demo` keeps its demo projects (the shipped sample itself stays read-only)."""
    return _ensure(user_data_dir(create) / "demo", create)


def all_dirs() -> dict[str, Path]:
    """name -> folder, without creating anything (for `--help` text, diagnostics, bug reports)."""
    return {"data": user_data_dir(False), "config": user_config_dir(False), "cache": user_cache_dir(False),
            "log": user_log_dir(False)}
