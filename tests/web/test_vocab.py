"""The registers as SKOS vocabularies: the graphs (pure), and /vocab pages with their JSON and RDF twins."""
from __future__ import annotations

import json
from collections import Counter

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from catalogue.formats.dcat import CAT, record_to_graph
from catalogue.formats.rdf_io import FORMATS, parse_rdf, serialize
from catalogue.formats.vocabularies import SCHEMES, concept_graph, register_of, scheme_graph, vocabulary_graph
from catalogue.records.registers import registers

pytestmark = pytest.mark.postgres
BASE = "https://catalogue.example.org"


def _concepts(g: Graph) -> set:
    return set(g.subjects(RDF.type, SKOS.Concept))


# --- the graphs ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_every_register_entry_is_a_concept_in_its_scheme(scheme):
    g = scheme_graph(BASE, scheme)
    top = URIRef(f"{BASE}/vocab/{scheme}")
    assert (top, RDF.type, SKOS.ConceptScheme) in g and g.value(top, DCTERMS.title) is not None
    ids = {e.id for e in register_of(scheme)}
    assert len(ids) >= 5
    assert _concepts(g) == {URIRef(f"{top}/{i}") for i in ids}
    for c in _concepts(g):
        assert set(g.objects(c, SKOS.inScheme)) == {top}
        assert (top, SKOS.hasTopConcept, c) in g


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_skos_labels_are_sound(scheme):
    """S14: at most one prefLabel per language; S13: prefLabel and altLabel disjoint; prefLabels unique in a scheme."""
    g = scheme_graph(BASE, scheme)
    pref = {}
    for c in _concepts(g):
        labels = list(g.objects(c, SKOS.prefLabel))
        assert len(labels) == 1 and labels[0].language == "en", (c, labels)
        pref[c] = str(labels[0])
        assert not set(g.objects(c, SKOS.prefLabel)) & set(g.objects(c, SKOS.altLabel)), c
    assert [n for n, k in Counter(v.casefold() for v in pref.values()).items() if k > 1] == []


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_every_concept_cites_its_public_sources(scheme):
    g = scheme_graph(BASE, scheme)
    for entry in register_of(scheme):
        given = entry.data["source"] if isinstance(entry.data["source"], list) else [entry.data["source"]]
        urls = {URIRef(u) for u in given if u.startswith(("https://", "http://"))}
        assert set(g.objects(URIRef(f"{BASE}/vocab/{scheme}/{entry.id}"), DCTERMS.source)) == urls


def test_register_facts_are_carried():
    g = vocabulary_graph(BASE)
    nhs = URIRef(f"{BASE}/vocab/linkage-roles/nhs-number")
    assert g.value(nhs, SKOS.definition) is not None
    assert (URIRef(f"{BASE}/vocab/linkage-roles#kind-person"), SKOS.member, nhs) in g
    assert Literal("NHS No", lang="en") in set(g.objects(nhs, SKOS.altLabel))
    sail = URIRef(f"{BASE}/vocab/tres/sail-databank")
    assert str(g.value(sail, SKOS.prefLabel)) == "SAIL Databank"
    gateway = registers().gateways.match("Digital Economy Act 2017 s.64")
    node = URIRef(f"{BASE}/vocab/legal-gateways/{gateway.id}")
    assert g.value(node, SKOS.definition) is not None
    assert URIRef(gateway.data["legislationUrl"]) in set(g.objects(node, RDFS.seeAlso))
    assert len(set(g.subjects(RDF.type, SKOS.ConceptScheme))) == 3


def test_records_point_to_concepts_that_the_vocabulary_defines(seed_records):
    vocab = vocabulary_graph(BASE)
    defined = _concepts(vocab)
    g = Graph()
    for r in seed_records:
        record_to_graph(r, BASE, graph=g)
    used = set(g.objects(None, CAT.linkageRole)) | set(g.objects(None, CAT.tre)) | set(g.objects(None, CAT.gateway))
    used = {u for u in used if isinstance(u, URIRef)}
    assert len(used) > 5 and used <= defined, used - defined


def test_an_unknown_concept_has_no_graph():
    assert concept_graph(BASE, "tres", "no-such-tre") is None
    with pytest.raises(KeyError):
        scheme_graph(BASE, "no-such-scheme")


@pytest.mark.parametrize("fmt", ["ttl", "jsonld"])
def test_vocabulary_serialises_and_parses_back(fmt):
    g = vocabulary_graph(BASE)
    body, _ = serialize(g, fmt)
    assert len(parse_rdf(body, fmt=fmt)) == len(g)


# --- the pages -------------------------------------------------------------------------------------------------

def _get(client, path: str, **kw):
    resp = client.get(path, **kw)
    body = resp.get_data()
    resp.close()
    return resp, body


def _pages() -> list[str]:
    entries = [(s, next(iter(register_of(s))).id) for s in SCHEMES]
    return ["/vocab", *(f"/vocab/{s}" for s in SCHEMES), *(f"/vocab/{s}/{i}" for s, i in entries)]


@pytest.mark.parametrize("path", _pages())
def test_every_vocab_page_has_its_json_twin(client, path):
    page, html = _get(client, path)
    assert page.status_code == 200 and page.mimetype == "text/html"
    twin, body = _get(client, path + ".json")
    assert twin.status_code == 200 and twin.mimetype == "application/json"
    data = json.loads(body)
    for key in ("schemes",) if path == "/vocab" else ("links",):
        assert key in data
    if path != "/vocab":
        assert data["links"]["json"] == path + ".json"


@pytest.mark.parametrize("path", _pages()[1:])
@pytest.mark.parametrize("fmt", ["ttl", "jsonld", "rdf"])
def test_scheme_and_concept_rdf_parse_and_describe_their_own_address(app, client, path, fmt):
    resp, body = _get(client, f"{path}.{fmt}")
    assert resp.status_code == 200 and resp.mimetype == FORMATS[fmt][1]
    g = parse_rdf(body, fmt=fmt)
    iri = URIRef(app.config["SETTINGS"].base_url.rstrip("/") + path)
    kind = SKOS.Concept if path.count("/") == 3 else SKOS.ConceptScheme
    assert (iri, RDF.type, kind) in g and g.value(iri, SKOS.prefLabel) is not None


def test_concept_iris_dereference_by_accept_header(client):
    resp, body = _get(client, "/vocab/tres/sail-databank", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200 and resp.mimetype == "text/turtle" and "Accept" in resp.vary
    g = parse_rdf(body, fmt="ttl")
    assert any(str(s).endswith("/vocab/tres/sail-databank") for s in g.subjects(RDF.type, SKOS.Concept))


def test_scheme_page_lists_every_concept(client):
    resp, html = _get(client, "/vocab/linkage-roles")
    text = html.decode()
    for entry in register_of("linkage-roles"):
        assert f'href="/vocab/linkage-roles/{entry.id}"' in text
    assert "Person identifiers" in text


def test_concept_page_shows_register_facts_and_links_to_search(client):
    resp, html = _get(client, "/vocab/linkage-roles/nhs-number")
    text = html.decode()
    assert "NHS number" in text and "Personal Demographics Service" in text
    assert "/search?linkage_key=nhs-number" in text


@pytest.mark.parametrize("path", ["/vocab/nothing", "/vocab/nothing.json", "/vocab/nothing.ttl",
                                  "/vocab/tres/nothing", "/vocab/tres/nothing.json", "/vocab/tres/nothing.jsonld",
                                  "/vocab/nothing/sail-databank.json", "/vocab/tres.xml"])
def test_unknown_schemes_and_concepts_are_404_in_the_one_error_shape(client, path):
    resp, body = _get(client, path, headers={"Accept": "application/json"})
    assert resp.status_code == 404
    error = json.loads(body)
    assert error["ok"] is False and error["status"] == 404 and error["code"] == "not-found" and error["error"]
