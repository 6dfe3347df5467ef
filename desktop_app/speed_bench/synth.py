"""Synthetic clustered embeddings: a mixture of Gaussians on the unit sphere, labels from clusters.

Real sentence/image embeddings have a low intrinsic dimension, so each cluster is a Gaussian
with a low-rank covariance (a random ``rank``-dimensional subspace) plus a little isotropic
noise, then L2-normalised. Clusters map onto classes (several clusters per class), so the
classes are multi-modal and overlap a little, as real classes do.

Rows are generated chunk by chunk from (seed, chunk number), so a 1M x 384 matrix can be
written to disk or fed to an index without ever being held in memory twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

CHUNK = 50_000
CENTRE_RANK = 32


@dataclass
class Mixture:
    centers: np.ndarray   # (n_clusters, dim) unit rows
    bases: np.ndarray     # (n_clusters, rank, dim) within-cluster directions
    cluster_class: np.ndarray  # (n_clusters,) class of each cluster
    spread: float
    noise: float
    seed: int

    @property
    def dim(self) -> int:
        return self.centers.shape[1]


def make_mixture(dim: int, n_classes: int = 10, clusters_per_class: int = 5, rank: int = 12,
                 spread: float = 1.0, noise: float = 0.3, seed: int = 0) -> Mixture:
    """spread: norm of the within-cluster offset relative to the unit centre; noise: norm of the
    isotropic part. Defaults give a top-100 neighbour similarity and class overlap like MiniLM's."""
    rng = np.random.default_rng(seed)
    n_clusters = n_classes * clusters_per_class
    # centres share a common direction and live near a low-dimensional subspace, as real
    # embeddings do (anisotropic: random pairs have a positive cosine), so classes touch
    sub = rng.standard_normal((CENTRE_RANK, dim)).astype(np.float32)
    sub /= np.linalg.norm(sub, axis=1, keepdims=True)
    centers = rng.standard_normal((n_clusters, CENTRE_RANK)).astype(np.float32) @ sub / np.sqrt(CENTRE_RANK)
    centers += np.float32(0.6) * sub[0]
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    bases = rng.standard_normal((n_clusters, rank, dim)).astype(np.float32)
    bases /= np.linalg.norm(bases, axis=2, keepdims=True)
    cluster_class = np.arange(n_clusters) % n_classes
    return Mixture(centers, bases, cluster_class, spread, noise, seed)


def chunk(mix: Mixture, number: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and class labels of chunk ``number`` (deterministic)."""
    rng = np.random.default_rng([mix.seed, number])
    k = rng.integers(0, len(mix.centers), size)
    rank = mix.bases.shape[1]
    z = rng.standard_normal((size, rank)).astype(np.float32) * np.float32(mix.spread / np.sqrt(rank))
    x = rng.standard_normal((size, mix.dim)).astype(np.float32)
    x *= np.float32(mix.noise / np.sqrt(mix.dim))
    for c in np.unique(k):
        rows = np.flatnonzero(k == c)
        x[rows] += mix.centers[c] + z[rows] @ mix.bases[c]
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x.astype(np.float32), mix.cluster_class[k].astype(np.int64)


def chunks(mix: Mixture, n: int, size: int = CHUNK) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    for number, start in enumerate(range(0, n, size)):
        x, y = chunk(mix, number, min(size, n - start))
        yield start, x, y


def write_npy(mix: Mixture, n: int, path: Path) -> np.ndarray:
    """Write n rows to a .npy file chunk by chunk with plain writes (no memory map, so the
    rows never count in this process's resident memory); return the class labels."""
    labels = np.empty(n, np.int64)
    with open(path, "wb") as f:
        np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False, "shape": (n, mix.dim)})
        for start, x, y in chunks(mix, n):
            f.write(np.ascontiguousarray(x).tobytes())
            labels[start:start + len(x)] = y
    return labels


def read_rows(path: Path, start: int, stop: int) -> np.ndarray:
    """Rows start..stop of a 2-D float32 .npy file, read (not memory-mapped)."""
    with open(path, "rb") as f:
        major, _ = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, _, _ = read_header(f)
        dim = shape[1]
        f.seek(f.tell() + start * dim * 4)
        out = np.fromfile(f, dtype=np.float32, count=(stop - start) * dim)
    return out.reshape(-1, dim)
