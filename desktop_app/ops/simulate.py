"""`shoal simulate`: read a labeled source, embed it once (cached), replay strategies."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from desktop_app.core.embedding.batch import encode_payloads
from desktop_app.core.simulate import full_supervision, replay_index, run_one, split
from desktop_app.core.sources.base import SourceOptions
from desktop_app.core.sources.registry import scan
from desktop_app.errors import ShoalError


def cache_dir() -> Path:
    from platformdirs import user_cache_dir

    d = Path(user_cache_dir("shoal")) / "simulate"
    d.mkdir(parents=True, exist_ok=True)
    return d


def labeled_embeddings(source, options: SourceOptions, encoder: str | None = None, progress=None):
    """(X, y as ints, label names, dataset name), embeddings cached on disk by content."""
    found = scan(source, options)
    records = [r for r in found.records if r.skip_reason is None and r.label is not None]
    if not records:
        raise ShoalError("simulate needs known labels: use --label-column or --labels-from-folders")
    from desktop_app.ops.encoders import choose_encoder

    _, _, enc = choose_encoder(encoder, found.kind)  # a bundled encoder's name, or PATH/model.onnx
    key = hashlib.blake2b(json.dumps([enc.identity(), [r.uid for r in records]]).encode(), digest_size=10).hexdigest()
    path = cache_dir() / f"{Path(source).name}-{key}.npz"
    names = sorted({r.label for r in records})
    y = np.array([names.index(r.label) for r in records], np.int64)
    if path.exists():
        with np.load(path, allow_pickle=False) as z:
            return z["X"], z["y"], names, Path(source).name
    payloads = [str(found.root / r.path) if found.kind == "image" else r.text for r in records]
    X = np.zeros((len(records), enc.dim), np.float32)
    ok = np.zeros(len(records), bool)
    for s in range(0, len(payloads), 256):
        vecs, good, _ = encode_payloads(enc, payloads[s:s + 256])
        X[[s + g for g in good]] = vecs
        ok[[s + g for g in good]] = True
        if progress:
            progress(min(s + 256, len(payloads)), len(payloads))
    X, y = X[ok], y[ok]
    np.savez(path, X=X, y=y)
    return X, y, names, Path(source).name


MIN_PROJECT_LABELS = 40  # a replay splits off a fifth to test on and starts from --init labels


def project_labels(project) -> tuple[np.ndarray, np.ndarray, list[str], str, str]:
    """A project's own answers as a replay's known labels: (X, y, label names, dataset name, note). Only
    its labeled, embedded items can be replayed (no one knows the others' labels), so they are the whole
    pool; the note says so in the output."""
    from desktop_app.ops.embed import embedded_mask

    if not project.counts()["n_embedded"]:
        raise ShoalError(f"{project.path} has no embedded items yet; run: shoal embed {project.path}")
    lab_idx, lab_ids, _ = project.current_labels()
    embedded = embedded_mask(project)[lab_idx]
    lab_idx, lab_ids = lab_idx[embedded], lab_ids[embedded]
    used = sorted({int(i) for i in lab_ids})
    if len(used) < 2 or len(lab_idx) < MIN_PROJECT_LABELS:
        raise ShoalError(f"{project.path} has {len(lab_idx)} labeled, embedded items in {len(used)} classes: a replay "
                         f"needs at least {MIN_PROJECT_LABELS} in 2 classes or more")
    names_of = {int(l["id"]): l["name"] for l in project.label_set()}
    names = [names_of.get(i, f"label {i}") for i in used]
    y = np.searchsorted(np.array(used, np.int64), lab_ids).astype(np.int64)
    X = np.array(project.load_embeddings()[lab_idx], np.float32)
    n_items = project.n_items
    left = n_items - len(lab_idx)
    note = (f"replaying {project.path.name}'s own labels: its {len(lab_idx)} labeled items are the whole pool "
            + (f"(the other {left} have no known label and are left out), " if left else "")
            + "a fifth of them is held out to test on, and unless they came with the source they were chosen by "
            "how you labeled, not at random; so this compares how fast each strategy reaches the model these "
            "labels give, on these items" + (", not what it would have picked from all of them" if left else ""))
    return X, y, names, f"{project.path.name} (labeled items only)", note


def stratified_limit(y: np.ndarray, limit: int, seed: int = 0) -> np.ndarray:
    if limit >= len(y):
        return np.arange(len(y))
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(np.arange(len(y)), train_size=limit, random_state=seed, stratify=y)
    return np.sort(keep)


_SHARED: dict = {}  # arrays handed to forked workers without pickling


def _replay_seed(seed: int, strategies, budget, batch, init, pos, signals, k, audit_share=0.0) -> list[dict]:
    X, y = _SHARED["X"], _SHARED["y"]
    split_idx = split(y, seed)
    index = replay_index(X[split_idx[0]])  # shared by the strategies; single-threaded: deterministic
    runs = []
    for strat in strategies:
        curve = run_one(X, y, strat, budget=budget, batch=batch, init=init, seed=seed, positive=pos,
                        split_idx=split_idx, index=index, k=k, signals=strat in signals, audit_share=audit_share)
        runs.append({"strategy": strat, "seed": seed, "curve": curve})
    return runs


def simulate_arrays(X, y, names, dataset, strategies, budget, batch, init, seeds, positive=None,
                    signals=(), workers: int = 1, k: int = 100, audit_share: float = 0.0) -> dict:
    """Replay every strategy for seeds 0..seeds-1 (same split, start set and index per seed).
    `signals`: strategies whose rounds also record the stopping signals. `workers` > 1 runs seeds in
    forked processes (one BLAS thread each)."""
    pos = None
    if positive is not None:
        if positive not in names:
            raise ShoalError(f"--positive {positive!r} is not a label of this source (labels: {', '.join(names)})")
        pos = names.index(positive)
    _SHARED.update(X=X, y=y)
    args = [(seed, list(strategies), budget, batch, init, pos, set(signals), k, audit_share) for seed in range(seeds)]
    if workers > 1 and seeds > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(min(workers, seeds), mp_context=mp.get_context("fork")) as ex:
            per_seed = list(ex.map(_replay_seed, *zip(*args)))
    else:
        per_seed = [_replay_seed(*a) for a in args]
    runs = [r for rs in per_seed for r in rs]
    fulls = [full_supervision(X, y, s, pos) for s in range(seeds)]
    full = {key: float(np.median([f[key] for f in fulls])) for key in fulls[0]}
    return {"dataset": dataset, "n_items": int(len(y)), "labels": names, "positive": positive,
            "budget": budget, "batch": batch, "init": init, "audit_share": audit_share, "runs": runs,
            "full_supervision": full,
            "full_supervision_per_seed": fulls}


def run_simulation(source, options: SourceOptions, strategies, budget, batch, init, seeds, positive=None,
                   encoder=None, limit=None, audit_share: float = 0.0, project=None) -> dict:
    """Replay strategies on a labeled source, or (project: an open Project) on a project's own labels."""
    from desktop_app.core.selection.registry import get_strategy

    for s in strategies:
        get_strategy(s)
    if not 0 <= audit_share <= 0.5:
        raise ShoalError(f"--audit-share must be between 0 and 0.5 (got {audit_share})")
    note = None
    if project is not None:
        X, y, names, dataset, note = project_labels(project)
    else:
        X, y, names, dataset = labeled_embeddings(source, options, encoder)
    if limit:
        keep = stratified_limit(y, limit)
        X, y = X[keep], y[keep]
    result = simulate_arrays(X, y, names, dataset, strategies, budget, batch, init, seeds, positive,
                             audit_share=audit_share)
    if note:
        result.update(pool="labeled items only", note=note)
    return result
