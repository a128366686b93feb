"""Yiwang 一网: an integrated e-government service platform for a Chinese county or city."""

__version__ = "0.1.0"
