"""Open any supported source: a folder of images or texts, or a file one of READERS takes (a CSV/TSV,
a JSONL, a TXT of lines). A new file type is one reader function plus one line in READERS; the
suffixes, the error texts, the GUI's file filter and its column pickers are built from it."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.sources import files, tables
from desktop_app.core.sources.base import ItemRecord, Scan, SourceOptions
from desktop_app.errors import ShoalError


@dataclass(frozen=True)
class Reader:
    """A reader of one file type: the suffixes it takes, the records it reads, and (for tables whose
    columns the user picks) a preview of the raw columns from the file's first lines."""
    suffixes: tuple[str, ...]
    read: Callable[[Path, SourceOptions], Iterator[ItemRecord]]
    preview: Callable[[Path, SourceOptions, int], dict] | None = None  # (path, options, n) -> columns, rows
    help: str = ""


READERS = [
    Reader((".csv", ".tsv", ".tab"), tables.table_records, tables.preview_table, "a table with a header row"),
    Reader((".jsonl",), tables.jsonl_records, tables.preview_jsonl, "one JSON object per line"),
    Reader((".txt",), tables.line_records, None, "one text per line"),
]
FILE_READERS = {s: r for r in READERS for s in r.suffixes}  # suffix -> reader
FOLDER_READERS = {"image": files.image_records, "text": files.text_file_records}


def reader_for(path: str | Path) -> Reader | None:
    return FILE_READERS.get(Path(path).suffix.lower())


def suffix_list(sep: str = ", ", last: str = " or ") -> str:
    """'.csv, .tsv, .tab, .jsonl or .txt': the file types a source may be, for messages."""
    names = list(FILE_READERS)
    return sep.join(names[:-1]) + last + names[-1]


def scan(source: str | Path, options: SourceOptions, known=None) -> Scan:
    """known (folders): path -> (size, mtime_ns, uid) of files an earlier scan read; those unchanged
    are not read again."""
    path = Path(source).expanduser()
    if not path.exists():
        raise ShoalError(f"source not found: {path}")
    path = path.resolve()
    if path.is_dir() and path == Path(path.anchor):
        raise ShoalError("the file system root cannot be a source; pick the folder that holds your images or texts")
    if path.is_dir():
        kind = options.kind
        if kind is None:
            images, texts = files.count_kinds(path)
            if images == 0 and texts == 0:
                raise ShoalError(f"{path} holds no images ({', '.join(sorted(files.IMAGE_EXTENSIONS))}) "
                                 f"and no {'/'.join(sorted(files.TEXT_EXTENSIONS))} files")
            kind = "image" if images >= texts else "text"
        if kind not in FOLDER_READERS:
            raise ShoalError(f"unknown kind {kind!r}; use {' or '.join(FOLDER_READERS)}")
        return Scan(kind=kind, root=path, records=FOLDER_READERS[kind](path, options, known), reader=f"{kind}-folder")
    reader = reader_for(path)
    if reader is None:
        raise ShoalError(f"cannot read {path.name}: use a folder, or a {suffix_list()} file")
    if options.kind == "image":
        raise ShoalError(f"{path.name} is a text source; images come from a folder")
    return Scan(kind="text", root=path.parent, records=reader.read(path, options), reader=path.suffix.lower()[1:])
