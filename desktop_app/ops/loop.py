"""The labeling loop on a project: build the session, serve batches, record labels, refit."""
from __future__ import annotations

import os
import time

import numpy as np

from desktop_app.core.index.rows import RowFile
from desktop_app.core.rounds import SNAPSHOT_SIZE  # noqa: F401 - its home before core.rounds
from desktop_app.core.selection.base import EXCLUDED, UNLABELED
from desktop_app.core.selection.pool import CandidatePool
from desktop_app.core.selection.registry import get_strategy
from desktop_app.core.session import Session
from desktop_app.errors import ShoalError
from desktop_app.ops.answers import label_items, resolve_item  # noqa: F401 - their home before ops.answers
from desktop_app.ops.batch import BatchEntry
from desktop_app.ops.derived import load_head, load_snapshot
from desktop_app.ops.embed import check_encoder, embedded_mask, load_index
from desktop_app.ops.search_query import query_vector
from desktop_app.store import sidecar
from desktop_app.store.project import Project

DEFAULT_AUDIT_SHARE = 0.1  # share of each batch drawn at random for the accuracy estimate (docs/benchmarks.md)


def build_state(project: Project) -> np.ndarray:
    state = np.full(project.n_items, EXCLUDED, np.int64)
    state[embedded_mask(project)] = UNLABELED
    lab_idx, lab_ids, skipped = project.current_labels()
    state[skipped] = EXCLUDED
    embedded = state[lab_idx] != EXCLUDED
    state[lab_idx[embedded]] = lab_ids[embedded]
    return state


def open_session(project: Project, progress=None, cancel=None) -> Session:
    """Everything the loop needs in memory: embeddings (memory-mapped), index (loading in a
    background thread), head, and the SEALS pool as the last session left it."""
    check_encoder(project)
    emb = RowFile.from_memmap(project.load_embeddings())  # gathers by pread: not counted in RSS
    index = load_index(project, emb, progress=progress, cancel=cancel, lazy=True)
    head = load_head(project)  # a damaged saved head is dropped here and refitted below
    session = Session(emb, build_state(project), index=index, head=head, k=int(project.meta("k", 100)),
                      uncertainty=project.meta("uncertainty", "margin"), positive=search_label_id(project),
                      seed=project_seed(project), audit_share=audit_share(project))
    session.set_query(query_vector(project))
    if not head.is_fitted and session.n_classes_labeled >= 2:
        session.refit()
    restore_pool(project, session)
    return session


def project_seed(project: Project) -> int:
    """A seed of this project's own (from its creation time): two projects on the same data do not get
    the same cold-start seeds, and one project replays the same way."""
    import zlib

    return zlib.crc32(repr(project.meta("created_at", 0)).encode())


def audit_share(project: Project) -> float:
    try:
        share = float(project.meta("audit_share", DEFAULT_AUDIT_SHARE))
    except (TypeError, ValueError):
        return DEFAULT_AUDIT_SHARE
    return min(max(share, 0.0), 0.5) if np.isfinite(share) else DEFAULT_AUDIT_SHARE


# ---- the SEALS pool, kept between sessions ---------------------------------------------------
# Rebuilding the pool at open means one kNN query per label (2,000 labels x 1M items: seconds,
# and the index must be loaded first). It only depends on the labels queried so far, so it is
# saved beside the index; labels added since are queried as usual on the next round.
def _pool_stamp(project: Project, session: Session) -> str:
    return f"{project.meta('project_id')}:{project.meta('encoder_identity')}:{session.pool.k}:{len(session.state)}"


def _rows_stamp(project: Project) -> str:
    return f"{project.meta('project_id')}:{project.meta('encoder_identity')}"


def save_pool(project: Project, session: Session) -> None:
    if project.readonly or not hasattr(session.pool, "to_arrays"):
        return
    arrays = {**session.pool.to_arrays(), "stamp": np.array(_pool_stamp(project, session))}
    sidecar.write_file(project.cache_dir / "pool.npz", lambda f: np.savez(f, **arrays))
    _save_pool_rows(project, session)


# The pool members' embedding rows (the session's RowCache), appended round by round to a raw
# file, so a new session reads them in one sequential pass instead of ~200k scattered rows of
# the 1.5 GB embeddings map (seconds at 1M items).
def _save_pool_rows(project: Project, session: Session) -> None:
    rows = session.rows
    if rows.embeddings is not session.embeddings or rows.dim == 0:
        return
    order = rows.order()
    ids_path, data_path = project.cache_dir / "pool_rows_ids.npy", project.cache_dir / "pool_rows.f32"
    have = 0
    stamp_path = project.cache_dir / "pool_rows.json"
    try:
        if sidecar.read_json(stamp_path)["stamp"] != _rows_stamp(project):
            raise ValueError("rows of another project or encoder")
        old = sidecar.load_npy(ids_path)
        if (sidecar.plain(data_path).stat().st_size == len(old) * rows.dim * 4 and len(old) <= len(order)
                and np.array_equal(old, order[:len(old)])):
            have = len(old)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if have == len(order):
        return

    def chunk(start: int) -> bytes:
        return np.ascontiguousarray(rows.rows_from(start), np.float32).tobytes()
    if have:  # append in place (O_NOFOLLOW: never through a planted link; never into a hard-linked file)
        with os.fdopen(os.open(data_path, os.O_WRONLY | os.O_APPEND | os.O_NOFOLLOW), "ab") as f:
            if os.fstat(f.fileno()).st_nlink == 1:
                f.write(chunk(have))
            else:
                have = 0
    if not have:
        stamp_path.unlink(missing_ok=True)  # removes a link itself, never its target
        data = chunk(0)
        sidecar.write_file(data_path, lambda f: f.write(data))
    sidecar.save_npy(ids_path, order)
    if not have:
        sidecar.write_json(stamp_path, {"stamp": _rows_stamp(project)})


def _restore_pool_rows(project: Project, session: Session) -> None:
    from desktop_app.core.index.rows import release_pages

    rows = session.rows
    ids_path, data_path = project.cache_dir / "pool_rows_ids.npy", project.cache_dir / "pool_rows.f32"
    try:
        if sidecar.read_json(project.cache_dir / "pool_rows.json")["stamp"] != _rows_stamp(project):
            return
        ids = sidecar.load_npy(ids_path)
        if (ids.dtype != np.int64 or sidecar.plain(data_path).stat().st_size != len(ids) * rows.dim * 4 or len(ids) == 0
                or ids.min() < 0 or ids.max() >= len(rows.pos)):
            return
        data = np.memmap(data_path, dtype=np.float32, mode="r", shape=(len(ids), rows.dim))
    except (OSError, ValueError, KeyError, TypeError):
        return
    rows.add_rows(ids, data)
    release_pages(data)


def restore_pool(project: Project, session: Session) -> bool:
    pool = session.pool
    if not isinstance(pool, CandidatePool):
        return False
    try:
        with sidecar.load_npy(project.cache_dir / "pool.npz") as z:
            if str(z["stamp"]) != _pool_stamp(project, session):
                return False
            arrays = {k: z[k] for k in z.files if k != "stamp"}
        session.pool = CandidatePool.from_arrays(arrays, len(session.state), k=pool.k)
    except (OSError, ValueError, KeyError):
        return False
    _restore_pool_rows(project, session)
    return True


def search_label_id(project: Project) -> int | None:
    for label in project.label_set():
        if label["mode"] == "search":
            return int(label["id"])
    return None


def effective_strategy(project: Project, requested: str | None = None) -> str:
    """The strategy asked for; else `search` while a label is in search mode; else the project's."""
    if requested:
        return requested
    return "search" if search_label_id(project) is not None else project.meta("strategy", "seals")


def set_search_label(project: Project, name: str | None) -> None:
    """Put one label in search mode ("find more like this": rank by its probability), or none. A query
    stored by an earlier call is cleared (ops.search_query.set_search stores a new one after this)."""
    target = project.label_id(name) if name else None
    with project.tx():
        project.clear_search_query()
        for label in project.label_set():
            project.set_label_mode(label["id"], "search" if label["id"] == target else "learn")
    queue = project.load_queue()
    if queue:  # unanswered items were chosen for the old mode: drop them; answered ones close the round
        answered = answered_items(project, [q["idx"] for q in queue])
        project.save_queue([q for q in queue if q["idx"] in answered], len(project.rounds()))


def describe(project: Project, picks: list[dict]) -> list[BatchEntry]:
    """Queue entries (store form: idx, score, reason, neighbour_of as an idx...) as a person sees them: the
    item's own id, its path or text, the labeled item it was reached from, and the model's top two classes
    when it had a model (a batch not saved yet carries its own probabilities)."""
    rows = {r["idx"]: r for r in project.items([p["idx"] for p in picks])}
    names = {l["id"]: l["name"] for l in project.label_set()}
    asked = project.asked_probabilities([p["idx"] for p in picks])
    image = project.meta("kind") == "image"
    out = []
    for p in picks:
        r = rows[p["idx"]]
        own = (p["classes"], np.asarray(p["proba"])) if p.get("proba") is not None and p.get("classes") else None
        entry = BatchEntry(idx=int(p["idx"]), id=r["id"], score=float(p["score"]), reason=p["reason"],
                           kind=str(p.get("kind") or ""), audit=bool(p.get("audit")),
                           path=r["path"] if image and r["path"] else None, text=None if image else r["text"],
                           top=_top_two(own or asked.get(p["idx"]), names),
                           proba=p.get("proba"), classes=p.get("classes"))
        if p.get("neighbour_of") is not None:
            src = project.item(p["neighbour_of"])
            if src:
                entry.neighbour_of, entry.neighbour_id = int(p["neighbour_of"]), src["id"]
                entry.neighbour_name = (src["path"] if image else None) or src["id"]
        out.append(entry)
    return out


def _top_two(recorded, names: dict) -> list[dict]:
    if recorded is None:
        return []
    classes, proba = recorded
    order = np.argsort(-proba, kind="stable")[:2]
    return [{"label": names.get(classes[i], f"label {classes[i]}"), "p": round(float(proba[i]), 4)} for i in order]


def pending_queue(project: Project) -> list[dict]:
    """Queue entries not answered yet."""
    queue = project.load_queue()
    if not queue:
        return []
    answered = answered_items(project, [q["idx"] for q in queue])
    return [q for q in queue if q["idx"] not in answered]


def answered_items(project: Project, idxs: list[int]) -> set[int]:
    """Those of `idxs` that have an answer (a label or a skip)."""
    return project.answered(idxs)


def round_due(project: Project) -> bool:
    """Whether a new round starts: the answers changed since the last recorded round (the latest answer
    event is newer than the one the round recorded; a round recorded before that was kept: its label
    count differs). The one rule by which `shoal next` (after a batch) and the GUI (request_round) decide."""
    n = project.n_labeled()
    if not n:
        return False
    rounds = project.rounds()
    if not rounds:
        return True
    through = rounds[-1].get("answers_through")
    if not isinstance(through, int):
        return n != rounds[-1]["n_labeled"]
    last = project.events(1)
    return bool(last) and int(last[0]["id"]) > through


def recorded_asks(project: Project) -> list[tuple]:
    """The project's answered picks as core.rounds wants them: (probabilities when picked, class ids,
    audit, answer, labels the project had then)."""
    labels_then = {r["round"]: r["n_labeled"] for r in project.rounds()}
    return [(proba, classes, audit, label, labels_then.get(round_, 0))
            for classes, proba, audit, label, round_ in project.answered_asks()]


def finish_round(project: Project, session: Session, strategy: str) -> dict:
    """Refit the head on all labels and compute the stopping signals (Session.finish_round, the same
    computation `shoal simulate` runs), then save head, tracked predictions and round in one transaction."""
    snap = load_snapshot(project)
    last = project.events(1)
    result = session.finish_round(recorded_asks(project), snapshot_idx=snap.get("idx"), previous_pred=snap.get("pred"))
    lab = session.labeled
    stats: dict = {"strategy": strategy, **result.stats}
    session.pool.update(session.index, session.embeddings, lab)
    stats["pool_size"] = len(session.pool)
    stats["answers_through"] = int(last[0]["id"]) if last else 0
    with project.tx():
        if result.head is not None:
            project.put_arrays("head", result.head)
        if result.snapshot is not None:
            project.put_arrays("snapshot", result.snapshot)
        project.add_round(len(lab), stats)
    return stats


def select_entries(project: Project, session: Session, n: int, strategy: str, exclude=()) -> tuple[list[dict], float]:
    """Select a batch as queue entries; the grown SEALS pool is saved so a restart need not rebuild it.
    Returns (entries, selection time in ms)."""
    t = time.perf_counter()
    picks = session.select(n, strategy, exclude=list(exclude))
    select_ms = (time.perf_counter() - t) * 1000
    save_pool(project, session)
    classes = [int(c) for c in session.head.classes_]
    return [{"idx": p.idx, "score": p.score, "reason": p.reason, "neighbour_of": p.neighbour_of, "kind": p.kind,
             "audit": p.audit, "proba": p.proba, "classes": classes if p.proba is not None else None}
            for p in picks], select_ms


def next_batch(project: Project, n: int | None = None, strategy: str | None = None,
               session: Session | None = None) -> list[dict]:
    """The `next --json` entries of the current batch if some of it is unanswered; otherwise refit and select a new one."""
    n = int(n or project.meta("batch_size", 20))
    strategy = effective_strategy(project, strategy)
    get_strategy(strategy)
    if project.counts()["n_embedded"] == 0:
        raise ShoalError(f"no item is embedded yet; run: shoal embed {project.path}")
    left = pending_queue(project)
    if left:
        return [e.to_json() for e in describe(project, left[:n])]
    session = session or open_session(project)
    if not (session.state == UNLABELED).any():
        return []
    # the batch is answered: a new round when the answers changed since the last one (a run killed after
    # recording its round, before saving its next queue, recorded those answers already)
    if round_due(project):
        finish_round(project, session, strategy)
    entries, select_ms = select_entries(project, session, n, strategy)
    project.save_queue(entries, len(project.rounds()))
    project.set_meta({"last_select_ms": round(select_ms, 1)})
    return [e.to_json() for e in describe(project, entries)]


def peek_batch(project: Project, n: int | None = None) -> list[dict]:
    """The unanswered rest of the current batch, read-only (no round, no selection, no write)."""
    left = pending_queue(project)
    if not left:
        raise ShoalError(f"there is no current batch to show; `shoal next {project.path}` starts one")
    return [e.to_json() for e in describe(project, left[:n] if n else left)]
