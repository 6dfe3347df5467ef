"""Export the labeled set. Files are written into a temporary sibling folder that is renamed
into place at the end, so an interrupted export never looks complete."""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from desktop_app.core.export.base import ExportData
from desktop_app.core.export.registry import EXPORTERS
from desktop_app.errors import ShoalError
from desktop_app.ops.derived import load_head
from desktop_app.store.project import Project


def gather(project: Project, with_predictions: bool = False, with_embeddings: bool = False) -> ExportData:
    rows = project.labeled_rows()
    labels = [l["name"] for l in project.label_set()]
    names = {l["id"]: l["name"] for l in project.label_set()}
    emb = None
    if with_predictions or with_embeddings:
        emb_all = project.load_embeddings()
        emb = np.asarray(emb_all[[r["idx"] for r in rows]]) if with_embeddings else None
    if with_predictions:
        head = load_head(project)
        if head.is_fitted:
            lab_idx, _, _ = project.current_labels()
            mask = project.embedded_mask()
            mask[lab_idx] = False
            unl = np.flatnonzero(mask)
            for s in range(0, len(unl), 20000):
                part = unl[s:s + 20000]
                proba = head.predict_proba(np.asarray(emb_all[part]))
                best = proba.argmax(axis=1)
                for item, cls, conf in zip(project.items(part), head.classes_[best], proba[np.arange(len(part)), best]):
                    rows.append({**item, "label": None, "labeled_at": None,
                                 "prediction": names.get(int(cls)), "confidence": round(float(conf), 4)})
    for r in rows:
        if r.get("labeled_at"):
            r["labeled_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(r["labeled_at"]))
        r["id"] = r.pop("uid", r.get("id"))
    saved = load_head(project)
    head_arrays = ({k: v for k, v in saved.to_arrays().items() if k in ("classes", "coef", "intercept")}
                   if len(saved.classes_) else {})
    extra = {"class_names": [names.get(int(c)) for c in head_arrays.get("classes", [])],
             "encoder": project.meta("encoder"), "encoder_identity": project.meta("encoder_identity")}
    kind = project.meta("kind")
    return ExportData(kind=kind, source_root=project.source_root if kind == "image" else None, rows=rows, labels=labels,
                      embeddings=emb, head=head_arrays, extra=extra)


def export(project: Project, out: str | Path, fmt: str, with_predictions: bool = False, overwrite: bool = False,
           progress=None) -> list[Path]:
    if fmt not in EXPORTERS:
        raise ShoalError(f"unknown export format {fmt!r}; choose from: {', '.join(EXPORTERS)}")
    out = Path(out).expanduser().absolute()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not overwrite)):
        raise ShoalError(f"{out} exists and is not an empty folder; pick another or pass --overwrite")
    if not out.parent.is_dir():
        raise ShoalError(f"folder {out.parent} does not exist")
    if fmt == "imagefolder":  # copies the image files: their folder must be there
        from desktop_app.ops.create import check_source

        check_source(project)
    data = gather(project, with_predictions=with_predictions, with_embeddings=(fmt == "hf"))
    if not any(r.get("label") for r in data.rows):
        raise ShoalError("nothing to export: no item is labeled yet")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as e:
        raise ShoalError(f"cannot write in {out.parent}: {e.strerror or e}") from None
    try:
        EXPORTERS[fmt](data, tmp, progress)
        if out.exists():
            trash = out.parent / f".{out.name}.old-{os.getpid()}"
            os.replace(out, trash)
            os.replace(tmp, out)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ShoalError(f"export failed, nothing written to {out}: {e.strerror or e}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return sorted(p for p in out.rglob("*") if p.is_file())
