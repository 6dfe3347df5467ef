"""What the CLI says on a terminal: Ctrl-C ends cleanly on a line of its own, and no rate or progress
bar shows when nothing was done. stderr is a real pseudo-terminal, so tqdm draws its bars as for a user."""
from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time

from .conftest import _env, cli, write_csv


def _run_on_terminal(args, interrupt_when: str | None = None, timeout: float = 120) -> tuple[int, str, str]:
    """Run `shoal ARGS` with stderr on a pty; with interrupt_when, send SIGINT once stderr shows that text."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal 100 columns wide
    # SIGINT as a terminal gives it: a run started in the background by a shell without job control
    # (`(cmd &)`) ignores SIGINT, the child would inherit that, and Python would never raise Ctrl-C
    p = subprocess.Popen([sys.executable, "-m", "desktop_app", *map(str, args)], env=_env(),
                         stdout=subprocess.PIPE, stderr=slave, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    os.close(slave)
    err, sent, deadline = b"", False, time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the process closed the terminal
                break
            if not chunk:
                break
            err += chunk
        if interrupt_when and not sent and interrupt_when.encode() in err:
            p.send_signal(signal.SIGINT)
            sent = True
        if p.poll() is not None and not ready:
            break
    os.close(master)
    out = p.stdout.read()
    return p.wait(timeout=30), out, err.decode("utf-8", "replace")


def test_ctrl_c_during_embedding_exits_130_with_its_message_on_its_own_line(tmp_path):
    src = write_csv(tmp_path / "texts.csv", 3000)
    project = tmp_path / "p.shoal"
    assert cli("new", project, "--source", src, "--id-column", "id")[0] == 0
    rc, _, err = _run_on_terminal(["embed", project, "--batch-size", "16"], interrupt_when="embedding:")
    assert rc == 130, err
    lines = err.replace("\r\n", "\n").split("\n")
    lines = [l.split("\r")[-1] for l in lines if l.strip()]  # what the terminal shows of each line
    assert lines[-1] == "shoal: interrupted; everything done so far is saved", err
    assert "embedding:" in err and sum("shoal: interrupted" in l for l in lines) == 1
    assert "Traceback" not in err


def test_embed_with_nothing_to_do_says_so_without_a_rate_or_bars(tmp_path):
    src = write_csv(tmp_path / "texts.csv", 30)
    project = tmp_path / "p.shoal"
    assert cli("new", project, "--source", src, "--id-column", "id")[0] == 0
    rc, out, err = _run_on_terminal(["embed", project])
    assert rc == 0 and "embedding:" in err and "items/s" in out  # the first run works and says how fast
    rc, out, err = _run_on_terminal(["embed", project])
    assert rc == 0, err
    assert out.strip() == "all 30 items already embedded; index up to date"
    assert err.strip() == ""  # no "index: 0item" bar, no "41548 items/s"


def test_ctrl_c_while_a_library_initialises_is_an_interruption_not_a_crash(capsys, monkeypatch):
    """Ctrl-C during `import onnxruntime` surfaces as "ImportError: initialization failed" caused by the
    KeyboardInterrupt (seen in a full-suite run): exit 130 with the one-line message, no traceback."""
    from desktop_app import cli

    def embed_interrupted_in_import(args):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as e:
            raise ImportError("initialization failed") from e

    monkeypatch.setitem(cli.COMMANDS, "status", embed_interrupted_in_import)
    assert cli.main(["status", "x.shoal"]) == 130
    err = capsys.readouterr().err
    assert err.strip().endswith("shoal: interrupted; everything done so far is saved") and "Traceback" not in err


def test_a_reader_that_leaves_early_gets_no_error_line(text_project):
    """`shoal status --json P | head -c 0`: the pipe closes under the CLI; it ends quietly (exit 141, as on
    SIGPIPE), not with "shoal: error: Broken pipe" or a traceback."""
    proj = text_project()
    p = subprocess.Popen([sys.executable, "-m", "desktop_app", "status", "--json", str(proj)], env=_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()  # the reader leaves before the CLI has written anything (it is still starting)
    err = p.stderr.read().decode()
    rc = p.wait(timeout=120)
    assert rc == 141 and err == "", (rc, err)
