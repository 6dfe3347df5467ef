"""Background work for the GUI: QThreadPool/QRunnable glue (QtCore only)."""
from desktop_app.workers import qt_compat  # noqa: F401  (guards against a PySide6 6.12 refcount bug)
