"""For crawlers and linked-data clients: /sitemap.xml, /robots.txt, schema.org JSON-LD and rel=alternate in the
dataset page's head, and content negotiation on /datasets/<id>."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from rdflib.compare import isomorphic

from catalogue.formats.rdf_io import parse_rdf
from catalogue.formats.schemaorg import dataset_jsonld
from tests.support.app import SEED_PUBLISHERS
from web.views import site

pytestmark = pytest.mark.postgres
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
RDF_TYPES = [("text/turtle", "ttl"), ("application/ld+json", "jsonld"), ("application/rdf+xml", "rdf")]


def _get(client, path: str, **kw):
    resp = client.get(path, **kw)
    body = resp.get_data()
    resp.close()
    return resp, body


@pytest.fixture
def changed_app(writable_app, small_catalogue, seed_records):
    """Twelve published datasets, one of them then withdrawn, and a draft that was never published."""
    gone = seed_records[1]["identifier"]
    assert small_catalogue.withdraw(gone, reason="Superseded", author="test", route="test").action == "withdrawn"
    draft = {**seed_records[20], "identifier": "draft-only-dataset", "title": "Draft that must not appear"}
    writable_app.extensions["catalogue_services"].drafts.save(draft, "test")
    return writable_app


def _locs(body: bytes, kind: str = "url") -> list[str]:
    root = ET.fromstring(body)
    assert root.tag == f"{{{NS['sm']}}}{'urlset' if kind == 'url' else 'sitemapindex'}"
    return [e.text for e in root.findall(f"sm:{kind}/sm:loc", NS)]


def test_sitemap_lists_home_publishers_and_every_published_dataset_only(changed_app, small_catalogue, seed_records):
    resp, body = _get(changed_app.test_client(), "/sitemap.xml")
    assert resp.status_code == 200 and resp.mimetype == "application/xml"
    locs = _locs(body)
    base = small_catalogue.settings.base_url.rstrip("/")
    assert all(loc.startswith(base + "/") for loc in locs)
    datasets = {loc.removeprefix(base + "/datasets/") for loc in locs if loc.startswith(base + "/datasets/")}
    published = {r["identifier"] for r in seed_records[:12]} - {seed_records[1]["identifier"]}
    assert datasets == published  # neither the withdrawn dataset nor the draft
    assert f"{base}/" in locs and f"{base}/publishers" in locs
    assert {f"{base}/publishers/{p['id']}" for p in SEED_PUBLISHERS} <= set(locs)
    assert len(locs) == len(set(locs))


def _lastmods(body: bytes) -> dict[str, str | None]:
    root = ET.fromstring(body)
    return {u.find("sm:loc", NS).text: getattr(u.find("sm:lastmod", NS), "text", None)
            for u in root.findall("sm:url", NS)}


def test_sitemap_lastmod_is_each_records_last_change(changed_app, small_catalogue, seed_records):
    client = changed_app.test_client()
    base = small_catalogue.settings.base_url.rstrip("/")
    mods = _lastmods(_get(client, "/sitemap.xml")[1])
    ident = seed_records[3]["identifier"]
    stored = small_catalogue.get(ident).updated_at
    assert mods[f"{base}/datasets/{ident}"] == site.lastmod(stored)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00", mods[f"{base}/datasets/{ident}"])
    dataset_mods = [m for loc, m in mods.items() if loc.startswith(base + "/datasets/")]
    assert None not in dataset_mods and mods[f"{base}/"] == max(dataset_mods)  # fixed-width UTC text sorts by time
    pub = seed_records[3]["publisher"]
    theirs = [mods[f"{base}/datasets/{r['identifier']}"] for r in seed_records[:12]
              if r["publisher"] == pub and f"{base}/datasets/{r['identifier']}" in mods]
    assert mods[f"{base}/publishers/{pub}"] == max(theirs)

    changed = {**small_catalogue.get(ident).record, "title": "Retitled so the sitemap moves"}
    assert small_catalogue.save(changed, author="test", route="test").action == "updated"
    after = _lastmods(_get(client, "/sitemap.xml")[1])
    assert after[f"{base}/datasets/{ident}"] == site.lastmod(small_catalogue.get(ident).updated_at)
    assert after[f"{base}/datasets/{ident}"] >= mods[f"{base}/datasets/{ident}"]
    assert after[f"{base}/"] == max(m for loc, m in after.items() if loc.startswith(base + "/datasets/"))


def test_sitemap_lists_the_vocabularies(client, app):
    base = app.config["SETTINGS"].base_url.rstrip("/")
    locs = _locs(_get(client, "/sitemap.xml")[1])
    assert {f"{base}/vocab", f"{base}/vocab/tres", f"{base}/vocab/tres/sail-databank",
            f"{base}/vocab/linkage-roles/nhs-number"} <= set(locs)


def test_a_large_sitemap_becomes_an_index_of_pages(changed_app, monkeypatch):
    client = changed_app.test_client()
    _, whole = _get(client, "/sitemap.xml")
    everything = _locs(whole)
    monkeypatch.setattr(site, "MAX_URLS", 5)
    resp, body = _get(client, "/sitemap.xml")
    pages = _locs(body, "sitemap")
    assert len(pages) == -(-len(everything) // 5) and pages[0].endswith("/sitemaps/1.xml")
    listed = []
    for page in pages:
        resp, body = _get(client, urlsplit(page).path)
        assert resp.status_code == 200
        listed += _locs(body)
        assert len(_locs(body)) <= 5
    assert listed == everything
    assert _get(client, f"/sitemaps/{len(pages) + 1}.xml")[0].status_code == 404
    assert _get(client, "/sitemaps/0.xml")[0].status_code == 404


def test_no_sitemap_pages_while_one_file_holds_everything(client):
    assert _get(client, "/sitemaps/1.xml")[0].status_code == 404


def test_robots_allows_all_names_the_sitemap_and_keeps_crawlers_out_of_private_areas(client, app):
    resp, body = _get(client, "/robots.txt")
    assert resp.status_code == 200 and resp.mimetype == "text/plain"
    lines = body.decode().splitlines()
    assert lines[0] == "User-agent: *" and "Allow: /" in lines
    assert {"Disallow: /api/", "Disallow: /audit", "Disallow: /harvest", "Disallow: /login"} <= set(lines)
    base = app.config["SETTINGS"].base_url.rstrip("/")
    assert f"Sitemap: {base}/sitemap.xml" in lines


def _head(body: bytes) -> str:
    text = body.decode()
    return text[text.index("<head"):text.index("</head>")]


def test_dataset_page_head_has_schema_org_json_ld_and_alternate_links(client, app, example_record):
    ident = example_record["identifier"]
    resp, body = _get(client, f"/datasets/{ident}")
    head = _head(body)
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', head, re.S)
    assert len(scripts) == 1
    data = json.loads(scripts[0])
    base = app.config["SETTINGS"].base_url.rstrip("/")
    assert data["@type"] == "Dataset" and data["url"] == f"{base}/datasets/{ident}"
    assert {"name", "description", "identifier", "keywords", "creator", "publisher", "license", "temporalCoverage",
            "spatialCoverage", "variableMeasured", "distribution", "isAccessibleForFree",
            "conditionsOfAccess"} <= set(data)
    assert data["publisher"]["url"] == f"{base}/publishers/{example_record['publisher']}"
    assert data["includedInDataCatalog"]["url"] == f"{base}/"
    links = dict(re.findall(r'<link rel="alternate" type="([^"]+)" href="([^"]+)">', head))
    assert links == {"text/turtle": f"/datasets/{ident}.ttl", "application/ld+json": f"/datasets/{ident}.jsonld",
                     "application/rdf+xml": f"/datasets/{ident}.rdf", "application/json": f"/datasets/{ident}.json"}
    for mimetype, href in links.items():
        linked, _ = _get(client, href)
        assert linked.status_code == 200 and linked.mimetype == mimetype


def test_json_ld_in_the_page_cannot_be_broken_out_of(writable_app, small_catalogue, seed_records):
    hostile = "</script><script>alert(1)</script> & <!-- "
    rec = {**seed_records[0], "title": "Hostile " + hostile, "description": hostile * 3, "keyword": [hostile]}
    small_catalogue.save_many([rec], author="test", route="test", allow_invalid=True)
    resp, body = _get(writable_app.test_client(), f"/datasets/{rec['identifier']}")
    assert resp.status_code == 200
    head = _head(body)
    assert "alert(1)</script>" not in head and head.count("</script>") == 1
    (script,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', head, re.S)
    assert json.loads(script)["name"] == "Hostile " + hostile


def test_withdrawn_dataset_page_is_not_offered_for_indexing(changed_app, seed_records):
    resp, body = _get(changed_app.test_client(), f"/datasets/{seed_records[1]['identifier']}")
    head = _head(body)
    assert resp.status_code == 200 and "application/ld+json\">" not in head.replace("rel=\"alternate\" ", "")
    assert '<meta name="robots" content="noindex">' in head


@pytest.mark.parametrize("accept, ext", RDF_TYPES)
def test_rdf_by_content_negotiation_is_the_twin(client, example_record, accept, ext):
    ident = example_record["identifier"]
    resp, body = _get(client, f"/datasets/{ident}", headers={"Accept": accept})
    twin, twin_body = _get(client, f"/datasets/{ident}.{ext}")
    assert resp.status_code == 200 and resp.mimetype == accept
    assert twin.mimetype == accept and "Accept" in resp.headers["Vary"]
    graph = parse_rdf(body, ext)
    assert len(graph) > 50  # the same graph (blank node labels differ from one serialisation to the next)
    assert isomorphic(graph, parse_rdf(twin_body, ext))


@pytest.mark.parametrize("accept", [
    "text/turtle;q=0.9, application/rdf+xml;q=0.5",
    "application/rdf+xml;q=0.2, application/ld+json",
    "text/turtle, text/html;q=0.5",
])
def test_the_preferred_rdf_type_wins(client, example_record, accept):
    want = max(((q, m) for m, q in _parse(accept) if m != "text/html"))[1]
    resp, _ = _get(client, f"/datasets/{example_record['identifier']}", headers={"Accept": accept})
    assert resp.mimetype == want


def _parse(accept: str):
    for part in accept.split(","):
        mime, _, q = part.strip().partition(";q=")
        yield mime, float(q or 1)


@pytest.mark.parametrize("headers", [{}, {"Accept": "*/*"}, {"Accept": BROWSER}, {"Accept": "text/html"},
                                     {"Accept": "text/html, text/turtle;q=0.9"}])
def test_browsers_and_curl_get_the_page(client, example_record, headers):
    resp, body = _get(client, f"/datasets/{example_record['identifier']}", headers=headers)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert "Accept" in resp.headers["Vary"] and b"<h1" in body


def test_json_clients_get_what_they_got_before(client, example_record):
    ident = example_record["identifier"]
    resp, body = _get(client, f"/datasets/{ident}", headers={"Accept": "application/json"})
    assert resp.mimetype == "text/html"  # the JSON twin is named by its address, never negotiated
    twin, twin_body = _get(client, f"/datasets/{ident}.json", headers={"Accept": "text/turtle"})
    assert twin.mimetype == "application/json" and json.loads(twin_body)["id"] == ident
    ttl, _ = _get(client, f"/datasets/{ident}.ttl", headers={"Accept": "application/ld+json"})
    assert ttl.mimetype == "text/turtle" and "Accept" not in ttl.headers.get("Vary", "")


def test_negotiated_rdf_for_a_missing_dataset_is_a_json_404(client):
    resp, body = _get(client, "/datasets/no-such-dataset", headers={"Accept": "text/turtle"})
    assert resp.status_code == 404 and json.loads(body)["code"] == "not-found"


def test_the_page_json_ld_is_the_mapping_of_the_shaped_record(client, app, seeded_catalogue):
    from web.record_view import page_record

    ds = seeded_catalogue.datasets()[0]
    _, body = _get(client, f"/datasets/{ds.id}")
    (script,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', _head(body), re.S)
    expected = dataset_jsonld(page_record(ds.record), json.loads(script)["url"])
    got = json.loads(script)
    assert {k: got[k] for k in expected if k not in ("creator", "publisher")} == \
        {k: v for k, v in expected.items() if k not in ("creator", "publisher")}
