"""Images decoded off the GUI thread (in a QRunnable), cached as QImage by (path, size).

Only regular files are read (a FIFO would block a decoder thread for good). Qt decodes the usual
files; a large image (Qt refuses to allocate more than 256 MB, so a 9000x8000 PNG "cannot be
shown") or one Qt cannot read is decoded by Pillow straight to a downscaled copy."""
from __future__ import annotations

from collections import OrderedDict

from PIL import Image
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QObject,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtGui import QImage, QImageReader

from desktop_app.core.sources.image_io import TRANSPOSE, orientation, to_rgb
from desktop_app.core.sources.item_files import MB, open_regular
from desktop_app.errors import ItemError

CACHE_ITEMS = 400
QT_MAX_PIXELS = 16_000_000   # larger (64 MB as RGBA) goes to Pillow, well under Qt's 256 MB limit
QT_MAX_FILE = 64 * MB        # larger files are not read into memory for Qt


def load_preview(path: str | None, size: int) -> QImage:
    """A QImage of the file at most `size` px on its longer side (smaller ones as they are); a
    null QImage when the file cannot be shown (not there, not a regular file, not an image)."""
    if not path:
        return QImage()
    try:
        f = open_regular(path)
    except ItemError:
        return QImage()
    with f:
        if f.seek(0, 2) <= QT_MAX_FILE:
            f.seek(0)
            data = QByteArray(f.read())
            image = _qt_decode(data, size)
            if image is not None and not image.isNull():
                return image
        f.seek(0)
        return _pillow_decode(f, size)


def _qt_decode(data: QByteArray, size: int) -> QImage | None:
    """Qt's decoder, or None when the image is too large for it (Pillow's turn)."""
    buffer = QBuffer(data)
    buffer.open(QBuffer.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    src = reader.size()
    if src.isValid() and src.width() * src.height() > QT_MAX_PIXELS:
        return None
    if src.isValid() and (src.width() > size or src.height() > size):
        reader.setScaledSize(src.scaled(QSize(size, size), Qt.KeepAspectRatio))
    return reader.read()


def _pillow_decode(f, size: int) -> QImage:
    """Pillow: JPEGs decode at 1/2..1/8 scale (draft), others are reduced as they are scaled."""
    try:
        with Image.open(f) as img:
            w, h = img.size
            if Image.MAX_IMAGE_PIXELS and w * h > Image.MAX_IMAGE_PIXELS:  # not embedded either
                return QImage()
            turn = orientation(img)
            img.draft("RGB", (size, size))
            img.thumbnail((size, size), Image.Resampling.BICUBIC, reducing_gap=2.0)
            rgb = to_rgb(img)
            if turn in TRANSPOSE:
                rgb = rgb.transpose(TRANSPOSE[turn])
            data = rgb.tobytes()
            out = QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format_RGB888)
            return out.copy()  # own the pixels: `data` goes away with this frame
    except Exception:  # any decoder failure (bomb guard, truncated, unknown format): nothing to show
        return QImage()


class _Signals(QObject):
    loaded = Signal(str, int, QImage)


class _Load(QRunnable):
    def __init__(self, path: str, size: int, signals: _Signals):
        super().__init__()
        self.path, self.size, self.signals = path, size, signals

    def run(self) -> None:
        self.signals.loaded.emit(self.path, self.size, load_preview(self.path, self.size))


class ImageCache(QObject):
    """`get(path, size)` returns the QImage if decoded, else None and schedules it; `loaded` fires later."""
    loaded = Signal(str, int)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._signals = _Signals()
        self._signals.loaded.connect(self._on_loaded)
        self._cache: OrderedDict[tuple[str, int], QImage] = OrderedDict()
        self._pending: set[tuple[str, int]] = set()

    def get(self, path: str | None, size: int) -> QImage | None:
        """None (pending) or the image; a null QImage for a file that may not be read (path None:
        outside the source folder)."""
        if not path:
            return QImage()
        key = (path, size)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        if key not in self._pending:
            self._pending.add(key)
            self.pool.start(_Load(path, size, self._signals))
        return None

    def prefetch(self, paths, size: int) -> None:
        for p in paths:
            if p:
                self.get(p, size)

    def _on_loaded(self, path: str, size: int, image: QImage) -> None:
        self._pending.discard((path, size))
        self._cache[(path, size)] = image
        while len(self._cache) > CACHE_ITEMS:
            self._cache.popitem(last=False)
        self.loaded.emit(path, size)

    def clear(self) -> None:
        self.pool.clear()
        self.pool.waitForDone(5000)
        self._cache.clear()
        self._pending.clear()
