"""`shoal simulate`: replay labeling with known labels to compare strategies."""
from __future__ import annotations

from pathlib import Path

from desktop_app.cli_common import open_to_read, source_args, source_options
from desktop_app.errors import ShoalError


def register(sub) -> dict:
    from desktop_app.core.selection.registry import strategy_help

    p = sub.add_parser("simulate", help="replay labeling with known labels to compare strategies")
    p.add_argument("source", nargs="?", help="a labeled folder or file (or give --project)")
    p.add_argument("--project", metavar="P.shoal",
                   help="replay a project's own labels instead (would active learning have helped on my data?); "
                        "its labeled items only are the pool")
    source_args(p)
    p.add_argument("--strategy", action="append", metavar="NAME",
                   help="replay with this strategy (repeat for several): " + strategy_help())
    p.add_argument("--budget", type=int, default=300)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--init", type=int, default=10)
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--positive", help="turn the task into LABEL vs rest")
    p.add_argument("--encoder")
    p.add_argument("--limit", type=int, help="use at most this many items (stratified sample)")
    p.add_argument("--audit-share", type=float, default=0.0,
                   help="share of each batch drawn at random, as the app does (default there 0.1), so the replay "
                        "also reports how often the accuracy estimate covers the truth; default 0: selection only")
    p.add_argument("--json")
    p.add_argument("--plot")
    return {"simulate": cmd_simulate}


def cmd_simulate(args):
    from desktop_app.ops.simulate import run_simulation

    if (args.source is None) == (args.project is None):
        raise ShoalError("give a labeled SOURCE, or --project P.shoal to replay a project's own labels (not both)")
    project = open_to_read(args.project) if args.project else None
    try:
        result = run_simulation(args.source, source_options(args), strategies=args.strategy or ["seals", "random"],
                                budget=args.budget, batch=args.batch, init=args.init, seeds=args.seeds,
                                positive=args.positive, encoder=args.encoder, limit=args.limit,
                                audit_share=args.audit_share, project=project)
    finally:
        if project is not None:
            project.close()
    if result.get("note"):
        print(result["note"])
    if args.json:
        Path(args.json).write_text(__import__("json").dumps(result, indent=1))
    if args.plot:
        from desktop_app.ops.plot import plot_curves

        plot_curves(result, args.plot)
    from desktop_app.core.simulate import summary_table

    print(summary_table(result))
