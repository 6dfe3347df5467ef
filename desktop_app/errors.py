"""Errors a user can cause. The CLI prints them as one line; the GUI shows them in a dialog."""


class ShoalError(Exception):
    """A problem the user can fix (bad path, bad option, bad project file)."""


class ItemError(ShoalError):
    """One item cannot be read or encoded; it is skipped and the reason recorded."""


class ProjectFileError(ShoalError):
    """The project file itself failed (an SQLite error, worded once in store/ by `sqlite_error`)."""


class ProjectBusy(ProjectFileError):
    """Another program holds a lock on the file longer than the busy timeout (SQLITE_BUSY, SQLITE_LOCKED)."""


class DiskFull(ProjectFileError):
    """The file may not grow (SQLITE_FULL, a failed write): nothing of the change stays."""


class ProjectReadOnly(ProjectFileError):
    """The file or its folder cannot be written (SQLITE_READONLY, SQLITE_CANTOPEN)."""


class ProjectDamaged(ProjectFileError):
    """The file is not a readable database any more (SQLITE_CORRUPT, SQLITE_NOTADB)."""


class ProjectIOError(ProjectFileError):
    """Any other I/O failure (a failing or disconnected disk)."""


def sqlite_error(e: Exception, path) -> ProjectFileError:
    """The project's own error for an SQLite failure on a project file: its type by the cause (SQLite's
    error code), its text one clear line. store/ raises it; the CLI and the GUI print the same line."""
    name = getattr(e, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return ProjectDamaged(f"{path} is damaged and cannot be read ({e})")
    if name.startswith("SQLITE_FULL") or name in ("SQLITE_IOERR_WRITE", "SQLITE_IOERR_SHMSIZE") \
            or "disk is full" in str(e):
        return DiskFull(f"cannot write {path}: the disk is full (or the file may not grow); nothing was changed")
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) or name == "SQLITE_IOERR_SHMOPEN":
        return ProjectReadOnly(f"cannot write {path}: the file or its folder is read-only ({e}); "
                               "make them writable, or use `shoal status` to read it")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return ProjectBusy(f"{path} is busy: another program has held a lock on it for too long ({e}); "
                           "close it there and try again (nothing was changed)")
    if name.startswith("SQLITE_IOERR"):
        return ProjectIOError(f"cannot read or write {path}: {e} (is the disk full, failing or disconnected?); "
                              "nothing was changed")
    return ProjectFileError(f"{path} could not be read or written ({e})")


def sqlite_problem(e: Exception, path) -> str:
    """One clear line for an SQLite failure on a project file (the text of `sqlite_error`)."""
    return str(sqlite_error(e, path))
