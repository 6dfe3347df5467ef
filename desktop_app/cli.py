"""`shoal` command line: parses arguments, calls ops/core, prints. No logic of its own."""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from desktop_app import __version__
from desktop_app.cli_output import print_json  # noqa: F401 - kept importable from here for scripts
from desktop_app.errors import ShoalError
from desktop_app.store.guard import DatabaseError

EPILOG = """examples:
  shoal demo                                        open the GUI on the bundled sample
  shoal new spam.shoal --source messages.csv --text-column text
  shoal embed spam.shoal
  shoal next spam.shoal -n 10 --json
  shoal label spam.shoal ITEM_ID spam               a label not in the set needs --new-label
  shoal labels spam.shoal list                      also: add, rename, merge, delete
  shoal status spam.shoal --json
  shoal export spam.shoal out/ --format csv
  shoal simulate data.csv --text-column text --label-column label --strategy seals --strategy random
"""


# Every command is registered one way: a module `desktop_app/cli_<feature>.py` whose `register(sub)` adds
# its parser(s) next to its handler(s) and returns {name: handler}. One line here per module, in the
# order `shoal --help` lists them.
COMMAND_MODULES: tuple[str, ...] = (
    "desktop_app.cli_project",     # new, scan, embed, relink
    "desktop_app.cli_loop",        # next, label, status
    "desktop_app.cli_mode",        # mode
    "desktop_app.cli_export",      # export
    "desktop_app.cli_simulate",    # simulate
    "desktop_app.cli_app",         # gui, demo, bench
    "desktop_app.cli_labels",      # labels
    "desktop_app.cli_models",      # import-embeddings, train, predict
    "desktop_app.cli_settings",    # settings
    "desktop_app.cli_suspects",    # suspects
    "desktop_app.cli_map",         # map
    "desktop_app.cli_coreset",     # coreset
)

# name -> handler, filled by build_parser from the modules' register(); an entry already here is kept
COMMANDS: dict = {}


def add_parsers(sub) -> None:
    for name in COMMAND_MODULES:
        for command, handler in importlib.import_module(name).register(sub).items():
            COMMANDS.setdefault(command, handler)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shoal", description="Shoal: label a dataset with as few labels as possible.",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"shoal {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 0
    from desktop_app.store.lock import set_holder

    set_holder(f"`shoal {args.command}`")  # named in the refusal another process meets while this one writes
    try:
        return int(COMMANDS[args.command](args) or 0)
    except ShoalError as e:
        print(f"shoal: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _end_progress_lines()
        print("shoal: interrupted; everything done so far is saved", file=sys.stderr)
        return 130
    except DatabaseError as e:  # a failure no store method worded (they all should)
        from desktop_app.errors import sqlite_problem

        print(f"shoal: error: {sqlite_problem(e, getattr(args, 'project', 'the project file'))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader left (`shoal status --json P | head`): quiet, as a Unix tool ends on SIGPIPE
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's last flush of stdout raises nothing
        return 141
    except OSError as e:
        print(f"shoal: error: {e.strerror or e}{': ' + str(e.filename) if e.filename else ''}", file=sys.stderr)
        return 2
    except Exception as e:
        if not _interrupted(e):
            raise
        # Ctrl-C while a library initialised (e.g. `import onnxruntime` turns it into "ImportError:
        # initialization failed"): still an interruption, not a crash
        _end_progress_lines()
        print("shoal: interrupted; everything done so far is saved", file=sys.stderr)
        return 130


def _interrupted(e: BaseException) -> bool:
    """Whether a KeyboardInterrupt is in the chain of causes of `e`."""
    seen = set()
    while e is not None and id(e) not in seen:
        if isinstance(e, KeyboardInterrupt):
            return True
        seen.add(id(e))
        e = e.__cause__ or e.__context__
    return False


def _end_progress_lines() -> None:
    """Close live progress bars and end the line they (and the terminal's ^C echo) left the cursor on,
    so a message printed next starts on a line of its own."""
    tqdm = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", ())):
        try:
            bar.close()
        except Exception:  # noqa: BLE001 - a bar that cannot close (interrupted while it drew) must not hide
            pass           # the message
    if sys.stderr.isatty():  # a bar interrupted mid-draw does not always end its line (seen in tests), and the
        sys.stderr.write("\n")  # cursor may sit after the terminal's "^C": at worst this leaves one blank line
    sys.stderr.flush()


