"""The small JSON files an engine keeps beside its index (its state, the spelling vocabulary, the autocomplete
names): written whole to a temporary file and renamed, so a reader in another process never sees half a file."""
from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

SAVE_EVERY = 10.0  # seconds: a writer rewrites such a file at most this often (a forced flush, on close, always)


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


class SavedFile:
    """A file the index's writer keeps beside it: marked changed (changed()), rewritten by flush() at most every
    SAVE_EVERY seconds unless forced; the periodic write runs in a thread, from a copy, while writes go on, one
    writer of the file at a time and in order (a forced one waits for it). Subclasses give the copy (data())."""

    def __init__(self, file: Path):
        self.file = file
        self._mtime: float | None = None  # of the file as this process last wrote or read it
        self._dirty_since: float | None = None
        self._saving: threading.Thread | None = None  # a periodic save writing the file in the background

    def data(self) -> dict:
        raise NotImplementedError

    def changed(self, at: float | None = None) -> None:
        self._dirty_since = self._dirty_since or at or time.monotonic()

    def flush(self, force: bool = False) -> None:
        if self._dirty_since and (force or time.monotonic() - self._dirty_since >= SAVE_EVERY):
            self.save(background=not force)

    def save(self, background: bool = False) -> None:
        """Write the file now; with background=True a copy of the data, in a thread."""
        if self._saving is not None:
            self._saving.join()
        data, self._dirty_since = self.data(), None
        if not background:
            self._mtime = write_json(self.file, data)
            return

        def run() -> None:
            try:
                self._mtime = write_json(self.file, data)
            except OSError:
                self.changed()  # tried again at the next flush

        self._saving = threading.Thread(target=run, name=f"save-{self.file.name}", daemon=False)
        self._saving.start()
