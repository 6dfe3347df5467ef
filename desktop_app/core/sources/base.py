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
    size: int | None = None           # file size and mtime (files): a later scan notices a change
    mtime_ns: int | None = None
    inode: int | None = None


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
    """Decode bytes of unknown encoding: BOMs first, UTF-16 without BOM, then UTF-8, then
    Windows-1252/Latin-1. Raises ItemError for bytes that are not text at all (binary data)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data:
        encoding = _utf16_without_bom(data)
        if encoding:
            return data.decode(encoding, errors="replace")
    sample = data[:4096]
    control = sum(sample.count(bytes([c])) for c in _BINARY_BYTES)
    if control > 2 and control * 20 > len(sample):  # text has (almost) no control bytes; binary ~9%
        from desktop_app.errors import ItemError

        raise ItemError("binary data, not text")
    data = data.replace(b"\x00", b"")  # a few stray NUL bytes in real text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


_BINARY_BYTES = [c for c in range(32) if chr(c) not in "\t\n\r\f\v\b\x1b"]


def _utf16_without_bom(data: bytes) -> str | None:
    """Mostly-ASCII UTF-16 has a NUL in every other byte: on odd positions (LE) or even ones (BE)."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > pairs * 0.4 and even < pairs * 0.05:
        return "utf-16-le"
    if even > pairs * 0.4 and odd < pairs * 0.05:
        return "utf-16-be"
    return None
