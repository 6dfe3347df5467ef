"""The one way Shoal reaches an item's file: contained in the source folder, a regular file, bounded.

Every reader of item files (scan, embed, export, GUI previews) goes through `item_file` (where is
it, and may it be read?) and `open_regular` (open it without hanging or following a swap):

* An item path must be relative, without `..`, without hidden parts (the scan never records
  them), and must resolve (symlinks followed) inside the real source folder. A crafted project
  (`source_root = "/"`, an item path `../../etc/passwd`, an absolute path, a symlink in the source
  that points outside it) therefore cannot make Shoal read, copy or hard-link anything else.
* Only regular files are opened: a FIFO named `x.png` would block `open()` forever, a link to
  `/dev/zero` would never end. Opening uses `O_NONBLOCK`, then `fstat` decides.
* Files over a size limit are skipped with their reason, and hashing streams in 1 MiB chunks.
"""
from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from desktop_app.errors import ItemError

MB = 1024 * 1024
DEFAULT_MAX_MB = {"image": 256, "text": 8}  # per file; `shoal new --max-file-mb` changes it
OUTSIDE = "path outside the source folder"
_CHUNK = MB


def max_bytes(kind: str, max_file_mb: float | None = None) -> int:
    mb = DEFAULT_MAX_MB[kind] if max_file_mb is None else max_file_mb
    return int(mb * MB)


def check_root(root: str | os.PathLike | None) -> Path:
    """A source folder Shoal may read under: an absolute path, not the file system root."""
    if not isinstance(root, (str, os.PathLike)) or not str(root):
        raise ItemError("the project records no source folder")
    path = Path(root)
    if not path.is_absolute():
        raise ItemError(f"the recorded source folder {str(root)[:200]!r} is not an absolute path")
    real = Path(os.path.realpath(path))
    if real == Path(real.anchor):
        raise ItemError(f"the recorded source folder {str(root)[:200]!r} is the file system root")
    return real


def item_file(root: str | os.PathLike | None, rel: str | None, extensions: frozenset[str] | None = None) -> Path:
    """The real path of item file `rel` under `root`, or ItemError with the reason it may not be read.
    `extensions`: the only file name endings a scan of this kind records (images: .png, .jpg...)."""
    real_root = check_root(root)
    if not isinstance(rel, str) or not rel or "\x00" in rel:
        raise ItemError("the item has no file path")
    parts = PurePosixPath(rel).parts
    if PurePosixPath(rel).is_absolute() or "\\" in rel or any(p in ("..", ".") or p.startswith(".") for p in parts):
        raise ItemError(OUTSIDE)
    if extensions is not None and os.path.splitext(rel)[1].lower() not in extensions:
        raise ItemError(f"not a file a scan records ({os.path.splitext(rel)[1] or 'no extension'})")
    full = os.path.realpath(os.path.join(real_root, *parts))
    if os.path.commonpath([str(real_root), full]) != str(real_root) or full == str(real_root):
        raise ItemError(f"{OUTSIDE} (a link to {full[:200]})" if os.path.islink(os.path.join(str(root), *parts))
                        else OUTSIDE)
    return Path(full)


def open_regular(path: str | os.PathLike, limit: int | None = None) -> BinaryIO:
    """Open a regular file for reading; anything else (FIFO, device, socket, folder) is refused
    without blocking. `limit`: refuse files larger than this many bytes."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ItemError("file not found") from None
    except PermissionError:
        raise ItemError("cannot read file: Permission denied") from None
    except OSError as e:
        raise ItemError(f"cannot read file: {e.strerror or e}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ItemError(f"not a regular file ({_kind(st.st_mode)})")
        if limit is not None and st.st_size > limit:
            raise ItemError(f"file too large ({st.st_size / MB:.0f} MB; the limit is {limit / MB:.0f} MB, "
                            "see --max-file-mb)")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_all(f: BinaryIO, limit: int | None = None) -> bytes:
    """The whole file (already size-checked by open_regular), refusing one that grows past `limit`."""
    data = f.read() if limit is None else f.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise ItemError(f"file too large (over {limit / MB:.0f} MB, see --max-file-mb)")
    return data


def hash_stream(f: BinaryIO, limit: int | None = None) -> tuple[str, int]:
    """(content id, byte count) of the rest of the file, read in 1 MiB chunks."""
    h = hashlib.blake2b(digest_size=12)
    n = 0
    while chunk := f.read(_CHUNK):
        n += len(chunk)
        if limit is not None and n > limit:
            raise ItemError(f"file too large (over {limit / MB:.0f} MB, see --max-file-mb)")
        h.update(chunk)
    return h.hexdigest(), n


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a plain file"
