"""DCAT harvester: Turtle, RDF/XML, JSON-LD or N-Triples from a URL or a file, following hydra:next.

Each dataset's payload is the part of the page reachable from it (its distributions, contacts, publisher, periods...),
canonicalised as sorted N-Triples, so the same description always gives the same payload (harvesters.dcat_page reads
the page and cuts the payloads). The transform maps the payload's triples with catalogue.formats.dcat.dataset (our
DCAT profile's graph -> record direction).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS

from catalogue.formats.dcat.dataset import TRANSFORM_VERSION, from_graph, from_ntriples
from catalogue.formats.rdf_io import RDFError
from catalogue.formats.result import Mapped
from catalogue.provenance import Source

from harvesters.contract import HarvestError, Listing, RemoteItem, auth_headers
from harvesters.dcat_page import Page, PayloadGraph, cut, frozen, page_of_graph, read_page
from harvesters.http import HarvestHTTPError, HarvestSession

__all__ = ["DcatHarvester", "dataset_payload", "read_page"]
ACCEPT = ("text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.9, application/n-triples;q=0.8, "
          "*/*;q=0.1")
MAX_PAGES = 10_000
BATCH = 200  # a page's datasets are cut out and handed on this many at a time, so their payloads are not all held


class DcatHarvester:
    transform_version = TRANSFORM_VERSION

    def __init__(self, source: Source, session: HarvestSession, secret: str | None):
        self.source, self.session = source, session
        self.headers = {"Accept": ACCEPT, **auth_headers(source, session, secret)}
        self._listing = Listing()
        self._parsed: dict[str, tuple[str, list]] = {}  # remote id -> (payload, its triples), for this page

    def _read(self, location: str) -> tuple[bytes, str | None]:
        if re.match(r"^https?://", location, re.I):
            try:
                resp = self.session.get(location, headers=self.headers)
            except HarvestHTTPError as exc:
                raise HarvestError(f"{self.source.name}: {exc}") from None
            if resp.status_code >= 400:
                raise HarvestError(f"{self.source.name}: {location}: HTTP {resp.status_code}")
            return resp.content, resp.headers.get("Content-Type")
        path = Path(url2pathname(urlsplit(location).path)) if location.lower().startswith("file:") else Path(location)
        try:
            size = path.stat().st_size
            if size > self.session.config.max_bytes:
                raise HarvestError(f"{self.source.name}: {path} is larger than the "
                                   f"{self.session.config.max_bytes}-byte limit")
            return path.read_bytes(), None
        except OSError as exc:
            raise HarvestError(f"{self.source.name}: cannot read {path}: {exc.strerror or exc}") from None

    def gather(self, since: str | None) -> Iterator[list[RemoteItem]]:
        location, visited, ids = self.source.url, set(), set()
        while location:
            if location in visited or len(visited) >= MAX_PAGES:
                raise HarvestError(f"{self.source.name}: hydra:next leads back to {location}; stopping")
            visited.add(location)
            data, ctype = self._read(location)
            try:
                page = read_page(data, location, ctype)
            except RDFError as exc:
                raise HarvestError(f"{self.source.name}: {exc}") from None
            datasets = sorted(page.datasets, key=str)
            with frozen():  # the page lives until its datasets are handed on
                for start in range(0, max(len(datasets), 1), BATCH):  # an empty page is still one (empty) batch
                    self._parsed = {}
                    items = [self._item(page, ds) for ds in datasets[start:start + BATCH]]
                    ids.update(i.remote_id for i in items)
                    yield items
            location = self._next(page, location)
        self._listing = Listing(ids=ids, complete=True)

    def _next(self, page: Page, current: str) -> str | None:
        found = sorted(str(o) for o in page.next_links if isinstance(o, URIRef))
        if not found:
            return None
        nxt = urljoin(current, found[0])
        remote = re.match(r"^https?://", current, re.I)
        if bool(remote) != bool(re.match(r"^https?://", nxt, re.I)):  # never from the web into local files
            raise HarvestError(f"{self.source.name}: hydra:next {nxt} is not the same kind of location as {current}")
        return nxt

    def _item(self, page: Page, ds) -> RemoteItem:
        payload, triples = cut(page, ds)
        if isinstance(ds, URIRef):
            remote_id = str(ds)
        else:
            ident = page.value(ds, DCTERMS.identifier) or page.value(ds, DCTERMS.title) or payload
            remote_id = "_:" + hashlib.sha1(str(ident).encode()).hexdigest()[:16]
        modified = page.value(ds, DCTERMS.modified)
        if triples is not None:
            self._parsed[remote_id] = (payload, triples)
        return RemoteItem(remote_id, modified=str(modified) if modified is not None else "", payload=payload,
                          payload_format="ntriples")

    def listing(self) -> Listing:
        return self._listing

    def high_water(self) -> str:
        return ""

    def fetch(self, item: RemoteItem) -> object:
        return item.payload

    def transform(self, payload: object, item: RemoteItem) -> Mapped:
        """The payload read back as a record. The graph its text parses to is built straight from the triples it was
        written from (the same triples in the same order), which saves parsing it again; a payload it does not
        know is parsed."""
        text, triples = self._parsed.pop(item.remote_id, (None, None))
        if triples is None or text != payload:
            return from_ntriples(payload)
        return from_graph(PayloadGraph(triples))


def dataset_payload(source: Page | Graph, ds, stop: set | None = None) -> str:
    """The triples reachable from one dataset (not into other datasets or catalogues), canonical N-Triples.
    stop: where the payload ends, by default the page's datasets and catalogues."""
    return cut(source if isinstance(source, Page) else page_of_graph(source), ds, stop)[0]
