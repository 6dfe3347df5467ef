"""The round benchmark on real structure: Fashion-MNIST (train + test, 70,000 images) embedded
with the bundled EfficientNet-Lite0, then the same rounds as `shoal bench` with the true classes
as the oracle.

    python -m desktop_app.speed_bench.fashion embed [--max N]   # resumable, chunk by chunk
    python -m desktop_app.speed_bench.fashion rounds [--json FILE]

Images are taken in a fixed shuffled order, so any prefix that has been embedded is a uniform
sample; `rounds` uses every row embedded so far and reports how many that was.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

CHUNK = 1024


def _cache() -> Path:
    from desktop_app.ops.simulate import cache_dir

    d = cache_dir().parent / "scale-fashion"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _images() -> tuple[np.ndarray, np.ndarray]:
    from desktop_app.quality_bench.datasets import FASHION_DIR, _idx_file

    parts = [(_idx_file(FASHION_DIR / f"{p}-images-idx3-ubyte.gz"),
              _idx_file(FASHION_DIR / f"{p}-labels-idx1-ubyte.gz")) for p in ("train", "t10k")]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts]).astype(np.int64)
    order = np.random.default_rng(0).permutation(len(images))
    return images[order], labels[order]


def embed(n_max: int) -> int:
    from PIL import Image

    from desktop_app.core.embedding.registry import get_encoder

    images, labels = _images()
    enc = get_encoder("efficientnet-lite0")
    done = 0
    for k, start in enumerate(range(0, min(n_max, len(images)), CHUNK)):
        path = _cache() / f"chunk_{k:03d}.npy"
        if path.exists():
            done = start + CHUNK
            continue
        t = time.perf_counter()
        rgb = [np.asarray(Image.fromarray(255 - im).resize((enc.size, enc.size), Image.BILINEAR).convert("RGB"))
               for im in images[start:start + CHUNK]]
        vecs = np.concatenate([enc.encode(rgb[s:s + 64]) for s in range(0, len(rgb), 64)])
        np.save(path.with_suffix(".tmp.npy"), vecs)
        path.with_suffix(".tmp.npy").replace(path)
        done = start + len(vecs)
        print(f"fashion: {done:,} embedded ({len(vecs) / (time.perf_counter() - t):.0f} img/s)", flush=True)
    np.save(_cache() / "labels.npy", labels)
    return done


def load() -> tuple[np.ndarray, np.ndarray]:
    chunks = sorted(_cache().glob("chunk_[0-9][0-9][0-9].npy"))
    X = np.concatenate([np.load(c) for c in chunks]) if chunks else np.empty((0, 1280), np.float32)
    y = np.load(_cache() / "labels.npy")[:len(X)] if len(X) else np.empty(0, np.int64)
    return X, y


def rounds(n_labels: int = 2000, n_rounds: int = 20) -> dict:
    from desktop_app.core.index.hnsw import ExactIndex, KnnIndex
    from desktop_app.speed_bench.rounds import run_rounds

    X, y = load()
    t = time.perf_counter()
    index = KnnIndex(X.shape[1], len(X))
    index.add(X, np.arange(len(X)))
    build_s = time.perf_counter() - t
    rng = np.random.default_rng(1)
    q = np.sort(rng.choice(len(X), size=min(1000, len(X)), replace=False))
    found, _ = index.query(X[q], 100)
    truth, _ = ExactIndex(X, np.arange(len(X))).query(X[q], 100)
    recall = float(np.mean([len(np.intersect1d(a, b)) for a, b in zip(found, truth)]) / truth.shape[1])
    res = run_rounds(X, y, index, n_labels, n_rounds)
    res.pop("session")
    return {"dataset": "fashion-mnist", "items": len(X), "dim": X.shape[1], "index_build_s": build_s,
            "index_recall_at_100": recall, **res}


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(prog="python -m desktop_app.speed_bench.fashion")
    p.add_argument("what", choices=["embed", "rounds"])
    p.add_argument("--max", type=int, default=70_000)
    p.add_argument("--json")
    args = p.parse_args(argv)
    if args.what == "embed":
        print(f"{embed(args.max):,} images embedded")
        return
    res = rounds()
    print(json.dumps(res, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
