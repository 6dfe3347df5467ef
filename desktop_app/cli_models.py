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
    return {"import-embeddings": cmd_import_embeddings}


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
