"""Create a project from a source, and re-scan it for new items."""
from __future__ import annotations

from pathlib import Path

from desktop_app.core.embedding.registry import DEFAULT_FOR_KIND, encoder_kind
from desktop_app.core.sources.base import SourceOptions
from desktop_app.core.sources.registry import scan
from desktop_app.errors import ShoalError
from desktop_app.store.project import Project

DEFAULT_SETTINGS = {"strategy": "seals", "batch_size": 20, "k": 100, "uncertainty": "entropy"}


def new_project(path: str | Path, source: str | Path, options: SourceOptions, encoder: str | None = None,
                labels: list[str] | None = None) -> Project:
    found = scan(source, options)  # fails before any file is written
    encoder = encoder or DEFAULT_FOR_KIND[found.kind]
    if encoder_kind(encoder) != found.kind:
        raise ShoalError(f"encoder {encoder!r} reads {encoder_kind(encoder)} items, but the source holds {found.kind}s")
    from desktop_app.core.embedding.registry import get_encoder

    enc = get_encoder(encoder)
    meta = {"source": str(Path(source).expanduser().resolve()), "source_root": str(found.root), "kind": found.kind,
            "reader": found.reader, "source_options": options.__dict__, "encoder": encoder,
            "encoder_identity": enc.identity(), "dim": enc.dim, **DEFAULT_SETTINGS}
    project = Project.create(path, meta)
    try:
        for name in labels or []:
            project.add_label(name)
        _add_records(project, found.records)
        if project.n_items == 0:
            raise ShoalError(f"no items found in {source}")
    except BaseException:
        project.close()
        Path(path).unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        raise
    return project


def _add_records(project: Project, records) -> int:
    """Add new items; labels the source already gives are imported as label events."""
    before = project.n_items
    batch, added = [], 0
    for rec in records:
        batch.append(rec)
        if len(batch) >= 5000:
            added += project.add_items(batch)
            batch = []
    added += project.add_items(batch)
    imported = [(idx, name) for idx, name in project.source_labels() if idx >= before]
    if imported:
        changes = [(idx, project.label_id(name, create=True), "labeled") for idx, name in imported]
        project.set_labels(changes, origin="import")
    return added


def rescan(project: Project) -> int:
    """Scan the source again and add only items not seen before."""
    opts = SourceOptions(**project.meta("source_options", {}))
    return _add_records(project, scan(project.meta("source"), opts).records)


def relink(project: Project, new_source: str | Path) -> None:
    """Point a project at its source's new location (paths are stored relative to the root)."""
    new = Path(new_source).expanduser().resolve()
    if not new.exists():
        raise ShoalError(f"new source not found: {new}")
    old_root = project.meta("source_root")
    root = new if new.is_dir() else new.parent
    sample = [i["path"] for i in project.items(range(min(project.n_items, 20))) if i["path"]]
    if sample and not any((root / p).exists() for p in sample):
        raise ShoalError(f"{new} does not hold this project's files (e.g. {sample[0]})")
    project.set_meta({"source": str(new), "source_root": str(root), "relinked_from": old_root})
