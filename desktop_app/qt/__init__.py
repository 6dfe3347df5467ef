"""The desktop GUI (PySide6): widgets, item models, dialogs, actions."""
from desktop_app.workers import qt_compat  # noqa: F401  (guards against a PySide6 6.12 refcount bug)
