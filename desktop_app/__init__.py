"""Shoal: label a dataset on your own machine with as few labels as possible."""

__version__ = "0.1.0"
