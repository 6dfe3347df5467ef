"""`shoal new`, `scan`, `embed`, `relink`: make a project, follow its source, embed its items."""
from __future__ import annotations

from desktop_app.cli_common import open_project, progress_bar, source_args, source_options


def register(sub) -> dict:
    from desktop_app.core.sources.registry import suffix_list

    p = sub.add_parser("new", help="create a project from a folder or file")
    p.add_argument("project")
    p.add_argument("--source", required=True, help=f"a folder of images or texts, or a {suffix_list()} file")
    p.add_argument("--encoder", help="minilm (text), efficientnet-lite0 (images), or PATH/model.onnx: your own "
                                     "model, described by PATH/model.json beside it")
    p.add_argument("--copy-encoder", action="store_true",
                   help="copy your own model (and its sidecar, tokenizer) beside the project, so it stays portable")
    p.add_argument("--labels", help="comma-separated label names to start with")
    source_args(p)
    p = sub.add_parser("scan", help="add items that appeared in the source since the last scan")
    p.add_argument("project")
    p.add_argument("--yes", action="store_true", help="add them even if they outnumber the project's items")
    p = sub.add_parser("embed", help="embed items (resumable) and build the kNN index")
    p.add_argument("project")
    p.add_argument("--reembed", action="store_true", help="forget embeddings and embed again with the installed model")
    from desktop_app.cli_engine import add_engine_args

    add_engine_args(p)
    p = sub.add_parser("relink", help="point a project at its moved source folder")
    p.add_argument("project")
    p.add_argument("new_source")
    p.add_argument("--force", action="store_true", help="relink even if few of the project's items are found there")
    return {"new": cmd_new, "scan": cmd_scan, "embed": cmd_embed, "relink": cmd_relink}


def cmd_new(args):
    from desktop_app.ops.create import new_project
    from desktop_app.ops.scan import merged_phrase

    labels = [s for s in (args.labels or "").split(",") if s.strip()]
    project = new_project(args.project, args.source, source_options(args), encoder=args.encoder, labels=labels,
                          copy_encoder=args.copy_encoder)
    with project:
        c, kind = project.counts(), project.meta("kind")
        merged = sum(m["copies"] for m in project.merged())
        extra = [merged_phrase(merged, kind)] if merged else []
        extra += [f"{c['n_skipped']} unreadable (shoal status lists them)"] if c["n_skipped"] else []
        print(f"created {args.project}: {c['n_items']} {kind} items" + (f" ({', '.join(extra)})" if extra else "")
              + f", {project.n_labeled()} labeled; next: shoal embed {args.project}"
              + (f" (or shoal suspects {args.project}: the labels that look wrong)" if project.n_labeled() else ""))


def cmd_scan(args):
    from desktop_app.ops.create import rescan

    with open_project(args.project) as project:
        print(rescan(project, yes=args.yes).describe())


def cmd_embed(args):
    from desktop_app.cli_engine import apply_device, apply_index, print_engine, run_engine
    from desktop_app.ops.embed import load_index, reembed

    with open_project(args.project) as project:
        if args.reembed:
            reembed(project)
        apply_index(project, args)
        apply_device(args)
        bar, update = progress_bar("embedding")
        result = run_engine(project, args, update)
        bar.close()
        index_bar, update = progress_bar("index")
        load_index(project, project.load_embeddings(), progress=update)
        index_bar.close()
        c = project.counts()
        unreadable = f" ({c['n_skipped']} unreadable)" if c["n_skipped"] else ""
        if not bar.used:  # nothing was embedded: no rate to show
            index = "index updated" if index_bar.used else "index up to date"
            print(f"all {c['n_embedded']} items already embedded{unreadable}; {index}")
        else:
            print(f"embedded {c['n_embedded']}/{c['n_items']} items ({result['failed']} failed this run, "
                  f"{result['per_second']:.0f} items/s)")
            print_engine(result)


def cmd_relink(args):
    from desktop_app.ops.create import relink

    with open_project(args.project) as project:
        counted = relink(project, args.new_source, force=args.force)
    print(f"{args.project} now reads its items from {args.new_source} ({counted})")
