"""Which kNN index a project uses: a registry of index kinds and the size rule behind "auto".

"hnsw" (hnswlib, float32) is exact-est and fastest to build; "usearch" (int8) holds about half
the memory per item. "auto" switches to usearch at COMPRESSED_FROM embedded items, the size at
which hnswlib's float32 index would put the app past 4 GB resident (docs/scale.md, measured).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop_app.core.index.compressed import UsearchIndex
from desktop_app.core.index.hnsw import KnnIndex

INDEX_KINDS: dict[str, Any] = {"hnsw": KnnIndex, "usearch": UsearchIndex}
CHOICES = ("auto", *INDEX_KINDS)
COMPRESSED_FROM = 2_000_000


def choose(setting: str | None, n: int) -> str:
    """The index kind for n items under a project's `index` setting (auto, hnsw or usearch)."""
    setting = setting or "auto"
    if setting == "usearch" and not has_usearch():
        raise ValueError("the usearch index needs the usearch package: pip install usearch")
    if setting in INDEX_KINDS:
        return setting
    if setting != "auto":
        raise ValueError(f"unknown index kind {setting!r} (choose from {', '.join(CHOICES)})")
    return "usearch" if n >= COMPRESSED_FROM and has_usearch() else "hnsw"  # an install without it stays on hnsw


def has_usearch() -> bool:
    import importlib.util

    return importlib.util.find_spec("usearch") is not None


def new_index(kind: str, dim: int, n: int):
    return INDEX_KINDS[kind](dim, n)


def load(kind: str, path: Path, dim: int, crc: int | None = None):
    return INDEX_KINDS[kind].load(path, dim, crc=crc)


def probe_atol(index) -> float:
    """How far the index's stored vectors may be from the float32 embeddings they came from."""
    return float(getattr(index, "probe_atol", 1e-5))


def attach_rows(index, rows) -> None:
    """Give an index that re-ranks its candidates (usearch) the float32 rows it was built from."""
    if hasattr(index, "attach_rows"):
        index.attach_rows(rows)
