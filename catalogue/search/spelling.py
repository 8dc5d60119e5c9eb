"""'Did you mean': a vocabulary of the words in the index, kept in a file beside it, and corrections within a
small edit distance that prefer common words. The engine that writes the index updates the file; readers in
other processes reload it when it changes."""
from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Iterable

from catalogue.search.files import write_json

FIELDS = ("title", "keywords", "publisher_name", "summary", "variables", "owner")
WORD = re.compile(r"[^\W\d_]{3,}")
MAX_WORD = 30
SAVE_EVERY = 10.0  # seconds: the writer rewrites the vocabulary file at most this often (a close always writes it)


def words_of(doc: dict) -> Iterable[str]:
    for name in FIELDS:
        value = doc.get(name) or ""
        for text in ([value] if isinstance(value, str) else value):
            for word in WORD.findall(str(text)):
                if len(word) <= MAX_WORD:
                    yield word.lower()


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (adjacent transpositions), giving up above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2, prev = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


class Vocabulary:
    def __init__(self, folder: str | Path):
        self.file = Path(folder) / "vocabulary.json"
        self.counts: Counter = Counter()
        self._buckets: dict[tuple[int, str], list[str]] | None = None
        self._mtime: float | None = None
        self._dirty_since: float | None = None
        self._lock = threading.Lock()
        self._saving: threading.Thread | None = None  # a periodic save writing the file in the background

    # the writer
    def add(self, docs: Iterable[dict]) -> None:
        self._fresh()
        for doc in docs:
            self.counts.update(words_of(doc))
        self._buckets = None
        self._dirty_since = self._dirty_since or time.monotonic()

    def flush(self, force: bool = False) -> None:
        """Write the vocabulary if it changed, at most every SAVE_EVERY seconds unless forced; the periodic write
        runs in a thread (a forced one waits for it)."""
        if self._dirty_since and (force or time.monotonic() - self._dirty_since >= SAVE_EVERY):
            self.save(background=not force)

    def reset(self) -> None:
        self.counts, self._buckets, self._mtime = Counter(), None, None

    def replace(self, counts: dict[str, int], changed_at: float | None = None) -> None:
        """Take these counts (an engine that reads them from its index), to be saved as add() would save them."""
        self.counts, self._buckets = Counter(counts), None
        self._dirty_since = self._dirty_since or changed_at or time.monotonic()

    def save(self, background: bool = False) -> None:
        """Write the vocabulary now; with background=True a copy of it, in a thread, while writes go on."""
        if self._saving is not None:
            self._saving.join()  # one writer of the file at a time, in order
        data, self._dirty_since = dict(self.counts), None
        if not background:
            self._mtime = write_json(self.file, data)
            return

        def run() -> None:
            try:
                self._mtime = write_json(self.file, data)
            except OSError:
                self._dirty_since = self._dirty_since or time.monotonic()  # tried again at the next flush

        self._saving = threading.Thread(target=run, name="vocabulary-save", daemon=False)
        self._saving.start()

    # readers
    def _fresh(self) -> None:
        try:
            mtime = self.file.stat().st_mtime
        except OSError:
            return
        if mtime != self._mtime and not self._dirty_since:
            with self._lock:
                try:
                    self.counts = Counter(json.loads(self.file.read_text(encoding="utf-8")))
                except (OSError, ValueError):
                    return
                self._mtime, self._buckets = mtime, None

    def _bucketed(self) -> dict[tuple[int, str], list[str]]:
        if self._buckets is None:
            buckets: dict[tuple[int, str], list[str]] = {}
            for word in self.counts:
                buckets.setdefault((len(word), word[0]), []).append(word)
            self._buckets = buckets
        return self._buckets

    def correct_word(self, word: str) -> str:
        word = word.lower()
        if word in self.counts or len(word) < 3 or not word.isalpha():
            return word
        limit = 1 if len(word) <= 5 else 2
        buckets, best = self._bucketed(), None
        for size in range(len(word) - limit, len(word) + limit + 1):
            for cand in buckets.get((size, word[0]), ()):
                d = edit_distance(word, cand, limit)
                if d <= limit:
                    key = (d, -self.counts[cand], cand)
                    best = key if best is None or key < best else best
        return best[2] if best else word

    def correct(self, text: str) -> str | None:
        """The text with misspelt words corrected, or None when nothing would change."""
        self._fresh()
        if not self.counts:
            return None
        out, changed = [], False
        for token in re.split(r"(\W+)", text[:200]):
            fixed = self.correct_word(token) if token and token[0].isalpha() else token
            if fixed != token.lower() and fixed != token:
                changed = True
                out.append(fixed)
            else:
                out.append(token)
        return "".join(out) if changed else None
