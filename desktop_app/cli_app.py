"""`shoal gui`, `demo`, `bench`: the desktop app and its speed figures."""
from __future__ import annotations


def register(sub) -> dict:
    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument("target", nargs="?", help="a .shoal project, or a folder/file to start one")
    p = sub.add_parser("demo", help="open the desktop app on the bundled sample")
    p.add_argument("--kind", choices=["image", "text"], default="image")
    p.add_argument("--reset", action="store_true", help="start the demo project afresh")
    p = sub.add_parser("bench", help="measure speed figures")
    from desktop_app.bench_args import add_bench_args

    add_bench_args(p)
    return {"gui": cmd_gui, "demo": cmd_demo, "bench": cmd_bench}


def cmd_gui(args):
    from desktop_app.app import run_gui

    return run_gui(args.target)


def cmd_demo(args):
    from desktop_app.app import run_demo

    return run_demo(kind=args.kind, reset=args.reset)


def cmd_bench(args):
    from desktop_app.bench import run_bench

    return run_bench(args)
