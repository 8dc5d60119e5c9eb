"""The metadata requirements schema, score weights and audit method, as data (JSON files in this folder)."""
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parent
