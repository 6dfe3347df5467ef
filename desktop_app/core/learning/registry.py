"""Head name -> class (`shoal train --head`); each saves itself as plain arrays (to_arrays/from_arrays)."""
from __future__ import annotations

from typing import Any

from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.learning.mlp import MLPHead

HEADS: dict[str, Any] = {"logreg": LinearHead, "mlp": MLPHead}
