"""Export the labeled set. Files are written into a temporary sibling folder that is renamed
into place at the end, so an interrupted export never looks complete."""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from desktop_app.core.export.base import ExportData
from desktop_app.core.export.registry import EXPORTERS, formats_for
from desktop_app.errors import ShoalError
from desktop_app.ops import export_folder
from desktop_app.ops.derived import load_head
from desktop_app.store.project import Project


def gather(project: Project, with_predictions: bool = False, with_embeddings: bool = False,
           only: set[int] | dict[int, float] | None = None) -> ExportData:
    """`only`: item rows to restrict the export to (labeled rows and predictions alike); a dict gives each
    its weight (a weighted keep file), written as a `weight` column of the labeled rows."""
    rows = project.labeled_rows()
    labels = [l["name"] for l in project.label_set()]
    names = {l["id"]: l["name"] for l in project.label_set()}
    emb, notes = None, []
    if only is not None:
        rows = [r for r in rows if r["idx"] in only]
        if isinstance(only, dict):
            for r in rows:
                r["weight"] = only[r["idx"]]
        n = len(only) - len(rows) if not with_predictions else 0
        if n > 0:
            notes.append(f"{n} item{'s' if n != 1 else ''} of the --only list {'are' if n != 1 else 'is'} not labeled: "
                         "left out")
    if with_embeddings:  # a labeled item not embedded yet has no vector: leave it out, and say so
        embedded = project.embedded_mask()
        kept = [r for r in rows if embedded[r["idx"]]]
        if len(kept) < len(rows):
            n = len(rows) - len(kept)
            notes.append(f"{n} labeled item{'s' if n != 1 else ''} left out: not embedded yet "
                         f"(run `shoal embed {project.path}` first to include {'them' if n != 1 else 'it'})")
        rows = kept
    if with_predictions or with_embeddings:
        emb_all = project.load_embeddings()
        emb = np.asarray(emb_all[[r["idx"] for r in rows]]) if with_embeddings else None
    if with_predictions:
        head = load_head(project)
        if head.is_fitted:
            lab_idx, _, _ = project.current_labels()
            mask = project.embedded_mask()
            mask[lab_idx] = False
            if only is not None:
                keep = np.zeros(len(mask), bool)
                keep[[i for i in only if 0 <= i < len(mask)]] = True
                mask &= keep
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
        r.pop("uid", None)  # internal key; "id" is the source's own id (or the content id without one)
    saved = load_head(project)
    head_arrays = ({k: v for k, v in saved.to_arrays().items() if k in ("classes", "coef", "intercept")}
                   if len(saved.classes_) else {})
    extra = {"class_names": [names.get(int(c)) for c in head_arrays.get("classes", [])],
             "encoder": project.meta("encoder"), "encoder_identity": project.meta("encoder_identity"), "notes": notes}
    kind = project.meta("kind")
    return ExportData(kind=kind, source_root=project.source_root if kind == "image" else None, rows=rows, labels=labels,
                      embeddings=emb, head=head_arrays, extra=extra)


def trained_for_export(project: Project) -> dict:
    """The trained model (`shoal train`) and how its encoder is fed, for a format that carries the model."""
    from desktop_app.ops.embed import check_encoder
    from desktop_app.ops.train import load_model

    trained = load_model(project)
    enc = check_encoder(project)
    if enc is None:
        raise ShoalError(f"the vectors of {project.path.name} were imported: Shoal has no encoder to put in front of "
                         "the classifier; export --format hf carries the vectors and the head instead")
    return {"head": trained.kind, "arrays": trained.head.to_arrays(), "classes": trained.class_names,
            "spec": enc.export_spec()}


class ExportFiles(list):
    """The files an export wrote (its manifest aside), plus notes for the user (items left out)."""

    def __init__(self, files, notes=()):
        super().__init__(files)
        self.notes = list(notes)


def export(project: Project, out: str | Path, fmt: str, with_predictions: bool = False, overwrite: bool = False,
           progress=None, only: set[int] | dict[int, float] | None = None) -> ExportFiles:
    """Write the export into `out`. An existing folder is replaced only when it holds nothing but a
    previous Shoal export (see ops.export_folder); works on a project opened read-only. `only`: item
    rows (ops.coreset.resolve_only reads them from a keep file) to restrict every format to."""
    exporter = EXPORTERS.get(fmt)
    if exporter is None:
        raise ShoalError(f"unknown export format {fmt!r}; choose from: {', '.join(EXPORTERS)}")
    kind = project.meta("kind")
    if kind not in exporter.kinds:
        raise ShoalError(f"{fmt} export is for {' and '.join(sorted(exporter.kinds))} projects; "
                         f"use {' or '.join(formats_for(kind))}")
    out = Path(os.path.abspath(Path(out).expanduser()))  # "a/.." is "." here: never a folder named ".."
    export_folder.clean_stale(out)  # what a killed export into `out` left: put back or removed first
    protected = [project.path, Path(str(project.path) + "-cache"), project.source_root]
    if project.meta("source"):
        protected.append(Path(project.meta("source")))
    item_folders = [project.source_root] if Path(project.meta("source") or "").is_dir() else []
    item_folders.append(Path(str(project.path) + "-cache"))
    replace = export_folder.check_out(out, overwrite, protected, item_folders)
    if exporter.reads_files:  # copies the item files: their folder must be there
        from desktop_app.ops.create import check_source

        check_source(project)
    model = trained_for_export(project) if exporter.needs_model else None  # refused before anything is written
    data = gather(project, with_predictions=with_predictions, with_embeddings=exporter.needs_embeddings, only=only)
    if model is not None:
        data.extra["model"] = model
    notes = data.extra.pop("notes", [])
    if not any(r.get("label") for r in data.rows):
        if only is not None:
            raise ShoalError("nothing to export: no item of the --only list is labeled")
        raise ShoalError("nothing to export: no item is labeled yet" if not notes else
                         f"nothing to export: {notes[0]}")
    tmp = export_folder.new_partial(out)
    try:
        exporter.write(data, tmp, progress)
        export_folder.write_manifest(tmp, fmt, project.meta("project_id"))
        if replace:  # the folder may have changed while we wrote: check it again, just before the swap
            export_folder.check_out(out, overwrite, protected, item_folders)
        export_folder.put_in_place(tmp, out, replace)
    except OSError as e:
        export_folder.remove(tmp)
        raise ShoalError(f"export failed, nothing written to {out}: {e.strerror or e}") from None
    except BaseException:
        export_folder.remove(tmp)
        raise
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != export_folder.MANIFEST)
    return ExportFiles(files, notes)
