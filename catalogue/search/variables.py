"""Which variables of a record match a query (pure): the variable-level search and "why it matched" share it.

A variable matches when a query word is in its name or label (as a whole name such as NEWNHSNO, or a word of it,
stemmed as the search engine stems), when a phrase of the query names its linkage role in the roles register ("NHS
number", "NINo", "date of birth"), or when every query word is in its description. Best matches first: the role
named, then more words matched, then linkage keys, then the data dictionary's order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter import stem

from catalogue.records.registers import registers

MAX_QUERY_CHARS = 1000
MAX_WORDS = 40
MAX_PHRASE = 6  # words in the longest role name or alias looked up
_WORD = re.compile(r"\w+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@dataclass(frozen=True)
class VariableQuery:
    words: tuple[str, ...]  # lower case, without stop words or the words of a phrase that names a role
    stems: tuple[str, ...]  # the stem of each word
    roles: frozenset[str]  # linkage roles a phrase of the query names
    all_stems: tuple[str, ...] = ()  # every word's stem (a description must hold them all)

    def __bool__(self) -> bool:
        return bool(self.words or self.roles)


@dataclass(frozen=True)
class VariableMatch:
    position: int  # index in record["variables"]
    name: str
    label: str
    role: str
    collection_method: str
    completeness: float | None
    matched: tuple[str, ...]  # what matched: "role", "name", "label", "description"

    @property
    def role_label(self) -> str:
        entry = registers().roles.get(self.role) if self.role else None
        return entry.name if entry else self.role

    @property
    def text(self) -> str:
        """'NEWNHSNO, NHS number (linkage key)'."""
        return ", ".join(filter(None, [self.name, self.label if self.label != self.name else ""])) \
            + (" (linkage key)" if self.role else "")

    def to_dict(self) -> dict:
        return {"name": self.name, "label": self.label or None, "linkageRole": self.role or None,
                "linkageRoleLabel": self.role_label or None, "collectionMethod": self.collection_method or None,
                "completeness": self.completeness, "matched": list(self.matched), "text": self.text}


@lru_cache(maxsize=512)
def parse_query(text: str) -> VariableQuery:
    """The words of a query and the linkage roles its phrases name (cached: a results page asks once per hit)."""
    raw = [w.casefold() for w in _WORD.findall((text or "")[:MAX_QUERY_CHARS])][:MAX_WORDS]
    roles, used = set(), set()
    for size in range(min(MAX_PHRASE, len(raw)), 0, -1):  # longest phrases first
        for start in range(0, len(raw) - size + 1):
            span = range(start, start + size)
            if used.intersection(span):
                continue
            entry = registers().roles.match(" ".join(raw[start:start + size]))
            if entry:
                roles.add(entry.id)
                used.update(span)
    content = [w for w in raw if len(w) > 1 and w not in STOP_WORDS]
    words = tuple(dict.fromkeys(w for i, w in enumerate(raw) if i not in used and w in content))
    return VariableQuery(words, tuple(_stem(w) for w in words), frozenset(roles),
                         tuple(dict.fromkeys(_stem(w) for w in content)))


@lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    return stem(word)


@lru_cache(maxsize=100_000)
def _stems(text: str) -> frozenset[str]:
    return frozenset(_stem(w.casefold()) for w in _WORD.findall(_CAMEL.sub(" ", text.replace("_", " "))))


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def matched_variables(record: dict, query: str | VariableQuery, roles: list[str] | tuple[str, ...] = ()) \
        -> list[VariableMatch]:
    """The variables of `record` that match `query`, best first. `roles` keeps only variables with one of those
    linkage roles; with roles and no query, every such variable matches."""
    q = query if isinstance(query, VariableQuery) else parse_query(query or "")
    wanted = set(roles)
    if not q and not wanted:
        return []
    scored = []
    variables = record.get("variables") if isinstance(record, dict) else None
    for position, var in enumerate(variables if isinstance(variables, list) else []):
        if not isinstance(var, dict):
            continue
        role = _text(var.get("linkageRole"))
        if wanted and role not in wanted:
            continue
        name, label = _text(var.get("name")), _text(var.get("label"))
        matched, words = [], 0
        if role and role in q.roles:
            matched.append("role")
        for field, value in (("name", name), ("label", label)):
            stems = _stems(value)
            hits = sum(1 for w, s in zip(q.words, q.stems) if s in stems or w == value.casefold())
            if hits:
                matched.append(field)
                words = max(words, hits)
        description = _text(var.get("description"))
        if q.all_stems and all(s in _stems(description) for s in q.all_stems):
            matched.append("description")
        if not matched and not (wanted and not q):
            continue
        completeness = var.get("completeness")
        ok = isinstance(completeness, (int, float)) and not isinstance(completeness, bool)
        scored.append(((-("role" in matched), -words, not role, position),
                       VariableMatch(position, name, label, role, _text(var.get("collectionMethod")),
                                     float(completeness) if ok else None, tuple(matched)), words))
    best = max((words for _key, _m, words in scored), default=0)
    # a word matched in a name or label counts only for the variables that match the most words: "free school meals"
    # shows FSMeligible, not every variable with "school" in its label
    kept = [(key, m) for key, m, words in scored
            if "role" in m.matched or "description" in m.matched or words == best or (wanted and not q)]
    return [m for _key, m in sorted(kept, key=lambda pair: pair[0])]
