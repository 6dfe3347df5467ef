"""Pure logic over numpy arrays: no Qt, no SQLite."""
