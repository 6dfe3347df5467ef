"""Schema of the *.shoal project file, with its brand and upgrade ladder."""
from __future__ import annotations

import sqlite3

APPLICATION_ID = 0x53484F4C  # "SHOL"
SCHEMA_VERSION = 2

SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE items (
    idx INTEGER PRIMARY KEY,          -- dense 0..n-1, also the kNN index key
    uid TEXT NOT NULL UNIQUE,         -- stable id: source row id or content hash
    path TEXT,                        -- relative to the source root (files), NULL for table rows
    text TEXT,                        -- text items read from tables/line files
    source_label TEXT,                -- label found in the source (import / simulate)
    skip_reason TEXT,                 -- why the item cannot be used (NULL when fine)
    embedded INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE embeddings (idx INTEGER PRIMARY KEY, vec BLOB NOT NULL);
CREATE TABLE label_set (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL,        -- order it joined the set: the digit key
    mode TEXT NOT NULL DEFAULT 'learn'
);
CREATE TABLE labels (                 -- the current answer per item
    idx INTEGER PRIMARY KEY,
    label_id INTEGER,                 -- NULL with state 'skipped'
    state TEXT NOT NULL,              -- 'labeled' | 'skipped'
    at REAL NOT NULL
);
CREATE TABLE label_events (           -- every change, for history, undo and audit
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idx INTEGER NOT NULL,
    label_id INTEGER,
    state TEXT NOT NULL,              -- 'labeled' | 'skipped' | 'cleared'
    at REAL NOT NULL,
    origin TEXT NOT NULL
);
CREATE INDEX label_events_idx ON label_events(idx);
CREATE TABLE arrays (name TEXT PRIMARY KEY, dtype TEXT NOT NULL, shape TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE rounds (
    round INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    n_labeled INTEGER NOT NULL,
    stats TEXT NOT NULL               -- JSON: fit/select ms, accuracy estimate, changed fraction...
);
CREATE TABLE queue (position INTEGER PRIMARY KEY, idx INTEGER NOT NULL, score REAL NOT NULL,
                    reason TEXT NOT NULL, neighbour_of INTEGER, round INTEGER NOT NULL);
"""

# version -> SQL that upgrades from version-1 to version
UPGRADES: dict[int, str] = {}

# scan keeps track of files: size and mtime (a changed or moved file is noticed), a reason to
# review an item's label (its content changed under it), and the copies merged into an item
UPGRADES[2] = """
ALTER TABLE items ADD COLUMN file_size INTEGER;
ALTER TABLE items ADD COLUMN file_mtime_ns INTEGER;
ALTER TABLE items ADD COLUMN file_inode INTEGER;
ALTER TABLE items ADD COLUMN review_reason TEXT;
CREATE INDEX IF NOT EXISTS items_path ON items(path);
CREATE TABLE IF NOT EXISTS merged (into_idx INTEGER PRIMARY KEY, copies INTEGER NOT NULL, paths TEXT NOT NULL);
"""


def create(conn: sqlite3.Connection) -> None:
    """A new file gets version 1 and every upgrade step, in one transaction."""
    steps = "\n".join(UPGRADES[v] for v in range(2, SCHEMA_VERSION + 1))
    _atomic(conn, SCHEMA_V1 + "\n" + steps +
            f"\nPRAGMA application_id = {APPLICATION_ID};\nPRAGMA user_version = {SCHEMA_VERSION};")


def upgrade(conn: sqlite3.Connection, version: int) -> None:
    """Step the file up to SCHEMA_VERSION; each step commits whole or not at all (a crash mid-step
    leaves the file at the previous version, and the next open simply runs the step again)."""
    for v in range(version + 1, SCHEMA_VERSION + 1):
        _atomic(conn, UPGRADES[v] + f"\nPRAGMA user_version = {v};")


def _atomic(conn: sqlite3.Connection, script: str) -> None:
    # executescript() commits first and then runs in autocommit mode: without an explicit
    # transaction every statement would commit on its own
    try:
        conn.executescript("BEGIN IMMEDIATE;\n" + script + "\nCOMMIT;")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
