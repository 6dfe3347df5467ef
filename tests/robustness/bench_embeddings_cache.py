"""Time the embeddings cache: a rebuild from the database (chunked writes, no writable memmap) and a
cache hit (stamp + spot check of 10 rows). Run: PYTHONPATH=. nice python tests/robustness/bench_embeddings_cache.py"""
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from desktop_app.core.sources.base import ItemRecord
from desktop_app.store.project import Project

n, dim = 50000, 384
d = Path(tempfile.mkdtemp(dir="/tmp"))
p = Project.create(d / "b.shoal", {"dim": dim, "encoder_identity": "x"})
p.add_items(ItemRecord(uid=f"id:{i}", text=f"t{i}") for i in range(n))
v = np.random.default_rng(0).normal(size=(n, dim)).astype(np.float32)
for s in range(0, n, 5000):
    p.store_embeddings(range(s, s + 5000), v[s:s + 5000], {})
ts = []
for _ in range(3):
    shutil.rmtree(p.cache_dir)
    t = time.perf_counter()
    a = p.load_embeddings()
    ts.append(time.perf_counter() - t)
t = time.perf_counter()
p.load_embeddings()
hit = time.perf_counter() - t
assert np.array_equal(np.asarray(a), v)
print(f"rebuild {min(ts):.2f} s (best of 3), cache hit {hit*1000:.1f} ms, n={n} dim={dim}")
p.close()
shutil.rmtree(d)
