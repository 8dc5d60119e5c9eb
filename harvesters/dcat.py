"""DCAT harvester: Turtle, RDF/XML, JSON-LD or N-Triples from a URL or a file, following hydra:next.

Each dataset's payload is the part of the graph reachable from it (its distributions, contacts, publisher, periods...),
canonicalised as sorted N-Triples, so the same description always gives the same payload. The transform re-reads
that payload with catalogue.formats.dcat.dataset (our DCAT profile's graph -> record direction).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin, urlsplit
from urllib.request import url2pathname

from pyoxigraph import BlankNode, NamedNode, RdfFormat
from pyoxigraph import parse as oxparse
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.plugins.serializers.nt import _nt_row
from rdflib.namespace import DCTERMS

from catalogue.formats.dcat import DCAT
from catalogue.formats.dcat.dataset import TRANSFORM_VERSION, from_graph, from_ntriples
from catalogue.formats.rdf_io import RDFError, guess_format, parse_rdf
from catalogue.formats.result import Mapped
from catalogue.provenance import Source

from harvesters.contract import HarvestError, Listing, RemoteItem, auth_headers
from harvesters.http import HarvestHTTPError, HarvestSession

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
ACCEPT = ("text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.9, application/n-triples;q=0.8, "
          "*/*;q=0.1")
MAX_PAGES = 10_000
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_TYPED_STRING = re.compile(rb"\^\^\s*\S*string")  # "..."^^xsd:string, or anything that may be one


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
                graph = read_page(data, location, ctype)
            except RDFError as exc:
                raise HarvestError(f"{self.source.name}: {exc}") from None
            stop = _stop_nodes(graph)
            self._parsed = {}
            items = [self._item(graph, ds, stop) for ds in sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str)]
            ids.update(i.remote_id for i in items)
            yield items
            location = self._next(graph, location)
        self._listing = Listing(ids=ids, complete=True)

    def _next(self, graph: Graph, current: str) -> str | None:
        found = sorted(str(o) for p in (HYDRA.next, HYDRA.nextPage) for o in graph.objects(None, p)
                       if isinstance(o, URIRef))
        if not found:
            return None
        nxt = urljoin(current, found[0])
        remote = re.match(r"^https?://", current, re.I)
        if bool(remote) != bool(re.match(r"^https?://", nxt, re.I)):  # never from the web into local files
            raise HarvestError(f"{self.source.name}: hydra:next {nxt} is not the same kind of location as {current}")
        return nxt

    def _item(self, graph: Graph, ds, stop: set) -> RemoteItem:
        payload, triples = _payload(graph, ds, stop)
        if isinstance(ds, URIRef):
            remote_id = str(ds)
        else:
            ident = graph.value(ds, DCTERMS.identifier) or graph.value(ds, DCTERMS.title) or payload
            remote_id = "_:" + hashlib.sha1(str(ident).encode()).hexdigest()[:16]
        modified = graph.value(ds, DCTERMS.modified)
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
        return from_graph(_PayloadGraph(triples))


class _PayloadGraph(Graph):
    """One payload's graph, not changed once built. A SimpleMemory store (no named graphs: quicker to fill and read),
    and objects(s, p) and value(s, p), most of what the mapping asks, answered from a dict of the triples in the
    order they were added, which is the order the store gives them in, without its layers of generators."""

    def __init__(self, triples: list):
        super().__init__(store="SimpleMemory")
        self.addN((s, p, o, self) for s, p, o in triples)
        index: dict = {}
        for s, p, o in triples:
            index.setdefault(s, {}).setdefault(p, []).append(o)
        self._index = index

    def objects(self, subject=None, predicate=None, unique=False):
        if subject is None or unique or not isinstance(predicate, URIRef) or isinstance(subject, list):
            return super().objects(subject, predicate, unique)
        return iter(self._index.get(subject, {}).get(predicate, ()))

    def value(self, subject=None, predicate=RDF.value, object=None, default=None, any=True):  # noqa: A002 - rdflib's
        if subject is None or object is not None or any is not True or not isinstance(predicate, URIRef):
            return super().value(subject, predicate, object, default, any)
        found = self._index.get(subject, {}).get(predicate)
        return found[0] if found else default


def read_page(data: bytes, location: str, content_type: str | None = None) -> Graph:
    """A feed page as a graph. Turtle and N-Triples are read with pyoxigraph (Rust, about ten times quicker than
    rdflib's parser) into the same rdflib terms; anything it refuses or might read differently (another format, an
    explicit xsd:string, which it cannot tell from a plain literal) goes through parse_rdf, whose errors we report."""
    fmt = guess_format(location, content_type, data)
    if fmt in ("turtle", "nt") and not _TYPED_STRING.search(data):
        try:
            return _oxigraph_graph(data, RdfFormat.TURTLE if fmt == "turtle" else RdfFormat.N_TRIPLES,
                                   location if re.match(r"^https?://", location, re.I) else None)
        except (SyntaxError, ValueError):
            pass
    return parse_rdf(data, source=location, content_type=content_type)


def _oxigraph_graph(data: bytes, fmt, base: str | None) -> Graph:
    iris: dict[str, URIRef] = {}
    bnodes: dict[str, BNode] = {}

    def term(t):
        if isinstance(t, NamedNode):
            found = iris.get(t.value)
            if found is None:
                found = iris[t.value] = URIRef(t.value)
            return found
        if isinstance(t, BlankNode):
            found = bnodes.get(t.value)
            if found is None:
                found = bnodes[t.value] = BNode()
            return found
        if t.language:
            return Literal(t.value, lang=t.language)
        datatype = t.datatype.value
        return Literal(t.value) if datatype == _XSD_STRING else Literal(t.value, datatype=term(t.datatype))

    triples = [(term(t.subject), term(t.predicate), term(t.object)) for t in oxparse(data, fmt, base_iri=base)]
    graph = Graph(store="SimpleMemory")
    graph.addN((s, p, o, graph) for s, p, o in triples)
    return graph


def dataset_payload(graph: Graph, ds, stop: set | None = None) -> str:
    """The triples reachable from one dataset (not into other datasets or catalogues), canonical N-Triples.
    stop: the page's datasets and catalogues, when the caller has them (found once per page, not per dataset)."""
    return _payload(graph, ds, stop)[0]


def _stop_nodes(graph: Graph) -> set:
    return set(graph.subjects(RDF.type, DCAT.Dataset)) | set(graph.subjects(RDF.type, DCAT.Catalog))


def _payload(graph: Graph, ds, stop: set | None) -> tuple[str, list | None]:
    """(canonical N-Triples, its triples in line order: the graph that text parses to, or None if a literal holds a
    line break N-Triples cannot carry). Plain tuples, no intermediate rdflib graphs: they cost most of the time."""
    stop = _stop_nodes(graph) if stop is None else stop
    sub: dict = {}  # triple -> None: a set in insertion order
    _closure(graph, ds, sub, stop - {ds})
    for cat in graph.subjects(DCAT.dataset, ds):  # the catalogue's publisher is the fallback publisher
        sub[(cat, DCAT.dataset, ds)] = None
        for pub in graph.objects(cat, DCTERMS.publisher):
            sub[(cat, DCTERMS.publisher, pub)] = None
            _closure(graph, pub, sub, stop)
    labels = _bnode_labels(list(sub))
    rows = {_nt_row(triple).rstrip("\n"): triple
            for triple in {tuple(labels.get(n, n) for n in t): None for t in sub}}
    lines = sorted(line for line in "\n".join(rows).splitlines() if line.strip())
    triples = [rows[line] for line in lines] if len(lines) == len(rows) else None
    return "\n".join(lines) + "\n", triples


def _bnode_labels(triples: list) -> dict:
    """Blank nodes labelled by a hash of what hangs below them, so the same description gets the same labels.

    (rdflib's full canonicalisation is far too slow for datasets with hundreds of variables.) Nodes with
    identical content get the same label, which merges exact repeats only. Iterative: lists may be long."""
    below: dict = {}
    for s, p, o in triples:
        below.setdefault(s, []).append((p, o))
    # every blank node, also one that holds nothing (a bare [] object), which would otherwise keep a random label
    nodes = dict.fromkeys(n for s, _p, o in triples for n in (s, o) if isinstance(n, BNode))
    memo: dict = {}
    for start in nodes:
        stack, on_path = [(start, False)], set()
        while stack:
            node, children_done = stack.pop()
            if children_done:
                parts = sorted(f"{p.n3()} {_label(o, memo)}" for p, o in below.get(node, ()))
                memo[node] = BNode("b" + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:24])
                on_path.discard(node)
                continue
            if node in memo or node in on_path:
                continue
            on_path.add(node)
            stack.append((node, True))
            stack.extend((o, False) for _p, o in below.get(node, ()) if isinstance(o, BNode) and o not in memo)
    return memo


def _label(node, memo: dict) -> str:
    if node in memo:
        return memo[node].n3()
    return "_:cycle" if isinstance(node, BNode) else node.n3()


def _closure(graph: Graph, start, sub: dict, stop: set) -> None:
    stack, seen = [start], set()
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in graph.predicate_objects(node):
            sub[(node, p, o)] = None
            if isinstance(o, (BNode, URIRef)) and o not in seen and o not in stop and p != RDF.type:
                stack.append(o)
