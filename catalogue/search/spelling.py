"""'Did you mean': a vocabulary of the words in the index, kept in a file beside it, and corrections within a
small edit distance that prefer common words. The engine that writes the index updates the file; readers in
other processes reload it when it changes."""
from __future__ import annotations

import json
import re
import threading
from collections import Counter
from pathlib import Path
from typing import Iterable

from catalogue.search.files import SavedFile

FIELDS = ("title", "keywords", "publisher_name", "summary", "variables", "owner")
WORD = re.compile(r"[^\W\d_]{3,}")
MAX_WORD = 30


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


class Vocabulary(SavedFile):
    def __init__(self, folder: str | Path):
        super().__init__(Path(folder) / "vocabulary.json")
        self.counts: Counter = Counter()
        self._buckets: dict[tuple[int, str], list[str]] | None = None
        self._lock = threading.Lock()

    # the writer
    def add(self, docs: Iterable[dict]) -> None:
        self._fresh()
        for doc in docs:
            self.counts.update(words_of(doc))
        self._buckets = None
        self.changed()

    def reset(self) -> None:
        self.counts, self._buckets, self._mtime = Counter(), None, None

    def replace(self, counts: dict[str, int], changed_at: float | None = None) -> None:
        """Take these counts (an engine that reads them from its index), to be saved as add() would save them."""
        self.counts, self._buckets = Counter(counts), None
        self.changed(changed_at)

    def data(self) -> dict:
        return dict(self.counts)

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
