"""What the SPARQL store holds, as pyoxigraph quads: /catalogue.ttl's graphs, split so none is stored twice.

Queries read the union of the named graphs, and a union keeps duplicates, so each triple lives in one graph:
- each record's own triples (about its dataset IRI and its blank nodes, and the catalogue's dcat:dataset link to
  it) in a named graph with the dataset's IRI, so a change replaces that graph alone;
- fixed graphs rebuilt whole when they change: the dcat:Catalog node, the publishers, each vocabulary;
- everything else a record says about a shared IRI (a licence, a theme, a nation, a creator with no publisher
  entry) in one "shared" graph, where a set keeps one copy however many records say it.
A subject a fixed graph describes is left to that graph.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Callable, Iterable, Iterator

from pyoxigraph import BlankNode, Literal, NamedNode, Quad
from rdflib import RDF, BNode, Graph, URIRef
from rdflib import Literal as RDFLiteral

from catalogue.formats.dcat.vocab import DCAT
# _Writer.agent is the profile's one description of a publisher: the publishers graph must match records' exactly.
from catalogue.formats.dcat.write import _Writer, catalogue_node, new_graph, record_to_graph
from catalogue.formats.vocabularies import vocabulary_graph

GRAPH_NS = "urn:x-catalogue:graph:"
SHARED = NamedNode(GRAPH_NS + "shared")
CATALOGUE = NamedNode(GRAPH_NS + "catalogue")
PUBLISHERS = NamedNode(GRAPH_NS + "publishers")
# The vocabularies in the store, each in its graph urn:x-catalogue:graph:vocab:<name>. Add one here: name -> a
# function of the base URI returning an rdflib Graph.
VOCABULARIES: dict[str, Callable[[str], Graph]] = {
    "registers": vocabulary_graph,  # linkage roles, TREs, legal gateways as SKOS concept schemes (/vocab/...)
}


def vocab_graph_name(name: str) -> NamedNode:
    return NamedNode(f"{GRAPH_NS}vocab:{name}")


@lru_cache(maxsize=16384)
def _named(iri: str) -> NamedNode:
    return NamedNode(iri)


def term(node):
    """An rdflib term as a pyoxigraph term (ValueError for an IRI pyoxigraph will not take)."""
    kind = type(node)
    if kind is URIRef:
        return _named(node)  # predicates and classes repeat in every record
    if kind is BNode:
        return BlankNode(node)
    if kind is RDFLiteral:
        if node.language:
            return Literal(node, language=node.language)
        if node.datatype is not None:
            return Literal(node, datatype=_named(node.datatype))
        return Literal(node)
    if isinstance(node, URIRef):  # a subclass
        return _named(str(node))
    raise ValueError(f"not an RDF term: {node!r}")


class _Triples(list):
    """Takes the DCAT writer's triples as a plain list: an rdflib Graph's indexes cost more than the writing, and
    the store keeps one copy of a repeated quad anyway."""

    def add(self, triple) -> None:
        self.append(triple)

    def bind(self, *args, **kwargs) -> None:
        pass


def record_quads(record: dict, base_uri: str, publishers: dict[str, dict], fixed_subjects: set[str],
                 skipped: list | None = None) -> tuple[NamedNode, list[Quad], list[Quad]]:
    """(graph name, the record's own quads, its quads about shared IRIs) for one record.

    A triple pyoxigraph refuses (an IRI it cannot parse) is left out and counted in `skipped`."""
    g = record_to_graph(record, base_uri, publishers, graph=_Triples())
    ds = next(t[0] for t in g if t[1] == RDF.type and t[2] == DCAT.Dataset)
    name = NamedNode(str(ds))
    own: list[Quad] = [Quad(NamedNode(f"{base_uri.rstrip('/')}/catalogue"), NamedNode(str(DCAT.dataset)), name, name)]
    shared: list[Quad] = []
    for s, p, o in g:
        if str(s) in fixed_subjects and s != ds:
            continue
        try:
            triple = (term(s), term(p), term(o))
        except ValueError:
            if skipped is not None:
                skipped.append((record.get("identifier"), str(p)))
            continue
        if s == ds or isinstance(s, BNode):
            own.append(Quad(*triple, name))
        else:
            shared.append(Quad(*triple, SHARED))
    return name, own, shared


def graph_quads(g: Graph, name: NamedNode) -> list[Quad]:
    out = []
    for s, p, o in g:
        try:
            out.append(Quad(term(s), term(p), term(o), name))
        except ValueError:
            continue
    return out


def fixed_graphs(base_uri: str, publishers: dict[str, dict], modified: str | None) -> dict[str, list[Quad]]:
    """The graphs rebuilt whole: the catalogue node, the publishers, each vocabulary (graph IRI -> quads)."""
    pubs = new_graph()
    writer = _Writer(pubs, base_uri.rstrip("/"), publishers)
    for slug in sorted(publishers):
        writer.agent(slug)
    graphs = {CATALOGUE.value: catalogue_quads(base_uri, publishers, modified),
              PUBLISHERS.value: graph_quads(pubs, PUBLISHERS)}
    for vocab, build in VOCABULARIES.items():
        name = vocab_graph_name(vocab)
        graphs[name.value] = graph_quads(build(base_uri), name)
    return graphs


def catalogue_quads(base_uri: str, publishers: dict[str, dict], modified: str | None) -> list[Quad]:
    """The dcat:Catalog node (its dcat:dataset links live in each record's graph)."""
    return graph_quads(catalogue_node([], modified, base_uri, publishers), CATALOGUE)


def subjects(graphs: dict[str, list[Quad]]) -> set[str]:
    """IRIs the fixed graphs describe (records' triples about them are left to those graphs)."""
    return {q.subject.value for quads in graphs.values() for q in quads if isinstance(q.subject, NamedNode)}


def fingerprint(quads: Iterable[Quad]) -> str:
    """A hash of a graph's content that ignores blank-node labels and order."""
    lines = sorted(str(Quad(_plain(q.subject), q.predicate, _plain(q.object), q.graph_name)) for q in quads)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:20]


def _plain(node):
    return NamedNode("urn:x-bnode") if isinstance(node, BlankNode) else node


def all_record_quads(records: Iterable[dict], base_uri: str, publishers: dict[str, dict], fixed_subjects: set[str],
                     skipped: list | None = None) -> Iterator[Quad]:
    """Every record's quads (own and shared), one record at a time, for a bulk load."""
    for record in records:
        _, own, shared = record_quads(record, base_uri, publishers, fixed_subjects, skipped)
        yield from own
        yield from shared
