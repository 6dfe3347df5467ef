"""The bench figures as a table, with the targets of issue 6."""
from __future__ import annotations

# key -> (label, unit, target text, check)
TARGETS = {
    "round_p50_ms": ("round latency p50", "ms", "", None),
    "round_p95_ms": ("round latency p95", "ms", "<= 250 (1M)", lambda v: v <= 250),
    "index_build_s": ("index build", "s", "<= 600 (1M)", lambda v: v <= 600),
    "index_recall_at_100": ("index recall@100", "", ">= 0.90", lambda v: v >= 0.90),
    "peak_rss_mb": ("peak RSS (bench process)", "MB", "<= 4096", lambda v: v <= 4096),
    "hnsw_round_p95_ms": ("hnsw: round p95", "ms", "<= 250", lambda v: v <= 250),
    "hnsw_index_recall_at_100": ("hnsw: recall@100", "", ">= 0.90", lambda v: v >= 0.90),
    "hnsw_peak_rss_mb": ("hnsw: peak RSS", "MB", "<= 6144 (5M)", lambda v: v <= 6144),
    "usearch_round_p95_ms": ("usearch i8: round p95", "ms", "<= 250", lambda v: v <= 250),
    "usearch_index_recall_at_100": ("usearch i8: recall@100", "", ">= 0.90", lambda v: v >= 0.90),
    "usearch_peak_rss_mb": ("usearch i8: peak RSS", "MB", "<= 6144 (5M)", lambda v: v <= 6144),
    "open_s": ("open project -> first item", "s", "<= 5", lambda v: v <= 5),
    "open_queue_s": ("open project -> saved batch", "s", "", None),
    "text_per_s": ("text embedding", "/s", ">= 150", lambda v: v >= 150),
    "images_per_s": ("image embedding (decode+resize)", "/s", ">= 100", lambda v: v >= 100),
    "gui_stall_p99_ms": ("GUI stall p99", "ms", "<= 50", lambda v: v <= 50),
    "text_embed_peak_rss_mb": ("shoal embed peak RSS, texts", "MB", "<= 600", lambda v: v <= 600),
    "image_embed_peak_rss_mb": ("shoal embed peak RSS, images", "MB", "<= 600", lambda v: v <= 600),
}


def _fmt(v) -> str:
    if v is None:
        return "skipped"
    if isinstance(v, float):
        return f"{v:,.3f}" if abs(v) < 10 else f"{v:,.1f}"
    return f"{v:,}"


def table(res: dict) -> str:
    lines = [f"shoal bench: {res['items']:,} items x {res['dim']}-d, {res['labels']:,} labels, "
             f"{res['rounds']} rounds; plain figures: {res.get('index_kind', 'hnsw')} index", "",
             f"{'figure':34} {'value':>12} {'unit':5} {'target':14} ok", "-" * 72]
    for key, (label, unit, target, check) in TARGETS.items():
        if key not in res:
            continue
        v = res.get(key)
        ok = "" if v is None or check is None else ("yes" if check(v) else "NO")
        lines.append(f"{label:34} {_fmt(v):>12} {unit:5} {target:14} {ok}")
    return "\n".join(lines)
