"""Import the heavy libraries on the GUI thread before the window shows.

Importing a C extension (scikit-learn, onnxruntime, hnswlib) holds the GIL for up to a few hundred
milliseconds; done lazily in a worker it froze the event loop at the first embedding or refit.
Paying it once at start-up keeps later stalls under the 50 ms budget."""
from __future__ import annotations

import importlib
import logging

MODULES = ("numpy", "PIL.Image", "onnxruntime", "tokenizers", "hnswlib", "sklearn.linear_model",
           "sklearn.model_selection", "scipy.optimize", "threadpoolctl")


def preload() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except ImportError as e:  # the feature that needs it will report the problem itself
            logging.getLogger("shoal.gui").warning("could not preload %s: %s", name, e)
