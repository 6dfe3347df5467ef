"""Peak memory of `shoal embed`: N texts or N images, each embedded by the real command in a fresh
process (so the peaks are separate, and the source generation and `shoal new` do not count).

Texts: the bench's generated sentences, one in five of them long (150-250 words, beyond the
encoder's 256 tokens), since long texts are what drove the peak: the padded attention of a run.
Images: the bench's generated 1024x768 photo-like JPEGs.

    python -m desktop_app.speed_bench.embed_rss make text 10000 WORKDIR   -> WORKDIR/text.shoal
    python -m desktop_app.speed_bench.embed_rss embed WORKDIR/text.shoal  -> {"peak_rss_mb": ...}
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

LONG_SHARE = 0.2


def texts(n: int, seed: int = 0) -> list[str]:
    from desktop_app.speed_bench.throughput import WORDS, sentences

    out = sentences(n, seed)
    rng = np.random.default_rng(seed + 1)
    for i in np.flatnonzero(rng.random(n) < LONG_SHARE):
        out[i] = " ".join(rng.choice(WORDS, size=int(rng.integers(150, 251)))) + f" #{i}"
    return out


def make(kind: str, n: int, work: Path) -> Path:
    from desktop_app.core.sources.base import SourceOptions
    from desktop_app.ops.create import new_project

    work.mkdir(parents=True, exist_ok=True)
    project = work / f"{kind}_rss.shoal"
    if kind == "text":
        src = work / "rss_texts.csv"
        with open(src, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["id", "text"])
            w.writerows(enumerate(texts(n)))
        options = SourceOptions(text_column="text", id_column="id")
    else:
        from desktop_app.speed_bench.throughput import write_images

        src = work / "rss_images"
        write_images(src, n)
        options = SourceOptions(kind="image")
    new_project(project, src, options).close()
    return project


def embed(project: Path) -> dict:
    """`shoal embed PROJECT` in this (fresh) process, then its peak RSS."""
    import contextlib
    import io

    from desktop_app.cli import main
    from desktop_app.speed_bench.common import peak_rss_mb

    t = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        rc = main(["embed", str(project)])
    if rc != 0:
        raise RuntimeError(f"shoal embed failed ({rc})")
    return {"peak_rss_mb": round(peak_rss_mb(), 1), "seconds": round(time.perf_counter() - t, 1),
            "said": out.getvalue().strip()}


def measure(kind: str, n: int, work: Path) -> dict:
    """Make the project in one process and embed it in another: {"<kind>_embed_peak_rss_mb": ..., ...}."""
    made = _run("make", kind, str(n), str(work))
    res = _run("embed", made["project"])
    return {f"{kind}_embed_peak_rss_mb": res["peak_rss_mb"], f"{kind}_embed_rss_items": n,
            f"{kind}_embed_rss_s": res["seconds"]}


def _run(*args: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]) + os.pathsep
               + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-m", "desktop_app.speed_bench.embed_rss", *args],
                         capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"embed_rss {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    if argv[0] == "make":
        res = {"project": str(make(argv[1], int(argv[2]), Path(argv[3])))}
    else:
        res = embed(Path(argv[1]))
    print(json.dumps(res))


if __name__ == "__main__":
    main(sys.argv[1:])
