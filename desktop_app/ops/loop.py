"""The labeling loop on a project: build the session, serve batches, record labels, refit."""
from __future__ import annotations

import time

import numpy as np

from desktop_app.core import stopping
from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.selection.base import EXCLUDED, UNLABELED
from desktop_app.core.selection.registry import get_strategy
from desktop_app.core.session import Session
from desktop_app.errors import ShoalError
from desktop_app.ops.embed import check_encoder, load_index
from desktop_app.store.project import Project

SNAPSHOT_SIZE = 2000  # unlabeled items whose predictions are tracked for stability


def build_state(project: Project) -> np.ndarray:
    state = np.full(project.n_items, EXCLUDED, np.int64)
    state[project.embedded_mask()] = UNLABELED
    lab_idx, lab_ids, skipped = project.current_labels()
    state[skipped] = EXCLUDED
    embedded = state[lab_idx] != EXCLUDED
    state[lab_idx[embedded]] = lab_ids[embedded]
    return state


def open_session(project: Project, progress=None, cancel=None) -> Session:
    """Everything the loop needs in memory: embeddings (memory-mapped), index, head."""
    check_encoder(project)
    emb = project.load_embeddings()
    index = load_index(project, emb, progress=progress, cancel=cancel)
    head_arrays = project.get_arrays("head")
    head = LinearHead.from_arrays(head_arrays) if head_arrays else LinearHead()
    session = Session(emb, build_state(project), index=index, head=head, k=int(project.meta("k", 100)),
                      uncertainty=project.meta("uncertainty", "entropy"), positive=_positive_id(project))
    if not head.is_fitted and session.n_classes_labeled >= 2:
        session.refit()
    return session


def _positive_id(project: Project) -> int | None:
    for label in project.label_set():
        if label["mode"] == "search":
            return int(label["id"])
    return None


def describe(project: Project, picks: list[dict]) -> list[dict]:
    """Add the item's stable id and its path or text to queue entries."""
    rows = {r["idx"]: r for r in project.items([p["idx"] for p in picks])}
    out = []
    for p in picks:
        r = rows[p["idx"]]
        entry = {"id": r["uid"], "idx": p["idx"], "score": round(float(p["score"]), 6), "reason": p["reason"]}
        entry["path" if r["path"] and project.meta("kind") == "image" else "text"] = (
            r["path"] if project.meta("kind") == "image" else r["text"])
        if p.get("neighbour_of") is not None:
            entry["neighbour_of"] = project.item(p["neighbour_of"])["uid"]
        out.append(entry)
    return out


def pending_queue(project: Project) -> list[dict]:
    """Queue entries not answered yet."""
    queue = project.load_queue()
    if not queue:
        return []
    answered = {i for i in _answered(project, [q["idx"] for q in queue])}
    return [q for q in queue if q["idx"] not in answered]


def _answered(project: Project, idxs: list[int]) -> list[int]:
    if not idxs:
        return []
    q = f"SELECT idx FROM labels WHERE idx IN ({','.join('?' * len(idxs))})"
    return [r[0] for r in project.conn.execute(q, idxs)]


def finish_round(project: Project, session: Session, strategy: str) -> dict:
    """Refit the head on all labels, compute the stopping signals, persist both."""
    fit_ms = session.refit()
    lab = session.labeled
    stats: dict = {"strategy": strategy, "fit_ms": round(fit_ms, 1), "n_classes": session.n_classes_labeled}
    if session.head.is_fitted:
        project.put_arrays("head", session.head.to_arrays())
        X = np.asarray(session.embeddings[lab], np.float32)
        cv = stopping.cv_accuracy(lambda: LinearHead(C=session.head.C), X, session.state[lab])
        if cv:
            stats.update(cv_accuracy=cv["accuracy"], cv_low=cv["low"], cv_high=cv["high"])
        snap = project.get_arrays("snapshot")
        sample = snap.get("idx")
        if sample is None:
            unl = np.flatnonzero(session.state == UNLABELED)
            rng = np.random.default_rng(0)
            sample = np.sort(rng.choice(unl, min(SNAPSHOT_SIZE, len(unl)), replace=False)) if len(unl) else unl
        pred, _ = session.predict(sample)
        stats["changed_fraction"] = stopping.changed_fraction(snap.get("pred"), pred)
        project.put_arrays("snapshot", {"idx": np.asarray(sample, np.int64), "pred": pred.astype(np.int64)})
    positive = session.positive
    if positive is not None:
        stats["positives"] = int((session.state == positive).sum())
    session.pool.update(session.index, session.embeddings, lab)
    stats["pool_size"] = len(session.pool)
    project.add_round(len(lab), stats)
    return stats


def next_batch(project: Project, n: int | None = None, strategy: str | None = None,
               session: Session | None = None) -> list[dict]:
    """The current batch if some of it is unanswered; otherwise refit and select a new one."""
    n = int(n or project.meta("batch_size", 20))
    strategy = strategy or project.meta("strategy", "seals")
    get_strategy(strategy)
    if project.counts()["n_embedded"] == 0:
        raise ShoalError(f"no item is embedded yet; run: shoal embed {project.path}")
    left = pending_queue(project)
    if left:
        return describe(project, left[:n])
    session = session or open_session(project)
    if not (session.state == UNLABELED).any():
        return []
    if len(session.labeled) and project.load_queue():  # a batch was just answered: new round
        finish_round(project, session, strategy)
    t = time.perf_counter()
    picks = session.select(n, strategy)
    select_ms = (time.perf_counter() - t) * 1000
    entries = [{"idx": p.idx, "score": p.score, "reason": p.reason, "neighbour_of": p.neighbour_of} for p in picks]
    project.save_queue(entries, len(project.rounds()))
    project.set_meta({"last_select_ms": round(select_ms, 1)})
    return describe(project, entries)


def resolve_item(project: Project, item: str) -> int:
    idx = project.idx_of(item)
    if idx is None:  # the source's own id, without our "id:" prefix
        idx = project.idx_of("id:" + item)
    if idx is None:
        raise ShoalError(f"no item with id {item!r} in this project")
    return idx


def label_items(project: Project, answers: list[tuple[str, str | None, str]], origin: str = "cli") -> int:
    """Apply (item id, label name, state) answers in one durable transaction.
    state is 'labeled' (a new label name joins the label set), 'skipped' or 'cleared'."""
    changes = []
    with project.tx():
        for item, name, state in answers:
            idx = resolve_item(project, item)
            label_id = project.label_id(name, create=True) if state == "labeled" else None
            changes.append((idx, label_id, state))
        project.set_labels(changes, origin=origin)
    return len(changes)
