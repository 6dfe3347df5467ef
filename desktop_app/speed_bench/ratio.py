"""Round latency at two sizes, measured alternately, for the "1M <= 2x 100k" check.

On a shared machine the load drifts between two separate `shoal bench` runs; alternating the
two sizes (each from the files a `SHOAL_BENCH_DIR=... shoal bench` run left behind) puts both
under the same conditions.

    python -m desktop_app.speed_bench.ratio SMALL_DIR LARGE_DIR [--reps 3] [--rounds 20] [--index usearch]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from desktop_app.core.index import kinds
from desktop_app.core.index.rows import RowFile
from desktop_app.speed_bench.rounds import run_rounds


def _load(d: Path, kind: str):
    emb = RowFile.from_memmap(np.load(d / "embeddings.npy", mmap_mode="r"))
    index = kinds.load(kind, d / "index.bin", emb.shape[1])
    kinds.attach_rows(index, emb)  # as open_session does: usearch re-ranks from the float32 rows
    return emb, np.load(d / "truth.npy"), index


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m desktop_app.speed_bench.ratio")
    p.add_argument("small", type=Path)
    p.add_argument("large", type=Path)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--labels", type=int, default=2000)
    p.add_argument("--index", choices=sorted(kinds.INDEX_KINDS), default="hnsw",
                   help="the kind of index.bin in both folders (hnsw)")
    p.add_argument("--json", type=Path, help="also write the runs and the summary here")
    args = p.parse_args(argv)
    data = {"small": _load(args.small, args.index), "large": _load(args.large, args.index)}
    out: dict[str, list] = {"small": [], "large": []}
    for rep in range(args.reps):
        for name in ("small", "large"):
            emb, truth, index = data[name]
            r = run_rounds(emb, truth, index, args.labels, args.rounds, seed=rep)
            r.pop("session")
            out[name].append({k: r[k] for k in ("round_p50_ms", "round_p95_ms", "round_cpu_p95_ms", "fit_p50_ms",
                                                "select_p50_ms", "pool_size", "warm_read_s")})
            print(name, len(emb), json.dumps(out[name][-1]), flush=True)
    summary = {f"{name}_{k}": float(np.median([x[k] for x in out[name]]))
               for name in out for k in ("round_p50_ms", "round_p95_ms")}
    summary["items_small"], summary["items_large"] = len(data["small"][0]), len(data["large"][0])
    summary["p95_ratio"] = summary["large_round_p95_ms"] / summary["small_round_p95_ms"]
    summary["p50_ratio"] = summary["large_round_p50_ms"] / summary["small_round_p50_ms"]
    summary["index"] = args.index
    print(json.dumps(summary, indent=1))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "runs": out}, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1:])
