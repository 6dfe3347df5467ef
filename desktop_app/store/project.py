"""The *.shoal project file: one SQLite database, one writer (Anki's rule).

Every label is committed before the call returns. The kNN index and an embeddings .npy
sit beside the file in <name>.shoal-cache/ as rebuildable caches.
"""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.errors import ShoalError, sqlite_error
from desktop_app.store import arrays, checks, schema
from desktop_app.store.embeddings import EmbeddingsMixin
from desktop_app.store.guard import GuardedConnection, ThreadConnections
from desktop_app.store.items import ItemsMixin
from desktop_app.store.labels import LabelsMixin
from desktop_app.store.lock import ProjectLock, check_links
from desktop_app.store.rounds import RoundsMixin
from desktop_app.store.search_query import SearchQueryMixin

SQLITE_MAGIC = b"SQLite format 3\x00"


class Project(ItemsMixin, EmbeddingsMixin, LabelsMixin, RoundsMixin, SearchQueryMixin):
    def __init__(self, path: Path, conn: sqlite3.Connection, lock: ProjectLock | None, readonly: bool,
                 version: int = schema.SCHEMA_VERSION):
        self.path = Path(path)
        self._lock = lock
        self.readonly = readonly
        self._version = version
        # one connection per thread (store/guard.py): reads never see another thread's open transaction;
        # writes (tx) are serialised here, so our connections never wait on each other's write lock
        self.mutex = threading.RLock()
        self._conns: ThreadConnections | None = ThreadConnections(conn, self.path, self._another_connection)
        self.older_schema = False

    @property
    def conn(self) -> GuardedConnection:
        """The calling thread's connection to the file (made on its first use)."""
        if self._conns is None:
            raise ShoalError(f"{self.path} is closed")
        return self._conns.get()

    def _another_connection(self) -> sqlite3.Connection:
        conn = self._connect(self.path, readonly=self.readonly)
        try:
            if not self.readonly:
                conn.execute("PRAGMA synchronous=FULL")  # per connection; WAL mode is the file's own
            elif self._version < schema.SCHEMA_VERSION:
                schema.read_as_upgraded(conn, self._version)  # TEMP views are per connection too
        except BaseException:
            conn.close()
            raise
        return conn

    # ---- open / create -----------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, meta: dict[str, Any]) -> "Project":
        path = Path(path)
        if path.exists():
            raise ShoalError(f"{path} already exists; pick another name or open it")
        if not path.parent.exists():
            raise ShoalError(f"folder {path.parent} does not exist")
        lock = ProjectLock(path)
        lock.acquire()
        try:
            conn = cls._connect(path)
            _writer_pragmas(conn)
            schema.create(conn)
            project = cls(path, conn, lock, readonly=False)
            project.set_meta({"created_at": time.time(), "shoal_schema": schema.SCHEMA_VERSION,
                              "project_id": uuid.uuid4().hex, **meta})
            return project
        except sqlite3.DatabaseError as e:  # before the guarded connection existed (disk full, read-only...)
            lock.release()
            raise sqlite_error(e, path) from None
        except BaseException:
            lock.release()
            raise

    @classmethod
    def open(cls, path: str | Path, readonly: bool = False) -> "Project":
        """Open a project; any file that is not a healthy Shoal project of this or an older schema is
        refused with one clear ShoalError before anything is written to it."""
        path = Path(path)
        if not path.is_file():
            raise ShoalError(f"project not found: {path}")
        path = Path(os.path.realpath(path))  # a symlink reaches the same project, lock, WAL and cache
        check_links(path)
        _check_header(path)
        if not readonly and not os.access(path, os.W_OK):
            raise ShoalError(f"{path} is read-only; make it writable (or copy it) to change it")
        lock = None
        if not readonly:
            lock = ProjectLock(path)
            lock.acquire()
        try:
            try:
                conn = cls._connect(path, readonly=readonly)
            except sqlite3.DatabaseError as e:
                raise sqlite_error(e, path) from None
            try:
                # the header read above can be stale while a WAL holds newer commits: ask SQLite
                app_id = conn.execute("PRAGMA application_id").fetchone()[0]
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if app_id != schema.APPLICATION_ID:
                    raise ShoalError(f"{path} is an SQLite file but not a Shoal project")
                if version > schema.SCHEMA_VERSION:
                    raise ShoalError(_newer(path, version))
                if version < 1:  # every Shoal file has a version >= 1: this one was tampered with
                    raise ShoalError(f"{path} is damaged: its schema version is {version} (PRAGMA user_version); "
                                     "restore it from a backup")
                conn.execute("SELECT count(*) FROM meta").fetchone()
                if not readonly:
                    _writer_pragmas(conn)
                    if version < schema.SCHEMA_VERSION:
                        schema.upgrade(conn, version)
                    if conn.execute("SELECT 1 FROM meta WHERE key='project_id'").fetchone() is None:
                        # a project from before ids: give it one, so its caches are stamped as its own
                        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('project_id', ?)",
                                     (json.dumps(uuid.uuid4().hex),))
                elif version < schema.SCHEMA_VERSION:
                    schema.read_as_upgraded(conn, version)
            except sqlite3.DatabaseError as e:
                conn.close()
                raise sqlite_error(e, path) from None
            except BaseException:
                conn.close()
                raise
            project = cls(path, conn, lock, readonly, version=version if readonly else schema.SCHEMA_VERSION)
            project.older_schema = readonly and version < schema.SCHEMA_VERSION  # read as it is: not upgraded
            return project
        except BaseException:
            if lock:
                lock.release()
            raise

    @staticmethod
    def _connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
        if readonly:
            uri = "file:" + urllib.parse.quote(str(path.absolute()))
            conn = sqlite3.connect(uri + "?mode=ro", uri=True, check_same_thread=False)
            try:
                conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            except sqlite3.OperationalError:
                # a read-only folder: SQLite cannot create the WAL index (-shm) beside the file. With no
                # WAL pending the file alone is the whole truth, so read it as immutable.
                wal = Path(str(path) + "-wal")
                if wal.exists() and wal.stat().st_size:
                    raise
                conn.close()
                conn = sqlite3.connect(uri + "?immutable=1", uri=True, check_same_thread=False)
        else:
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.text_factory = checks.lenient_text  # text that is not UTF-8 must not fail whole queries
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
        return conn

    def close(self) -> None:
        if self._conns is not None:
            self._conns.close()
            self._conns = None  # closed: any further use is one clear error
        if self._lock:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def tx(self):
        """A write transaction: `with project.tx(): ...` commits or rolls back."""
        if self.readonly:
            raise ShoalError("project is open read-only")
        return _Transaction(self.conn, self.mutex)

    # ---- meta (settings) -----------------------------------------------------------
    def meta(self, key: str, default: Any = None) -> Any:
        """A stored setting. A damaged setting that has a default reads as the default; any other
        damaged value is one clear ShoalError naming it."""
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        if not row:
            return default
        try:
            return checks.setting(key, row[0], default)
        except checks.Damaged as e:
            raise ShoalError(f"{self.path} is damaged: its setting {key!r} {e}") from None

    def all_meta(self) -> dict[str, Any]:
        out = {}
        for k, v in self.conn.execute("SELECT key, value FROM meta"):
            try:
                out[checks.text(k)] = checks.setting(checks.text(k), v, None)
            except checks.Damaged:
                continue
        return out

    def set_meta(self, values: dict[str, Any]) -> None:
        with self.tx():
            self.conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                                  [(k, json.dumps(v)) for k, v in values.items()])

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def source_root(self) -> Path:
        """The folder item paths are relative to. When the setting is missing or damaged it is
        derived from the source again (its folder, or the folder of its file)."""
        root = self.meta("source_root")
        if isinstance(root, str) and root:
            return Path(root)
        source = self.meta("source")
        if isinstance(source, str) and source:
            folder = self.meta("kind") == "image" or str(self.meta("reader", "")).endswith("-folder")
            return Path(source) if folder else Path(source).parent
        raise ShoalError(f"{self.path} records no source folder (its 'source_root' setting is missing or damaged); "
                         f"point it at its source with: shoal relink {self.path} SOURCE")

    @property
    def cache_dir(self) -> Path:
        """NAME.shoal-cache/ (made on first use; never made, nor written, by a read-only open).
        A link in its place is removed, not followed: the cache is Shoal's own folder."""
        d = self.path.with_name(self.path.name + "-cache")
        if not self.readonly:
            if d.is_symlink():
                d.unlink()
            d.mkdir(exist_ok=True)
        return d

    def backup_to(self, target: Path) -> None:
        """Copy the project into a new file `target` with SQLite's online backup (consistent even
        mid-session); a copy that fails part way is removed."""
        target, existed = Path(target), Path(target).exists()
        with self.mutex:
            try:
                with contextlib.closing(sqlite3.connect(target)) as dst:
                    self.conn.raw.backup(dst)
            except sqlite3.DatabaseError as e:
                if not existed:
                    with contextlib.suppress(OSError):
                        target.unlink()
                raise sqlite_error(e, target) from None

    # ---- arrays (head state, prediction snapshots) -----------------------------------
    def put_arrays(self, prefix: str, values: dict[str, np.ndarray]) -> None:
        with self.tx():
            self.conn.execute("DELETE FROM arrays WHERE name LIKE ?", (prefix + ".%",))
            self.conn.executemany("INSERT INTO arrays(name, dtype, shape, data) VALUES (?,?,?,?)",
                                  [(f"{prefix}.{k}", *arrays.encode(v)) for k, v in values.items()])

    def get_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        rows = self.conn.execute("SELECT name, dtype, shape, data FROM arrays WHERE name LIKE ?", (prefix + ".%",))
        return {checks.text(name)[len(prefix) + 1:]: arrays.decode(d, s, b) for name, d, s, b in rows}

    def derived_arrays(self, prefix: str) -> dict[str, np.ndarray] | None:
        """Arrays Shoal can rebuild (the head, the prediction snapshot): {} when there are none,
        None when a row is damaged (never decoded past the checks in store/arrays.py); the caller
        then rebuilds them, and the next put_arrays replaces the damaged rows."""
        try:
            return self.get_arrays(prefix)
        except ShoalError:
            return None


class _Transaction:
    def __init__(self, conn: GuardedConnection, mutex: threading.RLock):
        self.conn = conn
        self.mutex = mutex

    def __enter__(self):
        self.mutex.acquire()
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self._owner = True
        else:
            self._owner = False
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        try:
            if self._owner and exc_type is None:
                try:
                    self.conn.execute("COMMIT")
                except BaseException:  # e.g. the disk filled up at commit: nothing of it stays
                    self._rollback()
                    raise
            elif self._owner:
                self._rollback()
        finally:
            self.mutex.release()
        return False

    def _rollback(self) -> None:
        if self.conn.in_transaction:  # SQLite may already have rolled back (SQLITE_FULL does)
            try:
                self.conn.execute("ROLLBACK")
            except ShoalError:
                pass  # the error that led here is the one to report


def _writer_pragmas(conn: sqlite3.Connection) -> None:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # a label is on disk when the call returns


def _newer(path: Path, version: int) -> str:
    return (f"{path} was written by a newer Shoal (schema {version} > {schema.SCHEMA_VERSION}); "
            "upgrade Shoal to open it")


def _check_header(path: Path) -> bytes:
    """Cheap checks on the first 100 bytes (and the size) before SQLite touches the file."""
    try:
        with open(path, "rb") as f:
            head = f.read(100)
    except OSError as e:
        raise ShoalError(f"cannot read {path}: {e.strerror or e}") from None
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        raise ShoalError(f"{path} is not a Shoal project (not an SQLite file, or truncated)")
    wal, journal = Path(str(path) + "-wal"), Path(str(path) + "-journal")
    wal_empty = (not wal.exists() or wal.stat().st_size == 0) and not journal.exists()
    if wal_empty and int.from_bytes(head[68:72], "big") != schema.APPLICATION_ID:
        raise ShoalError(f"{path} is an SQLite file but not a Shoal project")
    version = int.from_bytes(head[60:64], "big")
    if version > schema.SCHEMA_VERSION:
        raise ShoalError(_newer(path, version))
    page = int.from_bytes(head[16:18], "big")
    page = 65536 if page == 1 else page
    n_pages = int.from_bytes(head[28:32], "big")
    size = path.stat().st_size
    # with no WAL pending, a healthy file holds exactly the pages its header counts
    if wal_empty and page >= 512 and (size % page or (head[24:28] == head[92:96] and n_pages * page > size)):
        raise ShoalError(f"{path} is damaged: the file is truncated ({size} bytes, expected {n_pages * page})")
    return head
