"""What a source reader yields: one record per item, with a stable id."""
from __future__ import annotations

import hashlib
import io
import re
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
    source_id: str | None = None      # the source's own id (an id column), verbatim; None when it has none

    size: int | None = None           # file size and mtime (files): a later scan notices a change
    mtime_ns: int | None = None
    inode: int | None = None

    @property
    def shown_id(self) -> str:
        """The id a user sees: the source's own, else the content hash (or path) uid."""
        return self.source_id if self.source_id is not None else self.uid


@dataclass
class SourceOptions:
    kind: str | None = None           # "image" | "text"; inferred when None
    text_column: str | None = None
    label_column: str | None = None
    id_column: str | None = None
    labels_from_folders: bool = False
    encoding: str | None = None       # fallback for rows/lines that are not UTF-8 (default: cp1252)
    max_file_mb: float | None = None  # per file in a folder (default: 256 images, 8 texts)


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


def decode_text(data: bytes, fallback: str | None = None) -> str:
    """Decode one text file of unknown encoding: BOMs first, UTF-16 without BOM, then line by line
    UTF-8, else `fallback` (default Windows-1252, then Latin-1), so one odd line does not garble
    the rest. Raises ItemError for bytes that are not text at all (binary data)."""
    data = data.removeprefix(b"\xef\xbb\xbf")  # UTF-8 BOM
    whole = _whole_unicode(data)
    if whole is not None:
        return whole
    sample = data[:4096]
    control = sum(sample.count(bytes([c])) for c in _BINARY_BYTES)
    if control > 2 and control * 20 > len(sample):  # text has (almost) no control bytes; binary ~9%
        from desktop_app.errors import ItemError

        raise ItemError("binary data, not text")
    data = data.replace(b"\x00", b"")  # a few stray NUL bytes in real text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return "".join(_decode_line(line, fallback) or line.decode("latin-1")
                       for line in data.splitlines(keepends=True))


def decode_lines(data: bytes, fallback: str | None = None) -> tuple[list[str], dict[int, str]]:
    """A table or line file, decoded line by line: (lines with their line ends, {line number: why
    it was dropped}). A dropped line (binary bytes; not UTF-8 nor the declared `fallback`) stays
    in the list as an empty line, so line numbers and the lines around it are unchanged. NUL bytes
    in a line are removed. Raises ItemError when no line at all is text."""
    from desktop_app.errors import ItemError

    data = data.removeprefix(b"\xef\xbb\xbf")  # UTF-8 BOM
    whole = _whole_unicode(data)
    if whole is not None:
        return io.StringIO(whole, newline="").readlines(), {}
    data = data.replace(b"\x00", b"")
    if not _BINARY_RE.search(data):  # the common case: one fast decode
        try:
            return io.StringIO(data.decode("utf-8"), newline="").readlines(), {}
        except UnicodeDecodeError:
            pass
    lines: list[str] = []
    bad: dict[int, str] = {}
    for no, raw in enumerate(data.splitlines(keepends=True), start=1):
        line = None if _binary(raw) else _decode_line(raw, fallback)
        if line is None:
            bad[no] = "binary data, not text" if _binary(raw) else f"neither UTF-8 nor {fallback}"
            line = "\n"
        lines.append(line)
    if bad and not any(line.strip() for line in lines):
        raise ItemError("binary data, not text")
    return lines, bad


def check_encoding(name: str | None) -> None:
    if name is None:
        return
    import codecs

    from desktop_app.errors import ShoalError

    try:
        codecs.lookup(name)
    except LookupError:
        raise ShoalError(f"unknown text encoding {name!r} (try cp1252, latin-1, shift_jis, gb18030...)") from None


def _decode_line(raw: bytes, fallback: str | None) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode(fallback or "cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined: Latin-1 reads every byte. A declared encoding that
        # does not fit is reported instead of guessed around.
        return None if fallback else raw.decode("latin-1")


def _whole_unicode(data: bytes) -> str | None:
    """Text whose encoding the file itself declares (BOM) or shows (UTF-16 without BOM)."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    if b"\x00" in data:
        encoding = _utf16_without_bom(data)
        if encoding:
            return data.decode(encoding, errors="replace")
    return None


def _binary(raw: bytes) -> bool:
    control = len(_BINARY_RE.findall(raw))
    return control > 2 and control * 20 > len(raw)


_BINARY_BYTES = [c for c in range(32) if chr(c) not in "\t\n\r\f\v\b\x1b"]
_BINARY_RE = re.compile(b"[" + b"".join(re.escape(bytes([c])) for c in _BINARY_BYTES if c) + b"]")


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
