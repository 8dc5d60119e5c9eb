"""The staged contract every harvester follows: gather -> fetch -> transform (pure) -> import (the write path).

The implementations import this module; it imports none of them (registry.py lists them by source type)."""
from __future__ import annotations

from catalogue.errors import CatalogueError

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Iterator, Protocol

from catalogue.formats.result import Mapped, RecordError  # noqa: F401 - RecordError is part of the contract
from catalogue.provenance import Source

from harvesters.http import HarvestSession


class HarvestError(CatalogueError):
    """The run cannot go on (source down, unreadable listing, repeated page...). The message names the source."""

    code = "harvest-failed"


@dataclass
class RemoteItem:
    """One record as listed by the source, with its payload when the listing already carries it."""
    remote_id: str
    name: str = ""
    modified: str = ""
    version: str = ""
    payload: object | None = None  # parsed JSON, or N-Triples text for DCAT
    payload_format: str = "json"
    private: bool = False
    deleted: bool = False


@dataclass
class Listing:
    """What exists at the source, when a harvester could find out completely; None fields mean unknown."""
    ids: set[str] | None = None
    names: set[str] | None = None
    complete: bool = False
    note: str = ""


class Harvester(Protocol):
    source: Source
    transform_version: str  # bump when the transform changes, so unchanged payloads are transformed again

    def gather(self, since: str | None) -> Iterator[list[RemoteItem]]:
        """Yield batches of remote items changed since `since` (all when None). Raises HarvestError."""

    def listing(self) -> Listing:
        """After gather: the complete set of remote ids/names present at the source, if known."""

    def high_water(self) -> str:
        """After gather: the mark to pass as `since` next time ('' if the source has none)."""

    def fetch(self, item: RemoteItem) -> object:
        """The raw payload of one item. Raises RecordError."""

    def transform(self, payload: object, item: RemoteItem) -> Mapped:
        """Pure: raw payload -> record. Raises RecordError for payloads that are not records at all."""

    # Optional: `ready() -> bool`, during gather, says whether the next batch has already arrived (a harvester that
    # fetches ahead). When it has not, the runner stores what it has prepared instead of waiting.


def canonical_json(payload) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


def payload_text(payload, payload_format: str) -> str:
    """The raw payload as storable text: lone surrogates and NUL become \\uXXXX escapes, which mean the same
    thing inside JSON strings and N-Triples literals, the only places they can occur."""
    text = payload if payload_format != "json" else canonical_json(payload)
    if text.isascii() and "\x00" not in text:  # the usual case, checked in C: nothing to escape
        return text
    return UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


DEFAULT_API_KEY_HEADER = "x-api-key"


def auth_headers(source: Source, session: HarvestSession, secret: str | None) -> dict:
    """The header carrying the secret: 'Authorization: Bearer ...', or an API-key header (option auth_header)."""
    if not secret:
        return {}
    if source.auth == "apikey":
        name = str(source.options.get("auth_header") or DEFAULT_API_KEY_HEADER)
        session.secret_headers.add(name)
        return {name: secret}
    return {"Authorization": f"Bearer {secret}"}
