"""`shoal coreset PROJECT --keep 0.3|5000 --method auto --out keep.csv`: the labeled items worth keeping,
written as id,label,score,reason,weight (the ids users see). `shoal export ... --only keep.csv` exports them."""
from __future__ import annotations


def register(sub) -> dict:
    from desktop_app.core.coreset.registry import AUTO, METHODS

    p = sub.add_parser("coreset", help="choose the labeled items that train as well as all of them")
    p.add_argument("project")
    p.add_argument("--keep", required=True, help="a share of the labeled items (0.3) or a count (5000)")
    p.add_argument("--method", default="auto", choices=["auto", *METHODS],
                   help=(f"auto = {AUTO} (best on the development sets); "
                         + "; ".join(f"{n}: {m.help}" for n, m in METHODS.items())).replace("%", "%%"))
    p.add_argument("--out", required=True, help="CSV to write: id,label,score,reason,weight")
    p.add_argument("--no-stratify", action="store_true", help="let class shares change (default: kept per class)")
    p.add_argument("--drop-suspects", action="store_true",
                   help="drop the labels `shoal suspects` flags as likely errors before choosing")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--overwrite", action="store_true", help="replace OUT if it is a keep file Shoal wrote")
    return {"coreset": cmd_coreset}


def cmd_coreset(args):
    from desktop_app.cli_common import open_to_read, progress_bar
    from desktop_app.ops.coreset import coreset, write_keep_csv

    with open_to_read(args.project) as project:   # only reads the project: works beside the app
        bar, update = progress_bar("choosing")
        try:
            result = coreset(project, args.keep, args.method, stratify=not args.no_stratify,
                             suspects=args.drop_suspects, seed=args.seed, progress=update)
        finally:
            bar.close()
    out = write_keep_csv(result.rows, args.out, overwrite=args.overwrite)
    n = len(result.rows)
    print(f"kept {n} of {result.n_labeled} labeled items ({n / max(result.n_labeled, 1):.0%}, method {result.method}); "
          f"wrote {out}; next: shoal export {args.project} OUT --only {args.out}"
          + "".join(f"; {note}" for note in result.notes))
