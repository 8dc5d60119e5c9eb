"""The registers in schemas/ (linkage roles, TREs, legal gateways) as SKOS concept schemes (pure).

Each register is a skos:ConceptScheme at <base>/vocab/<scheme>, each entry a skos:Concept at
<base>/vocab/<scheme>/<id>: prefLabel the name, altLabel each alias, definition and scopeNote from the entry's
notes (permits and excludes for a gateway), dcterms:source each public source, rdfs:seeAlso the legislation, the
environment's site or an identity service. SKOS is the W3C vocabulary for exactly this: controlled lists that
records point to by IRI, which piveau, data.europa.eu and SPARQL clients already read.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, SKOS

from catalogue.formats.dcat.vocab import (GEOGRAPHY, NATIONS, PREFIXES, concept_for, concept_iri,
                                          register_of, scheme_iri)
from catalogue.records.registers import Entry, registers

__all__ = ["SCHEMES", "Scheme", "concept_for", "concept_graph", "concept_iri", "register_of", "scheme_graph",
           "scheme_iri", "vocabulary_graph"]


@dataclass(frozen=True)
class Scheme:
    name: str  # the address segment: /vocab/<name>
    title: str
    description: str


SCHEMES = {s.name: s for s in (
    Scheme("linkage-roles", "Linkage roles",
           "The kinds of key a variable can hold to link records: person, address, area and organisation "
           "identifiers, and quasi-identifiers that link only probabilistically."),
    Scheme("tres", "Trusted research environments",
           "Secure environments that give accredited researchers access to linked government data."),
    Scheme("legal-gateways", "Legal gateways",
           "Legislation that permits public bodies to share data for research and statistics."),
)}
KIND_LABELS = {"person": "Person identifiers", "address": "Address identifiers", "area": "Area codes",
               "organisation": "Organisation identifiers", "quasi": "Quasi-identifiers (probabilistic linkage)",
               "other": "Other identifiers (never make a link)"}


def _url(text) -> URIRef | None:
    if not isinstance(text, str) or not text.startswith(("http://", "https://")):
        return None
    return URIRef(quote(text.strip(), safe=":/?#[]@!$&'()*+,;=%~"))


def _urls(value) -> list[URIRef]:
    values = value if isinstance(value, list) else [value]
    return [u for u in map(_url, values) if u is not None]


def _en(text: str) -> Literal:
    return Literal(text, lang="en")


def _bind(g: Graph) -> Graph:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=False)
    return g


def _scheme_node(g: Graph, base_uri: str, scheme: Scheme) -> URIRef:
    node = scheme_iri(base_uri, scheme.name)
    g.add((node, RDF.type, SKOS.ConceptScheme))
    g.add((node, DCTERMS.title, _en(scheme.title)))
    g.add((node, SKOS.prefLabel, _en(scheme.title)))
    g.add((node, DCTERMS.description, _en(scheme.description)))
    return node


def _concept(g: Graph, base_uri: str, scheme: Scheme, entry: Entry) -> URIRef:
    """One entry's triples: labels, notes, sources, links, and what is particular to its register."""
    node = concept_iri(base_uri, scheme.name, entry.id)
    top = scheme_iri(base_uri, scheme.name)
    data = entry.data
    g.add((node, RDF.type, SKOS.Concept))
    g.add((node, SKOS.inScheme, top))
    g.add((node, SKOS.topConceptOf, top))
    g.add((top, SKOS.hasTopConcept, node))
    g.add((node, SKOS.prefLabel, _en(entry.name)))
    g.add((node, SKOS.notation, Literal(entry.id)))
    for alias in entry.aliases:
        if alias != entry.name:  # SKOS: a label is never both preferred and alternative
            g.add((node, SKOS.altLabel, _en(alias)))
    for url in _urls(data.get("source")):
        g.add((node, DCTERMS.source, url))
    if scheme.name == "linkage-roles":
        _role(g, base_uri, node, data)
    elif scheme.name == "tres":
        _tre(g, base_uri, node, data)
    else:
        _gateway(g, node, data)
    return node


def _role(g: Graph, base_uri: str, node: URIRef, data: dict) -> None:
    if data.get("notes"):
        g.add((node, SKOS.definition, _en(data["notes"])))
    kind = data.get("kind") if data.get("kind") in KIND_LABELS else "other"
    collection = URIRef(f"{scheme_iri(base_uri, 'linkage-roles')}#kind-{kind}")
    g.add((collection, RDF.type, SKOS.Collection))
    g.add((collection, SKOS.prefLabel, _en(KIND_LABELS[kind])))
    g.add((collection, SKOS.member, node))
    for service in data.get("identityServices") or []:
        url = _url(service.get("url")) if isinstance(service, dict) else None
        if url is not None:
            g.add((node, RDFS.seeAlso, url))
            if service.get("name"):
                g.add((url, RDFS.label, _en(service["name"])))


def _tre(g: Graph, base_uri: str, node: URIRef, data: dict) -> None:
    url = _url(data.get("url"))
    if url is not None:
        g.add((node, FOAF.homepage, url))
        g.add((node, RDFS.seeAlso, url))
    nations = data.get("nation") or data.get("nations") or []
    for nation in nations if isinstance(nations, list) else [nations]:
        if nation in NATIONS:
            g.add((node, DCTERMS.spatial, GEOGRAPHY[NATIONS[nation]]))
    notes = []
    if data.get("operator"):
        notes.append(f"Operated by {data['operator']}.")
    if data.get("personKey"):
        notes.append(f"Person key: {data['personKey']}.")
    if data.get("deaAccredited") is True:
        notes.append("Its operator is accredited as a processor under the Digital Economy Act 2017 research "
                     "provisions.")
    if notes:
        g.add((node, SKOS.scopeNote, _en(" ".join(notes))))
    role = data.get("personKeyRole")
    if isinstance(role, str) and registers().roles.get(role):
        g.add((node, SKOS.related, concept_iri(base_uri, "linkage-roles", role)))
    contact = data.get("supportContact")
    if isinstance(contact, str) and contact:
        target = _url(contact) or (URIRef("mailto:" + quote(contact, safe="@.+-_")) if "@" in contact else None)
        if target is not None:
            g.add((node, RDFS.seeAlso, target))


def _gateway(g: Graph, node: URIRef, data: dict) -> None:
    if data.get("fullTitle") and data["fullTitle"] != data.get("name"):
        g.add((node, SKOS.altLabel, _en(data["fullTitle"])))
    if data.get("permits"):
        g.add((node, SKOS.definition, _en(data["permits"])))
    if data.get("excludes"):
        g.add((node, SKOS.scopeNote, _en(f"Excludes: {data['excludes']}")))
    law = _url(data.get("legislationUrl"))
    if law is not None:
        g.add((node, RDFS.seeAlso, law))
    nations = data.get("nations") or []
    for nation in nations if isinstance(nations, list) else [nations]:
        if nation in NATIONS:
            g.add((node, DCTERMS.spatial, GEOGRAPHY[NATIONS[nation]]))


def scheme_graph(base_uri: str, scheme: str, graph: Graph | None = None) -> Graph:
    """One register as a SKOS concept scheme (added to graph if given). KeyError for an unknown scheme."""
    g = _bind(graph if graph is not None else Graph(bind_namespaces="core"))
    info, register = SCHEMES[scheme], register_of(scheme)
    _scheme_node(g, base_uri, info)
    for entry in register:
        _concept(g, base_uri, info, entry)
    return g


def concept_graph(base_uri: str, scheme: str, entry_id: str) -> Graph | None:
    """One concept (and its scheme's title), or None if the register has no such entry."""
    register = register_of(scheme)
    entry = register.get(entry_id)
    if entry is None:
        return None
    g = _bind(Graph(bind_namespaces="core"))
    _scheme_node(g, base_uri, SCHEMES[scheme])
    _concept(g, base_uri, SCHEMES[scheme], entry)
    return g


def vocabulary_graph(base_uri: str) -> Graph:
    """Every register as a concept scheme, in one graph (for the SPARQL projection next to /catalogue.ttl)."""
    g = _bind(Graph(bind_namespaces="core"))
    for name in SCHEMES:
        scheme_graph(base_uri, name, g)
    return g
