"""`shoal suspects PROJECT [-n N] [--json]`: the labels the data argues against, most suspicious first.

Items not embedded yet are embedded first, so a project made from labeled data (`shoal new
--label-column` / `--labels-from-folders`) needs no other command. Without pending items the project is
only read, so this works while the app holds it."""
from __future__ import annotations


def register(sub) -> dict:
    p = sub.add_parser("suspects", help="labeled items whose label looks wrong, most suspicious first")
    p.add_argument("project")
    p.add_argument("-n", type=int, default=20, help="how many to list (default 20; 0 = all)")
    p.add_argument("--json", action="store_true", help="[{id, label, suggested, score, reason}] (+ path for files)")
    return {"suspects": cmd_suspects}


def _embed_pending(path: str) -> None:
    from desktop_app.cli_common import open_project, progress_bar
    from desktop_app.ops.embed import embed_pending

    with open_project(path) as project:
        bar, update = progress_bar("embedding")
        embed_pending(project, progress=update)
        bar.close()


def cmd_suspects(args):
    from desktop_app.cli_common import open_to_read, progress_bar
    from desktop_app.errors import ShoalError
    from desktop_app.ops.suspects import project_suspects

    if args.n < 0:
        raise ShoalError("-n takes a count of 0 or more (0 lists every labeled item)")
    with open_to_read(args.project) as project:
        pending = project.n_pending_embedding()
    if pending:
        _embed_pending(args.project)
    with open_to_read(args.project) as project:
        bar, update = progress_bar("judging labels", unit="step")
        entries = project_suspects(project, n=args.n or None, progress=update)
        bar.close()
    if args.json:
        from desktop_app.cli_output import print_json

        print_json([e.as_row() for e in entries])
        return
    if not entries:
        print("no labeled items to judge")
        return
    width = max([5] + [len(e.id) for e in entries])
    for e in entries:
        where = f"  {e.path}" if e.path else ""
        print(f"{e.id:<{width}}  {e.score:.3f}  {e.label} -> {e.suggested}{where}  ({e.reason()})")
