"""Where the shipped resources (models, demo sample) live, installed or in a checkout."""
from __future__ import annotations

from pathlib import Path


def resources_dir() -> Path:
    try:
        import desktop_app.resources as res  # mapped from the repo's top-level resources/

        return Path(res.__file__).parent
    except ImportError:  # running from a checkout without install
        return Path(__file__).resolve().parent.parent / "resources"


def resource(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)
