"""`shoal import-embeddings`: vectors computed elsewhere, matched by the ids users see. Real CSV sources,
real project files, real .npy and parquet files; every refusal is one line and writes nothing."""
from __future__ import annotations

import csv
import sqlite3

import numpy as np
import pytest

from desktop_app.cli import main


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def one_line_error(err: str) -> str:
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("shoal: error: "), err
    return lines[0]


@pytest.fixture
def project(tmp_path, capsys, text_csv):
    p = tmp_path / "news.shoal"
    assert run(capsys, "new", p, "--source", text_csv, "--id-column", "id", "--text-column", "text")[0] == 0
    return p


def source_ids(text_csv) -> list[str]:
    with open(text_csv, newline="", encoding="utf-8") as f:
        return [r["id"] for r in csv.DictReader(f)]


def write_npy(tmp_path, ids, vectors, name="v"):
    np.save(tmp_path / f"{name}.npy", vectors)
    (tmp_path / f"{name}.ids").write_text("\n".join(ids) + "\n", encoding="utf-8")
    return tmp_path / f"{name}.npy", tmp_path / f"{name}.ids"


def stored(project):
    con = sqlite3.connect(project)
    try:
        rows = dict(con.execute("SELECT i.source_id, e.vec FROM embeddings e JOIN items i ON i.idx=e.idx"))
        meta = dict(con.execute("SELECT key, value FROM meta WHERE key IN ('encoder', 'encoder_identity', 'dim')"))
        return {k: np.frombuffer(v, np.float32) for k, v in rows.items()}, meta
    finally:
        con.close()


def test_npy_import_matches_ids_normalises_and_reports_the_rest(capsys, tmp_path, project, text_csv):
    ids = source_ids(text_csv)[:100]
    rng = np.random.default_rng(0)
    vec = rng.normal(size=(100, 24)).astype(np.float16)
    order = rng.permutation(100)  # any row order: matched by id
    npy, idfile = write_npy(tmp_path, [ids[i] for i in order], vec[order])
    code, out, _ = run(capsys, "import-embeddings", project, npy, "--ids", idfile, "--name", "my-clip")
    assert code == 0 and "imported 100 vectors of 24 dimensions as imported:my-clip" in out
    assert "20 items have no vector and stay unembedded" in out
    rows, meta = stored(project)
    assert meta["encoder"] == '"imported"' and meta["dim"] == "24" and len(rows) == 100
    want = vec[3].astype(np.float32) / np.linalg.norm(vec[3].astype(np.float32))
    assert np.allclose(rows[ids[3]], want, atol=1e-6)
    # the loop runs on the imported vectors; embedding the rest is refused with the way out
    code, out, _ = run(capsys, "next", project, "-n", "5", "--json")
    assert code == 0 and out.count('"id"') == 5
    code, _, err = run(capsys, "embed", project)
    assert code == 2 and "20 items have no vector" in one_line_error(err) and "import-embeddings" in err
    # the rest, from the same model, completes it
    rest = source_ids(text_csv)[100:]
    npy2, ids2 = write_npy(tmp_path, rest, rng.normal(size=(20, 24)).astype(np.float32), "rest")
    code, out, _ = run(capsys, "import-embeddings", project, npy2, "--ids", ids2, "--name", "my-clip")
    assert code == 0 and "120 items embedded" in out and "no vector" not in out


def test_parquet_list_and_fixed_size_list_columns(capsys, tmp_path, project, text_csv):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    ids = source_ids(text_csv)
    vec = np.random.default_rng(1).normal(size=(len(ids), 8)).astype(np.float32)
    pq.write_table(pa.table({"item": ids, "emb": pa.array(list(vec), type=pa.list_(pa.float32(), 8))}),
                   tmp_path / "fixed.parquet")
    code, _, err = run(capsys, "import-embeddings", project, tmp_path / "fixed.parquet")
    assert code == 2 and "no column 'id'" in one_line_error(err) and "--id-column" in err
    code, out, _ = run(capsys, "import-embeddings", project, tmp_path / "fixed.parquet", "--id-column", "item")
    assert code == 0 and "imported 120 vectors of 8 dimensions" in out
    pq.write_table(pa.table({"id": ids, "vector": [list(map(float, v)) for v in vec]}), tmp_path / "list.parquet")
    code, out, _ = run(capsys, "import-embeddings", project, tmp_path / "list.parquet")
    assert code == 0 and "120 items embedded" in out
    pq.write_table(pa.table({"id": ids[:2], "vector": [[1.0, 2.0], [1.0]]}), tmp_path / "ragged.parquet")
    code, _, err = run(capsys, "import-embeddings", project, tmp_path / "ragged.parquet")
    assert code == 2 and "different lengths" in one_line_error(err)


def test_bad_inputs_are_refused_whole(capsys, tmp_path, project, text_csv):
    ids = source_ids(text_csv)
    vec = np.random.default_rng(2).normal(size=(len(ids), 16)).astype(np.float32)
    before = project.read_bytes()

    def refused(npy, idfile, *extra) -> str:
        code, _, err = run(capsys, "import-embeddings", project, npy, "--ids", idfile, *extra)
        assert code == 2 and project.read_bytes() == before
        return one_line_error(err)

    npy, idfile = write_npy(tmp_path, ids[:-1], vec, "count")
    assert "120 vectors but 119 ids" in refused(npy, idfile)
    bad = vec.copy()
    bad[7, 3], bad[9] = np.nan, 0.0
    npy, idfile = write_npy(tmp_path, ids, bad, "nan")
    line = refused(npy, idfile)
    assert "2 rows hold NaN, infinite or all-zero values" in line and f"id {ids[7]!r}" in line
    bad = vec.copy()
    bad[0, 0] = np.inf
    npy, idfile = write_npy(tmp_path, ids, bad, "inf")
    assert "1 row hold" in refused(npy, idfile)
    npy, idfile = write_npy(tmp_path, ids[:117] + ["nope-1", "nope-2", "nope-3"], vec, "unknown")
    assert "3 ids of 120 are not items of this project (e.g. 'nope-1'" in refused(npy, idfile)
    npy, idfile = write_npy(tmp_path, ids[:119] + [ids[0]], vec, "dup")
    assert "appear more than once" in refused(npy, idfile)
    np.save(tmp_path / "ints.npy", np.ones((120, 4), np.int64))
    assert "int64" in refused(tmp_path / "ints.npy", idfile)
    np.save(tmp_path / "flat.npy", np.ones(120, np.float32))
    assert "2-D array" in refused(tmp_path / "flat.npy", idfile)
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}] * 3, dtype=object), allow_pickle=True)
    assert "not a readable .npy" in refused(tmp_path / "obj.npy", idfile)  # never unpickled
    code, _, err = run(capsys, "import-embeddings", project, tmp_path / "count.npy")
    assert code == 2 and "--ids" in one_line_error(err)
    # another model's vectors, or another dimension, never join the ones stored
    npy, idfile = write_npy(tmp_path, ids[:60], vec[:60], "first")
    assert run(capsys, "import-embeddings", project, npy, "--ids", idfile, "--name", "a")[0] == 0
    before = project.read_bytes()
    npy, idfile = write_npy(tmp_path, ids[60:], vec[60:], "second")
    line = refused(npy, idfile, "--name", "b")
    assert "holds 60 vectors from imported:a" in line and "--replace" in line and "--name a" in line
    npy, idfile = write_npy(tmp_path, ids[60:], vec[60:, :8], "narrow")
    assert "8 dimensions, but the ones imported before have 16" in refused(npy, idfile, "--name", "a")
    code, out, _ = run(capsys, "import-embeddings", project, npy, "--ids", idfile, "--name", "b", "--replace")
    assert code == 0 and "60 items embedded" in out


def test_vectors_of_the_bundled_encoder_are_not_mixed_with_imported_ones(capsys, tmp_path):
    src = tmp_path / "sms.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(6):
            w.writerow([f"m{i}", f"message {i}"])
    p = tmp_path / "sms.shoal"
    assert run(capsys, "new", p, "--source", src, "--id-column", "id")[0] == 0
    assert run(capsys, "embed", p)[0] == 0
    npy, idfile = write_npy(tmp_path, ["m0", "m1"], np.ones((2, 384), np.float32))
    code, _, err = run(capsys, "import-embeddings", p, npy, "--ids", idfile)
    assert code == 2 and "holds 6 vectors from minilm:" in one_line_error(err)
