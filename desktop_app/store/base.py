"""What the store mixins (items, embeddings, labels, rounds) use of the Project they are mixed into, declared once so
the type checker can follow `self.conn`, `self.tx()`... in each mixin. Nothing here runs."""
from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktop_app.store.guard import GuardedConnection


class ProjectParts:
    if TYPE_CHECKING:
        path: Path
        readonly: bool

        @property
        def conn(self) -> GuardedConnection: ...  # the calling thread's connection

        def tx(self) -> AbstractContextManager[GuardedConnection]: ...

        def meta(self, key: str, default: Any = None) -> Any: ...

        @property
        def cache_dir(self) -> Path: ...

        @property
        def source_root(self) -> Path: ...

        @property
        def n_items(self) -> int: ...

        def _tracks_files(self) -> bool: ...

        def current_label(self, idx: int) -> tuple[int | None, str] | None: ...
