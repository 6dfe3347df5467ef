"""`shoal map PROJECT [--png map.png] [--json map.json]`: the 2D map of the embeddings (UMAP, the `map`
extra), coloured by label. The coordinates are cached beside the project; when another process (the
app) holds the project, the map is computed without writing the cache."""
from __future__ import annotations


def register(sub) -> dict:
    p = sub.add_parser("map", help="a 2D map of the embedded items (UMAP): --png picture, --json coordinates")
    p.add_argument("project")
    p.add_argument("--png", help="write a scatter coloured by label here")
    p.add_argument("--json", help="write [{id, x, y, label}] here ('-' prints it)")
    p.add_argument("--sample", type=int, default=None,
                   help="fit UMAP on at most this many items, place the rest by their neighbours (default 5000)")
    return {"map": cmd_map}


def _open_for_map(path: str):
    from desktop_app.cli_common import open_project, open_to_read
    from desktop_app.errors import ShoalError

    try:
        return open_project(path)  # the cache can be written
    except ShoalError:
        return open_to_read(path)  # held by the app, or a read-only place: compute, do not cache


def cmd_map(args):
    import json

    from desktop_app.cli_common import progress_bar
    from desktop_app.core.projection import SAMPLE
    from desktop_app.errors import ShoalError
    from desktop_app.ops.map import map_rows, project_map, write_png

    if not args.png and not args.json:
        raise ShoalError("say what to write: --png map.png and/or --json map.json (--json - prints it)")
    sample = SAMPLE if args.sample is None else args.sample
    if sample < 10:
        raise ShoalError("--sample takes a count of 10 or more")
    with _open_for_map(args.project) as project:
        bar, update = progress_bar("map", unit="step")
        m = project_map(project, sample=sample, progress=update)
        bar.close()
        rows = map_rows(project, m) if args.json else None
        name = project.name
    if args.png:
        write_png(m, args.png, title=f"{name}: {len(m.idx):,} items")
        print(f"wrote {args.png}: {len(m.idx):,} items, {int((m.label >= 0).sum()):,} labeled")
    if args.json == "-":
        print(json.dumps(rows))
    elif args.json:
        try:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(rows, f)
        except OSError as e:
            raise ShoalError(f"cannot write {args.json}: {e.strerror or e}") from None
        print(f"wrote {args.json}: x, y of {len(rows):,} items")
