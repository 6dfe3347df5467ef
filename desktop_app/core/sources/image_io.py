"""Robust, Qt-free image loading: any common file -> uint8 RGB (size, size, 3).

Every failure a user's file can cause becomes ``ItemError("<one-line reason>")``.
Thread-safe: no global Pillow or ``warnings`` state is changed (truncated files stay errors:
``ImageFile.LOAD_TRUNCATED_IMAGES`` is left alone).
"""
from __future__ import annotations

import os

import numpy as np
from PIL import Image, UnidentifiedImageError

from desktop_app.errors import ItemError

IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"})

_ORIENTATION_TAG = 0x0112
TRANSPOSE = {  # EXIF orientation -> transform that displays the image upright (as ImageOps.exif_transpose)
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
FILE_NOT_FOUND = "file not found"
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})


def load_rgb(path: str | os.PathLike, size: int = 224) -> np.ndarray:
    """Decode the first frame of an image file, upright, as uint8 RGB (size, size, 3).

    Shorter side resized to ``size``, then centre-cropped. Raises ItemError on any bad file."""
    from desktop_app.core.sources.item_files import open_regular

    f = open_regular(path)  # a FIFO or device is refused here, never blocked on (ItemError)
    try:
        if os.fstat(f.fileno()).st_size == 0:
            raise ItemError("empty file (0 bytes)")
        return _decode(f, size)
    finally:
        f.close()


def _decode(f, size: int) -> np.ndarray:
    try:
        with Image.open(f) as img:
            _check_pixels(img)
            img.draft("RGB", (size, size))  # JPEG: decode at 1/2, 1/4 or 1/8 scale, still >= size
            return to_rgb_array(img, size)
    except ItemError:
        raise
    except Image.DecompressionBombError as e:
        raise ItemError(f"image too large (decompression bomb guard): {_one_line(e)}") from None
    except UnidentifiedImageError:
        raise ItemError("not an image, or an unsupported image format") from None
    except PermissionError:
        raise ItemError("permission denied") from None
    except FileNotFoundError:
        raise ItemError(FILE_NOT_FOUND) from None
    except MemoryError:
        raise ItemError("out of memory while decoding image") from None
    except OSError as e:
        msg = _one_line(e)
        if "truncated" in msg.lower() or "broken data stream" in msg.lower():
            raise ItemError(f"truncated image file ({msg})") from None
        raise ItemError(f"corrupt or unreadable image ({msg})") from None
    except Exception as e:  # Pillow plugins raise SyntaxError, ValueError, struct.error, ... on bad data
        raise ItemError(f"corrupt image ({type(e).__name__}: {_one_line(e)})") from None


def to_rgb_array(img: Image.Image, size: int = 224) -> np.ndarray:
    """An opened PIL image (first frame) -> upright uint8 RGB (size, size, 3)."""
    turn = orientation(img)
    rgb = to_rgb(img)
    w, h = rgb.size
    s = min(w, h)
    box = ((w - s) / 2, (h - s) / 2, (w + s) / 2, (h + s) / 2)  # centre square = resize-then-crop
    rgb = rgb.resize((size, size), Image.Resampling.BICUBIC, box=box, reducing_gap=3.0)
    if turn in TRANSPOSE:  # a centred square commutes with these flips/rotations
        rgb = rgb.transpose(TRANSPOSE[turn])
    out = np.asarray(rgb, dtype=np.uint8)
    if out.shape != (size, size, 3):
        raise ItemError(f"unexpected decoded shape {out.shape}")
    return out


def _check_pixels(img: Image.Image) -> None:
    # Pillow only *warns* between MAX_IMAGE_PIXELS and twice that; treat it as an error here
    # (a check of our own, since flipping the warnings filter is not thread-safe).
    limit = Image.MAX_IMAGE_PIXELS
    w, h = img.size
    if limit and w * h > limit:
        raise ItemError(f"image too large ({w}x{h} pixels exceeds the {limit} pixel limit)")
    if w <= 0 or h <= 0:
        raise ItemError(f"image has no pixels ({w}x{h})")


def orientation(img: Image.Image) -> int:
    try:
        return int(img.getexif().get(_ORIENTATION_TAG, 1))
    except Exception:  # broken EXIF must not make a readable image unusable
        return 1


def to_rgb(img: Image.Image) -> Image.Image:
    mode = img.mode
    if mode == "RGB":
        img.load()
        return img
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _high_depth_to_rgb(img)
    if mode == "P" and "transparency" in img.info:
        img, mode = img.convert("RGBA"), "RGBA"
    if mode in _ALPHA_MODES:
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")  # L, 1, P, CMYK, YCbCr, RGBX, LAB, HSV


def _high_depth_to_rgb(img: Image.Image) -> Image.Image:
    a = np.asarray(img)
    if img.mode == "F":
        a = a.astype(np.float32)
        a = a * 255.0 if np.nanmax(a, initial=0.0) <= 1.0 else a
        g = np.clip(np.nan_to_num(a), 0, 255).astype(np.uint8)
    elif img.mode.startswith("I;16") or a.max(initial=0) > 255:
        g = (np.clip(a.astype(np.float32), 0, 65535) / 257.0 + 0.5).astype(np.uint8)  # 16-bit -> 8-bit
    else:
        g = np.clip(a, 0, 255).astype(np.uint8)
    return Image.fromarray(g, "L").convert("RGB")


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__

