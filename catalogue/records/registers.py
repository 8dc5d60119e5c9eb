"""The registers records refer to: linkage roles, trusted research environments, legal gateways and body types.

Each register is a reviewable JSON file in schemas/ ({"description": ..., "entries": [...]}), one entry per thing,
each with an id, a name, aliases and a public source. Records keep free text (harvested records use it); `match()`
turns a name, alias or id into its entry, ignoring case, punctuation and spaces.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from catalogue.errors import CatalogueError
from catalogue.records.schema import load_json

KINDS = ("person", "address", "area", "organisation", "quasi", "other")
FILES = {"roles": "linkage-roles.json", "tres": "tres.json", "gateways": "legal-gateways.json",
         "bodies": "body-types.json"}
BODY_TYPES = ("health", "adult-social-care")
_PARENS = re.compile(r"\([^()]*\)")


class RegisterError(CatalogueError):
    """A register file is malformed (a missing field, a repeated id or alias)."""

    code = "register-invalid"


def normalise(text: str) -> str:
    """Lower case, '&' as 'and', every character that is not a letter or digit dropped."""
    return re.sub(r"[\W_]+", "", text.casefold().replace("&", "and"))


def _without_parentheses(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, _PARENS.sub(" ", text)
    return text


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    aliases: tuple[str, ...]
    data: dict

    @property
    def url(self) -> str | None:
        """The page a link to this entry goes to: the legislation, the TRE's site, else the first source."""
        for key in ("legislationUrl", "url"):
            if self.data.get(key):
                return self.data[key]
        source = self.data.get("source")
        return (source[0] if source else None) if isinstance(source, list) else source


class Register:
    """The entries of one register file, found by id or matched from free text."""

    def __init__(self, name: str, entries: list[dict]):
        self.name = name
        self.entries: dict[str, Entry] = {}
        self._keys: dict[str, str] = {}
        for number, item in enumerate(entries):
            for field in ("id", "name", "source"):
                if not item.get(field):
                    raise RegisterError(f"{name}: entry {number} has no {field!r}")
            entry = Entry(item["id"], item["name"], tuple(item.get("aliases", ())), item)
            if entry.id in self.entries:
                raise RegisterError(f"{name}: the id {entry.id!r} is used twice")
            self.entries[entry.id] = entry
            for text in (entry.id, entry.name, *entry.aliases):
                key = normalise(text)
                if self._keys.setdefault(key, entry.id) != entry.id:
                    raise RegisterError(f"{name}: {text!r} names both {self._keys[key]!r} and {entry.id!r}")

    def get(self, id: str) -> Entry | None:
        return self.entries.get(id)

    def match(self, text: str | None) -> Entry | None:
        """The entry named by `text` (id, name or alias), else the same with parenthesised remarks dropped."""
        if not text:
            return None
        for candidate in (text, _without_parentheses(text)):
            found = self._keys.get(normalise(candidate))
            if found:
                return self.entries[found]
        return None

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)


@dataclass(frozen=True)
class Registers:
    roles: Register
    tres: Register
    gateways: Register
    bodies: Register  # public bodies with health or adult social care functions


@lru_cache(maxsize=None)
def registers() -> Registers:
    """The three registers, loaded once per process."""
    loaded = {}
    for field, file in FILES.items():
        entries = load_json(file).get("entries")
        if not isinstance(entries, list):
            raise RegisterError(f"{file}: no 'entries' list")
        loaded[field] = Register(file, entries)
    return Registers(**loaded)


def role_kind(role_id: str) -> str:
    """'person', 'address', 'area', 'organisation', 'quasi' or 'other' (other never makes a link)."""
    entry = registers().roles.get(role_id)
    kind = entry.data.get("kind") if entry else None
    return kind if kind in KINDS else "other"


def body_types(publisher: dict | str | None) -> set[str]:
    """'health' / 'adult-social-care' for a publisher (its id, or its dict with id, name, abbreviation and maybe its own
    bodyTypes): the publisher's own list together with the body-types register's entry, matched by id, name or
    abbreviation. Empty when neither says."""
    if isinstance(publisher, str):
        publisher = {"id": publisher}
    if not isinstance(publisher, dict):
        return set()
    own = publisher.get("bodyTypes")
    found = {t for t in own if t in BODY_TYPES} if isinstance(own, list) else set()
    bodies = registers().bodies
    for key in ("id", "name", "abbreviation"):
        value = publisher.get(key)
        entry = bodies.match(value) if isinstance(value, str) else None
        if entry is not None:
            return found | set(entry.data.get("bodyTypes", ()))
    return found
