"""Paths the tests read: the repository, its seed data and the shipped reference copies."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
TESTS = ROOT / "tests"
SEED = ROOT / "seed_data"
REFERENCE = TESTS / "reference"
SHACL_DIR = TESTS / "shacl"
