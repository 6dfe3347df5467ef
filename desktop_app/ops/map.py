"""The 2D map of a project (`shoal map`): coordinates of the embedded items, cached beside the project.

The positions depend only on the embeddings, so the cache is stamped with the embeddings' own stamp
(project id, encoder, embedding count, items) and survives labeling; labels are read fresh each time."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop_app.core.projection import SAMPLE, fit_map
from desktop_app.errors import ShoalError
from desktop_app.ops.embed import check_encoder, embedded_mask
from desktop_app.store import sidecar
from desktop_app.store.project import Project

UNLABELED = -1


@dataclass
class ProjectMap:
    idx: np.ndarray      # (n,) items on the map (the embedded ones)
    xy: np.ndarray       # (n, 2) float32
    label: np.ndarray    # (n,) label id, UNLABELED for items without one
    names: dict[int, str]  # label id -> name, in label-set order


def _stamp(project: Project, sample: int) -> str:
    return f"{project.embeddings_cache_stamp()}:umap:{int(sample)}"


def _cached(project: Project, stamp: str, idx: np.ndarray) -> np.ndarray | None:
    return sidecar.read_stamped(project.cache_dir / "map.npy", stamp, valid=lambda xy: xy.shape == (len(idx), 2)
                                and xy.dtype == np.float32 and bool(np.isfinite(xy).all()))


def project_map(project: Project, sample: int = SAMPLE, progress: Callable[[int, int], None] | None = None,
                cancel: Callable[[], bool] | None = None) -> ProjectMap | None:
    """The map (computed, or read from the cache), or None when cancelled."""
    check_encoder(project)
    idx = np.flatnonzero(embedded_mask(project)).astype(np.int64)
    if not len(idx):
        raise ShoalError("no embedded items to map yet: run shoal embed first")
    stamp = _stamp(project, sample)
    xy = _cached(project, stamp, idx)
    if xy is None:
        emb = project.load_embeddings()
        xy = fit_map(np.asarray(emb[idx], np.float32), sample=sample, progress=progress, cancel=cancel)
        if xy is None:
            return None
        if not project.readonly:
            sidecar.write_stamped(project.cache_dir / "map.npy", stamp, xy)
    lab_idx, lab_ids, _ = project.current_labels()
    label = np.full(project.n_items, UNLABELED, np.int64)
    label[lab_idx] = lab_ids
    names = {l["id"]: l["name"] for l in project.label_set()}
    return ProjectMap(idx=idx, xy=xy, label=label[idx], names=names)


def map_rows(project: Project, m: ProjectMap) -> list[dict]:
    """[{id, x, y, label}] per item on the map (label None when unlabeled), ids as the user sees them."""
    rows = {r["idx"]: r["id"] for r in project.items(m.idx.tolist())}
    return [{"id": rows[int(i)], "x": round(float(x), 4), "y": round(float(y), 4),
             "label": m.names.get(int(lab)) if lab != UNLABELED else None}
            for i, (x, y), lab in zip(m.idx, m.xy, m.label)]


def write_png(m: ProjectMap, path: str | Path, title: str = "") -> None:
    """A scatter of the map coloured by label (unlabeled items small and grey)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 7), dpi=110)
    un = m.label == UNLABELED
    size = float(np.clip(30000 / max(len(m.idx), 1), 0.3, 9))  # 200 items: big dots; 1M: specks
    if un.any():
        ax.scatter(m.xy[un, 0], m.xy[un, 1], s=size / 3, c="#c8c8c8", lw=0, label=f"unlabeled ({int(un.sum()):,})")
    cmap = plt.get_cmap("tab10" if len(m.names) <= 10 else "tab20")
    for i, (lid, name) in enumerate(m.names.items()):
        sel = m.label == lid
        if sel.any():
            ax.scatter(m.xy[sel, 0], m.xy[sel, 1], s=size, color=cmap(i % cmap.N), lw=0,
                       label=f"{name} ({int(sel.sum()):,})")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or "Shoal map (UMAP of the embeddings)")
    ax.legend(loc="best", fontsize=8, markerscale=2, frameon=False)
    fig.tight_layout()
    try:
        fig.savefig(path)
    except OSError as e:
        raise ShoalError(f"cannot write {path}: {e.strerror or e}") from None
    finally:
        plt.close(fig)
