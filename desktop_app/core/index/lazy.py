"""An index loaded on first need, so opening a project does not wait for it.

Opening a 1M-item project would otherwise read a ~1.7 GB hnswlib file before showing
anything (a saved batch needs no index, nor does a round whose labels' neighbours are all in
the saved SEALS pool). The first call that needs neighbours (count, query, add, save) loads it;
`start()` begins the load in a background thread instead. Note that hnswlib's load_index holds
the GIL, so a background load does not run alongside other Python code.
"""
from __future__ import annotations

import threading
from typing import Callable


class LazyIndex:
    def __init__(self, loader: Callable[[], object], dim: int, start: bool = False):
        self.dim = dim
        self._loader = loader
        self._index: object | None = None
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._started = threading.Lock()
        self._thread: threading.Thread | None = None
        if start:
            self.start()

    def start(self) -> None:
        with self._started:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="shoal-index-load", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        try:
            self._index = self._loader()
        except BaseException as e:  # re-raised in the thread that needs the index
            self._error = e
        finally:
            self._done.set()

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def get(self, timeout: float | None = None):
        self.start()
        if not self._done.wait(timeout):
            raise TimeoutError("the kNN index is still loading")
        if self._error is not None:
            raise self._error
        return self._index

    # the index interface, delegated once loaded
    @property
    def count(self) -> int:
        return self.get().count

    def query(self, vectors, k: int):
        return self.get().query(vectors, k)

    def add(self, *args, **kwargs):
        return self.get().add(*args, **kwargs)

    def save(self, path) -> None:
        return self.get().save(path)
