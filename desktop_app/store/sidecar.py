"""Files Shoal keeps beside a project (its cache): written so that a planted link is never followed.

Every write goes to a fresh temp file (O_CREAT|O_EXCL|O_NOFOLLOW: never an existing file or link) and
is renamed over the final name, which replaces a link itself, never its target. A cache file that is
a link is never read (a cache is derived: it is rebuilt, and the new file replaces the link). A full
disk is one ShoalError line and leaves no partial temp file."""
from __future__ import annotations

import errno
import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from desktop_app.errors import ShoalError


def plain(path: Path) -> Path:
    """path, unless it is a symbolic link: then OSError (treated as a missing cache file, never followed;
    the rebuilt file is renamed over the link, which replaces the link itself)."""
    if os.path.islink(path):
        raise OSError(errno.ELOOP, "a cache file is a symbolic link; not followed", str(path))
    return Path(path)


def write_file(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write path atomically through `write(f)`; no partial file survives an error."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except OSError as e:
        raise _problem(e, path) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise _problem(e, path) from None
        raise


def _problem(e: OSError, path: Path) -> ShoalError:
    if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return ShoalError(f"cannot write {path}: the disk is full; free some space and try again (nothing was changed)")
    return ShoalError(f"cannot write {path}: {e.strerror or e}")


def write_json(path: Path, obj: Any) -> None:
    data = json.dumps(obj).encode()
    write_file(path, lambda f: f.write(data))


def read_json(path: Path) -> Any:
    """The JSON in a cache file; OSError/ValueError when missing, a link (not followed) or damaged."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        return json.loads(f.read(1 << 20))


def save_npy(path: Path, array: np.ndarray) -> None:
    write_file(path, lambda f: np.save(f, array, allow_pickle=False))


def load_npy(path: Path, mmap: bool = False) -> np.ndarray:
    path = plain(path)
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "no cache file", str(path))
    return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)


# ---- stamped caches: NAME.npy with NAME.json {"stamp": ...} beside it --------------------------------
def read_stamped(path: Path, stamp: str, valid: Callable[[np.ndarray], bool], mmap: bool = False) -> np.ndarray | None:
    """The array cached at `path` when the stamp beside it is `stamp` and valid(array) holds; None when it
    is missing, a link, damaged, stale or fails the check (the caller rebuilds it)."""
    try:
        if read_json(_stamp_of(path))["stamp"] != stamp:
            return None
        arr = load_npy(path, mmap=mmap)
        return arr if valid(arr) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_stamped(path: Path, stamp: str, array: np.ndarray | None = None,
                  write: Callable[[BinaryIO], object] | None = None) -> None:
    """Cache an array at `path` (np.save of `array`, or `write(f)` streaming the .npy), then its stamp.
    The old stamp goes first, so a cache torn between the two writes is never taken for current."""
    stamp_path = _stamp_of(path)
    stamp_path.unlink(missing_ok=True)  # a link: removed, not followed
    if write is None:
        data = np.asarray(array)

        def write(f) -> None:
            np.save(f, data, allow_pickle=False)
    write_file(path, write)
    write_json(stamp_path, {"stamp": stamp})


def _stamp_of(path: Path) -> Path:
    return Path(path).with_suffix(".json")
