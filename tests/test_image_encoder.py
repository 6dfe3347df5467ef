"""EfficientNet-Lite0 encoder (real model) and robust image loading."""
from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from desktop_app.core.embedding.efficientnet import EfficientNetLite0Encoder
from desktop_app.core.sources.image_io import IMAGE_EXTENSIONS, load_rgb, to_rgb_array
from desktop_app.errors import ItemError

FMNIST = Path("/usr/share/datasets/fashion-mnist")
RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


@pytest.fixture(scope="module")
def encoder():
    enc = EfficientNetLite0Encoder()
    if not enc.model_path.is_file():
        pytest.skip("model file not present")
    return enc


@pytest.fixture(scope="module")
def fmnist():
    images, labels = FMNIST / "t10k-images-idx3-ubyte.gz", FMNIST / "t10k-labels-idx1-ubyte.gz"
    if not images.is_file():
        pytest.skip("Fashion-MNIST not installed (Debian package dataset-fashion-mnist)")
    with gzip.open(images) as f:
        x = np.frombuffer(f.read(16 + 784 * 400)[16:], np.uint8).reshape(-1, 28, 28)
    with gzip.open(labels) as f:
        y = np.frombuffer(f.read(8 + 400)[8:], np.uint8)
    return x, y


def save(img: Image.Image, path: Path, **kw) -> Path:
    img.save(path, **kw)
    return path


def good(path: Path) -> np.ndarray:
    out = load_rgb(path)
    assert out.shape == (224, 224, 3) and out.dtype == np.uint8
    return out


def bad(path: Path) -> str:
    with pytest.raises(ItemError) as e:
        load_rgb(path)
    msg = str(e.value)
    assert msg.strip() and "\n" not in msg
    return msg


def load_rgb_array(gray28: np.ndarray) -> np.ndarray:
    return to_rgb_array(Image.fromarray(gray28, "L"))


def near(pixel, colour, tol=40) -> bool:
    return bool(np.all(np.abs(pixel.astype(int) - np.array(colour)) <= tol))


# ---------------------------------------------------------------- encoder

def test_encode_real_images_gives_unit_vectors(encoder, fmnist, tmp_path):
    paths = [save(Image.new("RGB", (64, 64), c), tmp_path / f"solid{i}.png")
             for i, c in enumerate([RED, BLUE, WHITE, (0, 0, 0)])]
    h = np.tile(np.linspace(0, 255, 300).astype(np.uint8), (200, 1))  # horizontal ramp
    v = np.tile(np.linspace(0, 255, 200).astype(np.uint8)[:, None], (1, 300))  # vertical ramp
    paths.append(save(Image.fromarray(np.dstack([h, v, 255 - h])), tmp_path / "gradient.jpg", quality=90))
    paths += [save(Image.fromarray(fmnist[0][i]), tmp_path / f"fm{i}.png") for i in range(3)]
    vecs = encoder.encode([encoder.prepare(p) for p in paths])
    assert vecs.shape == (len(paths), 1280) and vecs.dtype == np.float32
    assert np.all(np.isfinite(vecs))
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert encoder.encode([]).shape == (0, 1280)


def test_same_image_gives_identical_vectors(encoder, fmnist):
    a = load_rgb_array(fmnist[0][0])
    first, second = encoder.encode([a]), encoder.encode([a])
    assert np.array_equal(first, second)
    pair = encoder.encode([a, a.copy()])
    np.testing.assert_allclose(pair[0], pair[1], atol=1e-6)
    np.testing.assert_allclose(pair[0], first[0], atol=1e-5)


def test_same_class_more_similar_than_different(encoder, fmnist):
    x, y = fmnist
    idx = np.concatenate([np.where(y == c)[0][:4] for c in range(10)])  # 40 images, 4 per class
    v = encoder.encode([load_rgb_array(x[i]) for i in idx])
    sim, lab = v @ v.T, y[idx]
    same = (lab[:, None] == lab[None, :]) & ~np.eye(len(idx), dtype=bool)
    diff = lab[:, None] != lab[None, :]
    assert sim[same].mean() > sim[diff].mean() + 0.02


def test_identity_and_prepare_errors(encoder, tmp_path):
    ident = encoder.identity()
    assert ident.startswith("efficientnet-lite0:") and len(ident.split(":")[1]) == 16
    assert encoder.identity() == ident
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(ItemError):
        encoder.prepare(tmp_path / "empty.jpg")


def test_prepare_is_thread_safe(encoder, fmnist, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    paths = [save(Image.fromarray(fmnist[0][i]), tmp_path / f"t{i}.png") for i in range(16)]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(encoder.prepare, paths * 2))
    for p, arr in zip(paths * 2, threaded):
        assert np.array_equal(arr, encoder.prepare(p))



# ---------------------------------------------------------------- image_io: bad files

def test_extensions():
    assert {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"} == IMAGE_EXTENSIONS


def test_zero_byte_missing_and_directory(tmp_path):
    (tmp_path / "zero.png").write_bytes(b"")
    assert "empty" in bad(tmp_path / "zero.png")
    assert "not found" in bad(tmp_path / "nope.jpg")
    (tmp_path / "dir.png").mkdir()
    bad(tmp_path / "dir.png")


def test_truncated_jpeg(tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    data = (save(Image.fromarray(noise), tmp_path / "full.jpg", quality=95)).read_bytes()
    (tmp_path / "cut.jpg").write_bytes(data[: len(data) // 2])
    assert "truncated" in bad(tmp_path / "cut.jpg")


def test_text_file_named_png(tmp_path):
    (tmp_path / "notes.png").write_text("hello, I am not a picture\n")
    assert "not an image" in bad(tmp_path / "notes.png")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path):
    p = save(Image.new("RGB", (10, 10)), tmp_path / "locked.png")
    p.chmod(0)
    try:
        assert "permission" in bad(p)
    finally:
        p.chmod(0o644)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb(tmp_path, monkeypatch):
    p = save(Image.new("RGB", (100, 100)), tmp_path / "big.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 6000)  # 10k px: Pillow only warns; we refuse
    assert "too large" in bad(p)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # > 2x limit: Pillow raises itself
    assert "too large" in bad(p)


def test_png_header_with_huge_dimensions(tmp_path):
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    (tmp_path / "bomb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
                                        + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    assert "too large" in bad(tmp_path / "bomb.png")


# ---------------------------------------------------------------- image_io: good files, odd modes

def test_cmyk_jpeg(tmp_path):
    out = good(save(Image.new("CMYK", (64, 48), (0, 255, 255, 0)), tmp_path / "cmyk.jpg"))
    assert near(out[112, 112], RED)


def test_16bit_png_is_scaled_not_clipped(tmp_path):
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (100, 1))
    p = save(Image.fromarray(ramp), tmp_path / "deep.png")
    assert Image.open(p).mode.startswith("I")
    out = good(p)
    assert out[112, 0, 0] < 80 and out[112, -1, 0] > 175 and 100 < out[112, 112, 0] < 155
    assert np.array_equal(out[..., 0], out[..., 1])


def test_palette_png_with_transparency(tmp_path):
    img = Image.new("P", (60, 40), 0)
    img.putpalette([0, 0, 0, 0, 0, 255] + [0] * 762)
    img.paste(1, (30, 0, 60, 40))  # right half blue, left half index 0 = transparent black
    out = good(save(img, tmp_path / "pal.png", transparency=0))
    assert near(out[112, 30], WHITE) and near(out[112, 200], BLUE)


def test_rgba_and_la_composited_on_white(tmp_path):
    a = np.zeros((40, 60, 4), np.uint8)
    a[:, 30:] = (0, 0, 255, 255)
    a[:, :30] = (255, 0, 0, 0)  # fully transparent red -> white
    out = good(save(Image.fromarray(a, "RGBA"), tmp_path / "rgba.png"))
    assert near(out[112, 30], WHITE) and near(out[112, 200], BLUE)
    la = Image.fromarray(np.dstack([np.zeros((40, 60), np.uint8), a[..., 3]]), "LA")
    out = good(save(la, tmp_path / "la.png"))
    assert near(out[112, 30], WHITE) and near(out[112, 200], (0, 0, 0))


def test_exif_orientation_6_is_applied(tmp_path):
    a = np.zeros((100, 200, 3), np.uint8)
    a[:, :100], a[:, 100:] = RED, BLUE  # stored: left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # display = rotate 90 deg clockwise: left (red) goes to the top
    out = good(save(Image.fromarray(a), tmp_path / "rot.jpg", exif=exif.tobytes(), quality=95))
    assert near(out[40, 112], RED) and near(out[184, 112], BLUE)
    assert near(out[112, 20], out[112, 200], tol=60)  # no left/right split any more


def test_animated_gif_first_frame(tmp_path):
    frames = [Image.new("RGB", (50, 50), c) for c in (RED, (0, 255, 0), BLUE)]
    p = save(frames[0], tmp_path / "anim.gif", save_all=True, append_images=frames[1:], duration=50, loop=0)
    assert Image.open(p).n_frames == 3
    assert near(good(p)[112, 112], RED)


def test_common_modes_and_large_jpeg(tmp_path):
    good(save(Image.new("L", (30, 90), 128), tmp_path / "gray.png"))
    good(save(Image.new("1", (50, 50), 1), tmp_path / "bw.bmp"))
    noise = np.random.default_rng(1).integers(0, 256, (1200, 1900, 3), dtype=np.uint8)
    good(save(Image.fromarray(noise), tmp_path / "large.jpg"))
    frames = [Image.new("RGB", (40, 30), c) for c in (BLUE, RED)]
    p = save(frames[0], tmp_path / "multi.tiff", save_all=True, append_images=frames[1:])
    assert near(good(p)[112, 112], BLUE)
