"""The engine end to end through the `shoal` CLI: real CSV/image sources, real ONNX models,
real hnswlib/sklearn, a real SQLite project file."""
from __future__ import annotations

import csv
import json
import sqlite3

import numpy as np
import pytest

from tests.conftest import cli_run as run
from tests.conftest import demo_truth, truth_of_csv


def answer_batch(capsys, project, batch, truth, tmp_path):
    answers = tmp_path / "answers.csv"
    with open(answers, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["item", "label"])
        for e in batch:
            w.writerow([e["id"], truth[e["id"]]])
    code, out, err = run(capsys, "label", project, "--csv", answers, "--new-label")
    assert code == 0, err


def test_text_csv_flow(capsys, tmp_path, text_csv):
    project = tmp_path / "news.shoal"
    truth = truth_of_csv(text_csv)
    code, out, err = run(capsys, "new", project, "--source", text_csv, "--text-column", "text", "--id-column", "id")
    assert code == 0, err
    assert "120 text items" in out
    code, out, err = run(capsys, "embed", project)
    assert code == 0, err
    st = json.loads(run(capsys, "status", project, "--json")[1])
    assert st["n_items"] == 120 and st["n_embedded"] == 120 and st["n_labeled"] == 0

    # cold start: diverse seeds, JSON shape as documented
    code, out, _ = run(capsys, "next", project, "-n", "10", "--json")
    batch = json.loads(out)
    assert len(batch) == 10 and len({e["id"] for e in batch}) == 10
    assert {"id", "text", "score", "reason"} <= set(batch[0])
    assert "cold start" in batch[0]["reason"]
    # the same batch comes back until it is answered
    assert [e["id"] for e in json.loads(run(capsys, "next", project, "-n", "10", "--json")[1])] == [e["id"] for e in batch]

    # one label by hand: durable the moment the command returns (read the file with plain sqlite3)
    first = batch[0]["id"]
    assert run(capsys, "label", project, first, truth[first], "--new-label")[0] == 0
    con = sqlite3.connect(project)
    assert con.execute("SELECT count(*) FROM labels WHERE state='labeled'").fetchone()[0] == 1
    con.close()
    answer_batch(capsys, project, batch[1:], truth, tmp_path)

    # next rounds come from the SEALS pool, ranked by uncertainty
    for _ in range(3):
        batch = json.loads(run(capsys, "next", project, "-n", "10", "--json")[1])
        assert len(batch) == 10
        # explore picks (regions with no label yet) first, then the uncertain ones, audit picks last
        explore = [e for e in batch if e["reason"].startswith("explore")]
        audit = [e for e in batch if e["audit"]]
        ranked = batch[len(explore):len(batch) - len(audit)]
        assert batch == explore + ranked + audit and len(ranked) >= 7
        assert all("neighbour of a labeled item" in e["reason"] for e in ranked), [e["reason"] for e in batch]
        assert all(e["score"] > 0 for e in ranked)
        assert [e["score"] for e in ranked] == sorted((e["score"] for e in ranked), reverse=True)
        assert all(e["why"].startswith("the model is unsure: top two ") for e in ranked)
        assert all(len(e["top"]) == 2 and e["top"][0]["p"] >= e["top"][1]["p"] for e in batch)
        answer_batch(capsys, project, batch, truth, tmp_path)
    json.loads(run(capsys, "next", project, "-n", "10", "--json")[1])  # closes round 4

    st = json.loads(run(capsys, "status", project, "--json")[1])
    assert st["n_labeled"] == 40 and sum(st["labels"].values()) == 40
    assert st["rounds"] == 4 and st["model"]["trained"] and st["pool_size"] > 0
    assert st["signals"]["picked_cv_accuracy"] is not None and 0 <= st["signals"]["picked_cv_accuracy"] <= 1
    assert st["signals"]["recommendation"]

    # the head is stored as plain arrays, and predicts held-back items well above chance (5 classes)
    con = sqlite3.connect(project)
    dtypes = {r[0] for r in con.execute("SELECT dtype FROM arrays")}
    assert dtypes <= {"float32", "float64", "int64"}
    con.close()
    out_dir = tmp_path / "pred"
    assert run(capsys, "export", project, out_dir, "--format", "csv", "--with-predictions")[0] == 0
    with open(out_dir / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    preds = [r for r in rows if r["prediction"]]
    assert len(preds) == 80
    by_text = {}
    with open(text_csv, newline="") as f:
        for r in csv.DictReader(f):
            by_text[r["text"]] = r["label"]
    acc = np.mean([by_text[r["text"]] == r["prediction"] for r in preds])
    assert acc > 0.6, acc

    # exports a training script can read
    for fmt, name in (("csv", "labels.csv"), ("jsonl", "labels.jsonl"), ("hf", "data.jsonl")):
        out_dir = tmp_path / f"out-{fmt}"
        code, _, err = run(capsys, "export", project, out_dir, "--format", fmt)
        assert code == 0, err
        assert (out_dir / name).exists()
    with open(tmp_path / "out-jsonl" / "labels.jsonl") as f:
        recs = [json.loads(line) for line in f]
    assert len(recs) == 40 and all(truth[r["id"]] == r["label"] for r in recs)
    hf = tmp_path / "out-hf"
    emb = np.load(hf / "embeddings.npy")
    assert emb.shape == (40, 384) and emb.dtype == np.float32
    names = json.loads((hf / "labels.json").read_text())["names"]
    head = json.loads((hf / "head.json").read_text())
    assert np.array(head["coef"]).shape[1] == 384 and set(head["class_names"]) <= set(names)
    # exporting into a non-empty folder needs --overwrite
    code, _, err = run(capsys, "export", project, hf, "--format", "hf")
    assert code == 2 and "holds a previous Shoal export; pass --overwrite" in err


def test_rescan_adds_only_new_items(capsys, tmp_path, text_csv):
    project = tmp_path / "p.shoal"
    assert run(capsys, "new", project, "--source", text_csv, "--id-column", "id")[0] == 0
    with open(text_csv, "a", newline="") as f:
        csv.writer(f).writerows([["new1", "a brand new post about hockey playoffs", "x"],
                                 ["new2", "another new post about rockets and orbits", "x"]])
    code, out, _ = run(capsys, "scan", project)
    assert code == 0 and "added 2 new items" in out
    assert "added 0 new items" in run(capsys, "scan", project)[1]


def test_image_folder_flow(capsys, tmp_path, labeled_image_folder):
    project = tmp_path / "fashion.shoal"
    code, out, err = run(capsys, "new", project, "--source", labeled_image_folder, "--labels-from-folders")
    assert code == 0, err
    assert "90 image items" in out and "90 labeled" in out
    assert run(capsys, "embed", project)[0] == 0
    st = json.loads(run(capsys, "status", project, "--json")[1])
    assert st["n_embedded"] == 90 and st["kind"] == "image" and st["encoder"] == "efficientnet-lite0"
    assert set(st["labels"]) == set(demo_truth().values()) & set(st["labels"])
    out_dir = tmp_path / "folders"
    code, _, err = run(capsys, "export", project, out_dir, "--format", "imagefolder")
    assert code == 0, err
    exported = sorted(p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*.png"))
    expected = sorted(p.relative_to(labeled_image_folder).as_posix() for p in labeled_image_folder.rglob("*.png"))
    assert exported == expected
    mapping = json.loads((out_dir / "labels.json").read_text())
    assert set(mapping["folders"].values()) == set(st["labels"])


def test_unlabeled_image_folder_cold_start(capsys, tmp_path, image_folder):
    project = tmp_path / "p.shoal"
    assert run(capsys, "new", project, "--source", image_folder)[0] == 0
    assert run(capsys, "embed", project)[0] == 0
    batch = json.loads(run(capsys, "next", project, "-n", "8", "--json")[1])
    assert len(batch) == 8 and all(e["path"].endswith(".png") for e in batch)
    truth = demo_truth()
    # k-center seeds are diverse: they cover more classes than 8 random draws usually do
    assert len({truth[e["path"]] for e in batch}) >= 4


@pytest.mark.parametrize("args, message", [
    (["new", "{tmp}/p.shoal", "--source", "{tmp}/missing.csv"], "source not found"),
    (["new", "{tmp}/p.shoal", "--source", "{csv}", "--text-column", "body"], "no text column 'body'"),
    (["new", "{tmp}/p.shoal", "--source", "{empty}"], "holds no images"),
    (["status", "{tmp}/nope.shoal"], "project not found"),
    (["next", "{tmp}/nope.shoal"], "project not found"),
    (["export", "{tmp}/nope.shoal", "{tmp}/out"], "project not found"),
])
def test_user_errors_are_one_line(capsys, tmp_path, text_csv, args, message):
    (tmp_path / "empty").mkdir()
    args = [a.format(tmp=tmp_path, csv=text_csv, empty=tmp_path / "empty") for a in args]
    code, out, err = run(capsys, *args)
    assert code == 2
    assert err.startswith("shoal: error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "p.shoal").exists()


def test_unknown_item_and_bad_label(capsys, tmp_path, text_csv):
    project = tmp_path / "p.shoal"
    assert run(capsys, "new", project, "--source", text_csv, "--id-column", "id")[0] == 0
    code, _, err = run(capsys, "label", project, "does-not-exist", "spam")
    assert code == 2 and "no item with id" in err
    code, _, err = run(capsys, "label", project, "t000", "   ")
    assert code == 2 and "cannot be empty" in err
    code, _, err = run(capsys, "next", project, "--strategy", "psychic")
    assert code == 2 and "unknown strategy" in err


def test_search_mode_finds_more_of_a_label(capsys, tmp_path, text_csv):
    project = tmp_path / "s.shoal"
    truth = truth_of_csv(text_csv)
    assert run(capsys, "new", project, "--source", text_csv, "--id-column", "id")[0] == 0
    assert run(capsys, "embed", project)[0] == 0
    batch = json.loads(run(capsys, "next", project, "-n", "15", "--json")[1])
    answer_batch(capsys, project, batch, truth, tmp_path)
    target = "sci.space"
    assert target in {truth[e["id"]] for e in batch}
    code, out, err = run(capsys, "mode", project, target, "search")
    assert code == 0, err
    batch = json.loads(run(capsys, "next", project, "-n", "10", "--json")[1])
    ranked = [e for e in batch if not e["audit"]]  # audit picks are drawn at random in every mode
    assert len(ranked) >= 8 and all("positive" in e["reason"] for e in ranked)
    hits = sum(truth[e["id"]] == target for e in ranked)
    assert hits >= 0.7 * len(ranked), hits  # 1 in 5 at random
    assert json.loads(run(capsys, "status", project, "--json")[1])["rounds"] == 1
    assert run(capsys, "mode", project, "learn")[0] == 0
    batch = json.loads(run(capsys, "next", project, "-n", "10", "--json")[1])
    assert not any("positive" in e["reason"] for e in batch)
