"""slim: make Python wheels small enough for edge devices (prune, strip, inspect)."""
__version__ = "0.1.0"
