"""Search mode seeded by a query (`shoal mode P LABEL search --query "..." / --query-image PATH`): real CSV
and image sources, the real bundled MiniLM and EfficientNet-Lite0 encoders, real SQLite project files."""
from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from desktop_app.cli import main
from desktop_app.store import schema
from tests.conftest import DEMO, demo_truth, truth_of_csv
from tests.conftest import cli_run as run

PHRASE = "space exploration, rockets and NASA"


def nearest_ids(project, vector, n) -> list[str]:
    """The n items nearest `vector`, computed here from the project file itself (plain sqlite3)."""
    with sqlite3.connect(project) as con:
        rows = con.execute("SELECT coalesce(i.source_id, i.uid), e.vec FROM embeddings e JOIN items i "
                           "ON i.idx = e.idx ORDER BY i.idx").fetchall()
    ids = [r[0] for r in rows]
    emb = np.stack([np.frombuffer(r[1], np.float32) for r in rows])
    order = np.argsort(-(emb @ vector), kind="stable")[:n]
    return [ids[i] for i in order]


def ranked(batch):
    return [e for e in batch if not e["audit"]]


@pytest.fixture(scope="module")
def minilm():
    from desktop_app.core.embedding.registry import get_encoder

    return get_encoder("minilm")


@pytest.fixture(scope="module")
def embedded_once(tmp_path_factory):
    """The 120-post project, embedded once for the module (MiniLM on 2 cores takes a while)."""
    folder = tmp_path_factory.mktemp("embedded")
    with open(DEMO / "texts.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:120]   # the rows of the text_csv fixture
    src = folder / "texts.csv"
    with open(src, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["id", "text", "label"])
        w.writeheader()
        w.writerows(rows)
    project = folder / "q.shoal"
    assert main(["new", str(project), "--source", str(src), "--id-column", "id", "--labels",
                 "sci.space,rec.sport.hockey,comp.graphics,rec.autos,talk.politics.guns"]) == 0
    assert main(["embed", str(project)]) == 0
    return project


@pytest.fixture
def text_project(tmp_path, embedded_once, text_csv):
    """A copy of the embedded project (its source holds the same rows as text_csv)."""
    project = tmp_path / "q.shoal"
    shutil.copy(embedded_once, project)
    return project


def test_a_phrase_makes_the_first_candidates_the_items_nearest_it(capsys, text_project, text_csv, minilm):
    project, truth = text_project, truth_of_csv(text_csv)
    q = minilm.encode([minilm.prepare(PHRASE)])[0]
    code, out, err = run(capsys, "mode", project, "sci.space", "search", "--query", PHRASE)
    assert code == 0, err
    assert f"nearest {PHRASE!r}" in out
    batch = json.loads(run(capsys, "next", project, "-n", "10", "--json")[1])
    # no label yet: the whole first batch is the query's nearest items, nearest first
    assert [e["id"] for e in batch] == nearest_ids(project, q / np.linalg.norm(q), 10)
    assert all(e["reason"].startswith("near your query") for e in batch)
    hits = sum(truth[e["id"]] == "sci.space" for e in batch)
    assert hits >= 8, hits  # 24 of the 120 posts are sci.space
    st = json.loads(run(capsys, "status", project, "--json")[1])
    assert st["search"] == {"label": "sci.space", "query": {"label": "sci.space", "kind": "text",
                                                             "query": PHRASE, "usable": True}}
    assert f"mode: find more of 'sci.space', seeded by the phrase {PHRASE!r}" in run(capsys, "status", project)[1]

    # answer it: once positives exist, half of each batch still comes from the query until 10 are labeled
    answers = project.parent / "a.csv"
    with open(answers, "w", newline="") as f:
        csv.writer(f).writerows([["item", "label"], *[[e["id"], truth[e["id"]]] for e in batch]])
    assert run(capsys, "label", project, "--csv", answers)[0] == 0
    nxt = ranked(json.loads(run(capsys, "next", project, "-n", "10", "--json")[1]))
    assert not {e["id"] for e in nxt} & {e["id"] for e in batch}
    near = [e for e in nxt if e["reason"].startswith("near your query")]
    assert len(near) == (5 if hits < 10 else 0) and sum(truth[e["id"]] == "sci.space" for e in nxt) >= 6

    # a new mode call replaces the query: the unanswered batch gives way to the new query's items
    hockey = "ice hockey"
    assert run(capsys, "mode", project, "rec.sport.hockey", "search", "--query", hockey)[0] == 0
    st = json.loads(run(capsys, "status", project, "--json")[1])
    assert st["search"]["query"]["query"] == hockey and st["search"]["label"] == "rec.sport.hockey"
    fresh = json.loads(run(capsys, "next", project, "-n", "10", "--json")[1])
    assert all(e["reason"].startswith("near your query") for e in fresh)  # no hockey label yet
    assert sum(truth[e["id"]] == "rec.sport.hockey" for e in fresh) >= 8

    # search mode without a query, or learn mode, clears it
    assert run(capsys, "mode", project, "sci.space", "search")[0] == 0
    assert json.loads(run(capsys, "status", project, "--json")[1])["search"] == {"label": "sci.space", "query": None}
    assert run(capsys, "mode", project, "rec.sport.hockey", "search", "--query", hockey)[0] == 0
    assert run(capsys, "mode", project, "learn")[0] == 0
    assert json.loads(run(capsys, "status", project, "--json")[1])["search"] == {"label": None, "query": None}
    with sqlite3.connect(project) as con:
        assert con.execute("SELECT count(*) FROM search_query").fetchone()[0] == 0


def test_without_a_query_the_first_batch_is_not_the_phrase_neighbours(capsys, text_project, minilm):
    q = minilm.encode([minilm.prepare(PHRASE)])[0]
    assert run(capsys, "mode", text_project, "sci.space", "search")[0] == 0
    batch = json.loads(run(capsys, "next", text_project, "-n", "10", "--json")[1])
    assert [e["id"] for e in batch] != nearest_ids(text_project, q / np.linalg.norm(q), 10)
    assert not any(e["reason"].startswith("near your query") for e in batch)


@pytest.mark.parametrize("args, says", [
    (["sci.space", "search", "--query", "   "], "the query is empty"),
    (["sci.space", "search", "--query", ""], "the query is empty"),
    (["no-such-label", "search", "--query", "rockets"], "unknown label 'no-such-label'"),
    (["learn", "--query", "rockets"], "a query seeds search mode"),
    (["sci.space", "search", "--query", "x", "--query-image", "a.png"], "give one query"),
    (["sci.space", "search", "--query-image", "a.png"], "this project holds texts"),
])
def test_bad_queries_are_one_clear_line(capsys, text_project, args, says):
    before = json.loads(run(capsys, "status", text_project, "--json")[1])["search"]
    code, out, err = run(capsys, "mode", text_project, *args)
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert json.loads(run(capsys, "status", text_project, "--json")[1])["search"] == before


def test_a_query_needs_embeddings_and_an_encoder(capsys, tmp_path, text_csv):
    project = tmp_path / "raw.shoal"
    assert run(capsys, "new", project, "--source", text_csv, "--id-column", "id", "--labels", "sci.space")[0] == 0
    code, _, err = run(capsys, "mode", project, "sci.space", "search", "--query", "rockets")
    assert code == 2 and "no item is embedded yet" in err and len(err.strip().splitlines()) == 1
    with open(text_csv, newline="", encoding="utf-8") as f:
        ids = [r["id"] for r in csv.DictReader(f)]
    np.save(tmp_path / "v.npy", np.random.default_rng(0).normal(size=(len(ids), 8)).astype(np.float32))
    (tmp_path / "v.ids").write_text("\n".join(ids) + "\n", encoding="utf-8")
    assert run(capsys, "import-embeddings", project, tmp_path / "v.npy", "--ids", tmp_path / "v.ids")[0] == 0
    code, _, err = run(capsys, "mode", project, "sci.space", "search", "--query", "rockets")
    assert code == 2 and "no encoder to embed a query with" in err and len(err.strip().splitlines()) == 1


def test_an_example_image_from_outside_the_source(capsys, tmp_path, image_folder):
    from desktop_app.core.embedding.registry import get_encoder

    project = tmp_path / "img.shoal"
    assert run(capsys, "new", project, "--source", image_folder, "--labels", "sandal,other")[0] == 0
    assert run(capsys, "embed", project)[0] == 0
    truth = demo_truth()
    inside = {p.name for p in image_folder.iterdir()}
    example = next(n for n in sorted(truth) if truth[n] == "sandal" and n not in inside)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(DEMO / "images" / example, outside / example)
    before = (outside / example).read_bytes(), (outside / example).stat().st_mtime_ns
    code, out, err = run(capsys, "mode", project, "sandal", "search", "--query-image", outside / example)
    assert code == 0, err
    enc = get_encoder("efficientnet-lite0")
    q = enc.encode([enc.prepare(str(outside / example))])[0]
    batch = json.loads(run(capsys, "next", project, "-n", "8", "--json")[1])
    assert [e["id"] for e in batch] == nearest_ids(project, q, 8)
    assert sum(truth[Path(e["path"]).name] == "sandal" for e in batch) >= 6  # 1 in 5 of the folder
    # the example was only read: same bytes, same mtime, never copied next to the project
    assert ((outside / example).read_bytes(), (outside / example).stat().st_mtime_ns) == before
    assert list(tmp_path.rglob(example)) == [outside / example]
    assert list(outside.iterdir()) == [outside / example]
    st = json.loads(run(capsys, "status", project, "--json")[1])["search"]
    assert st["query"] == {"label": "sandal", "kind": "image", "query": str(outside / example), "usable": True}
    assert "seeded by the example image" in run(capsys, "status", project)[1]

    (outside / "notes.png").write_text("not an image", encoding="utf-8")
    (outside / "empty.jpg").write_bytes(b"")
    for path, says in [(outside / "notes.png", "not an image"), (outside / "empty.jpg", "empty file"),
                       (outside / "missing.png", "no such file"), (outside, "it is a folder")]:
        code, _, err = run(capsys, "mode", project, "sandal", "search", "--query-image", path)
        assert code == 2 and says in err and len(err.strip().splitlines()) == 1, err
    code, _, err = run(capsys, "mode", project, "sandal", "search", "--query", "a sandal")
    assert code == 2 and "this project holds images" in err
    # a refused query leaves the stored one as it was
    assert json.loads(run(capsys, "status", project, "--json")[1])["search"]["query"]["query"] == str(outside / example)


def test_a_schema_4_project_reads_and_upgrades(capsys, text_project):
    """A file from before the query table: read-only commands read it as it is; the first write adds it."""
    with sqlite3.connect(text_project) as con:
        con.execute("DROP TABLE search_query")
        con.execute("PRAGMA user_version = 4")
    before = text_project.read_bytes()
    st = json.loads(run(capsys, "status", text_project, "--json")[1])
    assert st["search"] == {"label": None, "query": None} and st["n_embedded"] == 120
    assert text_project.read_bytes() == before
    assert run(capsys, "mode", text_project, "sci.space", "search", "--query", PHRASE)[0] == 0
    with sqlite3.connect(text_project) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
        assert con.execute("SELECT kind, query FROM search_query").fetchall() == [("text", PHRASE)]


def test_a_damaged_query_row_is_ignored(capsys, text_project):
    assert run(capsys, "mode", text_project, "sci.space", "search", "--query", PHRASE)[0] == 0
    with sqlite3.connect(text_project) as con:
        con.execute("UPDATE search_query SET vec = x'0102'")
    st = json.loads(run(capsys, "status", text_project, "--json")[1])
    assert st["search"] == {"label": "sci.space", "query": None}
    batch = json.loads(run(capsys, "next", text_project, "-n", "5", "--json")[1])
    assert len(batch) == 5 and not any(e["reason"].startswith("near your query") for e in batch)
