"""Only regular files are read, hashing streams, and huge files are skipped with a reason (issue 11, case 9)."""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tracemalloc

from PIL import Image

from desktop_app.core.sources.base import SourceOptions
from desktop_app.core.sources.files import image_records
from desktop_app.core.sources.image_io import load_rgb
from desktop_app.errors import ItemError

from .conftest import REPO, cli, one_clear_line

MB = 1024 * 1024


def _limited_shoal(*args, timeout=90, address_space=4 << 30):
    """The real CLI in a fresh process with a bounded address space, so a runaway read ends in
    MemoryError (a failed test) instead of eating the machine, and a hang ends in a timeout."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "desktop_app", *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=timeout, preexec_fn=limit)


def _skipped(project):
    st = json.loads(cli("status", project, "--json")[1])
    return {s["path"]: s["reason"] for s in st["skipped"]}, st


def test_fifo_device_link_and_huge_file_are_skipped_not_read(tmp_path):
    src = tmp_path / "images"
    src.mkdir()
    Image.new("RGB", (32, 32), (200, 10, 10)).save(src / "good.png")
    os.mkfifo(src / "fifo.png")                      # open() for reading would block forever
    os.symlink("/dev/zero", src / "zero.png")        # reading would never end
    with open(src / "huge.tif", "wb") as f:          # 300 MB, sparse: costs no disk
        f.truncate(300 * MB)
    project = tmp_path / "p.shoal"
    r = _limited_shoal("new", project, "--source", src)
    assert r.returncode == 0, r.stderr
    skipped, st = _skipped(project)
    assert "FIFO" in skipped["fifo.png"] and "not a regular file" in skipped["fifo.png"]
    assert "outside the source folder (a link to /dev/zero)" in skipped["zero.png"]
    assert "file too large (300 MB; the limit is 256 MB" in skipped["huge.tif"]
    assert st["n_items"] == 4 and st["n_skipped"] == 3


def test_the_size_limit_is_a_setting_and_applies_to_text_files(tmp_path):
    src = tmp_path / "texts"
    src.mkdir()
    (src / "small.txt").write_text("a short text")
    (src / "big.txt").write_bytes(b"word " * (2 * MB // 5 + 10))  # just over 2 MB
    project = tmp_path / "t.shoal"
    rc, _, err = cli("new", project, "--source", src, "--kind", "text", "--max-file-mb", "2")
    assert rc == 0, err
    skipped, _ = _skipped(project)
    assert set(skipped) == {"big.txt"} and "the limit is 2 MB" in skipped["big.txt"]
    with open(src / "huge.txt", "wb") as f:
        f.truncate(9 * MB)                           # over the 8 MB default for texts
    project2 = tmp_path / "t2.shoal"
    rc, _, err = cli("new", project2, "--source", src, "--kind", "text")
    assert rc == 0, err
    skipped, _ = _skipped(project2)
    assert set(skipped) == {"huge.txt"} and "the limit is 8 MB" in skipped["huge.txt"]


def test_hashing_streams_in_chunks(tmp_path):
    src = tmp_path / "images"
    src.mkdir()
    with open(src / "big.png", "wb") as f:           # 100 MB, under the limit: hashed, not held
        f.truncate(100 * MB)
    tracemalloc.start()
    try:
        records = list(image_records(src, SourceOptions()))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(records) == 1 and records[0].skip_reason is None and not records[0].uid.startswith("path:")
    assert peak < 8 * MB, peak


def test_a_file_swapped_for_a_fifo_after_the_scan_does_not_hang_embedding(tmp_path):
    good = tmp_path / "x.png"
    Image.new("RGB", (32, 32), (1, 2, 3)).save(good)
    assert load_rgb(good).shape == (224, 224, 3)
    good.unlink()
    os.mkfifo(good)
    try:
        load_rgb(good)
        raise AssertionError("a FIFO was decoded")
    except ItemError as e:
        assert "not a regular file (a FIFO)" in str(e)


def test_devices_are_refused_before_reading():
    for device, kind in (("/dev/zero", "character device"), ("/dev/null", "character device")):
        try:
            load_rgb(device)
            raise AssertionError(f"{device} was read")
        except ItemError as e:
            assert f"not a regular file (a {kind})" in str(e)


def test_a_fifo_as_the_source_table_is_one_clear_line(tmp_path):
    fifo = tmp_path / "rows.csv"
    os.mkfifo(fifo)
    r = _limited_shoal("new", tmp_path / "p.shoal", "--source", fifo, timeout=60)
    assert r.returncode == 2
    assert "not a regular file (a FIFO)" in one_clear_line(r.stderr)
    assert not (tmp_path / "p.shoal").exists()


def test_the_new_project_dialog_preview_does_not_block_on_a_fifo(tmp_path):
    from desktop_app.errors import ShoalError
    from desktop_app.ops.gui_support import preview_source

    fifo = tmp_path / "rows.csv"
    os.mkfifo(fifo)
    try:
        preview_source(fifo, SourceOptions())
        raise AssertionError("a FIFO was previewed")
    except ShoalError as e:
        assert "not a regular file (a FIFO)" in str(e)
