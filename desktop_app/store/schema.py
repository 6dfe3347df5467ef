"""Schema of the *.shoal project file, with its brand and upgrade ladder."""
from __future__ import annotations

import sqlite3

APPLICATION_ID = 0x53484F4C  # "SHOL"
SCHEMA_VERSION = 5

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

# The source's own item ids, verbatim. Items from a table with an id column used to be known only by
# the internal uid "id:" + the id, and that uid is what users saw. The uid stays the internal key (rescans
# match on it); `source_id` holds the id as the source spells it, NULL for items known by content hash or
# path. A duplicate id (skipped, uid "id:X#rowN") keeps X as its source_id too.
_DUPLICATE = "coalesce(skip_reason, '') LIKE 'duplicate id %' AND uid GLOB 'id:*#row[0-9]*'"
_SOURCE_ID = (f"CASE WHEN substr(uid, 1, 3) != 'id:' THEN NULL "
              f"WHEN {_DUPLICATE} THEN substr(rtrim(uid, '0123456789'), 4, length(rtrim(uid, '0123456789')) - 7) "
              f"ELSE substr(uid, 4) END")
SOURCE_IDS = f"""
ALTER TABLE items ADD COLUMN source_id TEXT;
UPDATE items SET source_id = {_SOURCE_ID};
CREATE INDEX items_source_id ON items(source_id);
"""

# audit picks, and what the head predicted for each item when it was served (the accuracy estimate)
AUDIT_ASKED = """
ALTER TABLE queue ADD COLUMN audit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE queue ADD COLUMN kind TEXT NOT NULL DEFAULT '';
CREATE TABLE asked (                  -- the head's probabilities when an item was served, before its label
    idx INTEGER PRIMARY KEY,
    round INTEGER NOT NULL,
    audit INTEGER NOT NULL,           -- 1: drawn uniformly at random from the unlabeled items
    classes TEXT NOT NULL,            -- JSON list of label ids, the column order of proba
    proba BLOB NOT NULL,              -- float32 probabilities
    at REAL NOT NULL
);
"""
_ASKED_COLUMNS = "(idx INTEGER PRIMARY KEY, round INTEGER, audit INTEGER, classes TEXT, proba BLOB, at REAL)"

# version -> SQL that upgrades from version-1 to version
UPGRADES: dict[int, str] = {2: SOURCE_IDS, 3: AUDIT_ASKED}

# step SQL -> SQL (TEMP views, which shadow the file's tables) that lets a file not upgraded past that
# step be read as if it were, for read-only opens, which must not write the upgrade into the file.
# Keyed by the step itself, so renumbering UPGRADES is the only edit a merge needs.
READ_AS_UPGRADED: dict[str, str] = {
    SOURCE_IDS: f"CREATE TEMP VIEW items AS SELECT *, {_SOURCE_ID} AS source_id FROM main.items;",
    AUDIT_ASKED: "CREATE TEMP VIEW queue AS SELECT *, 0 AS audit, '' AS kind FROM main.queue;\n"
                 f"CREATE TEMP TABLE asked {_ASKED_COLUMNS};",
}

# scan keeps track of files: size and mtime (a changed or moved file is noticed), a reason to
# review an item's label (its content changed under it), and the copies merged into an item
UPGRADES[4] = """
ALTER TABLE items ADD COLUMN file_size INTEGER;
ALTER TABLE items ADD COLUMN file_mtime_ns INTEGER;
ALTER TABLE items ADD COLUMN file_inode INTEGER;
ALTER TABLE items ADD COLUMN review_reason TEXT;
CREATE INDEX IF NOT EXISTS items_path ON items(path);
CREATE TABLE IF NOT EXISTS merged (into_idx INTEGER PRIMARY KEY, copies INTEGER NOT NULL, paths TEXT NOT NULL);
"""

# the query that seeds "find more of" (store/search_query.py): a phrase or an example image's path, and
# its vector from the project's encoder
SEARCH_QUERY = """
CREATE TABLE IF NOT EXISTS search_query (
    label_id INTEGER PRIMARY KEY,     -- the label in search mode it seeds
    kind TEXT NOT NULL,               -- 'text' | 'image'
    query TEXT NOT NULL,              -- the phrase, or the example image's path as given (the file is never kept)
    encoder TEXT NOT NULL,            -- identity of the encoder that made vec
    dim INTEGER NOT NULL,
    vec BLOB NOT NULL,                -- float32 (dim,)
    at REAL NOT NULL
);
"""
UPGRADES[5] = SEARCH_QUERY
READ_AS_UPGRADED[SEARCH_QUERY] = SEARCH_QUERY.replace("CREATE TABLE IF NOT EXISTS", "CREATE TEMP TABLE")


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


def read_as_upgraded(conn: sqlite3.Connection, version: int) -> None:
    """On a read-only connection to an older file: make it read like SCHEMA_VERSION, writing nothing."""
    for v in range(version + 1, SCHEMA_VERSION + 1):
        if UPGRADES[v] in READ_AS_UPGRADED:
            conn.executescript(READ_AS_UPGRADED[UPGRADES[v]])


def _atomic(conn: sqlite3.Connection, script: str) -> None:
    # executescript() commits first and then runs in autocommit mode: without an explicit
    # transaction every statement would commit on its own
    try:
        conn.executescript("BEGIN IMMEDIATE;\n" + script + "\nCOMMIT;")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
