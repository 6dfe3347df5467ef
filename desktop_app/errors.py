"""Errors a user can cause. The CLI prints them as one line; the GUI shows them in a dialog."""


class ShoalError(Exception):
    """A problem the user can fix (bad path, bad option, bad project file)."""


class ItemError(ShoalError):
    """One item cannot be read or encoded; it is skipped and the reason recorded."""


def sqlite_problem(e: Exception, path) -> str:
    """One clear line for an SQLite failure on a project file, by its cause (SQLite's error code)."""
    name = getattr(e, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return f"{path} is damaged and cannot be read ({e})"
    if name.startswith("SQLITE_FULL") or name in ("SQLITE_IOERR_WRITE", "SQLITE_IOERR_SHMSIZE") \
            or "disk is full" in str(e):
        return f"cannot write {path}: the disk is full (or the file may not grow); nothing was changed"
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) or name == "SQLITE_IOERR_SHMOPEN":
        return (f"cannot write {path}: the file or its folder is read-only ({e}); "
                "make them writable, or use `shoal status` to read it")
    if name.startswith("SQLITE_IOERR"):
        return f"cannot read or write {path}: {e} (is the disk full, failing or disconnected?); nothing was changed"
    return f"{path} could not be read or written ({e})"
