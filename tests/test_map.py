"""The 2D map: UMAP fitted on a sample and the rest placed by their neighbours (real umap-learn, the `map`
extra), and `shoal map` on a real project (real MiniLM embeddings): PNG, JSON with the user's ids, a cache
that survives labeling, one clear line without umap-learn."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from desktop_app.cli import main
from desktop_app.core.projection import fit_map, place


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _knn_agreement(xy: np.ndarray, y: np.ndarray, rows: np.ndarray, ref: np.ndarray, k: int = 5) -> float:
    """Share of `rows` whose k nearest `ref` points on the map mostly carry their class."""
    d = ((xy[rows, None, :] - xy[None, ref, :]) ** 2).sum(-1)
    near = ref[np.argsort(d, axis=1)[:, :k]]
    votes = np.array([np.bincount(y[r], minlength=y.max() + 1).argmax() for r in near])
    return float((votes == y[rows]).mean())


def test_place_puts_new_points_among_their_neighbours():
    X_fit = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], np.float32)
    Y_fit = np.array([[0, 0], [0, 1], [10, 10], [10, 11]], np.float32)
    got = place(X_fit, Y_fit, np.array([[1, 0.05], [0.05, 1]], np.float32), k=2)
    assert np.all(got[0] < 2) and np.all(got[1] > 9)


def test_umap_on_a_sample_keeps_digits_apart():
    pytest.importorskip("umap")
    from sklearn.datasets import load_digits

    d = load_digits()
    X, y = d.data[:600].astype(np.float32), d.target[:600]
    xy = fit_map(X, sample=300, seed=0)
    assert xy.shape == (600, 2) and xy.dtype == np.float32 and np.isfinite(xy).all()
    rng = np.random.default_rng(0)
    fitted = np.sort(rng.choice(600, 300, replace=False))  # the sample fit_map drew (same seed)
    placed = np.setdiff1d(np.arange(600), fitted)
    # placed items land among their own digit: the classes stay apart on the map (PCA would not do this)
    assert _knn_agreement(xy, y, placed, fitted) >= 0.85
    assert np.array_equal(fit_map(X, sample=300, seed=0), xy)  # a map replays


def test_shoal_map_png_json_and_cache(capsys, tmp_path, text_csv):
    pytest.importorskip("umap")
    project = tmp_path / "p.shoal"
    assert run(capsys, "new", project, "--source", text_csv, "--id-column", "id", "--label-column", "label")[0] == 0
    assert run(capsys, "embed", project)[0] == 0
    png = tmp_path / "map.png"
    code, out, err = run(capsys, "map", project, "--png", png, "--json", "-")
    assert code == 0, err
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"wrote {png}: 120 items, 120 labeled" in out
    rows = json.loads(out.splitlines()[-1])
    assert len(rows) == 120 and {r["id"] for r in rows} == {f"t{i:03d}" for i in range(120)}
    assert all(set(r) == {"id", "x", "y", "label"} for r in rows)
    cache = tmp_path / "p.shoal-cache"
    stamp = (cache / "map.npy").stat().st_mtime_ns
    # a new label does not move the points: the cached map is reused, the label shows
    assert run(capsys, "label", project, "t000", rows[1]["label"])[0] == 0
    code, out, _ = run(capsys, "map", project, "--json", tmp_path / "m.json")
    again = json.loads((tmp_path / "m.json").read_text())
    assert code == 0 and (cache / "map.npy").stat().st_mtime_ns == stamp
    assert [(r["x"], r["y"]) for r in again] == [(r["x"], r["y"]) for r in rows]
    assert again[0]["label"] == rows[1]["label"]


def test_map_without_umap_or_outputs_is_one_line(capsys, tmp_path, text_csv):
    project = tmp_path / "p.shoal"
    assert run(capsys, "new", project, "--source", text_csv, "--id-column", "id")[0] == 0
    code, _, err = run(capsys, "map", project)
    assert code == 2 and "say what to write" in err
    assert run(capsys, "embed", project)[0] == 0
    blocked = f"""
import sys, importlib.abc
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] == 'umap':
            raise ImportError('not installed')
sys.meta_path.insert(0, Block())
from desktop_app.cli import main
raise SystemExit(main(['map', {str(project)!r}, '--png', {str(tmp_path / 'x.png')!r}]))
"""
    res = subprocess.run([sys.executable, "-c", blocked], capture_output=True, text=True, check=False)
    lines = [l for l in res.stderr.splitlines() if l.strip()]
    want = "shoal: error: the map needs umap-learn: pip install 'shoal[map]' (or pip install umap-learn)"
    assert res.returncode == 2 and lines == [want], res.stderr
    assert not (tmp_path / "x.png").exists()
