"""`shoal train`, `shoal predict` and `shoal export --format onnx`: the final classifier, new data classified
offline, and one ONNX file that onnxruntime runs to the same probabilities as `shoal predict`, item by item.
Real projects, real (tiny, test-built) ONNX encoders and the bundled ones, real onnxruntime."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from desktop_app.cli import main
from tests.onnx_models import image_encoder, text_encoder

pytest.importorskip("onnx")


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(err: str) -> str:
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("shoal: error: "), err
    return lines[0]


def read_csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def text_project(capsys, tmp_path, text_csv, encoder=None):
    p = tmp_path / "news.shoal"
    args = ["new", p, "--source", text_csv, "--id-column", "id", "--label-column", "label"]
    assert run(capsys, *args, *(["--encoder", encoder] if encoder else []))[0] == 0
    assert run(capsys, "embed", p)[0] == 0
    return p


def onnx_probabilities_text(folder, texts) -> np.ndarray:
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    info = json.loads((folder / "labels.json").read_text())
    sess = ort.InferenceSession(str(folder / "model.onnx"))
    out = []
    for t in texts:  # one at a time, unpadded, as the README shows
        ids = tok.encode(t).ids
        feed = {info["inputs"][0]: np.array([ids], np.int64), info["inputs"][1]: np.ones((1, len(ids)), np.int64)}
        out.append(sess.run(None, feed)[0][0])
    return np.array(out)


def predicted(rows, labels) -> np.ndarray:
    return np.array([[float(r[f"p_{n}"]) for n in labels] for r in rows])


@pytest.mark.parametrize("head", ["logreg", "mlp"])
def test_text_train_predict_export_agree(capsys, tmp_path, text_csv, head):
    p = text_project(capsys, tmp_path, text_csv, encoder=text_encoder(tmp_path / "enc"))
    code, out, _ = run(capsys, "train", p, "--head", head, "--json")
    info = json.loads(out)
    assert code == 0 and info["head"] == head and info["n_labeled"] == 120 and len(info["classes"]) == 5
    assert 0 <= info["oof"]["accuracy"] <= 1 and 0 <= info["oof"]["macro_f1"] <= 1
    code, out, _ = run(capsys, "status", p)
    assert code == 0 and f"final model (shoal train): {head} head on 120 labels" in out
    new = tmp_path / "new.csv"
    rows = read_csv(text_csv)[:30]
    with open(new, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "text"])
        w.writeheader()
        w.writerows({"id": f"n{i}", "text": r["text"]} for i, r in enumerate(rows))
    code, out, _ = run(capsys, "predict", p, new, "--out", tmp_path / "pred.csv")
    assert code == 0 and "wrote 30 predictions" in out
    pred = read_csv(tmp_path / "pred.csv")
    assert [r["id"] for r in pred] == [f"n{i}" for i in range(30)] and pred[0]["text"] == rows[0]["text"]
    probs = predicted(pred, info["classes"])
    assert np.allclose(probs.sum(axis=1), 1, atol=1e-4)
    assert [r["prediction"] for r in pred] == [info["classes"][i] for i in probs.argmax(axis=1)]
    code, out, _ = run(capsys, "export", p, tmp_path / "out", "--format", "onnx")
    assert code == 0
    folder = tmp_path / "out"
    assert {"model.onnx", "labels.json", "tokenizer.json", "README.md"} <= {x.name for x in folder.iterdir()}
    assert json.loads((folder / "labels.json").read_text())["labels"] == info["classes"]
    exported = onnx_probabilities_text(folder, [r["text"] for r in rows])
    assert np.abs(exported - probs).max() < 1e-4  # every item, every class
    # the exported folder is an export like the others: replaced only with --overwrite
    code, _, err = run(capsys, "export", p, folder, "--format", "onnx")
    assert code == 2 and "--overwrite" in one_line_error(err)


def test_image_export_with_the_bundled_encoder_agrees_with_predict(capsys, tmp_path, labeled_image_folder):
    import onnxruntime as ort

    from desktop_app.core.sources.image_io import load_rgb

    p = tmp_path / "img.shoal"
    assert run(capsys, "new", p, "--source", labeled_image_folder, "--labels-from-folders")[0] == 0
    assert run(capsys, "embed", p)[0] == 0
    code, out, _ = run(capsys, "train", p, "--json")
    info = json.loads(out)
    flat = tmp_path / "flat"
    flat.mkdir()
    files = sorted(labeled_image_folder.rglob("*.png"))[::6]
    for f in files:
        shutil.copy(f, flat / f.name)
    assert run(capsys, "predict", p, flat, "--out", tmp_path / "pred.csv")[0] == 0
    pred = read_csv(tmp_path / "pred.csv")
    assert len(pred) == len(files) and all(r["path"] for r in pred)
    assert run(capsys, "export", p, tmp_path / "out", "--format", "onnx")[0] == 0
    sess = ort.InferenceSession(str(tmp_path / "out" / "model.onnx"))
    pixels = np.stack([load_rgb(flat / r["path"], 224) for r in pred])
    exported = sess.run(None, {"pixels": pixels})[0]
    assert np.abs(exported - predicted(pred, info["classes"])).max() < 1e-4
    # the README's snippet runs as written (on one of the images) and gives Shoal's prediction
    readme = (tmp_path / "out" / "README.md").read_text()
    assert readme.startswith("# model.onnx: ") and "partial" not in readme  # not the temp folder's name
    snippet = readme.split("```python\n")[1].split("```")[0]
    snippet = snippet.replace('"photo.jpg"', repr(str(flat / pred[0]["path"])))
    res = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path / "out", capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split()[0] == pred[0]["prediction"]


def test_own_image_encoder_with_a_binary_mlp(capsys, tmp_path, labeled_image_folder):
    import onnxruntime as ort

    from desktop_app.core.sources.image_io import load_rgb

    two = tmp_path / "two"
    for label in sorted(x.name for x in labeled_image_folder.iterdir())[:2]:
        shutil.copytree(labeled_image_folder / label, two / label)
    p = tmp_path / "own.shoal"
    model = image_encoder(tmp_path / "enc", pool="mean", layout="NCHW")
    assert run(capsys, "new", p, "--source", two, "--labels-from-folders", "--encoder", model)[0] == 0
    assert run(capsys, "embed", p)[0] == 0
    info = json.loads(run(capsys, "train", p, "--head", "mlp", "--json")[1])
    assert len(info["classes"]) == 2
    assert run(capsys, "predict", p, two, "--out", tmp_path / "pred.csv")[0] == 0
    pred = read_csv(tmp_path / "pred.csv")
    assert run(capsys, "export", p, tmp_path / "out", "--format", "onnx")[0] == 0
    sess = ort.InferenceSession(str(tmp_path / "out" / "model.onnx"))
    exported = sess.run(None, {"pixels": np.stack([load_rgb(two / r["path"], 16) for r in pred])})[0]
    assert np.abs(exported - predicted(pred, info["classes"])).max() < 1e-4


def test_refusals(capsys, tmp_path, text_csv, image_folder):
    p = text_project(capsys, tmp_path, text_csv, encoder=text_encoder(tmp_path / "enc"))
    code, _, err = run(capsys, "predict", p, text_csv, "--out", tmp_path / "pred.csv")
    assert code == 2 and "no trained model yet" in one_line_error(err) and "shoal train" in err
    code, _, err = run(capsys, "export", p, tmp_path / "out", "--format", "onnx")
    assert code == 2 and "no trained model yet" in one_line_error(err) and not (tmp_path / "out").exists()
    assert run(capsys, "train", p)[0] == 0
    code, _, err = run(capsys, "predict", p, image_folder, "--out", tmp_path / "pred.csv")
    assert code == 2 and "holds images, but this project classifies texts" in one_line_error(err)
    (tmp_path / "mine.csv").write_text("not Shoal's\n")
    code, _, err = run(capsys, "predict", p, text_csv, "--out", tmp_path / "mine.csv")
    assert code == 2 and "already exists" in one_line_error(err)
    assert (tmp_path / "mine.csv").read_text() == "not Shoal's\n"
    q = tmp_path / "one.shoal"
    assert run(capsys, "new", q, "--source", text_csv, "--encoder", text_encoder(tmp_path / "e2"))[0] == 0
    code, _, err = run(capsys, "train", q)
    assert code == 2 and "two labels at least" in one_line_error(err)
    # the model belongs to the vectors it was trained on
    assert run(capsys, "embed", p, "--reembed")[0] == 0
    code, _, err = run(capsys, "predict", p, text_csv, "--out", tmp_path / "p2.csv")
    assert code == 0  # same encoder files: the same identity, the model still fits


def test_a_damaged_stored_model_is_refused_and_train_again_mends_it(capsys, tmp_path, text_csv):
    import sqlite3

    p = text_project(capsys, tmp_path, text_csv, encoder=text_encoder(tmp_path / "enc"))
    assert run(capsys, "train", p, "--head", "mlp")[0] == 0
    con = sqlite3.connect(p)
    n = con.execute("SELECT length(data) FROM arrays WHERE name='model.w0'").fetchone()[0]
    con.execute("UPDATE arrays SET data=? WHERE name='model.w0'", (np.full(n // 4, np.nan, np.float32).tobytes(),))
    con.commit()
    con.close()
    code, _, err = run(capsys, "predict", p, text_csv, "--out", tmp_path / "pred.csv")
    assert code == 2 and "trained model in news.shoal is damaged" in one_line_error(err) and "shoal train" in err
    con = sqlite3.connect(p)
    con.execute("UPDATE arrays SET dtype='object' WHERE name='model.w0'")  # never handed to numpy
    con.commit()
    con.close()
    code, _, err = run(capsys, "export", p, tmp_path / "out", "--format", "onnx")
    assert code == 2 and "damaged" in one_line_error(err)
    assert run(capsys, "train", p, "--head", "mlp")[0] == 0
    assert run(capsys, "predict", p, text_csv, "--out", tmp_path / "pred.csv")[0] == 0


def test_imported_vectors_train_but_cannot_predict_new_items(capsys, tmp_path, text_csv):
    p = tmp_path / "imp.shoal"
    assert run(capsys, "new", p, "--source", text_csv, "--id-column", "id", "--label-column", "label")[0] == 0
    ids = [r["id"] for r in read_csv(text_csv)]
    np.save(tmp_path / "v.npy", np.random.default_rng(0).normal(size=(len(ids), 12)).astype(np.float32))
    (tmp_path / "v.ids").write_text("\n".join(ids))
    assert run(capsys, "import-embeddings", p, tmp_path / "v.npy", "--ids", tmp_path / "v.ids")[0] == 0
    code, out, _ = run(capsys, "train", p)
    assert code == 0 and "trained a logreg head on 120 labeled items" in out
    code, _, err = run(capsys, "predict", p, text_csv, "--out", tmp_path / "pred.csv")
    assert code == 2 and "were imported" in one_line_error(err)
    code, _, err = run(capsys, "export", p, tmp_path / "out", "--format", "onnx")
    assert code == 2 and "were imported" in one_line_error(err) and "hf" in err


def test_mlp_head_round_trips_as_plain_arrays():
    from desktop_app.core.learning.mlp import MLPHead

    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 6)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64) + 2 * (X[:, 1] > 0.5)
    head = MLPHead(hidden=16, alpha=1e-3).fit(X, y)
    again = MLPHead.from_arrays(head.to_arrays(), dim=6)
    assert np.array_equal(again.predict_proba(X), head.predict_proba(X))
    assert (head.predict(X) == y).mean() > 0.8
    with pytest.raises(ValueError):
        MLPHead.from_arrays(head.to_arrays(), dim=7)
    broken = head.to_arrays()
    broken["w1"] = broken["w1"][:, :2]
    with pytest.raises(ValueError):
        MLPHead.from_arrays(broken)


def test_text_export_with_the_bundled_minilm_makes_token_types_inside(capsys, tmp_path):
    """MiniLM takes token_type_ids: the exported graph makes them (zeros) itself, so a user feeds ids and mask."""
    src = tmp_path / "sms.csv"
    words = {"spam": "win a free prize now call", "ham": "see you at lunch tomorrow"}
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text", "label"])
        for i in range(24):
            label = "spam" if i % 2 else "ham"
            w.writerow([f"m{i}", f"{words[label]} {i}", label])
    p = tmp_path / "sms.shoal"
    assert run(capsys, "new", p, "--source", src, "--id-column", "id", "--label-column", "label")[0] == 0
    assert run(capsys, "embed", p)[0] == 0
    info = json.loads(run(capsys, "train", p, "--json")[1])
    assert run(capsys, "predict", p, src, "--out", tmp_path / "pred.csv")[0] == 0
    pred = read_csv(tmp_path / "pred.csv")
    assert run(capsys, "export", p, tmp_path / "out", "--format", "onnx")[0] == 0
    labels = json.loads((tmp_path / "out" / "labels.json").read_text())
    assert labels["inputs"] == ["input_ids", "attention_mask"]
    exported = onnx_probabilities_text(tmp_path / "out", [r["text"] for r in pred])
    assert np.abs(exported - predicted(pred, info["classes"])).max() < 1e-4
    snippet = (tmp_path / "out" / "README.md").read_text().split("```python\n")[1].split("```")[0]
    snippet = snippet.replace('"the text to classify"', repr(pred[3]["text"]))
    res = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path / "out", capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split()[0] == pred[3]["prediction"]


@pytest.mark.parametrize("kind, options", [("text", {"pool": "cls"}), ("text", {"pool": "mean", "max_length": 8}),
                                           ("image", {"pool": "none"}), ("image", {"pool": "mean"}),
                                           ("image", {"pool": "mean", "layout": "NHWC"})])
def test_composed_graph_matches_the_encoder_and_head_for_every_pooling(tmp_path, kind, options):
    """core.export.onnx_graph on its own: encoder + pooling + normalisation + a 3-class head, against
    OwnOnnxEncoder.encode followed by the head's predict_proba."""
    import onnx
    import onnxruntime as ort

    from desktop_app.core.embedding.own_onnx import OwnOnnxEncoder
    from desktop_app.core.export.onnx_graph import compose
    from desktop_app.core.learning.heads import LinearHead
    from tests.onnx_models import image_encoder as make_image

    rng = np.random.default_rng(3)
    if kind == "text":
        model = text_encoder(tmp_path / "enc", **options)
        items = ["a short text", "another one, somewhat longer than the first one is", "x"]
    else:
        layout = options.pop("layout", "NCHW")
        model = make_image(tmp_path / "enc", **options)
        if layout == "NHWC":  # the same model fed channels-last: a Transpose in front, and out of the feature map
            m = onnx.load(str(model))
            g = m.graph
            g.input[0].name = "nhwc"
            g.input[0].type.tensor_type.shape.dim[1].dim_value, g.input[0].type.tensor_type.shape.dim[3].dim_value = 16, 3
            g.node.insert(0, onnx.helper.make_node("Transpose", ["nhwc"], ["pixel_values"], perm=[0, 3, 1, 2]))
            g.node.append(onnx.helper.make_node("Transpose", ["features"], ["features_nhwc"], perm=[0, 2, 3, 1]))
            g.output[0].name = "features_nhwc"
            del g.output[0].type.tensor_type.shape.dim[:]
            onnx.save(m, str(model))
            side = json.loads(model.with_suffix(".json").read_text())
            side.update(layout="NHWC", input="nhwc", output="features_nhwc")
            model.with_suffix(".json").write_text(json.dumps(side))
        items = [rng.integers(0, 256, (16, 16, 3), dtype=np.uint8) for _ in range(3)]
    enc = OwnOnnxEncoder(model)
    X = enc.encode(items)
    head = LinearHead()
    head.classes_ = np.array([0, 1, 2])
    head.coef_ = rng.normal(size=(3, X.shape[1])).astype(np.float32)
    head.intercept_ = rng.normal(size=3).astype(np.float32)
    want = head.predict_proba(X)
    sess = ort.InferenceSession(compose(enc.export_spec(), "logreg", head.to_arrays()).SerializeToString())
    if kind == "image":
        got = sess.run(None, {"pixels": np.stack(items)})[0]
    else:
        tok = enc._tokenizer
        got = np.concatenate([sess.run(None, {"input_ids": np.array([tok.encode(t).ids], np.int64),
                                              "attention_mask": np.ones((1, len(tok.encode(t).ids)), np.int64)})[0]
                              for t in items])
    assert np.abs(got - want).max() < 1e-5
