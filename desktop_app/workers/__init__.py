"""Background work for the GUI: QThreadPool/QRunnable glue (QtCore only)."""
