"""The small JSON files an engine keeps beside its index (its state, the spelling vocabulary, the autocomplete
names): written whole to a temporary file and renamed, so a reader in another process never sees half a file."""
from __future__ import annotations

import json
import os
from pathlib import Path


def write_json(path: Path, data) -> float:
    """Replace the file atomically; returns its new modification time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    tmp.replace(path)
    return path.stat().st_mtime


def read_json(path: Path) -> dict:
    """The file's object, or {} when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
