"""Create a project from a source, and re-scan it for new items."""
from __future__ import annotations

import os
from pathlib import Path

from desktop_app.core.sources.base import SourceOptions
from desktop_app.core.sources.image_io import FILE_NOT_FOUND
from desktop_app.core.sources.registry import scan
from desktop_app.errors import ShoalError
from desktop_app.ops.scan import ScanReport, clean_source_label, sync_records  # noqa: F401 - re-exported
from desktop_app.store.project import Project


class LooksUnrelated(ShoalError):
    """relink: the new source is of another reader, or holds too few of the project's items; `force`
    overrides. `reason` is the message without the CLI's --force hint (the GUI asks instead)."""

    def __init__(self, reason: str):
        super().__init__(f"{reason}; use --force to relink anyway")
        self.reason = reason


DEFAULT_SETTINGS = {"strategy": "seals", "batch_size": 20, "k": 100, "uncertainty": "margin"}


def new_project(path: str | Path, source: str | Path, options: SourceOptions, encoder: str | None = None,
                labels: list[str] | None = None, copy_encoder: bool = False) -> Project:
    """`encoder`: a bundled encoder's name, or the path of the user's own model.onnx (with its sidecar
    model.json); `copy_encoder` copies that model beside the project (NAME.shoal-encoder/)."""
    from desktop_app.ops import encoders

    found = scan(source, options)  # fails before any file is written
    name, own_path, enc = encoders.choose_encoder(encoder, found.kind)
    if copy_encoder and own_path is None:
        raise ShoalError("--copy-encoder copies your own model.onnx; the bundled encoders ship with Shoal")
    path = Path(path)
    if path.exists():
        raise ShoalError(f"{path} already exists; pick another name or open it")
    if not path.parent.is_dir():
        raise ShoalError(f"folder {path.parent} does not exist")
    copied = None
    if copy_encoder:
        model = encoders.copy_encoder(enc, path)
        copied = model.parent
        own_path = Path(model.parent.name) / model.name  # relative to the project's folder: the pair moves together
        enc = encoders.get_encoder(name, model)
    meta = {"source": str(Path(source).expanduser().resolve()), "source_root": str(found.root), "kind": found.kind,
            "reader": found.reader, "source_options": options.__dict__, "encoder": name,
            "encoder_identity": enc.identity(), "dim": enc.dim, **DEFAULT_SETTINGS}
    if own_path is not None:
        meta["encoder_path"] = str(own_path)
    _remove_stale_drafts(path)
    # built under a hidden name and renamed when complete: a crash never leaves a half-imported
    # project that looks like a real one
    draft = path.with_name(f".{path.name}.creating-{os.getpid()}")
    try:
        project = Project.create(draft, meta)
    except BaseException:
        if copied:
            encoders.remove_copy(copied)
        raise
    try:
        for name in labels or []:
            project.add_label(name)
        _add_records(project, found.records, kind=found.kind)
        if project.n_items == 0:
            raise ShoalError(f"no items found in {source}")
        project.close()
        _publish(draft, path)
    except BaseException:
        project.close()
        _remove_draft(draft)
        if copied:
            encoders.remove_copy(copied)
        raise
    return Project.open(path)


def _publish(draft: Path, path: Path) -> None:
    wal = Path(str(draft) + "-wal")
    if wal.exists() and wal.stat().st_size:  # closing could not fold the log into the file (disk full?)
        raise ShoalError(f"could not finish writing {path} (is the disk full?); nothing was created")
    try:
        os.link(draft, path)  # never replaces a file that appeared meanwhile
    except FileExistsError:
        raise ShoalError(f"{path} already exists; pick another name or open it") from None
    except OSError:  # a file system without hard links
        if path.exists():
            raise ShoalError(f"{path} already exists; pick another name or open it") from None
        os.rename(draft, path)
    _remove_draft(draft)


def _remove_draft(draft: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal", ".lock"):
        Path(str(draft) + suffix).unlink(missing_ok=True)


def _remove_stale_drafts(path: Path) -> None:
    """Drafts left by a `shoal new` that was killed (its process is gone)."""
    for draft in list(path.parent.glob(f".{path.name}.creating-*")):
        pid = draft.name.rsplit("-", 1)[-1]
        if not pid.isdigit():  # a -wal/-journal/-shm of a draft: removed with its draft
            pid = draft.name.rsplit("-", 2)[-2]
            draft = draft.with_name(draft.name.rsplit("-", 1)[0])
            if not pid.isdigit():
                continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            _remove_draft(draft)
        except OSError:
            pass


def _add_records(project: Project, records, kind: str = "item", max_new: int | None = None):
    """Add new items with the labels their source gives, in one transaction (ops.scan)."""
    return sync_records(project, records, kind=kind, max_new=max_new)


def check_source(project: Project) -> None:
    """Refuse file work when the source is gone, instead of marking every item 'file not found'."""
    root, source = project.source_root, project.meta("source")
    source = Path(source) if isinstance(source, str) and source else root
    if not root.is_dir() or not source.exists():
        raise ShoalError(f"the source {source} is not there any more (moved, renamed, or on a disconnected drive); "
                         f"point the project at its new place with: shoal relink {project.path} NEW_LOCATION")


def rescan(project: Project, yes: bool = False) -> ScanReport:
    """Scan the source again: add new items, follow moved files, notice changed ones. Without
    `yes`, a scan that would more than double the project is refused (a wrong source?)."""
    check_source(project)
    found = scan(project.meta("source") or project.source_root, source_options(project),
                 known=project.file_stamps())  # unchanged files are not read
    return _add_records(project, found.records, kind=found.kind, max_new=None if yes else project.n_items)


def source_options(project: Project) -> SourceOptions:
    """The options the source was read with; unknown or damaged entries are left out."""
    saved = project.meta("source_options", {})
    known = SourceOptions.__dataclass_fields__
    return SourceOptions(**{k: v for k, v in (saved if isinstance(saved, dict) else {}).items() if k in known})


def relink(project: Project, new_source: str | Path, force: bool = False) -> str:
    """Point a project at its source's new location (paths are stored relative to the root).
    Refuses a source of another kind, and (unless `force`) one holding fewer than half of the
    project's items. Returns "found X of Y items"."""
    new = Path(new_source).expanduser().resolve()
    if not new.exists():
        raise ShoalError(f"new source not found: {new}")
    found = scan(new, SourceOptions(**project.meta("source_options", {})))
    kind, reader = project.meta("kind"), project.meta("reader")
    if found.kind != kind:
        raise ShoalError(f"{new} holds {found.kind}s, but this project labels {kind}s; pick the project's own source")
    if reader and found.reader != reader and not force:
        raise LooksUnrelated(f"{new} is a {_reader_name(found.reader)}, but this project was made from a "
                             f"{_reader_name(reader)}")
    n, hits = project.n_items, 0
    batch: list[str] = []
    for rec in found.records:
        batch.append(rec.uid)
        if len(batch) >= 500:
            hits += len(project.find_uids(batch))
            batch = []
    hits += len(project.find_uids(batch))
    counted = f"found {hits} of {n} items"
    if hits * 2 < n and not force:
        raise LooksUnrelated(f"{new} does not look like this project's source: {counted}")
    old_root = project.meta("source_root")
    with project.tx():
        project.set_meta({"source": str(new), "source_root": str(found.root), "relinked_from": old_root})
        project.retry_missing(FILE_NOT_FOUND)  # items found missing before the relink get another chance
    return counted


def _reader_name(reader: str) -> str:
    return f"folder of {reader.split('-')[0]}s" if reader.endswith("-folder") else f".{reader} file"
