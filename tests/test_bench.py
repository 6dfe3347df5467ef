"""`shoal bench` at a tiny size: the JSON object has every figure, of the right type (correctness
only; the real figures are in docs/scale.md)."""
from __future__ import annotations

import json

import pytest

from desktop_app.bench import KEYS
from desktop_app.cli import main


def _run(tmp_path, *extra) -> dict:
    out = tmp_path / "bench.json"
    rc = main(["bench", "--items", "1500", "--dim", "32", "--labels", "100", "--rounds", "3", "--json", str(out),
               *extra])
    assert rc == 0
    return json.loads(out.read_text())


def test_bench_figures_without_embedding(tmp_path, capsys):
    res = _run(tmp_path, "--skip-embedding")
    assert set(KEYS) <= set(res)
    assert res["items"] == 1500 and res["dim"] == 32
    assert res["text_per_s"] is None and res["images_per_s"] is None  # skipped -> null
    assert 0 < res["round_p50_ms"] <= res["round_p95_ms"]
    assert res["index_build_s"] > 0 and 0.9 <= res["index_recall_at_100"] <= 1.0
    assert res["peak_rss_mb"] > 0 and res["open_s"] > 0 and res["open_queue_s"] > 0
    assert res["gui_stall_p99_ms"] >= 0 and res["gui_ticks"] > 0
    assert res["labels_end"] == 100 + 3 * 20
    assert res["first_item"] is not None and res["batch"] == 20
    table = capsys.readouterr().out
    assert "round latency p95" in table and "skipped" in table


@pytest.mark.parametrize("bad", [["--items", "10"], ["--dim", "1"]])
def test_bench_refuses_tiny_sizes(bad, capsys):
    assert main(["bench", *bad]) == 2
    assert "bench needs" in capsys.readouterr().err


def test_throughput_figures(tmp_path):
    from desktop_app.speed_bench import throughput

    text = throughput.text_per_s(tmp_path, 32)
    assert text["text_per_s"] > 0 and text["text_failed"] == 0
    images = throughput.images_per_s(tmp_path, 6)
    assert images["images_per_s"] > 0 and images["image_failed"] == 0


def test_embed_peak_memory_is_measured_in_fresh_processes(tmp_path):
    from desktop_app.speed_bench import embed_rss

    text = embed_rss.measure("text", 40, tmp_path / "t")
    assert 50 < text["text_embed_peak_rss_mb"] < 600 and text["text_embed_rss_items"] == 40
    images = embed_rss.measure("image", 6, tmp_path / "i")
    assert 50 < images["image_embed_peak_rss_mb"] < 600
    assert sum(len(t.split()) > 100 for t in embed_rss.texts(200)) > 20  # long texts are in the mix
