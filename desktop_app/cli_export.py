"""`shoal export`: the labeled set for training code, in any format of core/export/registry.py."""
from __future__ import annotations

from desktop_app.cli_common import open_to_read


def register(sub) -> dict:
    from desktop_app.core.export.registry import EXPORTERS

    p = sub.add_parser("export", help="write the labeled set for training code")
    p.add_argument("project")
    p.add_argument("out")
    p.add_argument("--format", default="csv", choices=list(EXPORTERS), metavar="FORMAT",
                   help="; ".join(f"{name}: {e.help}" for name, e in EXPORTERS.items()))
    p.add_argument("--with-predictions", action="store_true")
    p.add_argument("--overwrite", action="store_true",
                   help="replace OUT when it holds nothing but a previous Shoal export")
    p.add_argument("--only", metavar="KEEP_CSV",
                   help="export only the items a CSV with an id column lists (as `shoal coreset --out` writes)")
    return {"export": cmd_export}


def cmd_export(args):
    from desktop_app.ops.export import export

    with open_to_read(args.project) as project:  # export only reads: it works beside the app
        only = None
        if args.only:
            from desktop_app.ops.coreset import resolve_only

            only = resolve_only(project, args.only)
        files = export(project, args.out, args.format, with_predictions=args.with_predictions,
                       overwrite=args.overwrite, only=only)
    print(f"wrote {len(files)} files to {args.out}" + "".join(f"; {n}" for n in files.notes))
