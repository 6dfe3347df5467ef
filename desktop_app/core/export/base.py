"""What an exporter receives, and the safe-name rule for anything that becomes a path."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                    *(f"{d}{i}" for d in ("COM", "LPT") for i in [*range(10), "¹", "²", "³"])}


@dataclass
class ExportData:
    kind: str                              # "image" | "text"
    source_root: Path | None             # image projects: where the files are
    rows: list[dict]                       # id, path, text, label, labeled_at (+ prediction, confidence)
    labels: list[str]                      # the label set, in digit order
    embeddings: np.ndarray | None = None   # rows aligned with `rows`, for formats that carry them
    head: dict[str, np.ndarray] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)


def safe_name(name: str, max_len: int = 80, max_bytes: int = 200) -> str:
    """A file/folder name that cannot escape its parent on any OS and stays readable.

    Path separators, control and Windows-forbidden characters become "_", leading/trailing dots and
    spaces go, reserved device names (CON, NUL, COM1...) get a "_" prefix, and the result fits both
    `max_len` characters and `max_bytes` UTF-8 bytes (file systems limit names to 255 bytes). Any
    change appends a digest of the original, so distinct names stay distinct."""
    s = unicodedata.normalize("NFC", str(name))
    s = re.sub(r'[\x00-\x1f\x7f<>:"/\\|?*]', "_", s).strip().strip(".").strip()
    s = s.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot be file names
    if not s or s in {".", ".."}:
        s = "_"
    if s.split(".")[0].strip().upper() in WINDOWS_RESERVED:
        s = "_" + s
    if len(s) > max_len or len(s.encode()) > max_bytes or s != name:  # changed: keep distinct names distinct
        digest = hashlib.blake2b(str(name).encode("utf-8", "surrogatepass"), digest_size=4).hexdigest()
        s = s[: max_len - 9]
        while len(s.encode()) > max_bytes - 9:
            s = s[:-1]
        s = f"{s}-{digest}"
    return s


RESERVED_IN_EXPORT = {"labels.json"}  # files an export writes next to the label folders


def folder_names(labels: list[str]) -> dict[str, str]:
    """label -> unique safe folder name (the reverse mapping is written into the export)."""
    out: dict[str, str] = {}
    used: set[str] = set(RESERVED_IN_EXPORT)
    for label in labels:
        name = safe_name(label)
        while name.lower() in used:
            name = safe_name(name + "_")
        used.add(name.lower())
        out[label] = name
    return out
