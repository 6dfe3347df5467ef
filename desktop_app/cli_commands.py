"""The `shoal` subcommands: name -> (parser setup, handler)."""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from desktop_app.errors import ShoalError


def _print_json(obj):
    from desktop_app.cli_output import print_json

    print_json(obj)


def _source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kind", choices=["image", "text"], help="inferred when omitted")
    p.add_argument("--text-column", help="column (CSV/TSV) or key (JSONL) holding the text")
    p.add_argument("--label-column", help="column/key holding an existing label")
    p.add_argument("--id-column", help="column/key holding a stable item id")
    p.add_argument("--labels-from-folders", action="store_true", help="first sub-folder name is the label")
    p.add_argument("--encoding", help="encoding of text rows that are not UTF-8 (default: cp1252, then latin-1)")
    p.add_argument("--max-file-mb", type=float, help="skip files larger than this (default: 256 images, 8 texts)")


def _source_options(args):
    from desktop_app.core.sources.base import SourceOptions

    return SourceOptions(kind=args.kind, text_column=args.text_column, label_column=args.label_column,
                         id_column=args.id_column, labels_from_folders=args.labels_from_folders,
                         encoding=args.encoding, max_file_mb=args.max_file_mb)


def _open(path, readonly=False):
    from desktop_app.store.project import Project

    return Project.open(path, readonly=readonly)


def _open_to_read(path):
    """Read-only (works while another process holds the project). A file of an older schema that no
    writer holds is upgraded first, so the reading code sees the tables it expects."""
    project = _open(path, readonly=True)
    if project.older_schema:
        try:
            upgraded = _open(path)
        except ShoalError:  # a read-only folder, or a writer took it meanwhile: read it as it is
            return project
        project.close()
        return upgraded
    return project


class _Bar:
    """A tqdm bar on stderr that appears only once there is work to show (no "0item" bar when
    nothing is done). `used` says whether any progress was reported."""

    def __init__(self, desc: str, unit: str = "item"):
        self.desc, self.unit, self.bar, self.used = desc, unit, None, False

    def update(self, done: int, total: int) -> None:
        if total <= 0:
            return
        self.used = True
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=self.desc, unit=self.unit, file=sys.stderr, disable=None)
        self.bar.total = total
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _progress_bar(desc: str, unit: str = "item"):
    bar = _Bar(desc, unit)
    return bar, bar.update


# ---- commands -----------------------------------------------------------------------------
def cmd_new(args):
    from desktop_app.ops.create import new_project
    from desktop_app.ops.scan import merged_phrase

    labels = [s for s in (args.labels or "").split(",") if s.strip()]
    project = new_project(args.project, args.source, _source_options(args), encoder=args.encoder, labels=labels,
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

    with _open(args.project) as project:
        print(rescan(project, yes=args.yes).describe())


def cmd_embed(args):
    from desktop_app.cli_engine import apply_device, apply_index, print_engine, run_engine
    from desktop_app.ops.embed import embed_pending, load_index, reembed

    with _open(args.project) as project:
        if args.reembed:
            reembed(project)
        apply_index(project, args)
        apply_device(args)
        bar, update = _progress_bar("embedding")
        result = run_engine(project, args, update) if args.engine != "local" else \
            embed_pending(project, progress=update, batch_size=args.batch_size)
        bar.close()
        index_bar, update = _progress_bar("index")
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


def cmd_next(args):
    from desktop_app.ops.loop import next_batch, peek_batch

    if args.peek:  # read-only: works while another process (the app) holds the project
        with _open_to_read(args.project) as project:
            batch = peek_batch(project, n=args.n)
    else:
        with _open(args.project) as project:
            batch = next_batch(project, n=args.n, strategy=args.strategy)
    if args.json:
        _print_json(batch)
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
    with _open(args.project) as project:
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

    with _open(args.project, readonly=True) as project:
        st = status(project)
    if args.json:
        _print_json(st)
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


def cmd_export(args):
    from desktop_app.ops.export import export

    with _open_to_read(args.project) as project:  # export only reads: it works beside the app
        only = None
        if args.only:
            from desktop_app.ops.coreset import resolve_only

            only = resolve_only(project, args.only)
        files = export(project, args.out, args.format, with_predictions=args.with_predictions,
                       overwrite=args.overwrite, only=only)
    print(f"wrote {len(files)} files to {args.out}" + "".join(f"; {n}" for n in files.notes))


def cmd_relink(args):
    from desktop_app.ops.create import relink

    with _open(args.project) as project:
        counted = relink(project, args.new_source, force=args.force)
    print(f"{args.project} now reads its items from {args.new_source} ({counted})")


def cmd_simulate(args):
    from desktop_app.ops.simulate import run_simulation

    result = run_simulation(args.source, _source_options(args), strategies=args.strategy or ["seals", "random"],
                            budget=args.budget, batch=args.batch, init=args.init, seeds=args.seeds,
                            positive=args.positive, encoder=args.encoder, limit=args.limit,
                            audit_share=args.audit_share)
    if args.json:
        Path(args.json).write_text(__import__("json").dumps(result, indent=1))
    if args.plot:
        from desktop_app.ops.plot import plot_curves

        plot_curves(result, args.plot)
    from desktop_app.core.simulate import summary_table

    print(summary_table(result))


def cmd_gui(args):
    from desktop_app.app import run_gui

    return run_gui(args.target)


def cmd_demo(args):
    from desktop_app.app import run_demo

    return run_demo(kind=args.kind, reset=args.reset)


def cmd_bench(args):
    from desktop_app.bench import run_bench

    return run_bench(args)


def add_parsers(sub) -> None:
    from desktop_app.core.export.registry import EXPORTERS
    from desktop_app.core.selection.registry import strategy_help
    from desktop_app.core.sources.registry import suffix_list

    p = sub.add_parser("new", help="create a project from a folder or file")
    p.add_argument("project")
    p.add_argument("--source", required=True, help=f"a folder of images or texts, or a {suffix_list()} file")
    p.add_argument("--encoder", help="minilm (text), efficientnet-lite0 (images), or PATH/model.onnx: your own "
                                     "model, described by PATH/model.json beside it")
    p.add_argument("--copy-encoder", action="store_true",
                   help="copy your own model (and its sidecar, tokenizer) beside the project, so it stays portable")
    p.add_argument("--labels", help="comma-separated label names to start with")
    _source_args(p)
    p = sub.add_parser("scan", help="add items that appeared in the source since the last scan")
    p.add_argument("project")
    p.add_argument("--yes", action="store_true", help="add them even if they outnumber the project's items")
    p = sub.add_parser("embed", help="embed items (resumable) and build the kNN index")
    p.add_argument("project")
    p.add_argument("--reembed", action="store_true", help="forget embeddings and embed again with the installed model")
    from desktop_app.cli_engine import add_engine_args

    add_engine_args(p)
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
    p = sub.add_parser("relink", help="point a project at its moved source folder")
    p.add_argument("project")
    p.add_argument("new_source")
    p.add_argument("--force", action="store_true", help="relink even if few of the project's items are found there")
    p = sub.add_parser("simulate", help="replay labeling with known labels to compare strategies")
    p.add_argument("source")
    _source_args(p)
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
    p = sub.add_parser("gui", help="open the desktop app")
    p.add_argument("target", nargs="?", help="a .shoal project, or a folder/file to start one")
    p = sub.add_parser("demo", help="open the desktop app on the bundled sample")
    p.add_argument("--kind", choices=["image", "text"], default="image")
    p.add_argument("--reset", action="store_true", help="start the demo project afresh")
    p = sub.add_parser("bench", help="measure speed figures")
    from desktop_app.bench_args import add_bench_args

    add_bench_args(p)
    import importlib

    for name in COMMAND_MODULES:
        COMMANDS.update(importlib.import_module(name).register(sub))


# Feature commands live in modules of their own: each has `register(sub) -> {name: handler}`,
# which adds its parser(s). One line here per module.
COMMAND_MODULES: tuple[str, ...] = (
    "desktop_app.cli_labels",
    "desktop_app.cli_models",
    "desktop_app.cli_settings",
    "desktop_app.cli_suspects",
    "desktop_app.cli_map",
    "desktop_app.cli_coreset",
    "desktop_app.cli_mode",
)


COMMANDS = {"new": cmd_new, "scan": cmd_scan, "embed": cmd_embed, "next": cmd_next, "label": cmd_label,
            "status": cmd_status, "export": cmd_export, "relink": cmd_relink, "simulate": cmd_simulate,
            "gui": cmd_gui, "demo": cmd_demo, "bench": cmd_bench}
