"""Mixed encodings (issue 11, case 7): text is decoded row by row, so one odd row garbles nothing else,
and only rows that really cannot be read are skipped, each with its reason in `shoal status`."""
from __future__ import annotations

import json

from desktop_app.store.project import Project

from .conftest import cli, one_clear_line, shoal


def _texts(project) -> dict[str, str]:
    with Project.open(project, readonly=True) as p:
        return {r["uid"]: r["text"] for r in p.items(range(p.n_items))}


def _skipped(project) -> dict[str, str]:
    st = json.loads(cli("status", project, "--json")[1])
    return {s["id"]: s["reason"] for s in st["skipped"]}


def _new(tmp_path, src, *extra):
    project = tmp_path / (src.stem + ".shoal")
    rc, _, err = cli("new", project, "--source", src, *extra)
    assert rc == 0, err
    return project


def test_one_cp1252_row_in_a_utf8_csv_garbles_nothing(tmp_path):
    lines = [b"id,text"] + [f"{i},na\u00efve r\u00e9sum\u00e9 \u2013 {i}".encode() for i in range(300)]
    lines.insert(151, "999,caf\u00e9 cr\u00e8me \u201cquoted\u201d".encode("cp1252"))
    src = tmp_path / "mixed.csv"
    src.write_bytes(b"\n".join(lines) + b"\n")
    texts = _texts(_new(tmp_path, src, "--id-column", "id"))
    assert len(texts) == 301
    assert texts["id:999"] == "caf\u00e9 cr\u00e8me \u201cquoted\u201d"
    assert all(texts[f"id:{i}"] == f"na\u00efve r\u00e9sum\u00e9 \u2013 {i}" for i in range(300))


def test_a_cell_full_of_nul_bytes_does_not_make_the_file_binary(tmp_path):
    src = tmp_path / "nul.csv"
    src.write_bytes(b"id,text\n1,first\n2,nul" + b"\x00" * 600 + b"cell\n3,third \xc3\xa9\n")
    project = _new(tmp_path, src, "--id-column", "id")
    assert _texts(project) == {"id:1": "first", "id:2": "nulcell", "id:3": "third \u00e9"}
    assert _skipped(project) == {}


def test_only_binary_rows_are_skipped_each_with_its_reason(tmp_path):
    src = tmp_path / "bin.csv"
    garbage = bytes(range(1, 9)) * 8 + b"\x0e\x0f\x10\x11"
    src.write_bytes(b"id,text\n1,good one\n" + garbage + b"\n2,good two\n")
    project = _new(tmp_path, src, "--id-column", "id")
    assert _texts(project)["id:1"] == "good one" and _texts(project)["id:2"] == "good two"
    assert _skipped(project) == {"badline:3": "line 3: binary data, not text"}


def test_a_declared_encoding_is_the_fallback_and_rows_it_cannot_read_are_skipped(tmp_path):
    src = tmp_path / "sjis.csv"
    src.write_bytes(b"id,text\n" + "1,\u65e5\u672c\u8a9e\u306e\u6587\n".encode("shift_jis")
                    + "2,utf-8 \u00e9t\u00e9\n".encode() + b"3,\x80\xff\xfe bad\n")
    project = _new(tmp_path, src, "--id-column", "id", "--encoding", "shift_jis")
    texts = _texts(project)
    assert texts["id:1"] == "\u65e5\u672c\u8a9e\u306e\u6587" and texts["id:2"] == "utf-8 \u00e9t\u00e9"
    assert _skipped(project) == {"badline:4": "line 4: neither UTF-8 nor shift_jis"}
    r = shoal("new", tmp_path / "x.shoal", "--source", src, "--encoding", "klingon")
    assert r.returncode == 2 and "unknown text encoding 'klingon'" in one_clear_line(r.stderr)


def test_jsonl_and_line_files_decode_line_by_line(tmp_path):
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_bytes('{"text": "\u00fcber gr\u00fc\u00df"}\n'.encode() + '{"text": "caf\u00e9"}\n'.encode("cp1252")
                      + b"\x01\x02\x03\x04\x05\x06\x07\x08\n" + '{"text": "\u2603 snow"}\n'.encode())
    project = _new(tmp_path, jsonl)
    assert sorted(t for t in _texts(project).values() if t) == ["caf\u00e9", "\u00fcber gr\u00fc\u00df", "\u2603 snow"]
    assert list(_skipped(project).values()) == ["line 3: binary data, not text"]
    txt = tmp_path / "lines.txt"
    txt.write_bytes("stra\u00dfe\n".encode() + "na\u00efve\n".encode("cp1252") + "\u00e9t\u00e9\n".encode())
    assert sorted(_texts(_new(tmp_path, txt)).values()) == ["na\u00efve", "stra\u00dfe", "\u00e9t\u00e9"]


def test_a_text_file_with_one_cp1252_line_keeps_its_utf8_lines(tmp_path):
    src = tmp_path / "texts"
    src.mkdir()
    (src / "mixed.txt").write_bytes("gr\u00fc\u00dfe \u2014 line one\n".encode() + "caf\u00e9\n".encode("cp1252"))
    texts = _texts(_new(tmp_path, src, "--kind", "text"))
    assert list(texts.values()) == ["gr\u00fc\u00dfe \u2014 line one\ncaf\u00e9\n"]


def test_the_new_project_dialog_preview_decodes_like_the_import(tmp_path):
    from desktop_app.core.sources.base import SourceOptions
    from desktop_app.ops.gui_support import preview_source

    src = tmp_path / "mixed.csv"
    src.write_bytes(b"id,text\n1,nul" + b"\x00" * 600 + b"cell\n" + "2,caf\u00e9\n".encode("cp1252")
                    + "3,na\u00efve\n".encode())
    shown = preview_source(src, SourceOptions())
    assert shown["columns"] == ["id", "text"]
    assert shown["rows"] == [["1", "nulcell"], ["2", "caf\u00e9"], ["3", "na\u00efve"]]
