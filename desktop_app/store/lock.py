"""One writer per project file: an advisory lock file beside it, holding the owner's pid and name.

The lock belongs to the file, not to the name it was reached by: its name comes from the project's
real path (symlinks resolved), and a project file with a second hard link is refused (SQLite keeps
its journal by name, so two names would be two databases). The lock file is opened with O_NOFOLLOW:
a lock file replaced by a symlink is refused, never truncated through."""
from __future__ import annotations

import errno
import fcntl
import os
import stat
import time
from pathlib import Path

from desktop_app.errors import ShoalError

_holder = "`shoal`"


def set_holder(name: str) -> None:
    """Who this process is, as another process's refusal names it ("`shoal embed`", "the Shoal desktop app")."""
    global _holder
    _holder = " ".join(str(name).split())[:80]


def lock_path(project_path: Path) -> Path:
    return Path(os.path.realpath(project_path) + ".lock")


def check_links(project_path: Path) -> None:
    try:
        n = os.stat(project_path).st_nlink
    except OSError:
        return
    if n > 1:
        raise ShoalError(f"{project_path} has {n} hard links (other names for the same file); SQLite keeps its "
                         "journal by name, so labels saved through one name would be missing through the other. "
                         "Keep one name (delete the other links) or open a copy")


def holder_of(path: Path) -> tuple[str, str]:
    """(pid, name) written in a lock file, or ("?", "another Shoal process")."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return "?", "another Shoal process"
    try:
        text = os.pread(fd, 256, 0).decode(errors="replace")
    finally:
        os.close(fd)
    pid, _, name = text.partition("\n")
    pid = pid.strip()
    name = "".join(c for c in name.strip() if c.isprintable())[:80]  # the file may be anyone's text
    return (pid if pid.isdigit() else "?"), (name or "another Shoal process")


class ProjectLock:
    def __init__(self, project_path: Path):
        self.project = Path(project_path)
        self.path = lock_path(project_path)
        self._fd: int | None = None

    def acquire(self) -> None:
        check_links(self.project)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        except OSError as e:
            if e.errno == errno.ELOOP:
                raise ShoalError(f"{self.path} is a symbolic link, not Shoal's lock file; Shoal will not write "
                                 "through it: remove it and try again") from None
            raise ShoalError(f"cannot write in {self.path.parent} ({e.strerror or e}): Shoal keeps a lock file "
                             "beside the project; make the folder writable, or use `shoal status` to read it") from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_nlink > 1:  # a hard link to someone's file: never truncate it
            os.close(fd)
            raise ShoalError(f"{self.path} is not Shoal's lock file (a hard link or not a plain file); Shoal will "
                             "not write to it: remove it and try again")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            pid, name = holder_of(self.path)
            for _ in range(20):  # the holder writes its name just after taking the lock: give it a moment
                if pid != "?":
                    break
                time.sleep(0.01)
                pid, name = holder_of(self.path)
            raise ShoalError(f"{self.project.name} is open in {name}, pid {pid}; close it there first "
                             "(read-only commands work meanwhile: status, export, next --peek)") from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(self.path, follow_symlinks=False))
        except OSError:
            same = False
        if not same:
            os.close(fd)  # replaced between open and flock: try once more on the new file
            return self.acquire()
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n{_holder}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None
