"""Opening an existing N-item project (a real .shoal file) to its first labelable item.

`make` writes the project the way Shoal itself would hold it after embedding: items and
embedding blobs in SQLite, the embeddings .npy cache and the kNN index cache beside it, labels
and a trained head. `open` then times, in a fresh process, Project.open -> open_session ->
next_batch until the first item can be shown. Both run as subprocesses of `shoal bench`, so
the bench's own peak memory stays the index's and the open is cold for Python.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from desktop_app.speed_bench.common import peak_rss_mb
from desktop_app.speed_bench.synth import read_rows

CHUNK = 50_000
BATCH = 20


def make(project_path: Path, emb_path: Path, truth: Path, index_file: Path | None, n_labels: int,
         seed: int = 0, kind: str = "hnsw") -> dict:
    from desktop_app.core.embedding.registry import get_encoder
    from desktop_app.core.learning.heads import LinearHead
    from desktop_app.core.sources.base import ItemRecord
    from desktop_app.ops.create import DEFAULT_SETTINGS
    from desktop_app.ops.embed import remember_index
    from desktop_app.ops.loop import next_batch, open_session
    from desktop_app.store.project import Project

    t0 = time.perf_counter()
    y = np.load(truth)
    n = len(y)
    dim = np.load(emb_path, mmap_mode="r").shape[1]
    enc = get_encoder("minilm")
    meta = {"source": str(emb_path), "source_root": str(emb_path.parent), "kind": "text", "reader": "bench",
            "source_options": {}, "encoder": "minilm", "encoder_identity": enc.identity(), "dim": dim,
            **DEFAULT_SETTINGS, "index": kind}
    project = Project.create(project_path, meta)
    with project:
        for start in range(0, n, CHUNK):
            stop = min(n, start + CHUNK)
            project.add_items(ItemRecord(uid=f"id:{i}", source_id=str(i), text=f"synthetic item {i} of cluster class {y[i]}")
                              for i in range(start, stop))
            project.store_embeddings(range(start, stop), read_rows(emb_path, start, stop), {})
        names = [project.label_id(f"class {c}", create=True) for c in range(int(y.max()) + 1)]
        rng = np.random.default_rng(seed)
        lab = np.sort(rng.choice(n, size=max(2, min(n_labels, n // 2) - BATCH), replace=False))
        project.set_labels([(int(i), names[y[i]], "labeled") for i in lab], origin="bench")
        X = np.concatenate([read_rows(emb_path, int(i), int(i) + 1) for i in lab])
        head = LinearHead().fit(X, np.asarray(names)[y[lab]])
        project.put_arrays("head", head.to_arrays())
        project.load_embeddings()  # builds the .npy cache, as the first open after `shoal embed` does
        if index_file is not None:
            shutil.copyfile(index_file, project.cache_dir / "index.bin")
            remember_index(project, np.arange(n, dtype=np.int64), kind=kind)
        # the last session: a batch was selected (queue and pool saved), then answered
        batch = next_batch(project, n=BATCH, session=open_session(project))
        project.set_labels([(b["idx"], names[y[b["idx"]]], "labeled") for b in batch], origin="bench")
    return {"make_project_s": time.perf_counter() - t0, "make_peak_rss_mb": peak_rss_mb()}


def open_first(project_path: Path, queue: bool) -> dict:
    """Seconds from opening the file to the first labelable item. The last session answered
    its whole batch, so this runs a round (refit, stopping signals, pool growth, selection);
    run again (`queue`), the batch that round saved is shown."""
    t = time.perf_counter()
    # what the running app has imported before the user opens a project
    import sklearn.linear_model  # noqa: F401

    from desktop_app.core.embedding.registry import get_encoder
    from desktop_app.ops.loop import next_batch, open_session
    from desktop_app.store.project import Project

    get_encoder("minilm").identity()
    imports_s = time.perf_counter() - t
    t0 = time.perf_counter()
    project = Project.open(project_path)
    with project:
        t1 = time.perf_counter()
        session = open_session(project)
        t2 = time.perf_counter()
        batch = next_batch(project, session=session)
        t3 = time.perf_counter()
        first = batch[0]["id"] if batch else None
    return {"open_s": t3 - t0, "open_imports_s": imports_s, "open_file_s": t1 - t0, "open_session_s": t2 - t1,
            "first_batch_s": t3 - t2, "first_item": first, "batch": len(batch), "open_peak_rss_mb": peak_rss_mb()}


def in_subprocess(*args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "desktop_app.speed_bench.project_bench", *args],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"project bench {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    cmd = argv[0]
    if cmd == "make":
        res = make(Path(argv[1]), Path(argv[2]), Path(argv[3]), Path(argv[4]) if argv[4] != "-" else None,
                   int(argv[5]), kind=argv[6] if len(argv) > 6 else "hnsw")
    else:
        res = open_first(Path(argv[1]), queue=cmd == "open-queue")
    print(json.dumps(res))


if __name__ == "__main__":
    main(sys.argv[1:])
