"""The guard rails of docs/architecture.md, checked on every `pytest` (so CI runs them with no extra
step): import-linter's layer contracts (pyproject.toml [tool.importlinter]), ruff, mypy on core/ and
store/, and SQL only in store/. The tools come with the `test` extra (`pip install -e .[test]`)."""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import desktop_app

ROOT = Path(__file__).resolve().parents[1]
PKG = Path(desktop_app.__file__).resolve().parent
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    exe = BIN / name
    if exe.exists():
        return str(exe)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: pip install -e .[test]")
    return found


def _run(*cmd: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_import_contracts_hold():
    """Layers qt -> ops -> store -> core; Qt only in qt/, workers/ and the GUI entry; sqlite3 only in store/."""
    res = _run(_tool("lint-imports"), "--no-cache")
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]


def test_ruff_is_clean():
    res = _run(_tool("ruff"), "check", "--no-cache", "desktop_app", "tests")
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]


def test_mypy_core_and_store():
    """mypy on desktop_app/core and desktop_app/store (the files in [tool.mypy]); gradual elsewhere."""
    res = _run(_tool("mypy"), "--cache-dir", str(ROOT / ".mypy_cache"))
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]


SQL_CALLS = {"execute", "executemany", "executescript", "backup"}


def test_sql_only_in_store():
    """No statement outside desktop_app/store/: every query is a store method (and SQLite errors
    are worded there, once). Also no reach into the project's connection from outside."""
    offenders = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG)
        if rel.parts[0] == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Attribute) and (node.attr in SQL_CALLS or node.attr == "conn"):
                offenders.append(f"{rel}:{node.lineno} .{node.attr}")
    assert not offenders, f"SQL outside store/: {offenders}"


MAX_MODULE_LINES, MAX_CLASS_LINES = 400, 250


def test_modules_and_classes_stay_small():
    """A module of at most 400 lines, a class of at most 250 (labelme's 3,000-line window is the warning)."""
    big = []
    for path in sorted(PKG.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > MAX_MODULE_LINES:
            big.append(f"{path.relative_to(PKG)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text, str(path))):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES:
                big.append(f"{path.relative_to(PKG)}: class {node.name} {node.end_lineno - node.lineno + 1} lines")
    assert not big, big


def test_command_modules_do_not_import_the_cli_that_imports_them():
    """cli.py imports the command modules (cli_<feature>.py); they share cli_common and print through
    cli_output, so there is no import cycle between them (issue 13.3)."""
    import ast
    from pathlib import Path

    pkg = Path(__file__).resolve().parents[1] / "desktop_app"
    offenders = []
    for path in sorted(pkg.glob("cli_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "desktop_app.cli":
                offenders.append(f"{path.name}:{node.lineno}")
            elif isinstance(node, ast.Import) and any(a.name == "desktop_app.cli" for a in node.names):
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, offenders


def test_every_command_is_registered_one_way():
    """Each `shoal` command comes from exactly one module's register(sub), which builds its parser next to
    its handler (issue 13.3): no add_parser outside a register function, no name registered twice, and the
    parser's commands are exactly the handlers main dispatches to."""
    import argparse
    import ast
    import importlib
    from pathlib import Path

    from desktop_app import cli

    pkg = Path(__file__).resolve().parents[1] / "desktop_app"
    outside = []
    for path in sorted(pkg.glob("cli*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside = {id(n) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) and f.name == "register"
                  for n in ast.walk(f)}
        outside += [f"{path.name}:{n.lineno}" for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                    and n.attr == "add_parser" and id(n) not in inside]
    assert not outside, outside
    owners: dict[str, str] = {}
    for name in cli.COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        handlers = importlib.import_module(name).register(sub)
        assert set(handlers) == set(sub.choices), name
        for command in handlers:
            assert command not in owners, f"{command} registered by {owners[command]} and {name}"
            owners[command] = name
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == set(owners) and set(owners) <= set(cli.COMMANDS)
