"""`shoal labels PROJECT list|add|rename|merge|delete`: the label set from the command line.

The same operations as the GUI's label editor (desktop_app.ops.commands), each one transaction."""
from __future__ import annotations

from desktop_app.errors import ShoalError


def register(sub) -> dict:
    p = sub.add_parser("labels", help="list, add, rename, merge or delete labels")
    p.add_argument("project")
    acts = p.add_subparsers(dest="action", metavar="ACTION")
    acts.required = True
    a = acts.add_parser("list", help="name, digit key, items and mode of every label")
    a.add_argument("--json", action="store_true")
    a = acts.add_parser("add", help="add labels (each gets the next digit key)")
    a.add_argument("names", nargs="+", metavar="NAME")
    a = acts.add_parser("rename", help="rename a label; its items keep it")
    a.add_argument("old", metavar="OLD")
    a.add_argument("new", metavar="NEW")
    a = acts.add_parser("merge", help="the items of SOURCE become TARGET; SOURCE leaves the set")
    a.add_argument("source", metavar="SOURCE")
    a.add_argument("target", metavar="TARGET")
    a = acts.add_parser("delete", help="remove a label; its items go back to unlabeled")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--yes", action="store_true", help="needed when items carry the label")
    return {"labels": cmd_labels}


def cmd_labels(args):
    from desktop_app.store.project import Project

    with Project.open(args.project, readonly=args.action == "list") as project:
        return ACTIONS[args.action](project, args)


def label_rows(project) -> list[dict]:
    counts = project.label_counts()
    return [{"name": l["name"], "key": i + 1 if i < 9 else None, "items": counts.get(l["name"], 0), "mode": l["mode"]}
            for i, l in enumerate(project.label_set())]


def _list(project, args):
    rows = label_rows(project)
    if args.json:
        from desktop_app.cli_output import print_json

        print_json(rows)
        return
    if not rows:
        print(f"no labels yet; add some with: shoal labels {args.project} add NAME")
        return
    width = max([5] + [len(r["name"]) for r in rows])
    print(f"key  {'label':<{width}}  {'items':>6}  mode")
    for r in rows:
        print(f"{r['key'] or '-':>3}  {r['name']:<{width}}  {r['items']:>6}  {r['mode']}")


def _find(project, name: str) -> dict:
    label = project.find_label(name)
    if label is None:
        known = ", ".join(l["name"] for l in project.label_set()) or "none yet"
        raise ShoalError(f"no label {name!r} in this project (labels: {known})")
    return label


def _add(project, args):
    from desktop_app.ops.commands import AddLabel

    with project.tx():  # all or none
        for name in args.names:
            AddLabel(project, name).do()
    added = ", ".join(repr(project.find_label(n)["name"]) for n in args.names)
    print(f"added {added}; the label set is now: {', '.join(l['name'] for l in project.label_set())}")


def _rename(project, args):
    from desktop_app.ops.commands import RenameLabel

    label = _find(project, args.old)
    RenameLabel(project, label["id"], args.new).do()
    print(f"renamed {label['name']!r} to {project.find_label(args.new)['name']!r} "
          f"({project.label_counts().get(project.find_label(args.new)['name'], 0)} items keep it)")


def _merge(project, args):
    from desktop_app.ops.commands import MergeLabels

    source, target = _find(project, args.source), _find(project, args.target)
    if source["id"] == target["id"]:
        raise ShoalError("merge a label into another one, not into itself")
    moved = MergeLabels(project, source["id"], target["id"]).do()
    print(f"merged {source['name']!r} into {target['name']!r}: {len(moved)} item{'s' if len(moved) != 1 else ''} "
          f"moved; {source['name']!r} left the label set")


def _delete(project, args):
    from desktop_app.ops.commands import DeleteLabel

    label = _find(project, args.name)
    n = project.label_counts().get(label["name"], 0)
    if n and not args.yes:
        raise ShoalError(f"{n} item{'s carry' if n != 1 else ' carries'} {label['name']!r} and would go back to unlabeled "
                         f"(their history is kept); pass --yes to delete it, or merge it into another label")
    cleared = DeleteLabel(project, label["id"]).do()
    print(f"deleted {label['name']!r}; {len(cleared)} item{'s' if len(cleared) != 1 else ''} unlabeled again")


ACTIONS = {"list": _list, "add": _add, "rename": _rename, "merge": _merge, "delete": _delete}
