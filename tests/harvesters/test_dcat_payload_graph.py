"""The DCAT harvester maps each dataset from the triples its payload was written from, not by parsing the payload
again: the record, the unmapped list and the identifier flag must be exactly what parsing the payload gives, for
real feeds from other publishers and for our own export."""
import random

import pytest
from rdflib import RDF, Graph, Literal, URIRef

from catalogue.formats.dcat import DCAT
from catalogue.formats.dcat.dataset import from_ntriples
from catalogue.formats.dcat.write import catalogue_graph
from catalogue.formats.rdf_io import RDFError, parse_rdf
from catalogue.provenance import Source
from harvesters.contract import RemoteItem
from harvesters.dcat import DcatHarvester, _payload, _stop_nodes, dataset_payload
from harvesters.http import HarvestSession
from tests.support import paths

FEEDS = sorted(p for p in (paths.REFERENCE / "foreign-dcat").iterdir() if p.suffix in (".ttl", ".nt", ".jsonld", ".rdf"))


def same_as_parsing(graph) -> int:
    """Checks every dataset of graph; returns how many there were."""
    stop, n = _stop_nodes(graph), 0
    with HarvestSession() as session:
        harvester = DcatHarvester(Source("t", "dcat", "file:///nowhere"), session, None)
        for ds in sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str):
            text, triples = _payload(graph, ds, stop)
            assert text == dataset_payload(graph, ds)  # the page-wide stop set changes nothing
            item = RemoteItem(str(ds), payload=text, payload_format="ntriples")
            harvester._parsed[item.remote_id] = (text, triples)
            quick, parsed = harvester.transform(text, item), from_ntriples(text)
            assert (quick.record, quick.unmapped, quick.explicit_identifier) == \
                (parsed.record, parsed.unmapped, parsed.explicit_identifier)
            assert item.remote_id not in harvester._parsed  # used once, then dropped
            n += 1
    return n


@pytest.mark.parametrize("feed", FEEDS, ids=[p.name for p in FEEDS])
def test_foreign_feeds_map_as_if_parsed(feed):
    try:
        graph = parse_rdf(feed.read_bytes(), source=feed.name)
    except RDFError as exc:  # one of the published examples is not valid Turtle
        pytest.skip(str(exc))
    same_as_parsing(graph)


def test_our_export_maps_as_if_parsed(seed_records):
    graph = catalogue_graph(seed_records, "https://catalogue.example.org")
    assert same_as_parsing(graph) == len(seed_records)


def test_a_payload_the_harvester_did_not_cut_is_parsed():
    graph = parse_rdf(b'<https://ex.org/ds> a <http://www.w3.org/ns/dcat#Dataset> ; '
                      b'<http://purl.org/dc/terms/title> "Rivers" .', fmt="ttl")
    ds = URIRef("https://ex.org/ds")
    text, triples = _payload(graph, ds, None)
    with HarvestSession() as session:
        harvester = DcatHarvester(Source("t", "dcat", "file:///nowhere"), session, None)
        harvester._parsed[str(ds)] = (text.replace("Rivers", "Lakes"), triples)  # not this payload: parse it
        assert harvester.transform(text, RemoteItem(str(ds), payload=text)).record["title"] == "Rivers"


def test_a_literal_with_a_line_separator_falls_back_to_parsing():
    """str.splitlines() also breaks at U+2028 inside a literal, so such a payload is not the triples' text."""
    graph = parse_rdf(b'<https://ex.org/ds> a <http://www.w3.org/ns/dcat#Dataset> .', fmt="ttl")
    ds = URIRef("https://ex.org/ds")
    graph.add((ds, URIRef("http://purl.org/dc/terms/title"), Literal("one\u2028two")))
    text, triples = _payload(graph, ds, None)
    assert triples is None and text == dataset_payload(graph, ds)


def test_blank_node_labels_do_not_depend_on_the_order_triples_were_read(seed_records):
    record = random.Random(3).choice(seed_records)
    graph = catalogue_graph([record], "https://catalogue.example.org")
    shuffled = list(parse_rdf(graph.serialize(format="nt", encoding="utf-8"), fmt="nt"))  # new blank nodes
    random.Random(4).shuffle(shuffled)
    again = Graph()
    for triple in shuffled:
        again.add(triple)
    ds = next(graph.subjects(RDF.type, DCAT.Dataset))
    assert dataset_payload(graph, ds) == dataset_payload(again, ds)
