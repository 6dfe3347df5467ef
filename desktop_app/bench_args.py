"""Arguments of `shoal bench` (kept apart so the CLI parser builds without heavy imports)."""


def add_bench_args(p) -> None:
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--labels", type=int, default=2000)
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--skip-embedding", action="store_true")
    p.add_argument("--rss-items", type=int, default=10_000,
                   help="texts and images `shoal embed` embeds for the peak-memory figures (each in a fresh process)")
    p.add_argument("--skip-gui", action="store_true")
    p.add_argument("--skip-project", action="store_true",
                   help="skip writing and opening a real .shoal project (the open-time figures)")
    p.add_argument("--index", choices=["auto", "hnsw", "usearch", "both"], default="both",
                   help="kNN index(es) to measure; the plain figures are those of the kind `auto` picks "
                        "at this size, each kind's also appear prefixed (hnsw_..., usearch_...)")
    p.add_argument("--json", help="write the figures to this file")
