"""`scan` and `relink` against a source that changed: kills, moved and replaced files, copies, wrong sources."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from desktop_app.store.project import Project

from .conftest import _env, cli, integrity_ok, one_clear_line, write_csv


def _labeled_csv(path: Path, start: int, n: int) -> Path:
    new = not path.exists()
    with open(path, "a", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        if new:
            w.writerow(["id", "text", "label"])
        for i in range(start, start + n):
            w.writerow([f"m{i}", f"message {i} about topic {i % 11}", "spam" if i % 3 == 0 else "ham"])
    return path


def _unlabeled_with_source_label(project: Path) -> int:
    con = sqlite3.connect(project)
    try:
        return con.execute("SELECT count(*) FROM items i WHERE source_label IS NOT NULL AND NOT EXISTS "
                           "(SELECT 1 FROM labels l WHERE l.idx=i.idx)").fetchone()[0]
    finally:
        con.close()


def _n_items(project: Path) -> int:
    con = sqlite3.connect(project)
    try:
        return con.execute("SELECT count(*) FROM items").fetchone()[0]
    finally:
        con.close()


def test_sigkill_during_scan_never_loses_source_labels(tmp_path):
    src = _labeled_csv(tmp_path / "sms.csv", 0, 200)
    project = tmp_path / "p.shoal"
    assert cli("new", project, "--source", src, "--id-column", "id", "--label-column", "label")[0] == 0
    _labeled_csv(src, 200, 30_000)  # the source grows: a scan that takes a while
    rng = random.Random(3)
    wal = Path(str(project) + "-wal")
    mid_write = 0
    for _ in range(4):
        p = subprocess.Popen([sys.executable, "-m", "desktop_app", "scan", str(project), "--yes"],
                             env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        # kill while the scan is writing items (the moment earlier versions lost labels at)
        while p.poll() is None and time.monotonic() < deadline and not (wal.exists() and wal.stat().st_size > 200_000):
            time.sleep(0.005)
        time.sleep(rng.uniform(0, 0.3))
        mid_write += p.poll() is None
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert integrity_ok(project)
        # all or nothing: no item is ever saved without the label its source gives
        assert _unlabeled_with_source_label(project) == 0
        assert _n_items(project) in (200, 30_200)
    assert mid_write >= 2, "no kill landed while the scan was writing: the test proved nothing"
    rc, _, err = cli("scan", project, "--yes")
    assert rc == 0, err
    assert _n_items(project) == 30_200 and _unlabeled_with_source_label(project) == 0


def test_scan_imports_labels_an_older_killed_scan_left_behind_but_not_over_user_answers(tmp_path):
    src = _labeled_csv(tmp_path / "sms.csv", 0, 60)
    project = tmp_path / "p.shoal"
    assert cli("new", project, "--source", src, "--id-column", "id", "--label-column", "label")[0] == 0
    # the state a kill between "items saved" and "labels imported" left in earlier versions
    con = sqlite3.connect(project)
    con.execute("DELETE FROM labels WHERE idx >= 30")
    con.execute("DELETE FROM label_events WHERE idx >= 30")
    con.commit()
    con.close()
    assert _unlabeled_with_source_label(project) == 30
    with Project.open(project) as p:  # the user answers two of them in the meantime
        p.set_labels([(30, None, "skipped"), (31, p.label_id("spam"), "labeled")], origin="gui")
        p.set_labels([(30, None, "cleared")], origin="gui")
    rc, out, err = cli("scan", project)
    assert rc == 0, err
    assert "28 labels imported" in out
    with Project.open(project, readonly=True) as p:
        assert p.current_label(30) is None  # the user cleared it: not imported again
        assert p.current_label(31)[0] == p.label_id("spam")  # the user's answer stays, whatever the source says
        assert p.n_labeled() == 59


def _image(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (24, 24, 3), dtype=np.uint8)).save(path)


def _fake_embed(project: Path) -> None:
    with Project.open(project) as p:
        dim = int(p.meta("dim"))
        rows = p.pending_embedding(10_000)
        p.store_embeddings([r["idx"] for r in rows], np.ones((len(rows), dim), np.float32), {})


def _image_project(tmp_path: Path) -> tuple[Path, Path]:
    src = tmp_path / "photos"
    for i in range(4):
        _image(src / "cat" / f"{i}.png", i)
        _image(src / "dog" / f"{i}.png", 10 + i)
    project = tmp_path / "p.shoal"
    rc, _, err = cli("new", project, "--source", src, "--labels-from-folders")
    assert rc == 0, err
    _fake_embed(project)
    return project, src


def _item_at(p: Project, path: str) -> dict:
    idx = p.find_paths([path])[path][0]
    return p.item(idx)


def test_moved_image_keeps_its_label_and_vector(tmp_path):
    project, src = _image_project(tmp_path)
    with Project.open(project, readonly=True) as p:
        before = _item_at(p, "cat/1.png")
    (src / "cat" / "1.png").rename(src / "cat" / "one.png")
    (src / "cat" / "2.png").rename(src / "dog" / "2.png.tmp")
    (src / "dog" / "2.png").rename(src / "cat" / "2.png")  # two files swap places
    (src / "dog" / "2.png.tmp").rename(src / "dog" / "2.png")
    rc, out, err = cli("scan", project)
    assert rc == 0, err
    assert "added 0 new items" in out and "3 moved files followed" in out
    with Project.open(project, readonly=True) as p:
        after = _item_at(p, "cat/one.png")
        assert (after["idx"], after["uid"], after["embedded"]) == (before["idx"], before["uid"], 1)
        assert p.n_items == 8 and p.n_labeled() == 8
        # the swapped files: each item followed its content; the one now in another class folder is flagged
        moved = _item_at(p, "dog/2.png")
        assert p.current_label(moved["idx"])[0] == p.label_id("cat")
        review = {r["path"]: r["reason"] for r in p.review_items()}
        assert set(review) == {"dog/2.png", "cat/2.png"} and "the source now says 'dog'" in review["dog/2.png"]


def test_image_replaced_in_place_is_embedded_again_and_its_label_flagged(tmp_path):
    project, src = _image_project(tmp_path)
    with Project.open(project, readonly=True) as p:
        before = _item_at(p, "cat/3.png")
    _image(src / "cat" / "3.png", 99)  # new pixels under the old name
    rc, out, err = cli("scan", project)
    assert rc == 0, err
    assert "1 changed file will be embedded again, 1 label to review" in out
    with Project.open(project, readonly=True) as p:
        after = _item_at(p, "cat/3.png")
        assert after["idx"] == before["idx"] and after["uid"] != before["uid"] and after["embedded"] == 0
        assert p.n_items == 8 and p.n_pending_embedding() == 1
        assert not p.embedded_mask()[after["idx"]]
    rc, out, err = cli("status", project, "--json")
    review = json.loads(out)["review"]
    assert review["count"] == 1 and review["items"][0]["path"] == "cat/3.png"
    rc, out, err = cli("status", project)
    assert "1 labels to review" in out and "cat/3.png: content of cat/3.png changed" in out
    with Project.open(project) as p:  # answering it again settles the review
        p.set_labels([(after["idx"], p.label_id("dog"), "labeled")], origin="gui")
        assert p.n_review() == 0
    rc, out, err = cli("scan", project)  # nothing changed since: nothing to report
    assert rc == 0 and out.strip() == "added 0 new items", out


def test_copies_are_merged_reported_and_listed(tmp_path):
    project, src = _image_project(tmp_path)
    (src / "dog" / "copy.png").write_bytes((src / "cat" / "0.png").read_bytes())
    rc, out, err = cli("scan", project)
    assert rc == 0, err
    assert out.strip() == "added 0 new items (1 identical image merged)"
    rc, out, _ = cli("status", project, "--json")
    merged = json.loads(out)["merged"]
    with Project.open(project, readonly=True) as p:
        into = _item_at(p, "cat/0.png")["uid"]
    assert merged == {"copies": 1, "items": [{"id": into, "copies": 1, "paths": ["dog/copy.png"]}]}


def test_new_reports_identical_texts_merged(tmp_path):
    src = tmp_path / "t.csv"
    with open(src, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text"])
        for i in range(20):
            w.writerow([f"text {i % 7}"])
    rc, out, err = cli("new", tmp_path / "p.shoal", "--source", src)
    assert rc == 0, err
    assert "7 text items (13 identical texts merged)" in out and "skipped" not in out
    rc, out, _ = cli("status", tmp_path / "p.shoal")
    assert "13 identical texts merged into 7 items" in out
    merged = json.loads(cli("status", tmp_path / "p.shoal", "--json")[1])["merged"]
    assert merged["copies"] == 13 and sum(m["copies"] for m in merged["items"]) == 13


def test_relink_refuses_another_kind_or_an_unrelated_source(tmp_path):
    write_csv(tmp_path / "texts.csv", 40)
    project = tmp_path / "p.shoal"
    assert cli("new", project, "--source", tmp_path / "texts.csv", "--id-column", "id")[0] == 0
    for i in range(3):
        _image(tmp_path / "photos" / f"{i}.png", i)
    rc, _, err = cli("relink", project, tmp_path / "photos")
    assert rc == 2 and "holds images, but this project labels texts" in one_clear_line(err)
    other = tmp_path / "other"
    other.mkdir()
    with open(other / "texts.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        w.writerows([[f"x{i}", f"foreign {i}"] for i in range(5000)])
    rc, _, err = cli("relink", project, other / "texts.csv")
    assert rc == 2 and "found 0 of 40 items" in one_clear_line(err) and "--force" in err
    with Project.open(project, readonly=True) as p:
        assert p.meta("source") == str((tmp_path / "texts.csv").resolve())  # untouched
    moved = tmp_path / "moved"
    moved.mkdir()
    (tmp_path / "texts.csv").rename(moved / "texts.csv")
    rc, out, err = cli("relink", project, moved / "texts.csv")
    assert rc == 0 and "found 40 of 40 items" in out, err
    rc, out, err = cli("relink", project, other / "texts.csv", "--force")
    assert rc == 0 and "found 0 of 40 items" in out
    # the scan a wrong source would bring: refused without --yes, and nothing changes
    rc, out, err = cli("scan", project)
    assert rc == 2 and "would add 5000 new items, more than the 40" in one_clear_line(err)
    assert _n_items(project) == 40
    rc, out, err = cli("scan", project, "--yes")
    assert rc == 0 and out.startswith("added 5000 new items"), err


def test_a_project_from_before_file_tracking_upgrades_in_place_and_scans(tmp_path):
    project, src = _image_project(tmp_path)
    con = sqlite3.connect(project)  # make it the file an older Shoal wrote (schema step 4 and later not applied)
    con.executescript("DROP TABLE search_query; "
                      "DROP INDEX items_path; DROP TABLE merged; ALTER TABLE items DROP COLUMN file_size; "
                      "ALTER TABLE items DROP COLUMN file_mtime_ns; ALTER TABLE items DROP COLUMN file_inode; "
                      "ALTER TABLE items DROP COLUMN review_reason;")
    con.execute("PRAGMA user_version = 3")  # the step before file tracking (schema.UPGRADES[4])
    con.close()
    before = hashlib.sha256(project.read_bytes()).hexdigest()
    rc, out, err = cli("status", project, "--json")  # read-only: no upgrade, and still works
    assert rc == 0, err
    assert json.loads(out)["merged"]["copies"] == 0 and json.loads(out)["review"]["count"] == 0
    assert hashlib.sha256(project.read_bytes()).hexdigest() == before
    _image(src / "cat" / "0.png", 77)
    rc, out, err = cli("scan", project)
    assert rc == 0, err
    assert "1 changed file will be embedded again, 1 label to review" in out
    with Project.open(project, readonly=True) as p:
        assert p.n_items == 8 and p.n_labeled() == 8 and p.n_review() == 1


def test_a_rescan_reads_only_files_whose_size_mtime_or_inode_changed(tmp_path):
    project, src = _image_project(tmp_path)
    target = src / "dog" / "1.png"
    st = target.stat()
    # same size, same inode, mtime put back: a rescan trusts the stamp and does not read the file
    # (git's rule; the blind spot is a same-size rewrite that also restores the mtime)
    data = bytearray(target.read_bytes())
    data[-20] ^= 0xFF
    with open(target, "r+b") as f:
        f.write(bytes(data))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    rc, out, err = cli("scan", project)
    assert rc == 0 and out.strip() == "added 0 new items", out + err
    # a new mtime: read and hashed again, and the new content noticed
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    rc, out, err = cli("scan", project)
    assert rc == 0 and "1 changed file will be embedded again" in out, out + err
    # touched only (same content): read, nothing to report
    os.utime(src / "cat" / "0.png", ns=(st.st_atime_ns, st.st_mtime_ns + 2 * 10**9))
    rc, out, err = cli("scan", project)
    assert rc == 0 and out.strip() == "added 0 new items", out + err
    with Project.open(project, readonly=True) as p:  # its new stamp is kept: the next scan trusts it
        assert p.file_stamps()["cat/0.png"][0][1] == st.st_mtime_ns + 2 * 10**9
