"""What an exporter receives, and the safe-name rule for anything that becomes a path."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


@dataclass
class ExportData:
    kind: str                              # "image" | "text"
    source_root: Path
    rows: list[dict]                       # id, path, text, label, labeled_at (+ prediction, confidence)
    labels: list[str]                      # the label set, in digit order
    embeddings: np.ndarray | None = None   # rows aligned with `rows`, for formats that carry them
    head: dict[str, np.ndarray] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def safe_name(name: str, max_len: int = 80) -> str:
    """A file/folder name that cannot escape its parent on any OS and stays readable."""
    s = unicodedata.normalize("NFC", str(name))
    s = re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]', "_", s).strip().strip(".")
    if not s or s in {".", ".."}:
        s = "_"
    if s.split(".")[0].upper() in WINDOWS_RESERVED:
        s = "_" + s
    if len(s) > max_len or s != name:  # changed: add a digest so distinct names stay distinct
        digest = hashlib.blake2b(str(name).encode(), digest_size=4).hexdigest()
        s = f"{s[: max_len - 9]}-{digest}"
    return s


def folder_names(labels: list[str]) -> dict[str, str]:
    """label -> unique safe folder name (the reverse mapping is written into the export)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    for label in labels:
        name = safe_name(label)
        while name.lower() in used:
            name = safe_name(name + "_")
        used.add(name.lower())
        out[label] = name
    return out
