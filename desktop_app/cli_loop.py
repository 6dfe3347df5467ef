"""`shoal next`, `label`, `status`, `mode`: the labeling loop from the command line."""
from __future__ import annotations

import csv

from desktop_app.cli_common import open_project, open_to_read, print_json
from desktop_app.errors import ShoalError


def register(sub) -> dict:
    from desktop_app.core.selection.registry import strategy_help

    p = sub.add_parser("next", help="the next batch to label, most informative first")
    p.add_argument("project")
    p.add_argument("-n", type=int, help="batch size (default: the project's setting)")
    p.add_argument("--strategy", metavar="NAME", help="override the project's strategy: " + strategy_help())
    p.add_argument("--json", action="store_true")
    p.add_argument("--peek", action="store_true",
                   help="show the current batch without starting a round or writing anything")
    p = sub.add_parser("label", help="label one item, or many from a CSV with columns item,label")
    p.add_argument("project")
    p.add_argument("item", nargs="?")
    p.add_argument("label", nargs="?")
    p.add_argument("--skip", action="store_true", help="skip the item (not sure / not relevant)")
    p.add_argument("--clear", action="store_true", help="remove the item's label")
    p.add_argument("--csv")
    p.add_argument("--new-label", action="store_true",
                   help="let a label name that is not in the label set join it (otherwise it is refused)")
    p = sub.add_parser("status", help="counts, skipped items, model state and stopping signals")
    p.add_argument("project")
    p.add_argument("--json", action="store_true")
    return {"next": cmd_next, "label": cmd_label, "status": cmd_status}


def cmd_next(args):
    from desktop_app.ops.loop import next_batch, peek_batch

    if args.peek:  # read-only: works while another process (the app) holds the project
        with open_to_read(args.project) as project:
            batch = peek_batch(project, n=args.n)
    else:
        with open_project(args.project) as project:
            batch = next_batch(project, n=args.n, strategy=args.strategy)
    if args.json:
        print_json(batch)
    else:
        for e in batch:
            what = e.get("path") or (e.get("text") or "").replace("\n", " ")[:80]
            print(f"{e['id']}\t{e['score']:.3f}\t{what}\t{e['reason']}")


def cmd_label(args):
    from desktop_app.ops.answers import label_items

    rows = None
    if args.csv:
        answers = _read_answers(args.csv)
        rows = list(range(2, len(answers) + 2))  # as a spreadsheet numbers them: the header is row 1
    else:
        if not args.item or (args.label is None and not args.skip and not args.clear):
            raise ShoalError("give ITEM_ID and LABEL (or --skip / --clear), or --csv answers.csv")
        answers = [(args.item, args.label, "skipped" if args.skip else "cleared" if args.clear else "labeled")]
    with open_project(args.project) as project:
        n = label_items(project, answers, new_labels=args.new_label, rows=rows)
    print(f"saved {n} answer{'s' if n != 1 else ''}")


def _read_answers(path):
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        raise ShoalError(f"cannot read {path}: {e.strerror}") from None
    if rows and not {"item", "label"} <= set(rows[0]):
        raise ShoalError(f"{path} needs columns item,label")
    return [(r["item"], r["label"], "labeled") for r in rows]


def cmd_status(args):
    from desktop_app.ops.status import status

    with open_project(args.project, readonly=True) as project:
        st = status(project)
    if args.json:
        print_json(st)
        return
    print(f"{st['project']}: {st['n_items']} items, {st['n_embedded']} embedded, {st['n_labeled']} labeled, "
          f"{st['n_skipped']} unreadable, {st['rounds']} rounds")
    for name, n in st["labels"].items():
        print(f"  {name}: {n}")
    sig, est = st["signals"], st.get("estimate")
    if est:
        lo, hi = est["accuracy_interval"]
        print(f"estimated accuracy on the unlabeled items {est['accuracy']:.3f} [{lo:.3f}, {hi:.3f}] (95%), "
              f"macro-F1 {est['macro_f1']:.3f}; from {est['n']} answers ({est['n_audit']} audit)")
    elif st["n_labeled"]:
        print(f"estimated accuracy: not yet; {st['estimate_needs']}")
    if sig["picked_cv_accuracy"] is not None:
        print(f"accuracy on the items Shoal picked (cross-validated, a lower bound) {sig['picked_cv_accuracy']:.3f}")
    print(sig["recommendation"])
    search = st.get("search") or {}
    if search.get("label"):
        q = search.get("query")
        seeded = ""
        if q:
            what = "the phrase" if q["kind"] == "text" else "the example image"
            seeded = f", seeded by {what} {q['query']!r}" + ("" if q["usable"] else
                                                              " (made by another encoder: run `mode` again)")
        print(f"mode: find more of {search['label']!r}{seeded}")
    tm = st.get("trained_model")
    if tm:
        oof = tm.get("oof") or {}
        f1 = f", out-of-fold macro-F1 {oof['macro_f1']:.3f}" if isinstance(oof.get("macro_f1"), float) else ""
        print(f"final model (shoal train): {tm.get('head')} head on {tm.get('n_labeled')} labels, {tm.get('trained_at')}{f1}")
    for line in st.get("problems", []):
        print(f"  warning: {line}")
    for s in st["skipped"][:10]:
        print(f"  skipped {s['path'] or s['id']}: {s['reason']}")
    if st["merged"]["copies"]:
        from desktop_app.ops.scan import merged_phrase

        print(f"{merged_phrase(st['merged']['copies'], st['kind'])} into {len(st['merged']['items'])} items "
              "(status --json lists them)")
    if st["review"]["count"]:
        print(f"{st['review']['count']} labels to review (their file changed after labeling):")
        for r in st["review"]["items"][:10]:
            print(f"  {r['path'] or r['id']}: {r['reason']}")

