"""Core-set selection over a labeled set: which labeled items to keep so that a head trained on the
kept subset does as well as one trained on all of them. Qt-free, SQLite-free: numpy arrays in,
positions out. One file per method, a registry in registry.py."""
