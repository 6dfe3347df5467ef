"""`shoal mode PROJECT [LABEL] learn|search [--query PHRASE | --query-image PATH]`: learn mode (the items
the model is least sure about) or search mode (find more of one label), optionally seeded by a query that
the project's encoder embeds: the items nearest it are the first candidates. A new call replaces or
clears the stored query."""
from __future__ import annotations


def register(sub) -> dict:
    p = sub.add_parser("mode", help="learn (uncertain items) or search (find more of one label, seeded by a query)")
    p.add_argument("project")
    p.add_argument("label", nargs="?", help="the label to find more of (search mode)")
    p.add_argument("mode", choices=["learn", "search"])
    p.add_argument("--query", metavar="PHRASE", help="text projects: describe what you are looking for; the items "
                                                      "nearest it (the project's encoder) come first")
    p.add_argument("--query-image", metavar="PATH", help="image projects: an example image file (from anywhere; "
                                                          "only read, never copied); the items nearest it come first")
    return {"mode": cmd_mode}


def cmd_mode(args):
    from desktop_app.cli_common import open_project as _open
    from desktop_app.errors import ShoalError
    from desktop_app.ops.search_query import set_search

    if args.mode == "search" and not args.label:
        raise ShoalError("say which label to search for: shoal mode PROJECT LABEL search")
    if args.mode == "learn" and (args.query is not None or args.query_image is not None):
        raise ShoalError("a query seeds search mode: shoal mode PROJECT LABEL search --query \"...\"")
    if args.query is not None and args.query_image is not None:
        raise ShoalError("give one query: a phrase (--query) or an example image (--query-image), not both")
    with _open(args.project) as project:
        query = set_search(project, args.label if args.mode == "search" else None, args.query, args.query_image)
    if args.mode == "search":
        seeded = f"; the first are the items nearest {query['query']!r}" if query else ""
        print(f"search mode: next batches are the items most likely to be {args.label!r}{seeded}")
    else:
        print("learn mode: next batches are the items the model is least sure about")
