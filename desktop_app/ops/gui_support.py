"""Small Qt-free helpers the desktop app needs on top of ops/: source preview, cold-start batches,
one labeling round prepared ahead (refit + select + annotate), the demo project, save-as."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np

from desktop_app.core.selection.base import UNLABELED
from desktop_app.core.sources.base import SourceOptions
from desktop_app.errors import ShoalError
from desktop_app.ops.batch import BatchEntry
from desktop_app.ops.create import new_project
from desktop_app.ops.loop import (
    build_state,
    describe,
    finish_round,
    select_entries,
)
from desktop_app.ops.preview import preview_source  # noqa: F401  (the dialog imports it from here)
from desktop_app.ops.search_query import sync_session
from desktop_app.store.project import Project

N_NEIGHBOURS = 4


# ---- batches -------------------------------------------------------------------------------------
def cold_start_batch(project: Project, n: int, seed: int = 0) -> list[BatchEntry]:
    """A random batch of unlabeled, readable items: labelable before any embedding exists."""
    idxs = project.unanswered_readable()
    if not len(idxs):
        return []
    pick = np.random.default_rng(seed + project.n_labeled()).choice(idxs, min(n, len(idxs)), replace=False)
    entries = [{"idx": int(i), "score": 0.0, "reason": "cold start (random)", "neighbour_of": None} for i in pick]
    project.save_queue(entries, len(project.rounds()))
    return describe(project, entries)


def resume_batch(project: Project) -> list[BatchEntry]:
    """The saved queue (answered entries included, so the batch position survives a restart)."""
    return describe(project, project.load_queue())


def prepare_round(project: Project, session, n: int, strategy: str, exclude=(), finish: str | None = "round") -> dict:
    """One round, run off the GUI thread: sync labels; refit — as a recorded round with stopping signals
    (finish="round") or only to re-rank mid-batch (finish="refit"); select the next batch (not containing
    `exclude`) and annotate it for display."""
    session.state = build_state(project)
    sync_session(project, session)   # the search label and its query, as the project stores them now
    stats = None
    if finish == "round" and len(session.labeled):
        stats = finish_round(project, session, strategy)
    elif finish == "refit" and session.n_classes_labeled >= 2:
        session.refit()
    if not (session.state == UNLABELED).any():
        return {"batch": [], "stats": stats, "review": review_predictions(session)}
    entries, select_ms = select_entries(project, session, n, strategy, exclude=exclude)
    batch = annotate(project, session, describe(project, entries))
    return {"batch": batch, "stats": stats, "select_ms": round(select_ms, 1), "review": review_predictions(session),
            "round": len(project.rounds())}


def promote(project: Project, batch: list[BatchEntry]) -> None:
    """Make a prepared batch the current queue (so a restart resumes it; its probabilities go to `asked`)."""
    project.save_queue([e.queue_row() for e in batch], len(project.rounds()))


def annotate(project: Project, session, batch: list[BatchEntry]) -> list[BatchEntry]:
    """Set the model's guess (label id, confidence) and the nearest labeled neighbours on the entries."""
    if not batch:
        return batch
    idx = np.array([b.idx for b in batch], np.int64)
    pred, conf = session.predict(idx) if session.head.is_fitted else (np.full(len(idx), -1), np.zeros(len(idx)))
    lab = session.labeled
    neigh = np.empty((len(idx), 0), np.int64)
    if len(lab) and len(lab) <= 200_000:
        emb = np.asarray(session.embeddings[idx], np.float32)
        sims = emb @ np.asarray(session.embeddings[lab], np.float32).T
        k = min(N_NEIGHBOURS, len(lab))
        top = np.argsort(-sims, axis=1)[:, :k]
        neigh = lab[top]
    names = {l["id"]: l["name"] for l in project.label_set()}
    wanted = {int(i) for row in neigh for i in row}
    rows = {r["idx"]: r for r in project.items(sorted(wanted))}
    for b, p, c, nb in zip(batch, pred, conf, neigh):
        b.guess = int(p) if p >= 0 else None
        b.confidence = float(c)
        b.neighbours = [{"idx": int(i), "id": rows[int(i)]["id"], "path": rows[int(i)]["path"],
                         "text": rows[int(i)]["text"], "label": names.get(int(session.state[i]))}
                        for i in nb if int(i) in rows]
    return batch


def review_predictions(session) -> dict:
    """Model predictions for the labeled items: {"idx", "pred", "conf"} arrays (empty without a model)."""
    lab = session.labeled
    if not session.head.is_fitted or not len(lab):
        return {"idx": np.empty(0, np.int64), "pred": np.empty(0, np.int64), "conf": np.empty(0, np.float32)}
    pred, conf = session.predict(lab)
    return {"idx": lab, "pred": np.asarray(pred, np.int64), "conf": np.asarray(conf, np.float32)}


def status_line(project: Project, stats: dict | None = None) -> str:
    rounds = project.rounds()
    last = stats or (rounds[-1] if rounds else {})
    parts = [f"round {len(rounds)}", f"{project.n_labeled()} labels"]
    if last.get("fit_ms") is not None:
        parts.append(f"refit {last['fit_ms']:.0f} ms")
    est = last.get("estimate")
    if est:
        lo, hi = est["accuracy_interval"]
        parts.append(f"est. accuracy {est['accuracy']:.2f} [{lo:.2f}–{hi:.2f}]")
    return " · ".join(parts)


# ---- demo and save-as ------------------------------------------------------------------------------
def demo_project(data_dir: Path, kind: str = "image", reset: bool = False) -> Path:
    """Copy the bundled sample into data_dir on first run and create its project; returns the path.
    The sample's true labels are never imported (only the class names seed the label set)."""
    from desktop_app.resources_path import resource

    if kind not in ("image", "text"):
        raise ShoalError(f"unknown demo kind {kind!r}; use image or text")
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    project_path = data_dir / f"demo-{kind}.shoal"
    if reset:
        for p in (project_path, Path(f"{project_path}-wal"), Path(f"{project_path}-shm")):
            p.unlink(missing_ok=True)
        shutil.rmtree(f"{project_path}-cache", ignore_errors=True)
    if project_path.exists():
        return project_path
    demo = resource("demo")
    if kind == "image":
        src = data_dir / "images"
        if not src.exists():
            shutil.copytree(demo / "images", src)
        with open(demo / "images_truth.csv", newline="") as f:
            names = sorted({r["label"] for r in csv.DictReader(f)})
        options = SourceOptions(kind="image")
    else:
        src = data_dir / "texts.csv"
        if not src.exists():
            shutil.copy(demo / "texts.csv", src)
        with open(src, newline="", encoding="utf-8") as f:
            names = sorted({r["label"] for r in csv.DictReader(f)})
        options = SourceOptions(kind="text", text_column="text", id_column="id")  # no label_column
    new_project(project_path, src, options, labels=names).close()
    return project_path


def save_as(project: Project, target: str | Path) -> Path:
    """Copy the open project to a new file (online backup, consistent even mid-session)."""
    target = Path(target)
    if target.exists():
        raise ShoalError(f"{target} already exists; pick another name")
    project.backup_to(target)
    return target
