"""What the `shoal` command modules share: source options, opening a project, progress bars, JSON output."""
from __future__ import annotations

import argparse
import sys

from desktop_app.errors import ShoalError


def print_json(obj):
    from desktop_app.cli_output import print_json as _print

    _print(obj)


def source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kind", choices=["image", "text"], help="inferred when omitted")
    p.add_argument("--text-column", help="column (CSV/TSV) or key (JSONL) holding the text")
    p.add_argument("--label-column", help="column/key holding an existing label")
    p.add_argument("--id-column", help="column/key holding a stable item id")
    p.add_argument("--labels-from-folders", action="store_true", help="first sub-folder name is the label")
    p.add_argument("--encoding", help="encoding of text rows that are not UTF-8 (default: cp1252, then latin-1)")
    p.add_argument("--max-file-mb", type=float, help="skip files larger than this (default: 256 images, 8 texts)")


def source_options(args):
    from desktop_app.core.sources.base import SourceOptions

    return SourceOptions(kind=args.kind, text_column=args.text_column, label_column=args.label_column,
                         id_column=args.id_column, labels_from_folders=args.labels_from_folders,
                         encoding=args.encoding, max_file_mb=args.max_file_mb)


def open_project(path, readonly=False):
    from desktop_app.store.project import Project

    return Project.open(path, readonly=readonly)


def open_to_read(path):
    """Read-only (works while another process holds the project). A file of an older schema that no
    writer holds is upgraded first, so the reading code sees the tables it expects."""
    project = open_project(path, readonly=True)
    if project.older_schema:
        try:
            upgraded = open_project(path)
        except ShoalError:  # a read-only folder, or a writer took it meanwhile: read it as it is
            return project
        project.close()
        return upgraded
    return project


class _Bar:
    """A tqdm bar on stderr that appears only once there is work to show (no "0item" bar when
    nothing is done). `used` says whether any progress was reported."""

    def __init__(self, desc: str, unit: str = "item"):
        self.desc, self.unit, self.bar, self.used = desc, unit, None, False

    def update(self, done: int, total: int) -> None:
        if total <= 0:
            return
        self.used = True
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=self.desc, unit=self.unit, file=sys.stderr, disable=None)
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def progress_bar(desc: str, unit: str = "item"):
    bar = _Bar(desc, unit)
    return bar, bar.update
