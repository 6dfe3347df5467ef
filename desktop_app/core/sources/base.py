"""What a source reader yields: one record per item, with a stable id."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator


@dataclass
class ItemRecord:
    uid: str                          # stable across re-scans: content hash or source row id
    path: str | None = None           # relative to the source root (files)
    text: str | None = None           # the text, for text items
    label: str | None = None          # a label the source already gives
    skip_reason: str | None = None    # set when the item cannot be used


@dataclass
class SourceOptions:
    kind: str | None = None           # "image" | "text"; inferred when None
    text_column: str | None = None
    label_column: str | None = None
    id_column: str | None = None
    labels_from_folders: bool = False


@dataclass
class Scan:
    kind: str
    root: Path                        # files are stored relative to this
    records: Iterator[ItemRecord]
    reader: str = ""
    notes: list[str] = field(default_factory=list)


def content_id(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def text_id(text: str) -> str:
    return content_id(text.encode("utf-8", "surrogatepass"))


def decode_text(data: bytes) -> str:
    """Decode bytes of unknown encoding: BOMs first, then UTF-8, then Windows-1252/Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")
