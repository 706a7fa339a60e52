"""GBCS firmware-in-loop compliance harness."""

__version__ = "0.1.0"
