"""Errors a user can cause. The CLI prints them as one line; the GUI shows them in a dialog."""


class ShoalError(Exception):
    """A problem the user can fix (bad path, bad option, bad project file)."""


class ItemError(ShoalError):
    """One item cannot be read or encoded; it is skipped and the reason recorded."""
