"""Create a project from a source, and re-scan it for new items."""
from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from desktop_app.core.embedding.registry import DEFAULT_FOR_KIND, encoder_kind
from desktop_app.core.sources.base import SourceOptions
from desktop_app.core.sources.image_io import FILE_NOT_FOUND
from desktop_app.core.sources.registry import scan
from desktop_app.errors import ShoalError
from desktop_app.store.labels import INVISIBLE_CATEGORIES, MAX_LABEL_LEN
from desktop_app.store.project import Project

DEFAULT_SETTINGS = {"strategy": "seals", "batch_size": 20, "k": 100, "uncertainty": "margin"}


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
    path = Path(path)
    if path.exists():
        raise ShoalError(f"{path} already exists; pick another name or open it")
    if not path.parent.is_dir():
        raise ShoalError(f"folder {path.parent} does not exist")
    _remove_stale_drafts(path)
    # built under a hidden name and renamed when complete: a crash never leaves a half-imported
    # project that looks like a real one
    draft = path.with_name(f".{path.name}.creating-{os.getpid()}")
    project = Project.create(draft, meta)
    try:
        for name in labels or []:
            project.add_label(name)
        _add_records(project, found.records)
        if project.n_items == 0:
            raise ShoalError(f"no items found in {source}")
        project.close()
        _publish(draft, path)
    except BaseException:
        project.close()
        _remove_draft(draft)
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
    imported = [(idx, clean_source_label(name)) for idx, name in project.source_labels() if idx >= before]
    imported = [(idx, name) for idx, name in imported if name]
    if imported:
        changes = [(idx, project.label_id(name, create=True), "labeled") for idx, name in imported]
        project.set_labels(changes, origin="import")
    return added


def clean_source_label(name: str) -> str | None:
    """A label found in the source, made a valid label name: NFC; control characters and line
    separators become spaces; invisible format characters (zero-width, bidi controls) are removed;
    runs of spaces shrink to one; overlong names are cut. One odd cell must not stop an import."""
    name = unicodedata.normalize("NFC", str(name).encode("utf-8", "replace").decode("utf-8"))
    name = "".join("" if unicodedata.category(c) == "Cf" else
                   " " if unicodedata.category(c) in INVISIBLE_CATEGORIES else c for c in name)
    name = " ".join(unicodedata.normalize("NFC", name).split())
    return name[:MAX_LABEL_LEN].strip() or None


def check_source(project: Project) -> None:
    """Refuse file work when the source is gone, instead of marking every item 'file not found'."""
    root, source = project.source_root, project.meta("source")
    source = Path(source) if isinstance(source, str) and source else root
    if not root.is_dir() or not source.exists():
        raise ShoalError(f"the source {source} is not there any more (moved, renamed, or on a disconnected drive); "
                         f"point the project at its new place with: shoal relink {project.path} NEW_LOCATION")


def rescan(project: Project) -> int:
    """Scan the source again and add only items not seen before."""
    check_source(project)
    return _add_records(project, scan(project.meta("source") or project.source_root, source_options(project)).records)


def source_options(project: Project) -> SourceOptions:
    """The options the source was read with; unknown or damaged entries are left out."""
    saved = project.meta("source_options", {})
    known = SourceOptions.__dataclass_fields__
    return SourceOptions(**{k: v for k, v in (saved if isinstance(saved, dict) else {}).items() if k in known})


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
    with project.tx():
        project.set_meta({"source": str(new), "source_root": str(root), "relinked_from": old_root})
        # items found missing before the relink get another chance
        project.conn.execute("UPDATE items SET skip_reason=NULL WHERE embedded=0 AND skip_reason=?",
                             (FILE_NOT_FOUND,))
