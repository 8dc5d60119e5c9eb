"""Cross-government metadata catalogue: the core (no Flask, no harvester code)."""

__version__ = "0.1.0"
