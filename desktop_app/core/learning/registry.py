"""Head name -> class (`shoal train --head`); each saves itself as plain arrays (to_arrays/from_arrays)."""
from __future__ import annotations

from desktop_app.core.learning.heads import LinearHead
from desktop_app.core.learning.mlp import MLPHead

HEADS = {"logreg": LinearHead, "mlp": MLPHead}
