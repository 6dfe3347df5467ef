"""`shoal import-embeddings`, `shoal train`, `shoal predict`: bring vectors made elsewhere, and leave
with a classifier (the ONNX export itself is `shoal export PROJECT OUT --format onnx`)."""
from __future__ import annotations


def register(sub) -> dict:
    p = sub.add_parser("import-embeddings", help="use vectors computed elsewhere (.npy + ids, or .parquet)")
    p.add_argument("project")
    p.add_argument("vectors", help=".npy (N x d, float32/float16) or .parquet (an id column and a vector column)")
    p.add_argument("--ids", help="for .npy: a text file with one item id per line, in row order")
    p.add_argument("--id-column", help="parquet: the column holding item ids (default: id)")
    p.add_argument("--vector-column", help="parquet: the list column holding vectors (default: the only one)")
    p.add_argument("--name", default="external",
                   help="the model that made the vectors; vectors of two names are never mixed (default: external)")
    p.add_argument("--replace", action="store_true", help="drop the vectors the project holds and use these")
    p = sub.add_parser("train", help="fit the final classifier on every label and report out-of-fold figures")
    p.add_argument("project")
    from desktop_app.core.learning.registry import HEADS

    p.add_argument("--head", choices=list(HEADS), default="logreg",
                   help="logreg (logistic regression, as the loop) or mlp (one hidden layer, early-stopped)")
    p.add_argument("--only", metavar="KEEP_CSV",
                   help="train on the labeled items a keep file lists (`shoal coreset --out`), with its weight "
                        "column as sample weights when it has one")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("predict", help="classify a new folder or table with the trained model, into a CSV")
    p.add_argument("project")
    p.add_argument("new_source", help="a folder or table of the project's kind")
    p.add_argument("--out", required=True, help="the CSV to write (must not exist)")
    from desktop_app.cli_common import source_args

    source_args(p)
    return {"import-embeddings": cmd_import_embeddings, "train": cmd_train, "predict": cmd_predict}


def cmd_train(args):
    from desktop_app.ops.train import train
    from desktop_app.store.project import Project

    with Project.open(args.project) as project:
        only = None
        if args.only:
            from desktop_app.ops.coreset import resolve_only

            only = resolve_only(project, args.only)
        info = train(project, head=args.head, only=only)
    if args.json:
        from desktop_app.cli_output import print_json

        print_json(info)
        return
    left = f" ({info['left_out_unembedded']} labeled items without a vector left out)" if info["left_out_unembedded"] \
        else ""
    sub = info.get("subset")
    kept = "" if not sub else (f" of the keep file (weighted: they stand for {sub['weight_sum']:.0f} items)"
                               if sub["weighted"] else " of the keep file")
    print(f"trained a {info['head']} head on {info['n_labeled']} labeled items{kept}, {len(info['classes'])} "
          f"labels{left}")
    if info["oof"]:
        print(f"out-of-fold accuracy {info['oof']['accuracy']:.3f}, macro-F1 {info['oof']['macro_f1']:.3f} "
              "(on the labeled items, which Shoal picked because they were hard: a lower bound)")
    est = info["loop_estimate"]
    if est:
        lo, hi = est["accuracy_interval"]
        print(f"audit estimate of the loop's model on the unlabeled items: accuracy {est['accuracy']:.3f} "
              f"[{lo:.3f}, {hi:.3f}] (95%), macro-F1 {est['macro_f1']:.3f}")
    print(f"next: shoal predict {args.project} NEW_SOURCE --out predictions.csv, or "
          f"shoal export {args.project} OUT --format onnx")


def _predict_options(project, args):
    from desktop_app.ops.create import source_options

    saved = source_options(project).__dict__
    given = {k: v for k, v in _source_options_of(args).__dict__.items() if v not in (None, False)}
    merged = {**saved, "kind": None, "label_column": None, "labels_from_folders": False, **given}
    from desktop_app.core.sources.base import SourceOptions

    return SourceOptions(**merged)


def _source_options_of(args):
    from desktop_app.cli_common import source_options

    return source_options(args)


def cmd_predict(args):
    from desktop_app.cli_common import open_to_read, progress_bar
    from desktop_app.ops.predict import predict_rows, write_predictions

    with open_to_read(args.project) as project:  # reads only: works beside the app
        bar, update = progress_bar("predicting")
        try:
            cols, rows = predict_rows(project, args.new_source, _predict_options(project, args), progress=update)
        finally:
            bar.close()
    out = write_predictions(args.out, cols, rows)
    unread = sum(1 for r in rows if r.get("note"))
    print(f"wrote {len(rows) - unread} predictions to {out}" + (f" ({unread} items could not be read: see the note "
                                                                 "column)" if unread else ""))


def cmd_import_embeddings(args):
    from desktop_app.ops.vectors import import_vectors, read_vectors
    from desktop_app.store.project import Project

    ids, vectors = read_vectors(args.vectors, args.ids, args.id_column, args.vector_column)
    with Project.open(args.project) as project:
        r = import_vectors(project, ids, vectors, name=args.name, replace=args.replace)
    skipped = f" ({r['skipped_items']} ids name items Shoal skipped; left out)" if r["skipped_items"] else ""
    print(f"imported {r['imported']} vectors of {r['dim']} dimensions as {r['identity']}{skipped}; "
          f"{r['n_embedded']} items embedded")
    if r["left_unembedded"]:
        shown = ", ".join(r["left_examples"])
        print(f"{r['left_unembedded']} items have no vector and stay unembedded (e.g. {shown}); "
              "import theirs the same way")
