"""The DCAT harvester's quick road (harvesters.dcat_page: the page in plain dicts, payloads cut from them, the mapping
reading a PayloadGraph) gives what the rdflib graph road gave (tests/support/dcat_before.py, the code as it was):
the same remote ids, modified dates and payload text byte for byte, so incremental harvests still see unchanged
records as unchanged, and the same records, unmapped lists and identifier flags."""
import gc
import itertools

import pytest
from rdflib import RDF, BNode, Graph, Literal, URIRef

from catalogue.formats.dcat import DCAT
from catalogue.formats.dcat.dataset import from_ntriples
from catalogue.formats.dcat.write import catalogue_graph
from catalogue.formats.rdf_io import RDFError, parse_rdf
from catalogue.provenance import Source
from harvesters import dcat
from harvesters.dcat import DcatHarvester
from harvesters.dcat_page import PayloadGraph, cut, read_page
from harvesters.http import HarvestSession
from tests.support import dcat_before, paths

FEEDS = sorted(p for p in (paths.REFERENCE / "foreign-dcat").iterdir() if p.suffix in (".ttl", ".nt", ".jsonld", ".rdf"))

# What real feeds rarely hold but a feed may: a multi-line literal, a literal that is false in Python, languages, a
# bare blank node, two blank nodes with the same content, a blank-node cycle, a repeated triple, a catalogue whose
# publisher is a blank node, a blank-node dataset, a dataset that points at another, hydra paging.
EDGES = b"""
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> . @prefix hydra: <http://www.w3.org/ns/hydra/core#> .
<https://ex.org/cat> a dcat:Catalog ; dct:publisher [ a foaf:Agent ; foaf:name "Rivers Office" ] ;
    dcat:dataset <https://ex.org/ds/a>, <https://ex.org/ds/b>, _:c ; hydra:next <https://ex.org/page2> .
<https://ex.org/ds/a> a dcat:Dataset ; dct:identifier "a-1" ; dct:title "Rivers"@en, "Afonydd"@cy ;
    dct:description \"\"\"Two
lines with a "quote" and a \\\\ backslash\"\"\" ; dct:modified "2024-01-02"^^xsd:date ;
    dcat:keyword "water", "water" ; dcat:byteSize "0"^^xsd:integer ; dct:publisher [] ;
    dcat:contactPoint [ vcard:fn "Desk" ; vcard:hasEmail <mailto:desk@example.org> ],
                      [ vcard:fn "Desk" ; vcard:hasEmail <mailto:desk@example.org> ] ;
    dct:relation <https://ex.org/ds/b> ; dct:spatial _:loop1 .
_:loop1 dct:isPartOf _:loop2 . _:loop2 dct:isPartOf _:loop1 .
<https://ex.org/ds/a> dcat:keyword "water" .
<https://ex.org/ds/b> a dcat:Dataset ; dct:title "Lakes" ; dct:identifier "0"^^xsd:integer ;
    dcat:distribution [ a dcat:Distribution ; dcat:accessURL <https://ex.org/lakes.csv> ; dct:title "CSV" ] .
_:c a dcat:Dataset ; dct:title "Seas" ; dct:modified "2023" .
"""


def quick_items(data: bytes, location: str) -> list[tuple[str, str, str]]:
    with HarvestSession() as session:
        harvester = DcatHarvester(Source("t", "dcat", location), session, None)
        page = read_page(data, location)
        return [(i.remote_id, i.modified, i.payload) for ds in sorted(page.datasets, key=str)
                for i in [harvester._item(page, ds)]]


def check_same(data: bytes, location: str) -> int:
    """Items and records of every dataset on the page as before; returns how many datasets there were."""
    before = dcat_before.items(data, location)
    assert quick_items(data, location) == before
    page = read_page(data, location)
    for ds, (_id, _modified, text) in zip(sorted(page.datasets, key=str), before):
        quick_text, triples = cut(page, ds)
        assert quick_text == text
        if triples is None:
            continue
        quick, parsed = dcat.from_graph(PayloadGraph(triples)), from_ntriples(text)
        assert (quick.record, quick.unmapped, quick.explicit_identifier) == \
            (parsed.record, parsed.unmapped, parsed.explicit_identifier)
    return len(before)


@pytest.mark.parametrize("feed", FEEDS, ids=[p.name for p in FEEDS])
def test_every_foreign_feed_gives_what_it_gave_before(feed):
    try:
        graph = parse_rdf(feed.read_bytes(), source=feed.name)
    except RDFError as exc:  # one of the published examples is not valid Turtle
        pytest.skip(str(exc))
    assert check_same(feed.read_bytes(), feed.name) == len(set(graph.subjects(RDF.type, DCAT.Dataset)))


@pytest.mark.parametrize("fmt", ["turtle", "nt", "json-ld", "xml"])
def test_our_export_gives_what_it_gave_before(seed_records, fmt):
    records = seed_records[:8]  # reading through rdflib, the road before, takes a while
    data = catalogue_graph(records, "https://catalogue.example.org").serialize(format=fmt, encoding="utf-8")
    ext = {"turtle": "ttl", "nt": "nt", "json-ld": "jsonld", "xml": "rdf"}[fmt]
    assert check_same(data, f"https://ex.org/feed.{ext}") == len(records)


def test_unusual_triples_give_what_they_gave_before():
    assert check_same(EDGES, "https://ex.org/feed.ttl") == 3
    page = read_page(EDGES, "https://ex.org/feed.ttl")
    assert [str(o) for o in page.next_links] == ["https://ex.org/page2"]
    text = dict((i, p) for i, _m, p in quick_items(EDGES, "https://ex.org/feed.ttl"))["https://ex.org/ds/a"]
    assert text.count('"water"') == 1 and '"Rivers Office"' in text  # one copy; the catalogue's publisher
    assert "<https://ex.org/ds/b>" in text and '"Lakes"' not in text  # another dataset is named, not copied


def same_terms(a, b) -> bool:
    return sorted(a, key=lambda t: (type(t).__name__, str(t))) == sorted(b, key=lambda t: (type(t).__name__, str(t)))


def test_the_mapping_graph_answers_as_an_rdflib_graph_does(seed_records):
    graph = catalogue_graph(seed_records[:3], "https://catalogue.example.org")
    page = read_page(graph.serialize(format="turtle", encoding="utf-8"), "feed.ttl")
    for ds in page.datasets:
        text, triples = cut(page, ds)
        quick, parsed = PayloadGraph(triples), Graph(store="SimpleMemory")  # the store parsing the text fills
        parsed.addN((s, p, o, parsed) for s, p, o in triples)  # in line order (test_dcat_payload_graph)
        subjects = list(dict.fromkeys(s for s, _p, _o in triples))
        predicates = list(dict.fromkeys(p for _s, p, _o in triples))
        objects = list(dict.fromkeys(o for _s, _p, o in triples))[:40]
        for s, p in itertools.product(subjects[:25], predicates):  # what the mapping asks: in the same order
            assert list(quick.objects(s, p)) == list(parsed.objects(s, p))
            assert quick.value(s, p) == parsed.value(s, p)
        for s, p in [(s, None) for s in subjects[:25]] + [(None, p) for p in predicates]:  # the same, in any order
            assert same_terms(quick.objects(s, p), parsed.objects(s, p))
        for p, o in itertools.product(predicates + [None], objects + [None]):
            assert same_terms(quick.subjects(p, o), parsed.subjects(p, o))
        for s, o in itertools.product(subjects[:10], objects):
            assert same_terms(quick.predicates(s, o), parsed.predicates(s, o))
            assert quick.value(s, None, o) == parsed.value(s, None, o)
        assert quick.value(URIRef("https://ex.org/none"), predicates[0], default=Literal("x")) == Literal("x")


def test_a_page_is_handed_on_in_batches(monkeypatch, tmp_path):
    graph = catalogue_graph([{"identifier": f"ds-{i:02d}", "title": f"Data {i}", "publisher": "ons"}
                             for i in range(7)], "https://catalogue.example.org")
    path = tmp_path / "feed.ttl"
    path.write_bytes(graph.serialize(format="turtle", encoding="utf-8"))
    monkeypatch.setattr(dcat, "BATCH", 3)
    with HarvestSession() as session:
        harvester = DcatHarvester(Source("t", "dcat", str(path)), session, None)
        batches = [[item.remote_id for item in batch] for batch in harvester.gather(None)]
        assert [len(b) for b in batches] == [3, 3, 1]
        assert harvester.listing().complete and harvester.listing().ids == set(sum(batches, []))
        assert sum(batches, []) == sorted(sum(batches, []))


def test_an_empty_page_is_one_empty_batch(tmp_path):
    path = tmp_path / "feed.ttl"
    path.write_bytes(b"<https://ex.org/cat> a <http://www.w3.org/ns/dcat#Catalog> .")
    with HarvestSession() as session:
        harvester = DcatHarvester(Source("t", "dcat", str(path)), session, None)
        assert list(harvester.gather(None)) == [[]]


@pytest.mark.parametrize("enabled", [True, False])
def test_reading_a_page_leaves_the_collector_as_it_was(enabled):
    before = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        read_page(EDGES, "feed.ttl")
        assert gc.isenabled() is enabled
        with pytest.raises(RDFError):
            read_page(b"<https://ex.org/a> <https://ex.org/b> .", "feed.ttl")  # refused: the state comes back
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if before else gc.disable)()


def test_gather_unfreezes_what_it_froze_also_when_stopped_early(tmp_path):
    path = tmp_path / "feed.ttl"
    path.write_bytes(EDGES)
    with HarvestSession() as session:
        harvester = DcatHarvester(Source("t", "dcat", str(path)), session, None)
        batches = harvester.gather(None)
        next(batches)
        assert gc.get_freeze_count() > 0  # the page is frozen while its datasets are handed on
        batches.close()
        assert gc.get_freeze_count() == 0


def test_gather_leaves_what_someone_else_froze_frozen(tmp_path):
    path = tmp_path / "feed.ttl"
    path.write_bytes(EDGES.replace(b" ; hydra:next <https://ex.org/page2>", b""))  # one page
    gc.freeze()
    try:
        held = gc.get_freeze_count()
        with HarvestSession() as session:
            assert len(sum(DcatHarvester(Source("t", "dcat", str(path)), session, None).gather(None), [])) == 3
        assert gc.get_freeze_count() == held
    finally:
        gc.unfreeze()


def test_a_graph_built_in_code_cuts_as_before():
    """dataset_payload also takes an rdflib graph (subclass terms included, such as a namespace's)."""
    from rdflib.namespace import DCAT as RDFLIB_DCAT, DCTERMS
    graph = Graph()
    ds = URIRef("https://ex.org/ds")
    graph.add((ds, RDF.type, RDFLIB_DCAT.Dataset))
    graph.add((ds, DCTERMS.title, Literal("Rivers", lang="en")))
    graph.add((ds, DCTERMS.temporal, RDFLIB_DCAT.Relationship))

    class Mine(URIRef):
        pass

    class MyNode(BNode):
        pass
    who = MyNode("who")
    graph.add((ds, DCTERMS.creator, who))
    graph.add((who, DCTERMS.identifier, Literal("rivers-office")))
    graph.add((who, DCTERMS.source, Mine("https://ex.org/about")))
    assert dcat.dataset_payload(graph, ds) == dcat_before.dataset_payload(graph, ds)
    assert '"rivers-office"' in dcat.dataset_payload(graph, ds)
