"""MyelomaCDS: decision support for relapsed or refractory multiple myeloma."""

__version__ = "0.1.0"
