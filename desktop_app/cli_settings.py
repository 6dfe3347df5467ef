"""`shoal settings PROJECT [--batch-size N] [--k N] [--strategy S] [--audit-share F] [--index KIND]
[--embedding-dtype float32|float16]`: the project's labeling settings (the GUI's Settings box), its kNN
index kind and how its embeddings are stored, shown or changed."""
from __future__ import annotations

from desktop_app.errors import ShoalError


def register(sub) -> dict:
    from desktop_app.core.selection.registry import STRATEGIES, strategy_help

    p = sub.add_parser("settings", help="show or change batch size, k, strategy and audit share")
    p.add_argument("project")
    p.add_argument("--batch-size", type=int, help="items per batch (1-500)")
    p.add_argument("--k", type=int, help="neighbours per labeled item in the SEALS pool (5-1000)")
    p.add_argument("--strategy", choices=list(STRATEGIES), help="how batches are chosen: " + strategy_help())
    p.add_argument("--audit-share", type=float,
                   help="share of each batch drawn at random for the accuracy estimate (0-0.5; 0: no estimate)")
    p.add_argument("--index", choices=["auto", "hnsw", "usearch"],
                   help="kNN index: hnswlib float32, usearch int8 (half the memory), or auto (usearch from 2M items)")
    p.add_argument("--embedding-dtype", choices=["float32", "float16"],
                   help="how the embeddings are kept on disk: float32, or float16 (half the disk, ~1e-3 per "
                        "component); the stored vectors are rewritten")
    p.add_argument("--json", action="store_true")
    return {"settings": cmd_settings}


LIMITS = {"batch_size": (1, 500), "k": (5, 1000), "audit_share": (0.0, 0.5)}


def current(project) -> dict:
    from desktop_app.ops.loop import audit_share

    return {"batch_size": int(project.meta("batch_size", 20)), "k": int(project.meta("k", 100)),
            "strategy": project.meta("strategy", "seals"), "audit_share": audit_share(project),
            "index": project.meta("index", "auto"), "index_kind": project.meta("index_kind"),
            "embedding_dtype": project.embedding_dtype()}


def cmd_settings(args):
    from desktop_app.store.project import Project

    changes = {k: v for k, v in (("batch_size", args.batch_size), ("k", args.k), ("strategy", args.strategy),
                                 ("audit_share", args.audit_share),
                                 ("index", getattr(args, "index", None))) if v is not None}
    for key, value in changes.items():
        if key in LIMITS and not LIMITS[key][0] <= value <= LIMITS[key][1]:
            lo, hi = LIMITS[key]
            raise ShoalError(f"--{key.replace('_', '-')} must be between {lo} and {hi} (got {value})")
    dtype = getattr(args, "embedding_dtype", None)
    rewritten = None
    with Project.open(args.project, readonly=not (changes or dtype)) as project:
        if changes:
            project.set_meta(changes)
        if dtype and dtype != project.embedding_dtype():
            rewritten = project.set_embedding_dtype(dtype)
            changes["embedding_dtype"] = dtype
        now = current(project)
    if args.json:
        from desktop_app.cli_output import print_json

        print_json(now)
    else:
        for key, value in now.items():
            print(f"{key.replace('_', ' ')}: {value}" + ("   (changed)" if key in changes else ""))
        if rewritten is not None:
            print(f"{rewritten:,} stored vectors rewritten as {dtype}")
