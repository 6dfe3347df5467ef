"""`shoal embed`'s scale options: `--engine ray [--address ADDR] [--workers N]` (ops/embed_ray.py),
`--index auto|hnsw|usearch` (core/index/kinds.py) and `--device auto|cpu|cuda` (core/embedding/device.py),
kept apart from cli_project.py."""
from __future__ import annotations


def add_engine_args(p) -> None:
    p.add_argument("--batch-size", type=int, default=None,
                   help="items per encode batch (default: 64 on the CPU, 256 on a GPU)")
    p.add_argument("--index", choices=["auto", "hnsw", "usearch"],
                   help="kNN index kind, kept as the project's setting (auto: usearch int8 from 2M items)")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="ray: a Ray Data pipeline, on a local Ray runtime or the cluster at --address "
                        "(needs `pip install 'shoal[cluster]'`)")
    p.add_argument("--address", help="with --engine ray: the Ray cluster to use (default: start a local one)")
    p.add_argument("--workers", type=int, default=None, help="with --engine ray: encoder actors (default: CPUs)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                   help="where the encoder runs: cuda needs `pip install 'shoal[gpu]'` (onnxruntime-gpu) and a "
                        "GPU; auto uses one when there is one, else the CPU (with one line saying so)")


def apply_device(args) -> None:
    """Choose the encoder's device (local engine) and the batch size that goes with it."""
    from desktop_app.core.embedding import device

    if args.engine == "local":
        device.select(args.device)  # its note (auto fell back to the CPU) is printed once items were embedded
    if args.batch_size is None and args.engine == "local":  # the Ray path sizes its batches by the workers' device
        args.batch_size = device.default_batch()


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
    """Embed on the engine and device the options name (ops/embed_engines.py, as the GUI does)."""
    from desktop_app.ops.embed_engines import EngineChoice, run_embedding

    choice = EngineChoice(engine=args.engine, device=args.device, address=args.address, workers=args.workers)
    return run_embedding(project, choice, progress=progress, batch_size=args.batch_size)


def print_engine(result: dict) -> None:
    import sys

    from desktop_app.core.embedding import device

    note = result.get("device_note", device.note())
    if note:  # auto ran on the CPU: one line saying why
        print(note, file=sys.stderr)
    if "pipeline_seconds" in result:
        print(f"ray: {result['workers']} workers; start {result['start_seconds']:.1f} s, pipeline "
              f"{result['pipeline_seconds']:.1f} s ({result['pipeline_per_second']:.0f} items/s), "
              f"import {result['import_seconds']:.1f} s")
