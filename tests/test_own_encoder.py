"""`shoal new --encoder PATH/model.onnx`: the user's own ONNX encoder with its sidecar model.json. Tiny real
models built with the onnx helper API (tests/onnx_models.py), real image folders and CSVs, real projects."""
from __future__ import annotations

import json
import shutil
import sqlite3

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


def vectors(project) -> tuple[dict, dict]:
    con = sqlite3.connect(project)
    try:
        rows = {(p or s): np.frombuffer(v, np.float32) for p, s, v in con.execute(
            "SELECT i.path, i.source_id, e.vec FROM embeddings e JOIN items i ON i.idx=e.idx")}
        meta = {k: json.loads(v) for k, v in con.execute("SELECT key, value FROM meta")}
        return rows, meta
    finally:
        con.close()


def reference_image_vector(model, path, size=16) -> np.ndarray:
    import onnxruntime as ort

    from desktop_app.core.sources.image_io import load_rgb

    x = (load_rgb(path, size).astype(np.float32) / 255 - [0.485, 0.456, 0.406]) / np.array([0.229, 0.224, 0.225])
    out = ort.InferenceSession(str(model)).run(["pooled"], {"pixel_values": x.transpose(2, 0, 1)[None].astype(np.float32)})
    v = out[0][0]
    return v / np.linalg.norm(v)


def test_an_image_encoder_of_ones_own_embeds_and_labels(capsys, tmp_path, image_folder):
    model = image_encoder(tmp_path / "enc")
    p = tmp_path / "own.shoal"
    code, out, _ = run(capsys, "new", p, "--source", image_folder, "--encoder", model)
    assert code == 0 and "60 image items" in out
    assert run(capsys, "embed", p)[0] == 0
    rows, meta = vectors(p)
    assert meta["encoder"] == "onnx" and meta["dim"] == 8 and meta["encoder_identity"].startswith("onnx:")
    assert meta["encoder_path"] == str(model.resolve()) and len(rows) == 60
    for name in sorted(rows)[:3]:
        assert np.allclose(rows[name], reference_image_vector(model, image_folder / name), atol=1e-5)
    code, out, _ = run(capsys, "next", p, "-n", "4", "--json")
    assert code == 0 and out.count('"id"') == 4
    # the feature map averaged by Shoal ("pool": "mean") gives the same vectors as the model's own pooling
    fmap = image_encoder(tmp_path / "fmap", pool="mean")
    q = tmp_path / "fmap.shoal"
    assert run(capsys, "new", q, "--source", image_folder, "--encoder", fmap)[0] == 0
    assert run(capsys, "embed", q)[0] == 0
    other, meta2 = vectors(q)
    assert meta2["encoder_identity"] != meta["encoder_identity"]
    assert all(np.allclose(other[k], rows[k], atol=1e-5) for k in rows)


def test_a_text_encoder_with_the_bundled_tokenizer(capsys, tmp_path, text_csv):
    from tokenizers import Tokenizer

    model = text_encoder(tmp_path / "enc")
    p = tmp_path / "text.shoal"
    assert run(capsys, "new", p, "--source", text_csv, "--id-column", "id", "--encoder", model)[0] == 0
    assert run(capsys, "embed", p)[0] == 0
    rows, meta = vectors(p)
    assert meta["dim"] == 16 and len(rows) == 120
    import csv

    import onnx
    from onnx import numpy_helper

    table = numpy_helper.to_array(onnx.load(str(model)).graph.initializer[0])
    tok = Tokenizer.from_file(str(tmp_path / "enc" / "tokenizer.json"))
    tok.enable_truncation(max_length=64)
    tok.no_padding()  # the bundled file pads to 128
    with open(text_csv, newline="", encoding="utf-8") as f:
        first = next(csv.DictReader(f))
    want = table[tok.encode(first["text"]).ids].mean(axis=0)
    assert np.allclose(rows[first["id"]], want / np.linalg.norm(want), atol=1e-5)


def test_copy_encoder_keeps_the_project_portable_and_a_changed_model_is_refused(capsys, tmp_path, text_csv):
    model = text_encoder(tmp_path / "enc")
    work = tmp_path / "work"
    work.mkdir()
    p = work / "text.shoal"
    assert run(capsys, "new", p, "--source", text_csv, "--id-column", "id", "--encoder", model, "--copy-encoder")[0] == 0
    assert sorted(x.name for x in (work / "text.shoal-encoder").iterdir()) == ["model.json", "model.onnx",
                                                                                "tokenizer.json"]
    _, meta = vectors(p)
    assert meta["encoder_path"] == "text.shoal-encoder/model.onnx"
    shutil.rmtree(tmp_path / "enc")  # the original is gone; the project and its copy move together
    moved = tmp_path / "moved"
    shutil.move(str(work), str(moved))
    assert run(capsys, "embed", moved / "text.shoal")[0] == 0
    # a refused second copy writes nothing
    code, _, err = run(capsys, "new", moved / "again.shoal", "--source", text_csv, "--encoder", model)
    assert code == 2 and "encoder model not found" in one_line_error(err)
    # the copied model changed under the project: its vectors are never mixed with the old ones
    text_encoder(tmp_path / "other", seed=5)
    shutil.copy(tmp_path / "other" / "model.onnx", moved / "text.shoal-encoder" / "model.onnx")
    con = sqlite3.connect(moved / "text.shoal")
    con.execute("UPDATE items SET embedded=0 WHERE idx=0")
    con.commit()
    con.close()
    code, _, err = run(capsys, "embed", moved / "text.shoal")
    assert code == 2 and "was embedded with onnx:" in one_line_error(err) and "--reembed" in err
    # --copy-encoder of a bundled encoder means nothing
    code, _, err = run(capsys, "new", tmp_path / "b.shoal", "--source", text_csv, "--copy-encoder")
    assert code == 2 and "copies your own model.onnx" in one_line_error(err)


def _edit(model, **changes):
    side = json.loads(model.with_suffix(".json").read_text())
    for k, v in changes.items():
        if v is None:
            side.pop(k, None)
        else:
            side[k] = v
    model.with_suffix(".json").write_text(json.dumps(side))


BAD_IMAGE_SIDECARS = [
    ({"kind": "sound"}, "'kind' must be \"image\" or \"text\""),
    ({"colour": 1}, "unknown field 'colour'"),
    ({"input": "pixels"}, "names input 'pixels', but model.onnx has inputs: pixel_values"),
    ({"output": "logits"}, "names output 'logits', but model.onnx has outputs: pooled"),
    ({"size": [16, 32]}, "'size' must be square"),
    ({"size": [0, 0]}, "'size' must be [height, width]"),
    ({"size": [20, 20]}, "fails on a image shaped as model.json says"),
    ({"layout": "NHWC"}, "fails on a image shaped as model.json says"),
    ({"pool": "mean"}, "nothing to average"),
    ({"pool": "max"}, "'pool' must be one of none, mean"),
    ({"std": [1, 0, 1]}, "'std' must be three positive numbers"),
    ({"scale": -1}, "'scale' must be a positive number"),
    ({"normalize": False}, "'normalize' must be true"),
    ({"kind": "text"}, "unknown field 'input' for a text encoder"),
]


@pytest.mark.parametrize("changes, message", BAD_IMAGE_SIDECARS, ids=[m for _, m in BAD_IMAGE_SIDECARS])
def test_bad_sidecars_are_one_line_and_create_nothing(capsys, tmp_path, image_folder, changes, message):
    model = image_encoder(tmp_path / "enc")
    _edit(model, **changes)
    code, _, err = run(capsys, "new", tmp_path / "p.shoal", "--source", image_folder, "--encoder", model)
    assert code == 2 and message in one_line_error(err)
    assert sorted(x.name for x in tmp_path.iterdir()) == ["enc", "images"]


def test_missing_or_broken_files_are_one_line(capsys, tmp_path, image_folder, text_csv):
    def refused(model, source=image_folder) -> str:
        code, _, err = run(capsys, "new", tmp_path / "p.shoal", "--source", source, "--encoder", model)
        assert code == 2 and not (tmp_path / "p.shoal").exists()
        return one_line_error(err)

    model = image_encoder(tmp_path / "enc")
    assert "encodes images" in refused(model, text_csv) and "holds texts" in refused(model, text_csv)
    model.with_suffix(".json").write_text("{not json")
    assert "model.json is not valid JSON" in refused(model)
    model.with_suffix(".json").unlink()
    assert "no model.json beside model.onnx" in refused(model)
    image_encoder(tmp_path / "enc")
    model.write_bytes(b"this is not an onnx file")
    assert "cannot load model.onnx with onnxruntime" in refused(model)
    assert "encoder model not found" in refused(tmp_path / "nowhere" / "model.onnx")
    text = text_encoder(tmp_path / "tenc")
    (tmp_path / "tenc" / "tokenizer.json").unlink()
    assert "tokenizer 'tokenizer.json' not found" in refused(text, text_csv)
    text = text_encoder(tmp_path / "tenc2", pool="none")
    assert "use pool \"mean\" or \"cls\"" in refused(text, text_csv)
    (tmp_path / "tenc2" / "tokenizer.json").write_text("{}")
    assert "cannot read the tokenizer" in refused(text, text_csv)


def test_simulate_measures_ones_own_encoder(capsys, tmp_path, labeled_image_folder):
    model = image_encoder(tmp_path / "enc")
    code, out, _ = run(capsys, "simulate", labeled_image_folder, "--labels-from-folders", "--encoder", model,
                       "--strategy", "random", "--budget", "40", "--batch", "10", "--seeds", "1")
    assert code == 0 and "random" in out


def test_copy_encoder_takes_the_models_external_data_along(capsys, tmp_path, text_csv):
    import onnx

    model = text_encoder(tmp_path / "enc")
    proto = onnx.load(str(model))
    onnx.save_model(proto, str(model), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="weights.bin", size_threshold=1024)  # the embedding table; small constants stay inline
    assert (tmp_path / "enc" / "weights.bin").stat().st_size > model.stat().st_size
    p = tmp_path / "work" / "text.shoal"
    p.parent.mkdir()
    assert run(capsys, "new", p, "--source", text_csv, "--encoder", model, "--copy-encoder")[0] == 0
    assert (tmp_path / "work" / "text.shoal-encoder" / "weights.bin").is_file()
    shutil.rmtree(tmp_path / "enc")
    assert run(capsys, "embed", p)[0] == 0
