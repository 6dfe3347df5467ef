"""Open any supported source: a folder of images or texts, a CSV/TSV, a JSONL, a TXT of lines."""
from __future__ import annotations

from pathlib import Path

from desktop_app.core.sources import files, tables
from desktop_app.core.sources.base import Scan, SourceOptions
from desktop_app.errors import ShoalError

FILE_READERS = {  # extension -> reader of a single file
    ".csv": tables.table_records,
    ".tsv": tables.table_records,
    ".tab": tables.table_records,
    ".jsonl": tables.jsonl_records,
    ".txt": tables.line_records,
}
FOLDER_READERS = {"image": files.image_records, "text": files.text_file_records}


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
                                 "and no .txt/.md files")
            kind = "image" if images >= texts else "text"
        if kind not in FOLDER_READERS:
            raise ShoalError(f"unknown kind {kind!r}; use image or text")
        return Scan(kind=kind, root=path, records=FOLDER_READERS[kind](path, options, known), reader=f"{kind}-folder")
    reader = FILE_READERS.get(path.suffix.lower())
    if reader is None:
        raise ShoalError(f"cannot read {path.name}: use a folder, or a .csv, .tsv, .jsonl or .txt file")
    if options.kind == "image":
        raise ShoalError(f"{path.name} is a text source; images come from a folder")
    return Scan(kind="text", root=path.parent, records=reader(path, options), reader=path.suffix.lower()[1:])
