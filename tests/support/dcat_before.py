"""The DCAT harvester's page reading and payload cutting as they were before harvesters.dcat_page (an rdflib graph
of the page, walked through the graph's store), kept as the reference its tests compare the quick road with."""
from __future__ import annotations

import hashlib
import re

from pyoxigraph import BlankNode, NamedNode, RdfFormat
from pyoxigraph import parse as oxparse
from rdflib import RDF, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.plugins.serializers.nt import _nt_row

from catalogue.formats.dcat import DCAT
from catalogue.formats.rdf_io import guess_format, parse_rdf

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_TYPED_STRING = re.compile(rb"\^\^\s*\S*string")


def items(data: bytes, location: str) -> list[tuple[str, str, str]]:
    """(remote id, modified, payload) of every dataset on the page, as the harvester's gather made them."""
    graph = read_page(data, location)
    stop, out = _stop_nodes(graph), []
    for ds in sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str):
        payload = _payload(graph, ds, stop)[0]
        if isinstance(ds, URIRef):
            remote_id = str(ds)
        else:
            ident = graph.value(ds, DCTERMS.identifier) or graph.value(ds, DCTERMS.title) or payload
            remote_id = "_:" + hashlib.sha1(str(ident).encode()).hexdigest()[:16]
        modified = graph.value(ds, DCTERMS.modified)
        out.append((remote_id, str(modified) if modified is not None else "", payload))
    return out


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
