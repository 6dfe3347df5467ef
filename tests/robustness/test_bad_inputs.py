"""Bad input: each bad item is skipped with its reason shown in `shoal status --json`; the run goes on."""
from __future__ import annotations

import io
import json
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from desktop_app.core.sources.image_io import load_rgb
from desktop_app.store.project import Project

from .conftest import cli, drop_caps_prefix, one_clear_line, shoal


def _png_bomb(path: Path, w=100_000, h=100_000):
    """A valid PNG signature and header claiming w x h pixels (10 G pixels), with a tiny body."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
                     + chunk(b"IEND", b""))


def _halves(size=(64, 48)):
    """Left half red, right half blue: where each colour ends up tells the orientation."""
    img = Image.new("RGB", size, (255, 0, 0))
    img.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return img


def make_image_folder(root: Path) -> dict[str, str | None]:
    """Files -> the reason fragment expected in status (None: must be embedded, not skipped)."""
    root.mkdir()
    expect: dict[str, str | None] = {}
    good = _halves()
    good.save(root / "good.png")
    expect["good.png"] = None
    (root / "zero.png").write_bytes(b"")
    expect["zero.png"] = "empty file"
    buf = io.BytesIO()
    Image.new("RGB", (300, 300), (10, 200, 30)).save(buf, "JPEG")
    (root / "truncated.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 3])
    expect["truncated.jpg"] = "truncated"
    buf = io.BytesIO()
    Image.effect_noise((300, 300), 50).convert("RGB").save(buf, "PNG")
    (root / "truncated.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    expect["truncated.png"] = "truncated"
    _png_bomb(root / "bomb.png")
    expect["bomb.png"] = "too large"
    good.convert("CMYK").save(root / "cmyk.jpg")
    expect["cmyk.jpg"] = None
    Image.fromarray((np.arange(64 * 48, dtype=np.uint16).reshape(48, 64) * 20)).save(root / "sixteen.png")
    assert Image.open(root / "sixteen.png").mode.startswith("I")
    expect["sixteen.png"] = None
    good.convert("P", palette=Image.Palette.ADAPTIVE).save(root / "palette.png")
    expect["palette.png"] = None
    rgba = good.convert("RGBA")
    rgba.putalpha(128)
    rgba.save(root / "alpha.png")
    expect["alpha.png"] = None
    # stored rotated, with EXIF orientation 6 ("rotate 90 CW to display"): displayed upright == good
    exif = Image.Exif()
    exif[0x0112] = 6
    good.transpose(Image.Transpose.ROTATE_90).save(root / "rotated.jpg", exif=exif.tobytes(), quality=95)
    expect["rotated.jpg"] = None
    frames = [Image.new("RGB", (40, 40), c) for c in ((0, 255, 0), (255, 0, 255), (0, 0, 0))]
    frames[0].save(root / "animated.gif", save_all=True, append_images=frames[1:], duration=50, loop=0)
    expect["animated.gif"] = None
    (root / "not_an_image.jpg").write_text("hello, I am a text file with an image extension")
    expect["not_an_image.jpg"] = "not an image"
    os.symlink("loop_b.png", root / "loop_a.png")
    os.symlink("loop_a.png", root / "loop_b.png")
    expect["loop_a.png"] = expect["loop_b.png"] = "symbolic links"
    (root / "sub").mkdir()
    os.symlink("..", root / "sub" / "up")  # a folder loop: must not be walked forever
    _halves((66, 50)).save(root / "sub" / "été photo 1.png")
    expect["sub/été photo 1.png"] = None
    Image.new("RGB", (30, 30), (1, 2, 3)).save(root / "new\nline.png")
    expect["new\nline.png"] = None
    Image.new("RGB", (30, 30), (9, 9, 9)).save(os.fsencode(root) + b"/bad\xffname.png")
    expect["bad\ufffdname.png"] = "not valid UTF-8"
    Image.new("RGB", (30, 30), (50, 60, 70)).save(root / "unreadable.png")
    os.chmod(root / "unreadable.png", 0)
    expect["unreadable.png"] = "Permission denied"
    Image.new("RGB", (30, 30), (70, 60, 50)).save(root / "deleted_later.png")
    expect["deleted_later.png"] = "file not found"
    return expect


def test_bad_image_files_are_skipped_with_reasons(tmp_path):
    drop_caps_prefix()  # permission bits must bind for the unreadable file (skips if impossible)
    src = tmp_path / "images"
    expect = make_image_folder(src)
    project = tmp_path / "img.shoal"
    r = shoal("new", project, "--source", src, no_caps=True)  # as a user for whom chmod 0 means unreadable
    assert r.returncode == 0, r.stderr
    (src / "deleted_later.png").unlink()  # deleted between scan and embed
    rc, out, err = cli("embed", project)
    assert rc == 0, err
    rc, out, err = cli("status", project, "--json")
    assert rc == 0, err
    st = json.loads(out)
    skipped = {s["path"]: s["reason"] for s in st["skipped"]}
    with Project.open(project, readonly=True) as p:
        paths = {r["path"] for r in p.items(range(p.n_items))}
    assert set(expect) == paths  # every file is an item; the looping folder link added nothing
    for path, fragment in expect.items():
        if fragment is None:
            assert path not in skipped, f"{path!r} should be embedded, got: {skipped.get(path)}"
        else:
            assert path in skipped, f"{path!r} should be skipped ({fragment})"
            assert fragment.lower() in skipped[path].lower(), (path, skipped[path])
    assert st["n_embedded"] == sum(v is None for v in expect.values())
    rc, out, err = cli("status", project)  # the plain report lists them too
    assert "skipped" in out and "truncated" in out


def test_exif_rotation_animation_and_modes_decode_right(tmp_path):
    src = tmp_path / "images"
    make_image_folder(src)
    upright = load_rgb(src / "good.png").astype(int)
    for name in ("rotated.jpg", "cmyk.jpg", "palette.png", "sub/été photo 1.png"):
        got = load_rgb(src / name).astype(int)
        left, right = got[:, :80].mean(axis=(0, 1)), got[:, -80:].mean(axis=(0, 1))
        assert left[0] > 150 > left[2] and right[2] > 150 > right[0], name  # red left, blue right
        assert np.abs(got - upright).mean() < 25, name
    first = load_rgb(src / "animated.gif")
    assert (first[..., 1] > 200).all() and (first[..., 0] < 50).all()  # the first (green) frame
    alpha = load_rgb(src / "alpha.png").astype(int)  # half-transparent over white
    assert alpha[:, :80, 1].mean() > 100
    sixteen = load_rgb(src / "sixteen.png")
    assert sixteen.dtype == np.uint8 and sixteen.max() > 100


TEXTS = {
    "latin1.txt": ("café crème brûlée".encode("latin-1"), "café"),
    "utf16_bom.txt": ("naïve résumé".encode("utf-16"), "naïve"),
    "utf16_nobom.txt": ("naïve façade".encode("utf-16-le"), "façade"),
    "utf8_bom.txt": (b"\xef\xbb\xbfbom text", "bom text"),
    "cp1252.txt": ("smart \u201cquotes\u201d".encode("cp1252"), "\u201cquotes\u201d"),
    "huge_line.txt": (b"word " * 210_000, "word word"),  # ~1 MB on one line
}
BAD_TEXTS = {
    "zero.txt": (b"", "empty file"),
    "blank.txt": (b"   \n\t \n", "empty text"),
    "binary.txt": (bytes(range(256)) * 8, "binary"),
}


def test_text_folder_encodings_empty_binary_and_huge(tmp_path):
    src = tmp_path / "texts"
    src.mkdir()
    for name, (data, _) in {**TEXTS, **BAD_TEXTS}.items():
        (src / name).write_bytes(data)
    project = tmp_path / "t.shoal"
    rc, _, err = cli("new", project, "--source", src, "--kind", "text")
    assert rc == 0, err
    rc, _, err = cli("embed", project)
    assert rc == 0, err
    st = json.loads(cli("status", project, "--json")[1])
    skipped = {s["path"]: s["reason"] for s in st["skipped"]}
    assert set(skipped) == set(BAD_TEXTS)
    for name, (_, fragment) in BAD_TEXTS.items():
        assert fragment in skipped[name]
    with Project.open(project, readonly=True) as p:
        texts = {r["path"]: r["text"] for r in p.items(range(p.n_items))}
    for name, (_, fragment) in TEXTS.items():
        assert fragment in texts[name], (name, texts[name][:40])
    assert st["n_embedded"] == len(TEXTS)


def test_csv_ragged_newlines_duplicates_empty_nul_and_odd_labels(tmp_path):
    src = tmp_path / "data.csv"
    long_label = "L" * 300
    src.write_bytes(
        b'id,text,label\n'
        b'1,plain text,pos\n'
        b'2,"a text with an\nembedded newline, and a comma",neg\n'
        b'3\n'                                   # ragged: no text column
        b'4,too,many,fields,here\n'              # ragged: extra fields
        b'1,duplicate id,pos\n'
        b'5,,neg\n'                              # empty text
        b'6,nul\x00byte inside,pos\n'
        b'7,tab in label,"we\tird"\n'
        + f'8,long label,{long_label}\n'.encode()
        + b'9,"unterminated quote at the end\n')
    project = tmp_path / "c.shoal"
    rc, out, err = cli("new", project, "--source", src, "--id-column", "id", "--label-column", "label")
    assert rc == 0, err
    st = json.loads(cli("status", project, "--json")[1])
    reasons = {s["id"]: s["reason"] for s in st["skipped"]}
    assert any("no text column" in r for r in reasons.values())
    assert any("duplicate id" in r for r in reasons.values())
    assert reasons.get("5") == "empty text"  # the source's own id, verbatim
    with Project.open(project, readonly=True) as p:
        rows = {r["id"]: r for r in p.items(range(p.n_items))}
        labels = set(p.label_counts())
    assert "embedded newline" in rows["2"]["text"]
    assert rows["4"]["text"] == "too"
    assert "we ird" in labels and any(l.startswith("LLL") and len(l) == 200 for l in labels)


def test_csv_without_the_text_column_is_one_clear_error(tmp_path):
    src = tmp_path / "data.csv"
    src.write_text("id,body\n1,hello\n")
    project = tmp_path / "c.shoal"
    r = shoal("new", project, "--source", src, "--text-column", "text")
    assert r.returncode == 2
    assert "no text column 'text'" in one_clear_line(r.stderr)
    assert not project.exists()


def test_jsonl_broken_lines_are_skipped(tmp_path):
    src = tmp_path / "data.jsonl"
    src.write_text("\n".join([
        '{"text": "first good line", "label": "x"}',
        '{"text": "broken',
        '[1, 2, 3]',
        '{"other": "no text key"}',
        '{"text": ' + "1" * 5000 + '}',          # a number too long for Python's int parser
        "[" * 100_000 + "]" * 100_000,          # nesting deeper than the recursion limit
        '{"text": 12345}',
        '{"text": "last good line", "label": "y"}',
    ]) + "\n")
    project = tmp_path / "j.shoal"
    rc, out, err = cli("new", project, "--source", src, "--label-column", "label")
    assert rc == 0, err
    st = json.loads(cli("status", project, "--json")[1])
    reasons = [s["reason"] for s in st["skipped"]]
    assert len(reasons) == 5, reasons
    assert any("not valid JSON" in r for r in reasons)
    assert sum("no 'text' key" in r for r in reasons) == 2
    assert sum("cannot be read as JSON" in r for r in reasons) == 2
    assert st["n_items"] == 8 and st["n_labeled"] == 2


def test_txt_lines_with_a_1mb_line_are_embedded_truncated(tmp_path):
    src = tmp_path / "lines.txt"
    src.write_text("short one\n\n" + "x " * 500_000 + "\nlast\n")
    project = tmp_path / "l.shoal"
    rc, _, err = cli("new", project, "--source", src)
    assert rc == 0, err
    rc, out, err = cli("embed", project)
    assert rc == 0, err
    st = json.loads(cli("status", project, "--json")[1])
    assert st["n_items"] == 3 and st["n_embedded"] == 3 and st["n_skipped"] == 0


@pytest.mark.parametrize("content", [b"", b"\x00\x01\x02\x03" * 500])
def test_unreadable_table_files_are_one_clear_error(tmp_path, content):
    src = tmp_path / "data.csv"
    src.write_bytes(content)
    r = shoal("new", tmp_path / "x.shoal", "--source", src)
    assert r.returncode == 2
    one_clear_line(r.stderr)
    assert not (tmp_path / "x.shoal").exists()
