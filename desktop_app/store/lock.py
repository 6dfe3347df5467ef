"""One writer per project file: an advisory lock file beside it, holding the owner's pid."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from desktop_app.errors import ShoalError


class ProjectLock:
    def __init__(self, project_path: Path):
        self.path = Path(str(project_path) + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise ShoalError(f"cannot write in {self.path.parent} ({e.strerror or e}): Shoal keeps a lock file "
                             "beside the project; make the folder writable, or use `shoal status` to read it") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            finally:
                os.close(fd)
            raise ShoalError(f"project is open in another Shoal window (pid {pid}); close it there first") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None
