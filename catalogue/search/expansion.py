"""What a plain search means, as an engine-neutral query tree: acronyms, former names and synonyms from
schemas/synonyms.json, phrases preferred, and a fuzzy fallback. Each engine compiles the tree to its own queries,
so the engines cannot drift apart in what a query means. Queries with syntax (quotes, field:, AND/OR) are left
to the engine's own parser."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from schemas import SCHEMA_DIR

MAX_WORDS = 12          # words of a plain query that are expanded; the rest are searched as they are
MAX_ALTERNATIVES = 24
FEW_RESULTS = 3         # fewer exact results than this and fuzzy matches are added below them   # alternatives added over the whole query: expansion cannot blow the query up
PHRASE_FIELDS = ("title", "keywords", "variables", "summary", "description")
SYNTAX = re.compile(r"[\"():*?~^+\[\]{}\\]|(?<!\w)-|\b(AND|OR|NOT|ANDMAYBE|ANDNOT)\b|\w:")
WORD = re.compile(r"\w+(?:['’.&-]\w+)*")


# The query tree
@dataclass(frozen=True)
class Words:
    """Every word must match, each in any of the fields (all text fields when None)."""
    text: str
    fields: tuple[str, ...] | None = None
    boost: float = 1.0
    fuzzy: bool = False  # each word may be misspelt by fuzzy_distance(word) edits


@dataclass(frozen=True)
class Phrase:
    """The words together, in this order, within one field."""
    text: str
    fields: tuple[str, ...] | None = None
    boost: float = 1.0


@dataclass(frozen=True)
class Facet:
    field: str
    value: str
    boost: float = 1.0


@dataclass(frozen=True)
class AnyOf:
    parts: tuple
    boost: float = 1.0


@dataclass(frozen=True)
class AllOf:
    parts: tuple


@dataclass(frozen=True)
class Prefer:
    """Match `required`; rank higher what also matches any of `optional`."""
    required: object
    optional: tuple


@dataclass(frozen=True)
class Expansion:
    tree: object
    notes: tuple[str, ...]   # what was added, for the results page: 'DWP: Department for Work and Pensions'
    words: tuple[str, ...]   # the user's words


# The register
@dataclass(frozen=True)
class _Entry:
    alternatives: tuple[str, ...]
    publisher: str
    label: str


def _key(text: str) -> str:
    return " ".join(w.lower() for w in WORD.findall(text))


@lru_cache(maxsize=1)
def register() -> dict:
    return json.loads((SCHEMA_DIR / "synonyms.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _entries() -> dict[str, _Entry]:
    """Phrase key -> what it also means. Acronyms map both ways with their expansions and former names."""
    out: dict[str, _Entry] = {}

    def add(key: str, alts: list[str], publisher: str, label: str) -> None:
        key = _key(key)
        alts = [a for a in dict.fromkeys(alts) if _key(a) != key]
        old = out.get(key)
        if old:
            alts = list(dict.fromkeys(list(old.alternatives) + alts))
            publisher = old.publisher or publisher
            label = old.label
        out[key] = _Entry(tuple(alts), publisher, label)

    reg = register()
    for a in reg.get("acronyms", []):
        names = [a["term"], *a.get("expansions", []), *a.get("also", [])]
        label = f"{a['term']}: {', '.join(a.get('expansions', [])[:1])}"
        for name in names:
            add(name, names, a.get("publisher", ""), label)
    for group in reg.get("synonyms", []):
        for word in group:
            add(word, list(group), "", " / ".join(group))
    return out


def _longest_match(words: list[str], start: int, entries: dict[str, _Entry]) -> tuple[int, _Entry | None]:
    for size in range(min(5, len(words) - start), 0, -1):
        entry = entries.get(" ".join(words[start:start + size]).lower())
        if entry:
            return size, entry
    # a plural or singular form of a one-word entry ('pupils' for 'pupil', 'benefit' for 'benefits')
    word = words[start].lower()
    for other in (word[:-1] if word.endswith("s") else None, word + "s"):
        if other and other in entries:
            return 1, entries[other]
    return 1, None


def is_plain(text: str) -> bool:
    return not SYNTAX.search(text)


def expand(text: str, *, fuzzy: bool = False) -> Expansion | None:
    """The tree for a plain query, or None when the text has query syntax (or no words)."""
    text = (text or "").strip()
    if not text or not is_plain(text):
        return None
    words = WORD.findall(text)
    if not words:
        return None
    head, tail = words[:MAX_WORDS], words[MAX_WORDS:]
    entries = _entries()
    slots, notes, budget, i = [], [], MAX_ALTERNATIVES, 0
    while i < len(head):
        size, entry = _longest_match(head, i, entries)
        span = " ".join(head[i:i + size])
        base = Words(span, fuzzy=fuzzy)
        if entry and budget > 0:
            alts = list(entry.alternatives[:budget])
            budget -= len(alts)
            parts = [base] + [Phrase(a, boost=0.9) for a in alts]
            if entry.publisher:
                parts.append(Facet("publisher", entry.publisher, boost=6.0))
            slots.append(AnyOf(tuple(parts)))
            notes.append(entry.label)
        else:
            slots.append(base)
        i += size
    slots += [Words(w, fuzzy=fuzzy) for w in tail]
    required = slots[0] if len(slots) == 1 else AllOf(tuple(slots))
    optional = []
    if len(head) > 1:
        phrase = " ".join(head)
        optional = [Phrase(phrase, PHRASE_FIELDS, boost=2.0), Phrase(phrase, ("title",), boost=2.0),
                    Phrase(phrase, ("variables",), boost=4.0)]  # a variable concept ('date of birth')
    tree = Prefer(required, tuple(optional)) if optional else required
    return Expansion(tree, tuple(dict.fromkeys(notes)), tuple(words))


def fuzzy_distance(word: str) -> int:
    """Edit distance a fuzzy word may have: none for short words or words with digits (codes, years and
    identifiers are exact), 1 from 4 letters, 2 from 8."""
    if len(word) < 4 or any(c.isdigit() for c in word):
        return 0
    return 1 if len(word) < 8 else 2


def count_leaves(node) -> int:
    if isinstance(node, (AnyOf, AllOf)):
        return sum(count_leaves(p) for p in node.parts)
    if isinstance(node, Prefer):
        return count_leaves(node.required) + sum(count_leaves(p) for p in node.optional)
    return 1
