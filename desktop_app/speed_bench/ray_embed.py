"""Items/s of `shoal embed` with the local engine and with `--engine ray` at 1 and 2 workers.

    python -m desktop_app.speed_bench.ray_embed --items 2000 --json ray.json

Each engine embeds a fresh copy of the same text project (generated sentences, MiniLM), in a fresh
`shoal embed` process, so the Ray figures include starting the local runtime and the import of
the shards; `cosine_min` compares every Ray vector with the local engine's.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from desktop_app.speed_bench.common import log
from desktop_app.speed_bench.throughput import sentences


def _embed(project: Path, *extra: str) -> tuple[float, dict]:
    """Seconds of the whole `shoal embed` process, and its Ray phases (start, pipeline, import)."""
    import re

    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "desktop_app", "embed", str(project), *extra], capture_output=True,
                       text=True)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-2000:])
    seconds = time.perf_counter() - t
    m = re.search(r"start ([\d.]+) s, pipeline ([\d.]+) s .*import ([\d.]+) s", r.stdout)
    phases = dict(zip(("start_s", "pipeline_s", "import_s"), map(float, m.groups()))) if m else {}
    return seconds, phases


def run(n: int, work: Path) -> dict:
    from desktop_app.store.project import Project

    src = work / "texts.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows([[f"s{i}", s] for i, s in enumerate(sentences(n, seed=3))])
    base = work / "base.shoal"
    subprocess.run([sys.executable, "-m", "desktop_app", "new", str(base), "--source", str(src), "--id-column", "id"],
                   check=True, capture_output=True)
    res: dict = {"items": n, "cores": len(os.sched_getaffinity(0)), "loadavg_start": round(os.getloadavg()[0], 2)}
    vectors = {}
    for name, extra in (("local", ()), ("ray_1", ("--engine", "ray", "--workers", "1")),
                        ("ray_2", ("--engine", "ray", "--workers", "2"))):
        p = work / f"{name}.shoal"
        shutil.copy(base, p)
        seconds, phases = _embed(p, *extra)
        res[f"{name}_per_s"] = n / seconds
        res[f"{name}_s"] = seconds
        res.update({f"{name}_{k}": v for k, v in phases.items()})
        if phases:
            res[f"{name}_pipeline_per_s"] = n / phases["pipeline_s"]
        with Project.open(p, readonly=True) as proj:
            vectors[name] = np.asarray(proj.load_embeddings()).copy()
        log(f"{name}: {n / seconds:.0f} items/s ({seconds:.1f} s, process start included)")
    for name in ("ray_1", "ray_2"):
        a, b = vectors["local"], vectors[name]
        res[f"{name}_cosine_min"] = float(np.min(np.sum(a * b, 1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))))
    res["loadavg_end"] = round(os.getloadavg()[0], 2)
    return res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="shoal-ray-bench-") as d:
        res = run(args.items, Path(d))
    print(json.dumps(res, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
