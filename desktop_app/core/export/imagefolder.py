"""imagefolder export: out/<label>/<file>, hard-linked when possible, else copied."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path, PurePosixPath

from desktop_app.core.export.base import ExportData, folder_names, safe_name
from desktop_app.core.sources.image_io import IMAGE_EXTENSIONS
from desktop_app.core.sources.item_files import item_file, open_regular
from desktop_app.errors import ItemError, ShoalError


def write_imagefolder(data: ExportData, out: Path, progress=None) -> list[Path]:
    if data.kind != "image":
        raise ShoalError("imagefolder export is for image projects; use csv, jsonl or hf")
    folders = folder_names(data.labels)
    written, missing = [], []
    for i, row in enumerate(r for r in data.rows if r.get("label") is not None):
        try:  # only regular files that really are inside the source folder (symlinks resolved)
            src = item_file(data.source_root, row["path"], IMAGE_EXTENSIONS)
            open_regular(src).close()
        except ItemError as e:
            missing.append({"id": row["id"], "path": row["path"], "reason": str(e)})
            continue
        rel = PurePosixPath(row["path"])
        folder = out / folders[row["label"]]
        folder.mkdir(exist_ok=True)
        name = safe_name(rel.name, max_len=120)
        dest = folder / name
        if dest.exists():
            dest = folder / safe_name(f"{row['id'][:12]}_{name}", max_len=140)
        if dest.resolve().parent != folder.resolve():
            raise ShoalError(f"refusing to write outside the export folder: {dest}")
        try:
            try:
                os.link(src, dest)
            except OSError:
                shutil.copy2(src, dest)
            written.append(dest)
        except OSError as e:
            missing.append({"id": row["id"], "path": row["path"], "reason": e.strerror or str(e)})
        if progress and i % 200 == 0:
            progress(i, len(data.rows))
    mapping = out / "labels.json"
    mapping.write_text(json.dumps({"labels": data.labels, "folders": {v: k for k, v in folders.items()},
                                   "missing": missing}, ensure_ascii=False, indent=1))
    return written + [mapping]
