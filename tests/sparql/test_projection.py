"""The SPARQL projection: it holds what /catalogue.ttl holds (plus the vocabularies and every publisher) with no
triple twice, catches up from the store's change marks, is rebuilt by `catalogue reindex`, and queries are refused,
capped and timed out as promised."""
from __future__ import annotations

import copy
import dataclasses
import json
import shutil
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from catalogue.cli import main
from catalogue.formats.dcat.vocab import DCAT
from catalogue.formats.dcat.write import latest_modified, record_to_graph
from catalogue.formats.export import export_store
from catalogue.formats.vocabularies import vocabulary_graph
from catalogue.sparql.pool import QueryTimeout
from catalogue.sparql.service import SparqlError, SparqlService, UpdateRefused, check_query

pytestmark = pytest.mark.postgres

DATASETS = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a dcat:Dataset }"


@pytest.fixture
def sparql(small_catalogue):
    svc = SparqlService(small_catalogue.store, dataclasses.replace(small_catalogue.settings, sparql_max_rows=50_000))
    yield svc
    svc.close()


def count(svc: SparqlService, query: str = DATASETS) -> int:
    return int(json.loads(svc.query(query).body)["results"]["bindings"][0]["n"]["value"])


def ask(svc: SparqlService, query: str) -> bool:
    return json.loads(svc.query(query).body)["boolean"]


def ground(g: Graph) -> set:
    return {t for t in g if not any(isinstance(n, BNode) for n in t)}


def canonical(node):
    """pyoxigraph stores decimals as values, so "64.0"^^xsd:decimal comes back as "64": compare values."""
    if isinstance(node, Literal) and node.datatype == XSD.decimal:
        return Literal(format(Decimal(str(node)).normalize(), "f"), datatype=XSD.decimal)
    return node


def graph_of(data: bytes) -> Graph:
    g = Graph()
    for s, p, o in Graph().parse(data=data, format="nt"):
        g.add((s, p, canonical(o)))
    return g


def test_it_holds_what_the_catalogue_export_holds_plus_the_vocabularies(sparql, small_catalogue, seed_records):
    settings = small_catalogue.settings
    exported = graph_of(b"".join(export_store(small_catalogue.store, "nt", settings.base_url)))
    projected = graph_of(sparql.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", graph="nt").body)
    vocab = ground(vocabulary_graph(settings.base_url))
    assert ground(exported) <= ground(projected)
    extra = ground(projected) - ground(exported)
    # Beyond the export: the vocabularies, and every publisher in the table (the export names only those with data).
    publishers = {f"{settings.base_url}/publishers/{p['id']}" for p in small_catalogue.publishers()}
    publishers |= {p["homepage"] for p in small_catalogue.publishers() if p.get("homepage")}
    assert any(str(s) in publishers for s, _, _ in extra)
    unexplained = {t for t in extra - vocab if str(t[0]) not in publishers}
    assert not unexplained, sorted(unexplained)[:5]
    assert len(exported) - len(ground(exported)) == len(projected) - len(ground(projected))  # blank-node triples

    # Each record's graph: its dataset's triples and blank nodes, as the DCAT writer makes them.
    names = {p["id"]: p for p in small_catalogue.publishers()}
    for record in seed_records[:12:4]:
        written = record_to_graph(record, settings.base_url, names)
        ds = written.value(predicate=RDF.type, object=DCAT.Dataset)
        expected = Graph()
        expected.add((URIRef(f"{settings.base_url}/catalogue"), DCAT.dataset, ds))
        for s, p, o in written:
            if s == ds or isinstance(s, BNode):
                expected.add((s, p, canonical(o)))
        got = graph_of(sparql.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ds}> {{ ?s ?p ?o }} }}",
                                    graph="nt").body)
        assert isomorphic(got, expected), record["identifier"]


def test_no_triple_is_stored_twice_so_counts_are_true(sparql):
    """A union of named graphs keeps duplicates: a publisher named in every record's graph would count n times."""
    everything = count(sparql, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    distinct = count(sparql, "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
    assert everything == distinct
    assert count(sparql, "SELECT (COUNT(?name) AS ?n) WHERE { ?p a foaf:Organization ; dct:identifier "
                         "'department-for-education' ; foaf:name ?name }") == 1


def test_it_catches_up_after_a_save_and_a_withdraw(sparql, small_catalogue, seed_records):
    assert count(sparql) == 12
    record = copy.deepcopy(seed_records[0])
    record["title"] = "A title only the projection's catch-up can know"
    assert small_catalogue.save(record, author="test", route="test").action == "updated"
    titles = json.loads(sparql.query(f"SELECT ?t WHERE {{ ?d dct:identifier '{record['identifier']}' ; "
                                     "dct:title ?t }").body)["results"]["bindings"]
    assert [t["t"]["value"] for t in titles] == [record["title"]]  # replaced, not added to

    small_catalogue.withdraw(record["identifier"], reason="test", author="test", route="test")
    assert count(sparql) == 11
    assert not ask(sparql, f"ASK {{ ?s ?p ?o . FILTER(CONTAINS(STR(?s), '{record['identifier']}')) }}")
    assert not ask(sparql, f"ASK {{ ?cat dcat:dataset <{small_catalogue.settings.base_url}/datasets/"
                           f"{record['identifier']}> }}")

    new = copy.deepcopy(seed_records[20])
    small_catalogue.save(new, author="test", route="test")
    assert count(sparql) == 12
    assert sparql.projection.state().seq == small_catalogue.store.max_seq()
    modified = json.loads(sparql.query("SELECT ?m WHERE { ?c a dcat:Catalog ; dct:modified ?m }").body)
    expected = latest_modified(d.record.get("modified") for d in small_catalogue.datasets())
    assert [b["m"]["value"] for b in modified["results"]["bindings"]] == [expected]


def test_a_publisher_rename_reaches_the_projection(sparql, small_catalogue):
    assert count(sparql) == 12
    pub = small_catalogue.publisher("department-for-education")
    small_catalogue.load_publishers([{**pub, "name": "Department for Schooling"}])
    names = json.loads(sparql.query("SELECT ?n WHERE { ?p dct:identifier 'department-for-education' ; "
                                    "foaf:name ?n }").body)["results"]["bindings"]
    assert [n["n"]["value"] for n in names] == ["Department for Schooling"]


def test_reindex_rebuilds_it(runner, small_catalogue, sparql):
    settings = small_catalogue.settings
    assert count(sparql) == 12
    shutil.rmtree(settings.sparql_path)  # lost, as an index may be
    result = runner.invoke(main, ["--instance", settings.instance_dir, "--database-url", settings.db_url, "reindex"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the SPARQL store (12 datasets)" in result.output and "Indexed 12" in result.output
    assert sparql.projection.state().records == 12
    assert (Path(settings.sparql_path) / "live").is_dir()
    assert count(sparql) == 12
    shutil.rmtree(settings.sparql_path)
    only = runner.invoke(main, ["--instance", settings.instance_dir, "--database-url", settings.db_url, "reindex",
                                "--only", "sparql"])
    assert only.exit_code == 0 and "Indexed" not in only.output and "SPARQL store (12 datasets)" in only.output
    assert count(sparql) == 12


def test_a_snapshot_outlives_the_queries_that_may_read_it(small_catalogue, seed_records):
    svc = SparqlService(small_catalogue.store, small_catalogue.settings)
    svc.projection.grace = 0.0  # delete superseded snapshots at once
    try:
        svc.sync(blocking=True)
        small_catalogue.save(copy.deepcopy(seed_records[20]), author="test", route="test")
        svc.sync(blocking=True)
        snapshots = sorted(p.name for p in (Path(small_catalogue.settings.sparql_path) / "snapshots").iterdir())
        assert snapshots == [svc.projection.state().snapshot]
    finally:
        svc.close()


@pytest.mark.parametrize("query", [
    "INSERT DATA { <http://example.org/a> <http://example.org/b> 'c' }",
    "PREFIX ex: <http://example.org/> # a comment\nDELETE WHERE { ?s ?p ?o }",
    "load <http://example.org/data.ttl>",
    "CLEAR ALL", "DROP GRAPH <http://example.org/g>",
    "WITH <http://example.org/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
])
def test_updates_are_refused_before_anything_runs(query):
    with pytest.raises(UpdateRefused):
        check_query(query)


@pytest.mark.parametrize("query, code", [
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "service-refused"),
    ("SELECT * WHERE { SERVICE SILENT ?endpoint { ?s ?p ?o } }", "service-refused"),
    ("", "malformed-query"),
    ("SELECT * WHERE " + "{" * 500 + "?s ?p ?o" + "}" * 500, "query-too-deep"),
    ("SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }", "query-too-deep"),
    ("ASK {}" + " " * 100_001, "query-too-long"),
])
def test_federation_and_oversized_queries_are_refused(query, code):
    with pytest.raises(SparqlError) as err:
        check_query(query)
    assert err.value.code == code


@pytest.mark.parametrize("query", [
    'SELECT ?s WHERE { ?s dct:title "INSERT this" }',  # keywords inside strings, IRIs and comments are not keywords
    "SELECT ?s WHERE { ?s <http://example.org/SERVICE> ?o } # DELETE",
    "PREFIX service: <http://example.org/> SELECT ?s WHERE { ?s service:x ?o }",
    "DESCRIBE <http://example.org/insert>",
])
def test_read_queries_that_mention_update_words_are_not_refused(query):
    check_query(query)


def test_a_malformed_query_gets_the_parsers_message(sparql):
    with pytest.raises(SparqlError) as err:
        sparql.query("SELECT * WHERE { ?s ?p }")
    assert err.value.code == "malformed-query"
    assert "1:" in str(err.value)  # the parser's line:column


def test_results_past_the_cap_are_an_error(small_catalogue):
    svc = SparqlService(small_catalogue.store, dataclasses.replace(small_catalogue.settings, sparql_max_rows=11))
    try:
        assert json.loads(svc.query("SELECT ?d WHERE { ?d a dcat:Dataset } LIMIT 11").body)["results"]["bindings"]
        for query in ("SELECT ?d WHERE { ?d a dcat:Dataset }", "CONSTRUCT WHERE { ?d a dcat:Dataset }"):
            with pytest.raises(SparqlError) as err:
                svc.query(query)
            assert err.value.code == "too-many-results" and "more than 11" in str(err.value)
    finally:
        svc.close()


def test_a_runaway_query_is_stopped_while_others_are_answered(small_catalogue):
    settings = dataclasses.replace(small_catalogue.settings, sparql_timeout=1.0, sparql_workers=2)
    svc = SparqlService(small_catalogue.store, settings)
    try:
        svc.sync(blocking=True)
        outcome = {}

        def runaway():
            started = time.monotonic()
            try:
                svc.query("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")
            except QueryTimeout as exc:
                outcome["error"] = exc
            outcome["seconds"] = time.monotonic() - started

        thread = threading.Thread(target=runaway)
        thread.start()
        time.sleep(0.3)
        started = time.monotonic()
        assert count(svc) == 12  # the other worker answers meanwhile
        assert time.monotonic() - started < 1.0
        thread.join(10)
        assert outcome["error"].code == "query-timeout" and "1 s" in str(outcome["error"])
        assert 0.9 < outcome["seconds"] < 3
        assert svc.pool.killed == 1
        assert count(svc) == 12  # and the pool carries on
    finally:
        svc.close()


def test_a_big_first_build_and_a_long_catch_up_run_in_the_background(small_catalogue, seed_records, monkeypatch):
    """Queries never wait minutes in a web request: they get 'not ready' (503) until the first build is done, and
    read the last snapshot while a long catch-up continues."""
    from catalogue.sparql import service as service_module
    from catalogue.sparql.projection import Projection
    from catalogue.sparql.service import NotReady

    monkeypatch.setattr(service_module, "INLINE_BUILD", 5)
    monkeypatch.setattr(service_module, "INLINE_CATCH_UP", 2)
    release = threading.Event()
    rebuild = Projection._rebuild

    def slow_rebuild(self, store, base_uri):
        release.wait(30)
        return rebuild(self, store, base_uri)

    monkeypatch.setattr(Projection, "_rebuild", slow_rebuild)
    svc = SparqlService(small_catalogue.store, small_catalogue.settings)
    try:
        with pytest.raises(NotReady):
            svc.query(DATASETS)
        release.set()
        svc._worker.join(60)
        assert count(svc) == 12

        for record in seed_records[20:25]:
            small_catalogue.save(copy.deepcopy(record), author="test", route="test")
        assert count(svc) in range(12, 18)  # two applied before it answered, the rest following
        svc._worker.join(60)
        assert count(svc) == 17
        assert svc.projection.state().seq == small_catalogue.store.max_seq()
    finally:
        svc.close()
