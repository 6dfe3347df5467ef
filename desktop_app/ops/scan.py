"""Bring a project up to date with what its source holds, in one transaction.

New items are added with the labels their source gives; identical items are kept once (and
counted); a file found at a new path with the same content is a move (the path follows, the label
stays); a file whose content changed under the same path is embedded again and its label flagged
for review. A kill at any moment leaves either the old project or the whole scan, never items
without their source labels (and labels a killed older version left behind are imported too).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from desktop_app.core.sources.base import ItemRecord
from desktop_app.errors import ShoalError
from desktop_app.store.labels import INVISIBLE_CATEGORIES, MAX_LABEL_LEN
from desktop_app.store.project import Project

MAX_LISTED_COPIES = 20  # paths kept per merged item


@dataclass
class ScanReport:
    kind: str = "item"
    added: int = 0
    unreadable: int = 0               # added items that cannot be used (listed in status)
    merged: int = 0                   # identical copies kept once
    moved: int = 0
    changed: int = 0
    to_review: int = 0                # changed items whose label needs a look
    imported: int = 0                 # labels taken from the source
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """e.g. "added 12 new items (3 identical texts merged, 1 unreadable)"."""
        parts = [merged_phrase(self.merged, self.kind)] if self.merged else []
        if self.unreadable:
            parts.append(f"{self.unreadable} unreadable")
        line = f"added {self.added} new item{'s' if self.added != 1 else ''}"
        line += f" ({', '.join(parts)})" if parts else ""
        if self.imported:
            line += f"; {self.imported} label{'s' if self.imported != 1 else ''} imported from the source"
        if self.moved:
            line += f"; {self.moved} moved file{'s' if self.moved != 1 else ''} followed (labels kept)"
        if self.changed:
            line += (f"; {self.changed} changed file{'s' if self.changed != 1 else ''} will be embedded again"
                     + (f", {self.to_review} label{'s' if self.to_review != 1 else ''} to review "
                        "(shoal status)" if self.to_review else ""))
        return line


def merged_phrase(n: int, kind: str) -> str:
    """e.g. "13 identical texts merged"."""
    what = kind if kind in ("text", "image") else "item"
    return f"{n} identical {what}{'s' if n != 1 else ''} merged"


def clean_source_label(name: str) -> str | None:
    """A label found in the source, made a valid label name: NFC; control characters and line
    separators become spaces; invisible format characters (zero-width, bidi controls) are removed;
    runs of spaces shrink to one; overlong names are cut. One odd cell must not stop an import."""
    name = unicodedata.normalize("NFC", str(name).encode("utf-8", "replace").decode("utf-8"))
    name = "".join("" if unicodedata.category(c) == "Cf" else
                   " " if unicodedata.category(c) in INVISIBLE_CATEGORIES else c for c in name)
    name = " ".join(unicodedata.normalize("NFC", name).split())
    return name[:MAX_LABEL_LEN].strip() or None


def _batches(records: Iterable[ItemRecord], n: int) -> Iterator[list[ItemRecord]]:
    it = iter(records)
    while batch := list(islice(it, n)):
        yield batch


def sync_records(project: Project, records: Iterable[ItemRecord], kind: str = "item",
                 max_new: int | None = None) -> ScanReport:
    """Add what is new, follow moves, notice changes; import source labels. One transaction.
    With max_new, a scan that would add more items than that is refused (and nothing changes)."""
    rep = ScanReport(kind=kind)
    at_home: set[str] = set()                     # uids found where the project has them
    elsewhere: dict[str, list[ItemRecord]] = {}   # uid -> its records at other places (moves, copies)
    in_place: dict[str, ItemRecord] = {}          # new content at a path an item already has
    with project.tx():
        for batch in _batches(records, 500):
            known = {u: p for u, (_, p) in project.find_uids([r.uid for r in batch]).items()}
            known.update({u: r.path for u, r in in_place.items()})
            taken = project.find_paths([r.path for r in batch if r.path is not None and r.uid not in known])
            new: dict[str, ItemRecord] = {}
            restamp = []
            for r in batch:
                if r.uid in known or r.uid in new:
                    home = known[r.uid] if r.uid in known else new[r.uid].path
                    if r.path == home and r.uid not in at_home:
                        at_home.add(r.uid)
                        if r.size is not None and r.uid not in new:
                            restamp.append(r)
                    else:
                        elsewhere.setdefault(r.uid, []).append(r)
                elif r.path is not None and r.path in taken:
                    in_place[r.uid] = r
                    known[r.uid] = r.path  # another record of this content in the batch is a copy
                else:
                    new[r.uid] = r
                    at_home.add(r.uid)
            _insert(project, list(new.values()), rep)
            project.restamp(restamp)  # a touched file is read once, not at every scan
        for r in in_place.values():
            _new_content(project, r, at_home, elsewhere, rep)
        _moves_and_copies(project, at_home, elsewhere, rep)
        if max_new is not None and rep.added > max_new:
            raise ShoalError(f"this scan would add {rep.added} new items, more than the {max_new} the project "
                             "holds: is the source the right one? Run again with --yes to add them")
        _import_source_labels(project, rep)
    if rep.changed:  # the kNN index holds the old vectors of changed items: build it afresh
        (project.cache_dir / "index.json").unlink(missing_ok=True)
    return rep


def _insert(project: Project, records: list[ItemRecord], rep: ScanReport) -> None:
    if records:
        rep.added += project.add_items(records)
        rep.unreadable += sum(r.skip_reason is not None for r in records)


def _new_content(project: Project, r: ItemRecord, at_home: set[str], elsewhere: dict, rep: ScanReport) -> None:
    """r: content not known before, at the path of an existing item."""
    idx, old_uid = project.find_paths([r.path])[r.path]
    if old_uid in elsewhere and old_uid not in at_home:
        _insert(project, [r], rep)  # that item's file moved away; this is a new one in its place
    else:
        project.replace_content(idx, r, f"content of {r.path} changed after it was labeled")
        rep.changed += 1
        rep.to_review += project.current_label(idx) is not None
    at_home.add(r.uid)


def _moves_and_copies(project: Project, at_home: set[str], elsewhere: dict, rep: ScanReport) -> None:
    merged = []
    found = project.find_uids(list(elsewhere))
    for uid, recs in elsewhere.items():
        idx = found[uid][0]
        if uid not in at_home and recs[0].path is not None:  # not at its old place: it moved
            first, recs = recs[0], recs[1:]
            review = _label_moved(project, idx, first)
            project.move_item(idx, first, review)
            rep.moved += 1
        if recs:
            merged.append((idx, len(recs), [r.path for r in recs[:MAX_LISTED_COPIES] if r.path is not None]))
            rep.merged += len(recs)
    project.set_merged(merged)


def _label_moved(project: Project, idx: int, rec: ItemRecord) -> str | None:
    """A file moved into another class folder: its label is kept, and flagged when it disagrees."""
    cur = project.current_label(idx)
    name = clean_source_label(rec.label) if rec.label else None
    if cur is None or name is None or cur[1] != "labeled":
        return None
    names = {l["id"]: l["name"] for l in project.label_set()}
    if names.get(cur[0]) == name:
        return None
    return f"moved to {rec.path}: the source now says {name!r}, the label is {names.get(cur[0])!r}"


def _import_source_labels(project: Project, rep: ScanReport) -> None:
    imported = [(idx, clean_source_label(name)) for idx, name in project.unimported_source_labels()]
    imported = [(idx, name) for idx, name in imported if name]
    if imported:
        changes = [(idx, project.label_id(name, create=True), "labeled") for idx, name in imported]
        project.set_labels(changes, origin="import")
        rep.imported = len(changes)
