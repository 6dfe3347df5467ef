"""`shoal predict`: classify a new folder or table offline with the project's encoder and trained model, into
a CSV (id, path or text, prediction, confidence, one probability column per label). The CSV is written
under a temporary name and linked into place: an existing file is never replaced."""
from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

import numpy as np

from desktop_app.core.embedding.batch import encode_payloads
from desktop_app.core.export.tables import neutral_cell
from desktop_app.core.sources.base import SourceOptions  # noqa: TC001
from desktop_app.core.sources.registry import scan
from desktop_app.errors import ShoalError
from desktop_app.ops.embed import check_encoder
from desktop_app.ops.train import load_model
from desktop_app.store.project import Project

BATCH = 64


def predict_rows(project: Project, source, options: SourceOptions, progress=None):
    """(columns, rows): every item of `source` with the model's prediction; unreadable items carry a note."""
    model = load_model(project)
    enc = check_encoder(project)
    if enc is None:
        raise ShoalError(f"the vectors of {project.path.name} were imported ({project.meta('encoder_identity')}): "
                         "Shoal has no encoder to embed new items with; predict where the vectors are made")
    kind = project.meta("kind")
    found = scan(source, options)  # the kind is found from the source, then checked
    if found.kind != kind:
        raise ShoalError(f"{source} holds {found.kind}s, but this project classifies {kind}s")
    records = list(found.records)
    where = "path" if kind == "image" else "text"
    cols = ["id", where, "prediction", "confidence"] + [f"p_{n}" for n in model.class_names] + ["note"]
    rows: list[dict] = []
    for s in range(0, len(records), BATCH):
        part = records[s:s + BATCH]
        usable = [r for r in part if r.skip_reason is None]
        payloads = [str(found.root / str(r.path)) if kind == "image" else r.text for r in usable]
        vectors, good, bad = encode_payloads(enc, payloads) if usable else (np.zeros((0, 1)), [], {})
        proba = model.head.predict_proba(vectors) if len(good) else np.zeros((0, len(model.class_names)))
        by_rec = {id(usable[i]): p for i, p in zip(good, proba)}
        reasons = {id(usable[i]): why for i, why in bad.items()}
        for r in part:
            row: dict[str, object] = {"id": r.shown_id, where: r.path if kind == "image" else r.text}
            p = by_rec.get(id(r))
            if p is None:
                row["note"] = r.skip_reason or reasons.get(id(r)) or "cannot be read"
            else:
                best = int(np.argmax(p))
                row.update(prediction=model.class_names[best], confidence=round(float(p[best]), 6),
                           **{f"p_{n}": round(float(v), 6) for n, v in zip(model.class_names, p)})
            rows.append(row)
        if progress:
            progress(min(s + BATCH, len(records)), len(records))
    return cols, rows


def write_predictions(out: str | Path, cols: list[str], rows: list[dict]) -> Path:
    out = Path(os.path.abspath(Path(out).expanduser()))
    if out.exists() or out.is_symlink():
        raise ShoalError(f"{out} already exists; Shoal does not replace files: pick another name")
    if not out.parent.is_dir():
        raise ShoalError(f"folder {out.parent} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
            w.writeheader()
            for row in rows:
                w.writerow({k: neutral_cell(row.get(k)) for k in cols})
        try:
            os.link(tmp, out)  # never replaces a file that appeared meanwhile
        finally:
            os.unlink(tmp)
    except FileExistsError:
        raise ShoalError(f"{out} already exists; Shoal does not replace files: pick another name") from None
    except OSError as e:
        raise ShoalError(f"cannot write {out}: {e.strerror or e}") from None
    return out
