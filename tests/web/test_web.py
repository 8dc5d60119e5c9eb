"""Pages, their JSON twins, RDF exports and errors, on the seeded read-only app."""
import re

import pytest

from catalogue.formats.dcat import graph_to_records
from catalogue.formats.rdf_io import parse_rdf

pytestmark = pytest.mark.postgres
NPD = "dfe-national-pupil-database"


def test_home_is_a_search_page_with_facets(client, seed_records):
    resp = client.get("/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert f"<strong>{len(seed_records)}</strong> datasets found" in html
    assert "UK nation" in html and "Linkage key" in html and "Readiness" in html
    assert 'href="/static/govuk/govuk-frontend.min.css"' in html


def test_search_json_twin_matches_page(search_client):
    data = search_client.get("/search.json?q=pupil").get_json()
    assert data["total"] >= 1
    assert data["hits"][0]["id"] == NPD
    assert {f["name"] for f in data["facets"]} == {"publisher", "nation", "tre", "theme", "linkage_key", "band"}
    html = search_client.get("/search?q=pupil").get_data(as_text=True)
    assert f'href="/datasets/{NPD}"' in html
    assert f"<strong>{data['total']}</strong>" in html


def test_search_filters_sort_and_paging(search_client):
    all_ = search_client.get("/search.json?page_size=5").get_json()
    england = search_client.get("/search.json?nation=England").get_json()
    assert 0 < england["total"] <= all_["total"]
    assert all("England" in h["nations"] for h in england["hits"])
    by_score = search_client.get("/search.json?sort=readiness").get_json()["hits"]
    assert [h["readiness"] for h in by_score] == sorted((h["readiness"] for h in by_score), reverse=True)
    page2 = search_client.get("/search.json?sort=title&page=2").get_json()
    page1 = search_client.get("/search.json?sort=title&page=1").get_json()
    assert page2["page"] == 2 and not set(h["id"] for h in page1["hits"]) & set(h["id"] for h in page2["hits"])
    facet = next(f for f in england["facets"] if f["name"] == "nation")
    selected = next(v for v in facet["values"] if v["value"] == "England")
    assert selected["selected"] and "nation=England" not in selected["url"]  # the link removes the filter


@pytest.mark.parametrize("q", ['"unbalanced', "AND", "x" * 10_000, "title:(", "<script>alert(1)</script>", "%00"])
def test_hostile_queries_get_a_results_page(search_client, q):
    resp = search_client.get("/search", query_string={"q": q, "page": "abc", "sort": "nonsense"})
    assert resp.status_code == 200
    assert "<script>alert(1)</script>" not in resp.get_data(as_text=True)
    assert search_client.get("/search.json", query_string={"q": q}).status_code == 200


def test_dataset_page_shows_what_researchers_need(client, seed_records):
    rec = next(r for r in seed_records if r["identifier"] == NPD)
    html = client.get(f"/datasets/{NPD}").get_data(as_text=True)
    for text in [rec["title"], rec["informationAssetOwner"]["email"], rec["supportInbox"],
                 "Digital Economy Act 2017 s.64", "ONS Secure Research Service", "3 to 6 months",
                 "PupilMatchingRefAnonymous", "Linkage key", "Linkage readiness", "100/100"]:
        assert text in html, text
    assert html.count("app-linkage-row") == sum(1 for v in rec["variables"] if v.get("linkageRole"))
    for ext in ("json", "ttl", "jsonld", "rdf"):
        assert f'href="/datasets/{NPD}.{ext}"' in html


def test_dataset_json_has_record_score_and_report(client, seed_records):
    data = client.get(f"/datasets/{NPD}.json").get_json()
    assert data["record"] == next(r for r in seed_records if r["identifier"] == NPD)
    assert data["readiness"]["total"] == 100
    assert len(data["readiness"]["components"]) == 8
    assert data["validation"]["valid"] is True
    assert data["status"] == "published" and data["revision"] == 1


def test_poor_record_page_explains_how_to_raise_the_score(client, seed_records):
    from catalogue.records.scoring import readiness

    worst = min(seed_records, key=lambda r: readiness(r).total)
    data = client.get(f"/datasets/{worst['identifier']}.json").get_json()
    missing = [c for c in data["readiness"]["components"] if c["missing"]]
    assert missing and all("to gain up to" in c["advice"] for c in missing)
    html = client.get(f"/datasets/{worst['identifier']}").get_data(as_text=True)
    assert missing[0]["advice"].split(" to gain")[0][:30] in html.replace("&#39;", "'")


@pytest.mark.parametrize("ext, mimetype", [("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                           ("rdf", "application/rdf+xml")])
def test_rdf_exports_parse(client, ext, mimetype):
    resp = client.get(f"/datasets/{NPD}.{ext}")
    assert resp.status_code == 200 and resp.mimetype == mimetype
    g = parse_rdf(resp.get_data(), fmt=ext, source=f"{NPD}.{ext}")
    assert len(g) > 50
    assert graph_to_records(g)[0]["identifier"] == NPD
    whole = client.get(f"/catalogue.{ext}")
    assert whole.status_code == 200 and whole.mimetype == mimetype
    assert len(parse_rdf(whole.get_data(), fmt=ext, source=f"catalogue.{ext}")) > len(g)


def test_publishers_pages_and_twins(client, seed_records):
    data = client.get("/publishers.json").get_json()
    assert data["total"] >= 1
    dfe = next(p for p in data["publishers"] if p["id"] == "department-for-education")
    assert dfe["datasets"] == sum(1 for r in seed_records if r["publisher"] == "department-for-education")
    page = client.get("/publishers/department-for-education.json").get_json()
    assert {d["id"] for d in page["datasets"]} == {r["identifier"] for r in seed_records
                                                    if r["publisher"] == "department-for-education"}
    html = client.get("/publishers/department-for-education").get_data(as_text=True)
    assert f'href="/datasets/{NPD}"' in html
    assert client.get("/publishers").status_code == 200


@pytest.mark.parametrize("url", ["/datasets/no-such-dataset", "/publishers/no-such-publisher", "/nowhere",
                                 "/catalogue.xyz"])
def test_unknown_pages_are_404_pages(client, url):
    resp = client.get(url)
    assert resp.status_code == 404
    assert "govuk-heading-l" in resp.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/datasets/no-such-dataset.json", "/publishers/no-such-publisher.json",
                                 "/datasets/no-such-dataset.ttl", "/api/anything", "/catalogue.json"])
def test_json_errors_share_one_shape(client, url):
    resp = client.get(url)
    assert resp.status_code == 404
    body = resp.get_json()
    assert set(body) == {"ok", "status", "title", "error", "code"}
    assert body["ok"] is False and body["status"] == 404 and body["code"] == "not-found"


def test_every_json_endpoint_has_the_error_shape_or_data(client):
    for url in ["/search.json", "/publishers.json", f"/datasets/{NPD}.json",
                "/publishers/department-for-education.json"]:
        assert client.get(url).status_code == 200
    resp = client.post("/search.json")
    assert resp.status_code == 405 and resp.get_json()["ok"] is False


def test_pages_are_accessible_basics(client):
    for url in ["/", "/search?q=health", f"/datasets/{NPD}", "/publishers", "/publishers/department-for-education"]:
        html = client.get(url).get_data(as_text=True)
        assert '<html lang="en"' in html
        assert 'href="#main-content"' in html  # skip link
        assert len(re.findall(r"<h1[ >]", html)) == 1
        assert re.search(r"<title>[^<]+</title>", html)


def test_security_headers(client):
    resp = client.get("/")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]


def test_govuk_assets_are_served(client):
    for url in ["/assets/fonts/bold-b542beb274-v2.woff2", "/static/govuk/govuk-frontend.min.css",
                "/static/govuk/govuk-frontend.min.js", "/static/app.css"]:
        with client.get(url) as resp:
            assert resp.status_code == 200, url
