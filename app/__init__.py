"""Watchfloor: Korean Peninsula security news turned into structured, explainable assessments."""

__version__ = "0.1.0"
