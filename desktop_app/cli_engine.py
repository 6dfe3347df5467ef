"""`shoal embed`'s scale options: `--engine ray [--address ADDR] [--workers N]` (ops/embed_ray.py)
and `--index auto|hnsw|usearch` (core/index/kinds.py), kept apart from cli_project.py."""
from __future__ import annotations


def add_engine_args(p) -> None:
    p.add_argument("--index", choices=["auto", "hnsw", "usearch"],
                   help="kNN index kind, kept as the project's setting (auto: usearch int8 from 2M items)")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="ray: a Ray Data pipeline, on a local Ray runtime or the cluster at --address "
                        "(needs `pip install 'shoal[cluster]'`)")
    p.add_argument("--address", help="with --engine ray: the Ray cluster to use (default: start a local one)")
    p.add_argument("--workers", type=int, default=None, help="with --engine ray: encoder actors (default: CPUs)")


def apply_index(project, args) -> None:
    """Check the scale options and keep --index as the project's setting."""
    from desktop_app.errors import ShoalError

    if args.engine == "local" and (args.address or args.workers is not None):
        raise ShoalError("--address and --workers go with --engine ray")
    if args.workers is not None and args.workers < 1:
        raise ShoalError("--workers must be at least 1")
    if getattr(args, "index", None):
        project.set_meta({"index": args.index})


def run_engine(project, args, progress) -> dict:
    from desktop_app.ops.embed_ray import embed_with_ray

    return embed_with_ray(project, address=args.address, workers=args.workers, progress=progress,
                          batch_size=args.batch_size)


def print_engine(result: dict) -> None:
    if "pipeline_seconds" in result:
        print(f"ray: {result['workers']} workers; start {result['start_seconds']:.1f} s, pipeline "
              f"{result['pipeline_seconds']:.1f} s ({result['pipeline_per_second']:.0f} items/s), "
              f"import {result['import_seconds']:.1f} s")
