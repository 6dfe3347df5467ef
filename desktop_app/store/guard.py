"""The project's SQLite connection, with every SQLite failure worded once as a ShoalError."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from desktop_app.errors import ShoalError, sqlite_problem

# SQLite's error class, for a last-resort catch outside store/ (the CLI's edge), which may not import sqlite3
DatabaseError = sqlite3.DatabaseError


class GuardedConnection:
    """The project's SQLite connection: any SQLite failure (disk full, read-only file, damage) becomes
    one ShoalError worded by errors.sqlite_problem, here once, so the CLI and the GUI say the same."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.raw = conn
        self._path = path

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except sqlite3.DatabaseError as e:
            raise ShoalError(sqlite_problem(e, self._path)) from e

    def execute(self, *args) -> "_GuardedCursor":
        return _GuardedCursor(self._call(self.raw.execute, *args), self)

    def executemany(self, *args) -> "_GuardedCursor":
        return _GuardedCursor(self._call(self.raw.executemany, *args), self)

    def executescript(self, script: str) -> "_GuardedCursor":
        return _GuardedCursor(self._call(self.raw.executescript, script), self)

    def __getattr__(self, name: str):
        return getattr(self.raw, name)


class _GuardedCursor:
    """A cursor whose row fetches translate SQLite failures too (a damaged page shows while reading)."""

    def __init__(self, cursor: sqlite3.Cursor, conn: GuardedConnection):
        self._cursor = cursor
        self._conn = conn

    def __iter__(self):
        return self

    def __next__(self):
        return self._conn._call(self._cursor.__next__)

    def fetchone(self):
        return self._conn._call(self._cursor.fetchone)

    def fetchall(self):
        return self._conn._call(self._cursor.fetchall)

    def fetchmany(self, *args):
        return self._conn._call(self._cursor.fetchmany, *args)

    def __getattr__(self, name: str):
        return getattr(self._cursor, name)
