"""Folders of files: images, or .txt/.md texts (one item per file)."""
from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from desktop_app.core.sources.base import ItemRecord, SourceOptions, content_id, decode_text
from desktop_app.core.sources.item_files import hash_stream, item_file, max_bytes, open_regular, read_all
from desktop_app.errors import ItemError

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
TEXT_EXTENSIONS = frozenset({".txt", ".md"})


def walk_files(root: Path, extensions: frozenset[str]) -> Iterator[Path]:
    """Files under root with one of the extensions, sorted, never following symlinked folders."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=lambda e: None):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in extensions:
                yield Path(dirpath) / name


def count_kinds(root: Path, limit: int = 2000) -> tuple[int, int]:
    images = texts = 0
    for i, p in enumerate(walk_files(root, IMAGE_EXTENSIONS | TEXT_EXTENSIONS)):
        if i >= limit:
            break
        if p.suffix.lower() in IMAGE_EXTENSIONS:
            images += 1
        else:
            texts += 1
    return images, texts


def _folder_label(rel: Path, options: SourceOptions) -> str | None:
    return rel.parts[0] if options.labels_from_folders and len(rel.parts) > 1 else None


def _read(path: Path, root: Path, kind: str, options: SourceOptions,
          keep: bool) -> tuple[str | None, bytes | None, str | None]:
    """(content id, the bytes when `keep`, problem): the file is read only if it is a contained,
    regular file under the size limit; its hash is streamed, so a huge file never sits in memory."""
    limit = max_bytes(kind, options.max_file_mb)
    try:
        with open_regular(item_file(root, _relative(path, root)), limit) as f:
            if keep:
                data = read_all(f, limit)
                uid, n = content_id(data), len(data)
            else:
                data = None
                uid, n = hash_stream(f, limit)
    except ItemError as e:
        return None, None, str(e)
    except OSError as e:
        return None, None, f"cannot read file: {e.strerror or e}"
    if n == 0:
        return None, None, "empty file (0 bytes)"
    return uid, data, None


def _stat(path: Path) -> tuple[int | None, int | None, int | None]:
    try:
        st = path.stat()
        return st.st_size, st.st_mtime_ns, st.st_ino
    except OSError:
        return None, None, None


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _bad_name(path: Path, root: Path) -> ItemRecord | None:
    """A file name that is not valid UTF-8 cannot be stored (nor shown): skip it, with the reason."""
    rel = _relative(path, root)
    try:
        rel.encode("utf-8")
        return None
    except UnicodeEncodeError:
        shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return ItemRecord(uid="badname:" + content_id(os.fsencode(path)), path=shown,
                          skip_reason="file name is not valid UTF-8; rename the file to use it")


Known = Mapping[str, tuple[tuple[int, int, int], str]]  # path -> ((size, mtime_ns, inode), uid) seen before


def _unchanged(rel: str, stat, options: SourceOptions, known: Known | None) -> ItemRecord | None:
    """A file with the size, mtime and inode an earlier scan saw keeps that scan's uid, unread (as git
    does; a rename or a swap changes the inode at a path, a rewrite the mtime)."""
    seen = known.get(rel) if known and stat[0] is not None else None
    if seen is None or seen[0] != stat:
        return None
    return ItemRecord(uid=seen[1], path=rel, label=_folder_label(Path(rel), options), size=stat[0],
                      mtime_ns=stat[1], inode=stat[2])


def image_records(root: Path, options: SourceOptions, known: Known | None = None) -> Iterator[ItemRecord]:
    for path in walk_files(root, IMAGE_EXTENSIONS):
        if bad := _bad_name(path, root):
            yield bad
            continue
        rel = _relative(path, root)
        size, mtime, inode = stat = _stat(path)
        if same := _unchanged(rel, stat, options, known):
            yield same
            continue
        uid, _, problem = _read(path, root, "image", options, keep=False)
        uid = uid or "path:" + rel
        yield ItemRecord(uid=uid, path=rel, label=_folder_label(Path(rel), options), skip_reason=problem,
                         size=size, mtime_ns=mtime, inode=inode)


def text_file_records(root: Path, options: SourceOptions, known: Known | None = None) -> Iterator[ItemRecord]:
    for path in walk_files(root, TEXT_EXTENSIONS):
        if bad := _bad_name(path, root):
            yield bad
            continue
        rel = _relative(path, root)
        size, mtime, inode = stat = _stat(path)
        if same := _unchanged(rel, stat, options, known):
            yield same
            continue
        uid, data, problem = _read(path, root, "text", options, keep=True)
        try:
            text = decode_text(data, options.encoding) if data else None
        except ItemError as e:
            text, problem = None, str(e)
        if text is not None and not text.strip():
            text, problem = None, "empty text"
        uid = uid or "path:" + rel
        yield ItemRecord(uid=uid, path=rel, text=text, label=_folder_label(Path(rel), options), skip_reason=problem,
                         size=size, mtime_ns=mtime, inode=inode)
