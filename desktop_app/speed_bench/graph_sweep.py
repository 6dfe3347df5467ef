"""Recall@100, build time, file size and query cost of usearch int8 graphs of several densities, on
the same synthetic rows `shoal bench` uses (make_mixture(dim), written to DIR/embeddings.npy if absent).

    python -m desktop_app.speed_bench.graph_sweep DIR --items N [--graphs 16:64,32:128] [--json out.json]

Each graph is `connectivity:expansion_add`. For each: the build (wall and CPU seconds), the saved
file's bytes per item, recall@100 of 1,000 queries against exact search with the index's default
re-ranking (2 x k, index_bench.recall_at, the `shoal bench` figure) and without it, and the CPU time
of a round's neighbour query (20 labels, k = 101), p50/p95 of 50.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from desktop_app.core.index.compressed import RERANK, UsearchIndex
from desktop_app.core.index.rows import RowFile
from desktop_app.speed_bench import index_bench
from desktop_app.speed_bench.common import log, write_result
from desktop_app.speed_bench.rerank_sweep import _round_query_ms
from desktop_app.speed_bench.synth import make_mixture, read_rows, write_npy


def measure_graph(path: Path, n: int, dim: int, connectivity: int, expansion_add: int, folder: Path) -> dict:
    index = UsearchIndex(dim, n, connectivity=connectivity, expansion_add=expansion_add)
    wall, cpu = time.perf_counter(), time.process_time()
    for s in range(0, n, index_bench.STREAM):
        index.add(read_rows(path, s, min(n, s + index_bench.STREAM)), np.arange(s, min(n, s + index_bench.STREAM)))
    out = {"build_s": round(time.perf_counter() - wall, 1), "build_cpu_s": round(time.process_time() - cpu, 1)}
    saved = folder / f"index_c{connectivity}_e{expansion_add}.bin"
    index.save(saved)
    out["file_bytes_per_item"] = round(saved.stat().st_size / n, 1)
    saved.unlink()
    rows = RowFile.from_memmap(np.load(path, mmap_mode="r"))
    index.attach_rows(rows)
    for factor in (1, RERANK):
        index.rerank = factor
        rec = index_bench.recall_at(index, path, n, n_queries=min(1000, n))
        p50, p95 = _round_query_ms(index, rows, n)
        out[f"rerank{factor}"] = {"recall_at_100": round(rec["recall"], 4),
                                  "round_query_cpu_p50_ms": round(p50, 2), "round_query_cpu_p95_ms": round(p95, 2)}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("dir", type=Path)
    ap.add_argument("--items", type=int, required=True)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--graphs", default="16:64,32:128")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    path = args.dir / "embeddings.npy"
    if not path.exists() or np.load(path, mmap_mode="r").shape != (args.items, args.dim):
        write_npy(make_mixture(args.dim), args.items, path)
    res: dict = {"items": args.items, "dim": args.dim, "loadavg_start": round(os.getloadavg()[0], 2)}
    for graph in args.graphs.split(","):
        c, e = (int(v) for v in graph.split(":"))
        key = f"c{c}_e{e}"
        res[key] = measure_graph(path, args.items, args.dim, c, e, args.dir)
        log(f"{key}: {res[key]}  (load {os.getloadavg()[0]:.1f})")
    return write_result(res, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
