"""Autocomplete for the search box: dataset titles, publishers, variable names and linkage keys for a prefix.

The engine that writes the index keeps the names in a file beside it (titles by id, so withdrawn datasets
leave); readers build a word -> entries table from it, at most once every few seconds, and answer a prefix by
bisecting the sorted words. Both engines share it, so they suggest the same things."""
from __future__ import annotations

import json
import re
import threading
import time
from array import array
from bisect import bisect_left
from pathlib import Path
from typing import Iterable

from catalogue.search.files import SavedFile

WORD = re.compile(r"\w+", re.UNICODE)
KINDS = ("publisher", "linkage-key", "title", "variable")
FIELDS = ("id", "title", "publisher", "publisher_name", "variable_names", "linkage_key")  # what add() reads
MAX_SCAN = 400


class Completions(SavedFile):
    def __init__(self, folder: str | Path, refresh_every: float = 5.0):
        super().__init__(Path(folder) / "completions.json")
        self.refresh_every = refresh_every
        self.titles: dict[str, str] = {}
        self.publishers: dict[str, str] = {}
        self.variables: dict[str, int] = {}
        self.keys: dict[str, int] = {}
        self._checked = 0.0
        self._table: tuple[list[str], list[array], list[tuple[str, str, str]]] | None = None
        self._refreshing = False  # a background build of another process's changes is running
        self._lock = threading.RLock()

    # the writer
    def add(self, docs: Iterable[dict]) -> None:
        self._load()
        for doc in docs:
            self.titles[doc["id"]] = doc.get("title") or doc["id"]
            if doc.get("publisher"):
                self.publishers[doc["publisher"]] = doc.get("publisher_name") or doc["publisher"]
            for name in doc.get("variable_names") or ():
                self.variables[name] = self.variables.get(name, 0) + 1
            for key in doc.get("linkage_key") or ():
                self.keys[key] = self.keys.get(key, 0) + 1
        self._changed()

    def remove(self, ids: Iterable[str]) -> None:
        self._load()
        for i in ids:
            self.titles.pop(i, None)
        self._changed()

    def reset(self) -> None:
        self.titles, self.publishers, self.variables, self.keys = {}, {}, {}, {}
        self._mtime, self._table = None, None

    def _changed(self) -> None:
        self._table = None
        self.changed()

    def data(self) -> dict:
        """A copy of the names to write (the file is several MB at 100,000 records: see SavedFile)."""
        return {"titles": dict(self.titles), "publishers": dict(self.publishers), "variables": dict(self.variables),
                "keys": dict(self.keys)}

    # readers
    def _load(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and self._mtime is not None and now - self._checked < self.refresh_every:
            return
        self._checked = now
        try:
            mtime = self.file.stat().st_mtime
        except OSError:
            return
        if mtime == self._mtime or self._dirty_since:
            return
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        self.titles, self.publishers = data.get("titles", {}), data.get("publishers", {})
        self.variables, self.keys = data.get("variables", {}), data.get("keys", {})
        self._mtime, self._table = mtime, None

    def _build(self):
        return self._build_from(self.titles, self.publishers, self.variables, self.keys)

    @staticmethod
    def _build_from(titles: dict, publishers: dict, variables: dict, keys: dict):
        acronyms = _publisher_acronyms()
        entries: list[tuple[str, str, str]] = []
        entries += [("publisher", name + (f" ({acronyms[pid]})" if pid in acronyms else ""), pid)
                    for pid, name in sorted(publishers.items())]
        entries += [("linkage-key", _role_label(key), key) for key in sorted(keys, key=keys.get, reverse=True)]
        entries += [("title", title, did) for did, title in titles.items()]
        entries += [("variable", name, name) for name in sorted(variables, key=variables.get, reverse=True)]
        postings: dict[str, array] = {}
        for n, (_, label, _) in enumerate(entries):
            for word in dict.fromkeys(w.lower() for w in WORD.findall(label)):
                postings.setdefault(word, array("i")).append(n)
                for part in word.split("_")[1:] if "_" in word else ():  # NHS_NUMBER_DEID: 'number', 'deid'
                    if part:
                        postings.setdefault(part, array("i")).append(n)
        words = sorted(postings)
        return words, [postings[w] for w in words], entries

    def _table_now(self):
        """The table to answer from. The first one, or one after a change in this process, is built while the
        caller waits; a change written by another process is loaded and built in the background while the old
        table keeps answering (at 100,000 records a build takes about 1.5 s)."""
        with self._lock:
            if self._table is None:
                if self._dirty_since is None:
                    self._load(force=True)
                self._table = self._build()
                return self._table
            now = time.monotonic()
            if self._refreshing or self._dirty_since is not None or now - self._checked < self.refresh_every:
                return self._table
            self._checked = now
            try:
                mtime = self.file.stat().st_mtime
            except OSError:
                return self._table
            if mtime != self._mtime:
                self._refreshing = True
                threading.Thread(target=self._refresh, args=(mtime,), daemon=True).start()
            return self._table

    def _refresh(self, mtime: float) -> None:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            parts = (data.get("titles", {}), data.get("publishers", {}), data.get("variables", {}), data.get("keys", {}))
            table = self._build_from(*parts)
            with self._lock:
                if self._dirty_since is None:  # this process has not changed the names meanwhile
                    self.titles, self.publishers, self.variables, self.keys = parts
                    self._mtime, self._table = mtime, table
        except (OSError, ValueError):
            pass
        finally:
            self._refreshing = False

    def suggest(self, text: str, limit: int = 8) -> list[dict]:
        """Entries whose label has a word starting with the last word typed and contains the earlier words."""
        words, postings, entries = self._table_now()
        typed = [w.lower() for w in WORD.findall(text[:200])]
        if not typed:
            return []
        prefix, before = typed[-1], typed[:-1]
        found: dict[int, None] = {}
        start = bisect_left(words, prefix)
        for i in range(start, len(words)):
            if not words[i].startswith(prefix) or len(found) >= MAX_SCAN:
                break
            for n in postings[i][:MAX_SCAN]:
                found[n] = None
        out = []
        for n in found:
            kind, label, target = entries[n]
            low = label.lower()
            if all(w in low for w in before):
                out.append((KINDS.index(kind), not low.startswith(" ".join(typed)), len(label), label, kind, target))
        out.sort()
        return [{"kind": kind, "label": label, "value": target} for *_, label, kind, target in out[:limit]]


def _publisher_acronyms() -> dict[str, str]:
    from catalogue.search.expansion import register

    return {a["publisher"]: a["term"] for a in register().get("acronyms", []) if a.get("publisher")}


def _role_label(role: str) -> str:
    from catalogue.records.registers import registers

    entry = registers().roles.get(role)
    return entry.name if entry else role.replace("-", " ")
