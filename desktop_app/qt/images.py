"""Images decoded off the GUI thread (QImageReader in a QRunnable), cached as QImage by (path, size)."""
from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QObject, QRunnable, QSize, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader

CACHE_ITEMS = 400


class _Signals(QObject):
    loaded = Signal(str, int, QImage)


class _Load(QRunnable):
    def __init__(self, path: str, size: int, signals: _Signals):
        super().__init__()
        self.path, self.size, self.signals = path, size, signals

    def run(self) -> None:
        reader = QImageReader(self.path)
        reader.setAutoTransform(True)
        src = reader.size()
        if src.isValid() and (src.width() > self.size or src.height() > self.size):
            reader.setScaledSize(src.scaled(QSize(self.size, self.size), Qt.KeepAspectRatio))
        image = reader.read()
        self.signals.loaded.emit(self.path, self.size, image)


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

    def get(self, path: str, size: int) -> QImage | None:
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
