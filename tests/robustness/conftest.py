"""Helpers for the robustness suite: real projects, the real CLI in-process and in subprocesses.

Nothing here is mocked: projects are real SQLite files made by `shoal new`, embeddings come from the
real ONNX models, crashes are real SIGKILLs of real processes, and "disk full" is a real write
failure (RLIMIT_FSIZE). Read-only folders are real permission bits; as root (where permission bits
do not bind) the command runs under `setpriv` without capabilities so they bind again.
"""
from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.cli import main as cli_main

HERE = Path(__file__).parent
REPO = HERE.parent.parent
LABELS = ["a", "b", "c"]


def file_hash(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def cli(*args) -> tuple[int, str, str]:
    """Run `shoal ARGS` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = cli_main([str(a) for a in args])
        except SystemExit as e:  # argparse
            rc = e.code if isinstance(e.code, int) else 2
    return rc, out.getvalue(), err.getvalue()


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def drop_caps_prefix() -> list[str]:
    """Command prefix under which permission bits bind (root ignores them otherwise)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        pytest.skip("running as root without setpriv: cannot make permission bits bind")
    return [setpriv, "--inh-caps=-all", "--bounding-set=-all"]


FSIZE_SHIM = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
              "n = int(sys.argv.pop(1)); resource.setrlimit(resource.RLIMIT_FSIZE, (n, n)); "
              "from desktop_app.cli import main; sys.exit(main(sys.argv[1:]))")


def shoal(*args, cwd=None, timeout=120, no_caps=False, max_file_size: int | None = None,
          ) -> subprocess.CompletedProcess:
    """Run the real `shoal` command line in a fresh process."""
    if max_file_size is not None:  # a "disk" on which no file can grow past max_file_size bytes
        cmd = [sys.executable, "-c", FSIZE_SHIM, str(max_file_size)]
    else:
        cmd = [sys.executable, "-m", "desktop_app"]
    cmd = (drop_caps_prefix() if no_caps else []) + cmd + [str(a) for a in args]
    return subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout)


def one_clear_line(stderr: str) -> str:
    """The error output is exactly one `shoal: error: ...` line (no traceback)."""
    lines = [l for l in stderr.splitlines() if l.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("shoal: error: "), stderr
    assert "Traceback" not in stderr
    return lines[0]


def write_csv(path: Path, n: int, prefix: str = "w") -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(n):
            w.writerow([i, f"{prefix}{i} t{i % 7}"])
    return path


def integrity_ok(project: Path) -> bool:
    con = sqlite3.connect(project)
    try:
        return con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("templates")


_templates: dict[tuple, Path] = {}


def text_project_template(base: Path, n: int, embed: int) -> Path:
    """A real text project with n items, of which the first `embed` (0, some, or all: -1) are embedded."""
    key = (n, embed)
    if key not in _templates:
        d = base / f"text_{n}_{embed}"
        d.mkdir()
        src = write_csv(d / "texts.csv", n)
        proj = d / "p.shoal"
        rc, _, err = cli("new", proj, "--source", src, "--id-column", "id", "--labels", ",".join(LABELS))
        assert rc == 0, err
        if embed:
            from desktop_app.ops.embed import embed_pending
            from desktop_app.store.project import Project

            with Project.open(proj) as p:
                done = {"n": 0}

                def progress(k, total):
                    done["n"] = k
                embed_pending(p, progress=progress, batch_size=64,
                              cancel=(lambda: embed > 0 and done["n"] >= embed))
        _templates[key] = proj
    return _templates[key]


@pytest.fixture
def text_project(template_dir, tmp_path):
    """factory: text_project(n=40, embed=-1) -> a fresh copy of a real project in tmp_path."""
    def make(n: int = 40, embed: int = -1, name: str = "p.shoal") -> Path:
        tpl = text_project_template(template_dir, n, embed)
        dest = tmp_path / name
        shutil.copy(tpl, dest)
        shutil.copy(tpl.parent / "texts.csv", tmp_path / "texts.csv")
        return dest
    return make


def uids(project: Path) -> list[str]:
    """The ids users see (the source's own id, else the internal uid), in item order."""
    con = sqlite3.connect(f"file:{project}?mode=ro", uri=True)
    try:
        return [r[0] for r in con.execute("SELECT coalesce(source_id, uid) FROM items ORDER BY idx")]
    finally:
        con.close()


def current_labels(project: Path) -> dict[str, tuple[str, str | None]]:
    """id (as users see it) -> (state, label name) of every answered item."""
    con = sqlite3.connect(project)
    try:
        return {u: (s, n) for u, s, n in con.execute(
            "SELECT coalesce(i.source_id, i.uid), l.state, s.name FROM labels l JOIN items i ON i.idx=l.idx "
            "LEFT JOIN label_set s ON s.id=l.label_id")}
    finally:
        con.close()
