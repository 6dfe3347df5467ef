"""Core-set selection time on synthetic embeddings (unit-length 384-d rows around 20 class centres):

    python -m desktop_app.speed_bench.coreset_speed 1000000 prototypes,ccs

Times the core only (desktop_app.core.coreset), 30% kept, one thread of BLAS per fit; prints one line
per method: items, wall and CPU seconds (CPU is the fair figure on a shared machine), kept."""
from __future__ import annotations

import sys
import time

import numpy as np

from desktop_app.core.coreset.base import CoresetInput
from desktop_app.core.coreset.registry import METHODS


def synthetic(n: int, dim: int = 384, classes: int = 20, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, dim)).astype(np.float32)
    y = rng.integers(0, classes, n)
    X = np.empty((n, dim), np.float32)
    for s in range(0, n, 100000):
        part = slice(s, min(n, s + 100000))
        X[part] = centres[y[part]] + 2 * rng.normal(size=(part.stop - part.start, dim)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, y


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    n = int(argv[0]) if argv else 100000
    methods = argv[1].split(",") if len(argv) > 1 else ["prototypes"]
    X, y = synthetic(n)
    for m in methods:
        t, cpu = time.time(), time.process_time()
        kept = METHODS[m].fn(CoresetInput(X, y, int(0.3 * n)))
        print(f"{m} {n} items: {time.time() - t:.1f} s wall, {time.process_time() - cpu:.1f} s CPU, "
              f"kept {len(kept.positions)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
