"""`shoal coreset`: which labeled items to keep (desktop_app.core.coreset), written as keep.csv with
the ids users see; and reading such a file back for `shoal export --only`."""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from desktop_app.core.coreset.base import CoresetInput, keep_count
from desktop_app.core.coreset.curve import Curve, learning_curve
from desktop_app.core.coreset.registry import METHODS, resolve
from desktop_app.core.export.tables import FORMULA_START, neutral_cell
from desktop_app.errors import ShoalError
from desktop_app.store.project import Project

HEADER = ["id", "label", "score", "reason", "weight"]
OLD_HEADER = HEADER[:4]   # keep files written before the weight column


@dataclass
class KeepRow:
    idx: int      # internal row index (never written)
    id: str       # the id the user sees
    label: str
    score: float
    reason: str
    weight: float = 1.0   # how many labeled items it stands for (a weighted method); 1 otherwise


@dataclass
class CoresetResult:
    method: str
    n_labeled: int
    rows: list[KeepRow]
    notes: list[str] = field(default_factory=list)
    curve: Curve | None = None   # with curve=True: held-out macro-F1 of the choice vs random at several shares


def _labeled(project: Project):
    """(idx, label ids, notes) of the labeled items that have an embedding."""
    idx, ids, _ = project.current_labels()
    if not len(idx):
        raise ShoalError("nothing to choose from: no item is labeled yet")
    embedded = project.embedded_mask()
    ok = embedded[idx]
    notes = []
    if not ok.all():
        n = int((~ok).sum())
        notes.append(f"{n} labeled item{'s' if n != 1 else ''} left out: not embedded yet "
                     f"(run `shoal embed {project.path}` first)")
        idx, ids = idx[ok], ids[ok]
    if not len(idx):
        raise ShoalError(f"no labeled item is embedded yet: run `shoal embed {project.path}` first")
    return idx, ids, notes


def drop_suspects(inp: CoresetInput) -> np.ndarray:
    """Positions `shoal suspects` flags (core.suspects: cleanlab's confident-learning filter on the
    out-of-fold probabilities)."""
    from desktop_app.core.suspects import find_suspects

    return np.array(sorted(s.pos for s in find_suspects(inp.X, inp.y, seed=inp.seed, cancel=inp.cancel)
                           if s.flagged), np.int64)


def coreset(project: Project, keep, method: str = "auto", stratify: bool = True, suspects: bool = False,
            seed: int = 0, progress=None, cancel=None, curve: bool = False) -> CoresetResult:
    name = resolve(method)
    idx, ids, notes = _labeled(project)
    if len(np.unique(ids)) < 2 and (METHODS[name].uses_proxy or suspects):
        raise ShoalError(f"method {name!r} trains the model on the labels: it needs items of at least two labels")
    n_keep = keep_count(keep, len(idx))
    X = np.asarray(project.load_embeddings()[idx], np.float32)
    names = {l["id"]: l["name"] for l in project.label_set()}
    inp = CoresetInput(X, ids, n_keep, stratify=stratify, seed=seed, progress=progress, cancel=cancel, names=names)
    if suspects:
        bad = drop_suspects(inp)
        if len(bad):
            notes.append(f"{len(bad)} suspicious label{'s' if len(bad) != 1 else ''} dropped first")
            good = np.setdiff1d(np.arange(len(idx)), bad)
            idx, ids, X = idx[good], ids[good], X[good]
            inp = CoresetInput(X, ids, min(n_keep, len(idx)), stratify=stratify, seed=seed, progress=progress,
                               cancel=cancel, names=names)
    kept = METHODS[name].fn(inp)
    shape = learning_curve(inp, name) if curve else None
    items = {r["idx"]: r["id"] for r in project.items(idx[kept.positions])}
    weights = kept.weights if kept.weights is not None else np.ones(len(kept.positions))
    rows = [KeepRow(int(idx[p]), items[int(idx[p])], names.get(int(ids[p]), ""), float(s), reason, float(w))
            for p, s, reason, w in zip(kept.positions, kept.scores, kept.reasons, weights)]
    return CoresetResult(name, len(idx), rows, notes, shape)


def _is_keep_file(path: Path) -> bool:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            return next(csv.reader(f), None) in (HEADER, OLD_HEADER)
    except (OSError, UnicodeDecodeError, csv.Error):
        return False


def write_keep_csv(rows: list[KeepRow], out: str | Path, overwrite: bool = False) -> Path:
    """Atomic write (temp file, then rename). An existing file is replaced only with `overwrite` and
    only when it is itself a keep file Shoal wrote (header id,label,score,reason[,weight])."""
    out = Path(os.path.abspath(Path(out).expanduser()))
    if out.is_dir():
        raise ShoalError(f"{out} is a folder; give a file name like {out / 'keep.csv'}")
    if out.exists() or out.is_symlink():
        if not overwrite:
            raise ShoalError(f"{out} exists; pass --overwrite to replace it (only a keep file Shoal wrote is replaced)")
        if out.is_symlink() or not out.is_file() or not _is_keep_file(out):
            raise ShoalError(f"{out} is not a keep file Shoal wrote; not replacing it")
    if not out.parent.is_dir():
        raise ShoalError(f"folder {out.parent} does not exist")
    tmp = out.with_name(f".{out.name}.partial-{os.getpid()}")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(HEADER)
            for r in rows:
                w.writerow([neutral_cell(r.id), neutral_cell(r.label), f"{r.score:.4f}", neutral_cell(r.reason),
                            f"{r.weight:.4f}"])
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ShoalError(f"cannot write {out}: {e.strerror or e}") from None
    return out


def read_only_ids(path: str | Path) -> list[str]:
    """The `id` column of a keep file (or any CSV with an id column), in order, without repeats."""
    return list(read_only_weights(path)[0])


def read_only_weights(path: str | Path) -> tuple[dict[str, float], bool]:
    """({id: weight}, whether the file has a weight column) of a keep file; without one every weight is 1.
    A weight must be a finite number >= 0; a repeated id keeps its first row."""
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or "id" not in reader.fieldnames:
                raise ShoalError(f"{path} needs a column named id (as `shoal coreset --out` writes)")
            weighted = "weight" in reader.fieldnames
            ids: dict[str, float] = {}
            for n, r in enumerate(reader, start=2):
                if r.get("id") and r["id"] not in ids:
                    ids[r["id"]] = _weight(r.get("weight"), path, n) if weighted else 1.0
    except FileNotFoundError:
        raise ShoalError(f"--only: no such file {path}") from None
    except IsADirectoryError:
        raise ShoalError(f"--only: {path} is a folder, not a CSV file") from None
    except OSError as e:
        raise ShoalError(f"--only: cannot read {path}: {e.strerror or e}") from None
    except (UnicodeDecodeError, csv.Error) as e:
        raise ShoalError(f"--only: {path} is not a UTF-8 CSV file ({e})") from None
    if not ids:
        raise ShoalError(f"--only: {path} lists no ids")
    return ids, weighted


def _weight(text, path: Path, line: int) -> float:
    try:
        w = float(text or "")
    except ValueError:
        w = float("nan")
    if not np.isfinite(w) or w < 0:
        raise ShoalError(f"--only: {path} line {line}: weight {text!r} is not a number >= 0")
    return w


def resolve_only(project: Project, path: str | Path) -> set[int] | dict[int, float]:
    """Item rows of the ids a keep file lists; with a weight column, {item row: weight}. Every id must
    be an item of the project: an unknown one stops the export (a subset from another project would
    otherwise export silently less)."""
    listed, weighted = read_only_weights(path)
    found: dict[int, float] = {}
    unknown = []
    for item_id, w in listed.items():
        i = project.idx_of(item_id)
        if i is None and item_id.startswith("'") and item_id[1:].startswith(FORMULA_START):
            i = project.idx_of(item_id[1:])   # a cell neutral_cell guarded against spreadsheet formulas
        if i is None:
            unknown.append(item_id)
        else:
            found.setdefault(i, w)
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:3]) + (", ..." if len(unknown) > 3 else "")
        raise ShoalError(f"--only: {len(unknown)} id{'s' if len(unknown) != 1 else ''} in {path} "
                         f"{'are' if len(unknown) != 1 else 'is'} not in this project ({shown}); nothing exported")
    return found if weighted else set(found)
