"""/sparql against a running server on 127.0.0.1, read by the SPARQL clients people use (SPARQLWrapper and rdflib's
SPARQLStore), plus the protocol's edges through the test client: formats, errors, refusals and hostile input."""
from __future__ import annotations

import copy
import csv
import dataclasses
import io
import json
import threading
import time
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.plugins.parsers.jsonld import to_rdf
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, POST, POSTDIRECTLY, TSV, TURTLE, URLENCODED, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

from catalogue.records.service import Catalogue
from catalogue.sparql.examples import EXAMPLES
from tests.support.app import SEED_PUBLISHERS, make_app, make_settings
from tests.support.live import serving

pytestmark = pytest.mark.postgres

COUNT = "SELECT (COUNT(?d) AS ?n) WHERE { ?d a dcat:Dataset }"


@pytest.fixture(scope="module")
def endpoint(app):
    with serving(app) as url:
        yield url + "/sparql"


def client_for(endpoint: str, query: str, fmt=JSON, method=None, request_method=None) -> SPARQLWrapper:
    sw = SPARQLWrapper(endpoint, agent="catalogue-tests")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    if method:
        sw.setMethod(method)
    if request_method:
        sw.setRequestMethod(request_method)
    return sw


def published_count(app) -> int:
    return app.extensions["catalogue_services"].catalogue.count()


def test_select_as_json_xml_csv_and_tsv_with_sparqlwrapper(endpoint, app):
    n = published_count(app)
    query = "PREFIX dcat: <http://www.w3.org/ns/dcat#> " + COUNT
    result = client_for(endpoint, query, JSON).queryAndConvert()
    assert result["results"]["bindings"][0]["n"]["value"] == str(n)

    xml = client_for(endpoint, query, XML).queryAndConvert()  # a DOM document
    assert xml.getElementsByTagName("literal")[0].firstChild.data == str(n)

    table = client_for(endpoint, query, CSV).queryAndConvert().decode()
    assert list(csv.reader(io.StringIO(table))) == [["n"], [str(n)]]

    tsv = client_for(endpoint, query, TSV).queryAndConvert().decode()
    assert tsv.splitlines() == ["?n", str(n)]  # TSV writes an integer bare


def test_post_as_form_and_as_sparql_query_and_ask(endpoint, app):
    n = published_count(app)
    for request_method in (URLENCODED, POSTDIRECTLY):
        result = client_for(endpoint, COUNT, JSON, POST, request_method).queryAndConvert()
        assert result["results"]["bindings"][0]["n"]["value"] == str(n)
    assert client_for(endpoint, "ASK { ?d a dcat:Dataset }").queryAndConvert()["boolean"] is True
    assert client_for(endpoint, "ASK { ?d a dcat:Nothing }", JSON, POST).queryAndConvert()["boolean"] is False


def test_construct_and_describe_as_turtle_and_json_ld(endpoint, app, seed_records):
    base = app.config["SETTINGS"].base_url
    ident = seed_records[0]["identifier"]
    query = ("PREFIX dct: <http://purl.org/dc/terms/> CONSTRUCT { ?d dct:title ?t } "
             f"WHERE {{ ?d dct:identifier '{ident}' ; dct:title ?t }}")
    turtle = client_for(endpoint, query, TURTLE).queryAndConvert()
    g = Graph().parse(data=turtle, format="turtle")
    assert [str(t) for t in g.objects()] == [seed_records[0]["title"]]

    # Read raw: SPARQLWrapper's own JSON-LD conversion builds an rdflib ConjunctiveGraph, which rdflib deprecates.
    answer = client_for(endpoint, f"DESCRIBE <{base}/datasets/{quote(ident, safe='')}>", JSONLD).query()
    assert answer.response.headers["Content-Type"].startswith("application/ld+json")
    described = Graph()
    to_rdf(json.loads(answer.response.read()), described)  # Graph.parse for JSON-LD uses a deprecated class too
    assert len(described) > 10
    assert any(str(o) == seed_records[0]["title"] for o in described.objects())


def test_rdflib_sparqlstore_reads_it(endpoint, app):
    store = SPARQLStore(endpoint, returnFormat="json")
    try:
        rows = list(Graph(store=store).query(
            "PREFIX dcat: <http://www.w3.org/ns/dcat#> SELECT ?d WHERE { ?d a dcat:Dataset } LIMIT 5"))
    finally:
        store.close()
    assert len(rows) == 5 and all(str(r[0]).startswith(app.config["SETTINGS"].base_url) for r in rows)


def test_updates_are_refused_with_400(endpoint, client):
    sw = client_for(endpoint, "INSERT DATA { <http://example.org/a> <http://example.org/b> 'c' }", JSON, POST)
    with pytest.raises(QueryBadFormed):
        sw.query()  # SPARQLWrapper sends it as update=, as it should
    for resp in (client.post("/sparql", data={"update": "CLEAR ALL"}),
                 client.post("/sparql", data=b"CLEAR ALL", content_type="application/sparql-update"),
                 client.get("/sparql", query_string={"query": "DELETE WHERE { ?s ?p ?o }"})):
        assert resp.status_code == 400
        assert resp.get_json()["code"] == "update-refused"
    assert client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).get_json()["boolean"] is True


def test_every_worked_example_returns_rows_on_the_seed_catalogue(client, app):
    base = app.config["SETTINGS"].base_url
    for example in EXAMPLES:
        resp = client.get("/sparql", query_string={"query": example.text(base)},
                          headers={"Accept": "application/sparql-results+json, text/turtle"})
        assert resp.status_code == 200, (example.slug, resp.get_data(as_text=True))
        if resp.mimetype == "text/turtle":
            assert len(Graph().parse(data=resp.get_data(as_text=True), format="turtle")) > 0, example.slug
        else:
            assert resp.get_json()["results"]["bindings"], example.slug


def test_the_examples_say_what_they_promise(client, app):
    base = app.config["SETTINGS"].base_url
    by_slug = {e.slug: e.text(base) for e in EXAMPLES}

    def rows(slug):
        return client.get("/sparql", query_string={"query": by_slug[slug], "format": "json"}).get_json()[
            "results"]["bindings"]

    nhs = {r["dataset"]["value"].rsplit("/", 1)[1] for r in rows("nhs-number-tres")}
    cat = app.extensions["catalogue_services"].catalogue
    expected = {d.record["identifier"] for d in cat.datasets()
                if any(v.get("linkageRole") == "nhs-number" for v in d.record.get("variables", []))}
    assert nhs == expected
    sail = {r["title"]["value"] for r in rows("sail-linkage-keys")}
    assert sail == {d.record["title"] for d in cat.datasets()
                    if any(r.get("name") == "SAIL Databank" for r in d.record.get("access", {}).get("routes", []))
                    and any(v.get("linkageRole") for v in d.record.get("variables", []))}
    without = {r["publisher"]["value"]: int(r["datasets_without_iao"]["value"]) for r in rows("no-iao")}
    names = cat.publisher_names()
    counted: dict[str, int] = {}
    for d in cat.datasets():
        if "informationAssetOwner" not in d.record:
            counted[names[d.publisher]] = counted.get(names[d.publisher], 0) + 1
    assert without == counted
    per = {r["publisher"]["value"]: int(r["datasets"]["value"]) for r in rows("per-publisher")}
    assert sum(per.values()) == cat.count()


def test_format_by_parameter_beats_accept(client):
    resp = client.get("/sparql", query_string={"query": COUNT, "format": "csv"}, headers={"Accept": "application/json"})
    assert resp.mimetype == "text/csv" and resp.get_data(as_text=True).startswith("n\r\n")
    resp = client.get("/sparql", query_string={"query": COUNT, "format": "text/tab-separated-values"})
    assert resp.mimetype == "text/tab-separated-values"
    resp = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?d a dcat:Dataset } LIMIT 1",
                                               "format": "json"})
    assert resp.mimetype == "application/ld+json" and isinstance(resp.get_json(), list)
    resp = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?d a dcat:Dataset } LIMIT 1"},
                      headers={"Accept": "application/rdf+xml"})
    assert resp.mimetype == "application/rdf+xml" and len(Graph().parse(data=resp.data, format="xml")) == 1
    assert "Accept" in resp.headers["Vary"]


def test_the_page_has_a_form_the_examples_and_a_json_twin(client):
    page = client.get("/sparql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert '<textarea class="govuk-textarea' in html and 'name="query"' in html
    for example in EXAMPLES:
        assert example.title in html
    twin = client.get("/sparql.json").get_json()
    assert [e["slug"] for e in twin["examples"]] == [e.slug for e in EXAMPLES]
    assert twin["limits"] == {"timeout_seconds": 10.0, "max_rows": 10000}


def test_a_browser_gets_the_results_in_the_page_and_errors_in_the_form(client, app):
    query = EXAMPLES[3].text(app.config["SETTINGS"].base_url)
    page = client.get("/sparql", query_string={"query": query}, headers={"Accept": "text/html,*/*;q=0.8"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="results"' in html and "Department for Education" in html
    bad = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"}, headers={"Accept": "text/html"})
    assert bad.status_code == 400 and "govuk-error-summary" in bad.get_data(as_text=True)
    assert "?s ?p }</textarea>" in bad.get_data(as_text=True)  # the query stays in the form


def test_malformed_queries_get_400_with_the_parsers_message(client):
    resp = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["ok"] is False and body["code"] == "malformed-query" and "1:" in body["error"]
    resp = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }", "format": "csv"})
    assert resp.status_code == 400 and resp.mimetype == "text/plain" and "not valid SPARQL" in resp.get_data(True)


@pytest.mark.parametrize("kwargs, status, code", [
    ({"query_string": {"query": "ASK {" + "{" * 300 + "}" * 301}}, 400, "query-too-deep"),
    ({"query_string": {"query": "ASK { FILTER(" + "(" * 20000 + "1" + ")" * 20000 + ") }"}}, 400, "query-too-deep"),
    ({"query_string": {"query": "ASK {}" + " " * 200_000}}, 400, "query-too-long"),
    ({"query_string": "query=ASK%20%7B%3Fs%20%3Fp%20%22%FF%FE%22%7D"}, 200, None),  # not UTF-8: read as U+FFFD
    ({"query_string": {"query": "ASK { ?s ?p \"\x00\" }"}}, 200, None),
    ({"query_string": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"}}, 400,
     "service-refused"),
    ({"query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, "bad-request"),
    ({"query_string": {"query": "ASK {}", "format": "excel"}}, 400, "unknown-format"),
    ({"query_string": {"query": "ASK {}", "default-graph-uri": "not an iri"}}, 400, "malformed-query"),
    ({"method": "POST", "data": b"ASK {\xff\xfe}", "content_type": "application/sparql-query"}, 400, "not-utf-8"),
    ({"method": "POST", "data": b"query=ASK%20%7B%7D%FF", "content_type": "application/x-www-form-urlencoded"}, 400,
     "malformed-query"),
    ({"method": "POST", "data": b"ASK {}", "content_type": "text/plain"}, 415, "unsupported-media-type"),
    ({"method": "POST", "data": b"x" * (25 * 1024 * 1024), "content_type": "application/sparql-query"}, 413, None),
    ({"query_string": {"query": "SELECT ?s WHERE { ?s ?p ?o } ORDER BY (1/0)"}}, 400, "too-many-results"),
])
def test_hostile_huge_and_non_utf8_queries_never_get_a_server_error(client, kwargs, status, code):
    kwargs = dict(kwargs)
    method = kwargs.pop("method", "GET")
    resp = client.open("/sparql", method=method, headers={"Accept": "application/json"}, **kwargs)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    if code:
        assert resp.get_json()["code"] == code


def test_a_save_and_a_withdraw_reach_the_endpoint(writable_app, api_token, seed_records):
    client = writable_app.test_client()
    headers = {"Authorization": f"Bearer {api_token(writable_app, publisher='department-for-education')}"}
    base = writable_app.config["SETTINGS"].base_url

    def titles(ident):
        query = f"SELECT ?t WHERE {{ ?d a dcat:Dataset ; dct:identifier '{ident}' ; dct:title ?t }}"
        resp = client.get("/sparql", query_string={"query": query, "format": "json"})
        return [b["t"]["value"] for b in resp.get_json()["results"]["bindings"]]

    record = copy.deepcopy(next(r for r in seed_records[:12] if r["publisher"] == "department-for-education"))
    assert titles(record["identifier"]) == [record["title"]]
    record["title"] = "Retitled through the API"
    assert client.put(f"/api/datasets/{record['identifier']}", json=record, headers=headers).status_code == 200
    assert titles(record["identifier"]) == ["Retitled through the API"]

    draft = {"identifier": "sparql-draft-only", "publisher": "department-for-education", "title": "Only a draft"}
    assert client.post("/api/datasets?draft=1", json=draft, headers=headers).status_code == 200
    assert titles("sparql-draft-only") == []

    resp = client.post(f"/api/datasets/{record['identifier']}/withdraw", json={"reason": "test"}, headers=headers)
    assert resp.status_code == 200
    assert titles(record["identifier"]) == []
    ask = client.get("/sparql", query_string={"query": f"ASK {{ <{base}/datasets/{record['identifier']}> ?p ?o }}"})
    assert ask.get_json()["boolean"] is False


def test_a_query_past_the_time_limit_gets_a_clear_error_while_another_is_answered(tmp_path, seed_records):
    slow = dataclasses.replace(make_settings(tmp_path / "slow"), sparql_timeout=1.0)
    cat = Catalogue(slow)
    cat.load_publishers(SEED_PUBLISHERS)
    cat.save_many(copy.deepcopy(seed_records[:12]), author="test", route="test")
    app = make_app(cat)
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    try:
        with serving(app) as url:
            endpoint = url + "/sparql"
            assert client_for(endpoint, COUNT).queryAndConvert()["results"]["bindings"][0]["n"]["value"] == "12"
            outcome = {}

            def run():
                started = time.monotonic()
                try:
                    client_for(endpoint, runaway).query()
                except QueryBadFormed as exc:
                    outcome["error"] = str(exc)
                outcome["seconds"] = time.monotonic() - started

            thread = threading.Thread(target=run)
            thread.start()
            time.sleep(0.3)
            started = time.monotonic()
            answer = client_for(endpoint, COUNT).queryAndConvert()  # meanwhile, another query is answered
            assert time.monotonic() - started < 1.0
            assert answer["results"]["bindings"][0]["n"]["value"] == "12"
            assert app.test_client().get("/").status_code == 200
            thread.join(15)
            assert "query-timeout" in outcome["error"] and "time limit of 1 s" in outcome["error"]
            assert outcome["seconds"] < 4
            resp = app.test_client().get("/sparql", query_string={"query": runaway})
            assert resp.status_code == 400 and resp.get_json()["code"] == "query-timeout"
            assert client_for(endpoint, COUNT).queryAndConvert()["results"]["bindings"][0]["n"]["value"] == "12"
    finally:
        app.extensions["catalogue_services"].sparql.close()
        cat.close()


def test_csrf_does_not_block_protocol_posts_on_a_served_app(endpoint):
    """The live app enforces CSRF on forms; the SPARQL POST is exempt, like the other read-only APIs."""
    resp = requests.post(endpoint, data={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/json"},
                         timeout=30)
    assert resp.status_code == 200 and resp.json()["boolean"] is True
    resp = requests.post(endpoint, data="ASK { ?s ?p ?o }".encode(), timeout=30,
                         headers={"Content-Type": "application/sparql-query", "Accept": "text/csv"})
    assert resp.status_code == 200 and resp.text == "true"
    assert json.loads(requests.get(endpoint + ".json", timeout=30).text)["endpoint"] == "/sparql"
    login = requests.post(endpoint.replace("/sparql", "/login"), data={"email": "x@example.org"}, timeout=30)
    assert login.status_code == 400  # ... while a browser form without its token is still refused


@given(query=st.text(max_size=300), fmt=st.sampled_from([None, "json", "xml", "csv", "tsv", "ttl", "html", "x"]),
       accept=st.sampled_from(["*/*", "text/html", "application/sparql-results+xml", "text/turtle", "", "a/b;q=x"]))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_query_text_gets_an_answer_or_a_4xx(client, query, fmt, accept):
    params = {"query": query, **({"format": fmt} if fmt else {})}
    resp = client.get("/sparql", query_string=params, headers={"Accept": accept})
    assert resp.status_code < 500, resp.get_data(as_text=True)[:300]
    if resp.status_code >= 400 and resp.mimetype == "application/json":
        assert resp.get_json()["ok"] is False and resp.get_json()["code"]


@given(body=st.binary(max_size=300), content_type=st.sampled_from(
    ["application/sparql-query", "application/x-www-form-urlencoded", "application/sparql-update", "text/plain"]))
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_post_body_gets_an_answer_or_a_4xx(client, body, content_type):
    resp = client.post("/sparql", data=body, content_type=content_type, headers={"Accept": "application/json"})
    assert resp.status_code < 500, resp.get_data(as_text=True)[:300]
