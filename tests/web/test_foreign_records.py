"""Records the catalogue did not write (an HDR UK gateway, foreign DCAT catalogues) render on every page and twin."""
import json
from pathlib import Path
from urllib.parse import quote

import pytest
from tests.support.fake_servers import fake_server  # noqa: F401 - fixture
from tests.support.fake_servers import json_reply
from tests.support.harvest_helpers import add_source, run

from tests.support.app import make_app
from tests.support import paths

pytestmark = pytest.mark.postgres
REFERENCE = paths.REFERENCE
FOREIGN = sorted((REFERENCE / "foreign-dcat").iterdir())
FOREIGN = [p for p in FOREIGN if p.suffix in (".ttl", ".nt", ".jsonld", ".rdf")]
BROKEN = {"dcat-ap-3.0.0-hvd-example-bees_wasps_dataset.ttl": "invalid Turtle at line 2"}  # upstream: no '.' on line 1
TWINS = ("", ".json", ".ttl", ".jsonld", ".rdf", "/history", "/history.json", "/diff", "/diff.json")


def _strict_json(text: str):
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def page_failures(client, paths) -> list[str]:
    """Every path that gives a server error, or a JSON twin that is not strict JSON."""
    bad = []
    for path in paths:
        try:
            resp = client.get(path)
        except Exception as exc:  # the test app propagates a view's exception instead of answering 500
            bad.append(f"{path}: {type(exc).__name__}: {exc}")
            continue
        if resp.status_code >= 500:
            bad.append(f"{path}: HTTP {resp.status_code}")
        elif path.split("?")[0].endswith(".json") and resp.status_code == 200:
            try:
                _strict_json(resp.get_data(as_text=True))
            except ValueError as exc:
                bad.append(f"{path}: {exc}")
    return bad


def dataset_paths(ident: str) -> list[str]:
    return [f"/datasets/{quote(ident, safe='')}{t}" for t in TWINS]


def record_paths(cat, ident: str) -> list[str]:
    """A dataset's page and twins, its publisher's pages and a search for a word of its title."""
    rec = cat.store.get(ident).record
    pub = quote(rec["publisher"], safe="")
    word = next((w for w in rec["title"].split() if w.isalnum()), "")
    return [*dataset_paths(ident), f"/publishers/{pub}", f"/publishers/{pub}.json",
            f"/search?q={quote(word)}", f"/search.json?q={quote(word)}"]


AUDIT_PATHS = ("/audit", "/audit.json", "/audit/method", "/audit/method.json")


def audit_paths(publishers) -> list[str]:
    out = list(AUDIT_PATHS)
    for pub in sorted(publishers):
        p = quote(pub, safe="")
        out += [f"/audit/publishers/{p}", f"/audit/publishers/{p}.json", f"/audit/publishers/{p}/fix"]
    return out


# ------------------------------------------------------------------ HDR UK

def test_harvested_hdruk_example_renders_every_page(empty_catalogue, fake_server, login):
    doc = json.loads((REFERENCE / "hdruk-3.0.0-example.json").read_text(encoding="utf-8"))

    def handle(req):
        if req.path == "/datasets":
            return json_reply({"items": [{"persistentId": "example-1", "version": "3.0.0", "modified": "2024-06-01",
                                          "name": doc["summary"]["title"]}], "next": None})
        if req.path == "/datasets/example-1":
            return json_reply(doc)
        return json_reply({"error": "not found"}, 404)

    cat = empty_catalogue
    srv = fake_server(handle)
    add_source(cat, "gateway", "hdruk", srv.url + "/datasets")
    result = run(cat, "gateway")
    assert result.run.totals["created"] == 1, result.outcomes
    assert "licence" not in cat.store.get("example-1").record  # the HDR UK example has none
    client = make_app(cat).test_client()
    assert page_failures(client, record_paths(cat, "example-1")) == []
    html = client.get("/datasets/example-1").get_data(as_text=True)
    assert "North West London COVID-19" in html and "Not recorded" in html
    login(client, role="steward")
    assert page_failures(client, audit_paths({"health-data-research-uk"})) == []


# ------------------------------------------------------------------ foreign DCAT

def test_foreign_dcat_files_are_shipped():
    assert len(FOREIGN) >= 20
    assert (REFERENCE / "SOURCES.md").read_text().count("foreign-dcat/") >= 3


def test_foreign_dcat_records_render_every_page(empty_catalogue, login):
    cat = empty_catalogue
    for n, path in enumerate(FOREIGN):
        add_source(cat, f"foreign-{n}", "dcat", str(path))
        result = run(cat, f"foreign-{n}")
        if path.name in BROKEN:  # refused with a clear error, nothing stored
            assert result.run.status == "failed" and BROKEN[path.name] in result.run.error
            continue
        assert result.run.status in ("complete", "partial"), (path.name, result.run.error)
    datasets = cat.store.datasets()
    assert len(datasets) >= 15  # the examples describe this many distinct datasets, give or take
    client = make_app(cat).test_client()
    bad = []
    for ds in datasets:
        bad += page_failures(client, record_paths(cat, ds.id))
    bad += page_failures(client, ["/search", "/search.json", "/publishers", "/publishers.json"])
    login(client, role="steward")
    bad += page_failures(client, audit_paths({d.publisher for d in datasets}))
    assert bad == [], "\n".join(bad)


# ------------------------------------------------------------------ refused URLs (Hardening 16c)

JS = "javascript:alert(1)"
FEED = b"""@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
<https://ex.org/ds/js> a dcat:Dataset ; dct:identifier "js-feed" ; dct:title "Feed with a script link" ;
  dct:publisher <https://ex.org/org/peer> ;
  dcat:distribution [ a dcat:Distribution ; dct:title "Scripted file" ; dcat:accessURL <javascript:alert(1)> ] ."""


def test_a_dropped_javascript_url_shows_no_link(empty_catalogue, tmp_path):
    path = tmp_path / "feed.ttl"
    path.write_bytes(FEED)
    add_source(empty_catalogue, "feed", "dcat", str(path))
    assert run(empty_catalogue, "feed").run.totals["created"] == 1
    dist = empty_catalogue.store.get("js-feed").record["distribution"]
    assert dist == [{"title": "Scripted file"}]  # the harvester dropped the URL
    html = make_app(empty_catalogue).test_client().get("/datasets/js-feed").get_data(as_text=True)
    assert "<li>Scripted file</li>" in html and 'href=""' not in html


def test_stored_non_http_urls_render_as_text(empty_catalogue):
    rec = {"identifier": "js-stored", "publisher": "home-office", "title": "Stored script links", "licence": JS,
           "contactPoint": {"contactName": "Team", "email": "team@example.org"},
           "distribution": [{"title": "File", "accessURL": JS}, {"accessURL": "https://ok.example/file.csv"}],
           "access": {"routes": [{"type": "tre", "name": "Route", "url": JS}], "applicationUrl": JS,
                      "syntheticDataAvailable": True, "syntheticDataUrl": JS},
           "linkage": {"linkedDatasets": [{"title": "Other", "url": JS}], "methodDocumentation": JS}}
    result = empty_catalogue.save(rec, author="t", route="harvest", allow_invalid=True)
    assert result.action == "created"  # invalid (pattern ^https?://) but stored, flagged
    html = make_app(empty_catalogue).test_client().get("/datasets/js-stored").get_data(as_text=True)
    assert 'href="javascript' not in html and 'href=""' not in html
    assert '<a class="govuk-link" href="https://ok.example/file.csv">https://ok.example/file.csv</a>' in html
    for text in ("<li>File</li>", "Route <span", "<li>Other</li>", "Method documentation"):
        assert text in html
