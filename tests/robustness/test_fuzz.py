"""Fuzzing the readers (CSV/TSV, JSONL, TXT, text decoding, image loading, stored arrays) with hypothesis.

The promise under test: whatever the bytes, a reader either refuses the whole file with a ShoalError
(one clear message), or yields records that can be stored (UTF-8-safe text, a uid) with a skip reason
for each bad one; the image loader returns a 32x32 RGB array or raises ItemError. Nothing else.
"""
from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from desktop_app.core.sources import tables
from desktop_app.core.sources.base import SourceOptions, decode_text
from desktop_app.core.sources.image_io import load_rgb
from desktop_app.errors import ItemError, ShoalError
from desktop_app.store import arrays

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # Pillow warns about the broken files we feed it

FUZZ = settings(max_examples=80, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

_tmp = Path(tempfile.mkdtemp(prefix="shoal-fuzz-"))


def _file(name: str, data: bytes) -> Path:
    path = _tmp / name
    path.write_bytes(data)
    return path


def _check_records(reader, path: Path, options: SourceOptions) -> None:
    try:
        records = list(reader(path, options))
    except ShoalError as e:
        assert str(e) and "\n" not in str(e)
        return
    for r in records:
        assert isinstance(r.uid, str) and r.uid
        r.uid.encode("utf-8")  # storable in SQLite
        if r.skip_reason is None:
            assert isinstance(r.text, str) and r.text.strip()
            r.text.encode("utf-8")
        else:
            assert isinstance(r.skip_reason, str) and r.skip_reason
        if r.label is not None:
            r.label.encode("utf-8")


cells = st.one_of(st.text(max_size=30), st.sampled_from(['"', '""', "\n", "\r\n", ",", "\t", "\x00", "\ufeff",
                                                         "\ud800", "id", "text", "label"]))
rows = st.lists(st.lists(cells, max_size=5), max_size=8)


@FUZZ
@given(rows=rows, sep=st.sampled_from([",", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-16", "cp1252", "utf-8-sig"]),
       header=st.sampled_from(["id,text,label", "text", "id,body", ""]))
def test_fuzz_csv_reader(rows, sep, encoding, header):
    body = header.replace(",", sep) + "\n" + "\n".join(sep.join(r) for r in rows)
    data = body.encode(encoding, errors="replace")
    opts = SourceOptions(label_column="label" if "label" in header else None,
                         id_column="id" if header.startswith("id") else None)
    _check_records(tables.table_records, _file("f.tsv" if sep == "\t" else "f.csv", data), opts)


@FUZZ
@given(data=st.binary(max_size=400))
def test_fuzz_csv_reader_raw_bytes(data):
    _check_records(tables.table_records, _file("raw.csv", b"text,label\n" + data), SourceOptions(label_column="label"))


json_keys = st.sampled_from(["text", "label", "id", "x"])
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                           lambda c: st.lists(c, max_size=3) | st.dictionaries(json_keys, c, max_size=3),
                           max_leaves=8)
json_nasty = st.sampled_from(['{"text": "\\ud800 lone surrogate"}', '{"text": "ok", "label": "\\u0000"}',
                              "[" * 5000, '{"text": 1e999}', '{"text": ' + "9" * 5000 + "}"])


@FUZZ
@given(lines=st.lists(st.one_of(json_values.map(json.dumps), st.text(max_size=40), json_nasty), max_size=8))
def test_fuzz_jsonl_reader(lines):
    data = "\n".join(lines).encode("utf-8", errors="surrogatepass")
    _check_records(tables.jsonl_records, _file("f.jsonl", data), SourceOptions(label_column="label", id_column="id"))


@FUZZ
@given(data=st.binary(max_size=600))
def test_fuzz_txt_lines_and_decoding(data):
    _check_records(tables.line_records, _file("f.txt", data), SourceOptions())
    try:
        text = decode_text(data)
    except ItemError:
        return
    text.encode("utf-8")


def _seed_images() -> dict[str, bytes]:
    out = {}
    img = Image.effect_noise((24, 20), 40).convert("RGB")
    for fmt, mode in (("PNG", "RGBA"), ("JPEG", "RGB"), ("GIF", "P"), ("BMP", "RGB"), ("TIFF", "CMYK"),
                      ("WEBP", "RGB"), ("PNG", "I;16")):
        buf = io.BytesIO()
        im = img.convert("L").convert("I;16") if mode == "I;16" else img.convert(mode)
        im.save(buf, fmt)
        out[f"{fmt}-{mode}"] = buf.getvalue()
    return out


SEEDS = _seed_images()


@settings(max_examples=160, deadline=None, derandomize=True, database=None)
@given(seed=st.sampled_from(sorted(SEEDS)),
       edits=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=6),
       cut=st.one_of(st.none(), st.integers(0, 4000)),
       ext=st.sampled_from([".png", ".jpg", ".gif", ".tif", ".webp", ".bmp"]))
def test_fuzz_image_loader(seed, edits, cut, ext):
    data = bytearray(SEEDS[seed])
    for pos, value in edits:
        if data:
            data[pos % len(data)] = value
    if cut is not None:
        data = data[:cut]
    path = _file("img" + ext, bytes(data))
    try:
        out = load_rgb(path, size=32)
    except ItemError as e:
        assert str(e) and "\n" not in str(e)
        return
    assert out.shape == (32, 32, 3) and out.dtype == np.uint8


@FUZZ
@given(dtype=st.sampled_from(["float32", "int64", "bool", "object", "O", "<f4", "V8", "S3", ""]),
       shape=st.one_of(st.text(max_size=20), st.lists(st.integers(-3, 2**40), max_size=3).map(str)),
       data=st.binary(max_size=64))
def test_fuzz_stored_arrays(dtype, shape, data):
    try:
        a = arrays.decode(dtype, shape, data)
    except ShoalError:
        return
    assert a.dtype.name in arrays.ALLOWED_DTYPES and a.nbytes == len(data)


def teardown_module():
    import shutil

    shutil.rmtree(_tmp, ignore_errors=True)
