"""Recall@100 and query cost of the usearch index with and without exact re-ranking, and with f16
vectors, on a `shoal bench` scratch folder (SHOAL_BENCH_DIR: embeddings.npy and the saved index.bin).

    python -m desktop_app.speed_bench.rerank_sweep DIR [--factors 1,2,3] [--f16] [--json out.json]

For each over-fetch factor: recall@100 of 1,000 queries against exact search (index_bench.recall_at,
the `shoal bench` figure) and the CPU time of a round's neighbour query (20 labels, k = 101, as
CandidatePool.update asks), p50/p95 over 50 such queries. --f16 also builds a usearch f16 index of the
same rows (timed, file size measured) and measures it the same way.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from desktop_app.core.index.compressed import UsearchIndex
from desktop_app.core.index.rows import RowFile, one_blas_thread
from desktop_app.speed_bench import index_bench
from desktop_app.speed_bench.common import log, write_result


def _round_query_ms(index, rows, n: int, repeats: int = 50, seed: int = 7) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    spent = []
    with one_blas_thread():
        for _ in range(repeats):
            q = np.asarray(rows[np.sort(rng.choice(n, 20, replace=False))], np.float32)
            t = time.process_time()
            index.query(q, 101)
            spent.append(1000 * (time.process_time() - t))
    return float(np.percentile(spent, 50)), float(np.percentile(spent, 95))


def _measure(index, rows, path: Path, n: int, factors: list[int], label: str) -> dict:
    out = {}
    index.attach_rows(rows)
    for f in factors:
        index.rerank = f
        rec = index_bench.recall_at(index, path, n, n_queries=min(1000, n))
        p50, p95 = _round_query_ms(index, rows, n)
        key = f"{label}_rerank{f}"
        out[key] = {"recall_at_100": round(rec["recall"], 4), "query_ms_per_item": round(rec["query_ms_per_item"], 3),
                    "round_query_cpu_p50_ms": round(p50, 2), "round_query_cpu_p95_ms": round(p95, 2)}
        log(f"{key}: {out[key]}")
    return out


def _build(rows, n: int, dim: int, dtype: str, folder: Path, res: dict) -> UsearchIndex:
    t = time.perf_counter()
    index = UsearchIndex(dim, n, dtype=dtype)
    for s in range(0, n, 50_000):
        index.add(rows[s:min(n, s + 50_000)], np.arange(s, min(n, s + 50_000)))
    res[f"{dtype}_build_s"] = round(time.perf_counter() - t, 1)
    index.save(folder / f"index_{dtype}.bin")
    res[f"{dtype}_file_bytes_per_item"] = round((folder / f"index_{dtype}.bin").stat().st_size / n, 1)
    log(f"{dtype} build {res[f'{dtype}_build_s']}s, {res[f'{dtype}_file_bytes_per_item']} B/item")
    return index


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=Path)
    ap.add_argument("--factors", default="1,2,3")
    ap.add_argument("--f16", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    path = args.dir / "embeddings.npy"
    rows = RowFile.from_memmap(np.load(path, mmap_mode="r"))
    n, dim = rows.shape
    factors = [int(f) for f in args.factors.split(",")]
    res: dict = {"items": n, "dim": dim, "loadavg_start": round(__import__("os").getloadavg()[0], 2)}
    try:  # the bench's saved index is usearch int8 when that was the kind measured last
        index = UsearchIndex.load(args.dir / "index.bin", dim)
        res["i8_file_bytes_per_item"] = round((args.dir / "index.bin").stat().st_size / n, 1)
    except ValueError:
        index = _build(rows, n, dim, "i8", args.dir, res)
    res.update(_measure(index, rows, path, n, factors, "i8"))
    del index
    if args.f16:
        index = _build(rows, n, dim, "f16", args.dir, res)
        res.update(_measure(index, rows, path, n, factors, "f16"))
    return write_result(res, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
