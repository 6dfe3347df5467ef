"""The project's SQLite connections (one per thread), with every SQLite failure worded once as the
project's own error (errors.sqlite_error: ProjectBusy, DiskFull, ProjectReadOnly, ProjectDamaged...)."""
from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from desktop_app.errors import ShoalError, sqlite_error

# SQLite's error class, for a last-resort catch outside store/ (the CLI's edge), which may not import sqlite3
DatabaseError = sqlite3.DatabaseError


class GuardedConnection:
    """One SQLite connection of the project: any SQLite failure (busy, disk full, read-only file, damage)
    becomes one ShoalError subclass worded by errors.sqlite_error, here once, so the CLI and the GUI say the same."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.raw = conn
        self._path = path

    def _call(self, fn, *args):
        try:
            return fn(*args)
        except sqlite3.DatabaseError as e:
            raise sqlite_error(e, self._path) from e

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


class ThreadConnections:
    """One connection per thread to the same file (WAL mode lets them all read while one writes).

    A thread's reads see only committed rows (each statement reads one snapshot) or its own open
    transaction, never another thread's half-written one; writes still go one at a time through
    `Project.mutex`, so our own connections never wait on each other's write lock. The first
    connection (the one open() checked and upgraded) belongs to the opening thread; any other thread
    gets its own on first use, opened with the same settings by `opener`. close() closes them all."""

    def __init__(self, first: sqlite3.Connection, path: Path, opener: Callable[[], sqlite3.Connection]):
        self._path = path
        self._opener = opener
        self._lock = threading.Lock()
        self._by_thread: dict[int, GuardedConnection] | None = {threading.get_ident(): GuardedConnection(first, path)}

    def get(self) -> GuardedConnection:
        by_thread = self._by_thread
        conn = by_thread.get(threading.get_ident()) if by_thread is not None else None
        if conn is not None:
            return conn
        with self._lock:
            if self._by_thread is None:
                raise ShoalError(f"{self._path} is closed")
            try:
                raw = self._opener()
            except sqlite3.DatabaseError as e:
                raise sqlite_error(e, self._path) from None
            conn = self._by_thread[threading.get_ident()] = GuardedConnection(raw, self._path)
            return conn

    def __len__(self) -> int:
        return len(self._by_thread or {})

    def close(self) -> None:
        with self._lock:
            conns, self._by_thread = self._by_thread or {}, None
        for conn in conns.values():
            with contextlib.suppress(sqlite3.Error):
                conn.raw.close()
