"""`shoal bench`: the scale and speed figures of issue 6, as a table and a flat JSON object.

Selection, index and round figures run on synthetic clustered embeddings (speed_bench/
synth.py); throughput runs the bundled encoders on generated sentences and JPEGs; open time
opens a real .shoal project of the same size in a fresh process. Scratch files go to
$SHOAL_BENCH_DIR (default: a temporary folder, removed afterwards).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from desktop_app.core.index.rows import RowFile
from desktop_app.speed_bench import index_bench, project_bench
from desktop_app.speed_bench.common import log, peak_rss_mb
from desktop_app.speed_bench.report import table
from desktop_app.speed_bench.rounds import run_rounds
from desktop_app.speed_bench.synth import make_mixture, read_rows, write_npy

KEYS = ("items", "dim", "round_p50_ms", "round_p95_ms", "index_build_s", "index_recall_at_100", "peak_rss_mb",
        "open_s", "text_per_s", "images_per_s", "gui_stall_p99_ms", "text_embed_peak_rss_mb",
        "image_embed_peak_rss_mb")


def run_bench(args) -> int:
    n, dim = int(args.items), int(args.dim)
    if n < 100 or dim < 2:
        from desktop_app.errors import ShoalError

        raise ShoalError("bench needs --items >= 100 and --dim >= 2")
    keep = os.environ.get("SHOAL_BENCH_DIR")
    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="shoal-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    res: dict = {k: None for k in KEYS}
    res.update(items=n, dim=dim, labels=min(int(args.labels), n // 2), rounds=int(args.rounds), started=time.time(),
               cores=len(os.sched_getaffinity(0)), loadavg_start=round(os.getloadavg()[0], 2))
    try:
        _selection_figures(res, work, args)
        if not getattr(args, "skip_project", False):
            _project_figures(res, work)
        if not args.skip_embedding:
            _throughput(res, work, n)
            rss_items = int(getattr(args, "rss_items", 10_000))
            _embed_memory(res, work, rss_items if n >= 10_000 else min(rss_items, 200))  # test-sized runs stay quick
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    res["seconds"] = round(time.time() - res.pop("started"), 1)
    res["loadavg_end"] = round(os.getloadavg()[0], 2)  # other work on the machine: figures are wall-clock
    print(table(res))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    return 0


PER_KIND = ("index_build_s", "index_recall_at_100", "index_query_ms", "index_peak_rss_mb", "round_p50_ms",
            "round_p95_ms", "round_cpu_p50_ms", "round_cpu_p95_ms", "pool_size", "peak_rss_mb")


def _kinds_to_measure(choice: str, n: int) -> tuple[str, list[str]]:
    """(the kind whose figures are the plain keys, every kind to measure)."""
    from desktop_app.core.index import kinds

    main = kinds.choose("auto" if choice == "both" else choice, n)
    return main, ([main] + [k for k in kinds.INDEX_KINDS if k != main]) if choice == "both" else [main]


def _selection_figures(res: dict, work: Path, args) -> None:
    import gc

    from desktop_app.speed_bench.common import reset_peak_rss

    n, dim = res["items"], res["dim"]
    emb_path = work / "embeddings.npy"
    t = time.perf_counter()
    truth = write_npy(make_mixture(dim), n, emb_path)
    np.save(work / "truth.npy", truth)
    log(f"{n:,} synthetic {dim}-d embeddings in {time.perf_counter() - t:.0f}s")
    main, measure = _kinds_to_measure(getattr(args, "index", "both"), n)
    res["index_kind"] = main
    for kind in reversed(measure):  # the main kind last: its index is the one the project figures use
        reset_peak_rss()  # each kind's peak on its own (the other kind's index is freed first)
        figures = _one_index(res, work, args, kind, emb_path, truth, gui=not args.skip_gui and kind == main)
        res.update({f"{kind}_{key}": figures.get(key) for key in PER_KIND})
        if kind == main:
            res.update(figures)
        gc.collect()


def _one_index(res: dict, work: Path, args, kind: str, emb_path: Path, truth: np.ndarray, gui: bool) -> dict:
    n, dim = res["items"], res["dim"]
    out: dict = {}
    index, out["index_build_s"] = index_bench.build(emb_path, n, dim, kind=kind)
    log(f"{kind} build {out['index_build_s']:.1f}s")
    rec = index_bench.recall_at(index, emb_path, n, n_queries=min(1000, n))
    out["index_recall_at_100"], out["index_query_ms"] = rec["recall"], rec["query_ms_per_item"]
    out["index_peak_rss_mb"] = peak_rss_mb()
    log(f"{kind} recall@100 {rec['recall']:.4f}, peak RSS {out['index_peak_rss_mb']:.0f} MB")
    emb = RowFile.from_memmap(np.load(emb_path, mmap_mode="r"))  # as open_session reads them
    rounds = run_rounds(emb, truth, index, res["labels"], res["rounds"])
    session = rounds.pop("session")
    out.update(rounds)
    log(f"{kind} rounds p50 {out['round_p50_ms']:.0f} ms, p95 {out['round_p95_ms']:.0f} ms, pool {out['pool_size']:,}")
    if gui:
        out.update(_gui_stall(session, truth, emb_path, n, dim, with_text=not args.skip_embedding))
        log(f"GUI stall p99 {out['gui_stall_p99_ms']:.1f} ms")
    index.save(work / "index.bin")
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _gui_stall(session, truth, emb_path: Path, n: int, dim: int, with_text: bool) -> dict:
    from desktop_app.core.index.hnsw import KnnIndex
    from desktop_app.speed_bench import gui_stall

    def rounds():
        picks = session.select(20, "seals")
        for _ in range(5):
            idx = np.array([p.idx for p in picks], np.int64)
            session.set_state(idx, truth[idx])
            session.refit()
            picks = session.select(20, "seals")

    def build():
        m = min(n, 50_000)
        KnnIndex(dim, m).add(read_rows(emb_path, 0, m), np.arange(m))

    def embed():
        from desktop_app.core.embedding.batch import encode_payloads
        from desktop_app.core.embedding.registry import get_encoder
        from desktop_app.speed_bench.throughput import sentences

        enc = get_encoder("minilm")
        texts = sentences(256, seed=1)
        for s in range(0, len(texts), 64):
            encode_payloads(enc, texts[s:s + 64])

    jobs = [("refit_select", rounds), ("index_add", build)] + ([("embed_text", embed)] if with_text else [])
    return gui_stall.measure(jobs)


def _project_figures(res: dict, work: Path) -> None:
    project = work / "bench.shoal"
    made = project_bench.in_subprocess("make", str(project), str(work / "embeddings.npy"), str(work / "truth.npy"),
                                       str(work / "index.bin"), str(res["labels"]), res["index_kind"])
    res.update(made)
    log(f"project of {res['items']:,} items written in {made['make_project_s']:.0f}s")
    opened = project_bench.in_subprocess("open", str(project))
    queued = project_bench.in_subprocess("open-queue", str(project))
    res["open_queue_s"] = queued["open_s"]
    res.update(opened)
    log(f"open -> first item {opened['open_s']:.2f}s (saved batch: {queued['open_s']:.2f}s)")


def _throughput(res: dict, work: Path, n: int) -> None:
    from desktop_app.speed_bench import throughput

    small = n < 10_000  # keep the test-sized run quick
    res.update(throughput.text_per_s(work, 128 if small else 2000))
    log(f"text {res['text_per_s']:.0f}/s")
    res.update(throughput.images_per_s(work, 32 if small else 400))
    log(f"images {res['images_per_s']:.0f}/s")


def _embed_memory(res: dict, work: Path, n: int) -> None:
    """Peak RSS of `shoal embed` on n texts and on n images, each in a fresh process."""
    from desktop_app.speed_bench import embed_rss

    for kind in ("text", "image"):
        res.update(embed_rss.measure(kind, n, work / f"rss_{kind}"))
        log(f"shoal embed of {n:,} {kind}s: peak RSS {res[f'{kind}_embed_peak_rss_mb']:.0f} MB")
