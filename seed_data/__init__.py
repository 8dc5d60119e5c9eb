"""The demo catalogue: publishers.json, datasets/*.json and example-record.json (people are fictional)."""
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent
