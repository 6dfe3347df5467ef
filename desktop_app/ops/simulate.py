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


def stratified_limit(y: np.ndarray, limit: int, seed: int = 0) -> np.ndarray:
    if limit >= len(y):
        return np.arange(len(y))
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(np.arange(len(y)), train_size=limit, random_state=seed, stratify=y)
    return np.sort(keep)


_SHARED: dict = {}  # arrays handed to forked workers without pickling


def _replay_seed(seed: int, strategies, budget, batch, init, pos, signals, k) -> list[dict]:
    X, y = _SHARED["X"], _SHARED["y"]
    split_idx = split(y, seed)
    index = replay_index(X[split_idx[0]])  # shared by the strategies; single-threaded: deterministic
    runs = []
    for strat in strategies:
        curve = run_one(X, y, strat, budget=budget, batch=batch, init=init, seed=seed, positive=pos,
                        split_idx=split_idx, index=index, k=k, signals=strat in signals)
        runs.append({"strategy": strat, "seed": seed, "curve": curve})
    return runs


def simulate_arrays(X, y, names, dataset, strategies, budget, batch, init, seeds, positive=None,
                    signals=(), workers: int = 1, k: int = 100) -> dict:
    """Replay every strategy for seeds 0..seeds-1 (same split, start set and index per seed).
    `signals`: strategies whose rounds also record the stopping signals. `workers` > 1 runs seeds in
    forked processes (one BLAS thread each)."""
    pos = None
    if positive is not None:
        if positive not in names:
            raise ShoalError(f"--positive {positive!r} is not a label of this source (labels: {', '.join(names)})")
        pos = names.index(positive)
    _SHARED.update(X=X, y=y)
    args = [(seed, list(strategies), budget, batch, init, pos, set(signals), k) for seed in range(seeds)]
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
            "budget": budget, "batch": batch, "init": init, "runs": runs, "full_supervision": full,
            "full_supervision_per_seed": fulls}


def run_simulation(source, options: SourceOptions, strategies, budget, batch, init, seeds, positive=None,
                   encoder=None, limit=None) -> dict:
    from desktop_app.core.selection.registry import get_strategy

    for s in strategies:
        get_strategy(s)
    X, y, names, dataset = labeled_embeddings(source, options, encoder)
    if limit:
        keep = stratified_limit(y, limit)
        X, y = X[keep], y[keep]
    return simulate_arrays(X, y, names, dataset, strategies, budget, batch, init, seeds, positive)
