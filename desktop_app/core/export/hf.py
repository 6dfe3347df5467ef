"""hf export: a datasets-style folder (data.jsonl, labels.json, embeddings.npy, head.json)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from desktop_app.core.export.base import ExportData
from desktop_app.core.export.tables import _columns


def write_hf(data: ExportData, out: Path, progress=None) -> list[Path]:
    label_index: dict[str | None, int] = {name: i for i, name in enumerate(data.labels)}
    cols = _columns(data)
    with open(out / "data.jsonl", "w", encoding="utf-8") as f:
        for row in data.rows:
            rec = {k: row.get(k) for k in cols}
            rec["label_index"] = label_index.get(row.get("label"))
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    (out / "labels.json").write_text(json.dumps({"names": data.labels}, ensure_ascii=False, indent=1))
    files = [out / "data.jsonl", out / "labels.json"]
    if data.embeddings is not None:
        np.save(out / "embeddings.npy", np.asarray(data.embeddings, np.float32), allow_pickle=False)
        files.append(out / "embeddings.npy")
    head = {k: np.asarray(v).tolist() for k, v in data.head.items()}
    head.update(data.extra)
    (out / "head.json").write_text(json.dumps(head))
    files.append(out / "head.json")
    return files
