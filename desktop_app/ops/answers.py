"""Answers given by item id and label name (`shoal label`, `--csv` files): resolved, checked, applied.

A label name that is not in the label set is refused (a typo must not become a class) unless the caller
allows new labels; a file of answers is checked whole before anything is applied."""
from __future__ import annotations

import difflib

from desktop_app.errors import ShoalError
from desktop_app.store.labels import clean_label_name
from desktop_app.store.project import Project


def resolve_item(project: Project, item: str) -> int:
    idx = project.idx_of(item)  # the source's own id, or the content id of an item without one
    if idx is None:
        raise ShoalError(f"no item with id {item!r} in this project")
    return idx


def label_items(project: Project, answers: list[tuple[str, str | None, str]], origin: str = "cli",
                new_labels: bool = False, rows: list[int] | None = None) -> int:
    """Apply (item id, label name, state) answers in one durable transaction; state is 'labeled',
    'skipped' or 'cleared'. `rows[i]`: the file row answer i came from, named in errors. A label name
    not in the label set is refused, with every row that uses it, and nothing is applied, unless
    `new_labels`: then it joins the set."""
    def at(i: int) -> str:
        return f"row {rows[i]}: " if rows else ""

    changes = []
    with project.tx():
        idxs, names = [], []
        for i, (item, name, state) in enumerate(answers):
            try:
                idxs.append(resolve_item(project, item))
                names.append(clean_label_name(name or "") if state == "labeled" else None)
            except ShoalError as e:
                raise ShoalError(f"{at(i)}{e}; nothing was saved" if rows else str(e)) from None
        if not new_labels:
            _refuse_unknown(project, names, rows)
        for idx, name, (_, _, state) in zip(idxs, names, answers):
            label_id = project.label_id(name, create=new_labels) if name is not None else None
            changes.append((idx, label_id, state))
        project.set_labels(changes, origin=origin)
    return len(changes)


def _refuse_unknown(project: Project, names: list[str | None], rows: list[int] | None) -> None:
    known = [l["name"] for l in project.label_set()]
    unknown: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        if name is not None and name not in known:
            unknown.setdefault(name, []).extend([rows[i]] if rows else [])
    if not unknown:
        return
    parts = []
    for name, where in unknown.items():
        notes = []
        if where:
            notes.append(f"row{'s' if len(where) > 1 else ''} {', '.join(map(str, where[:10]))}"
                         + (f" and {len(where) - 10} more" if len(where) > 10 else ""))
        close = difflib.get_close_matches(name, known, n=1)
        if close:
            notes.append(f"did you mean {close[0]!r}?")
        parts.append(f"{name!r}" + (f" ({'; '.join(notes)})" if notes else ""))
    s = "s" if len(unknown) > 1 else ""
    raise ShoalError(f"unknown label{s} {', '.join(parts)}; the labels are: {', '.join(known) or 'none yet'}. "
                     f"Nothing was saved. Add {'them' if s else 'it'} first (shoal labels {project.path} add NAME) "
                     "or pass --new-label")
