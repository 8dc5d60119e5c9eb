"""Steward dashboard, drill-down, downloads, snapshots, the public summary and the empty catalogue."""
import copy
import csv
import io
import re

import pytest

from tests.support.app import csrf_token, make_app
from tests.support.audit_records import MINIMAL, PARTIAL

pytestmark = pytest.mark.postgres
Q = "as_of=2024-06-30"
TABLES = ["summary", "publishers", "fields", "gaps", "medallions", "heatmap", "records", "fixes", "trend", "snapshots"]


@pytest.fixture
def audit_app(empty_catalogue):
    empty_catalogue.save_many([copy.deepcopy(MINIMAL), copy.deepcopy(PARTIAL)], author="t", route="t")
    return make_app(empty_catalogue)


@pytest.fixture
def steward(audit_app, login):
    client = audit_app.test_client()
    login(client, role="steward")
    return client


@pytest.mark.parametrize("path", ["/audit", "/audit/publishers/home-office", "/audit/publishers.csv",
                                  "/audit/publishers/home-office/fix"])
def test_anonymous_visitors_are_sent_to_sign_in(audit_app, path):
    resp = audit_app.test_client().get(path)
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_dashboard_json_needs_a_steward(audit_app, login):
    client = audit_app.test_client()
    resp = client.get("/audit.json")
    assert resp.status_code == 401 and resp.get_json()["ok"] is False and resp.get_json()["status"] == 401
    login(client, role="publisher", publisher="home-office")
    for path in ("/audit", "/audit.json", "/audit/publishers/home-office", "/audit/fixes.csv"):
        assert client.get(path).status_code == 403, path
    assert client.post("/audit/snapshots", data={"csrf_token": csrf_token(client, "/publishers")}).status_code == 403


def test_admins_may_see_the_dashboard(audit_app, login):
    client = audit_app.test_client()
    login(client, role="admin")
    assert client.get(f"/audit?{Q}").status_code == 200


def test_dashboard_figures(steward):
    data = steward.get(f"/audit.json?{Q}").get_json()
    assert data["records"] == 2 and data["as_of"] == "2024-06-30" and data["headline"] == "weighted_completeness"
    summary = {r["metric"]: r for r in data["tables"]["summary"]["rows"]}
    assert summary["weighted_completeness"]["mean"] == 42.9  # (39 + 75) / 2 / 133
    assert summary["readiness"]["mean"] == 32.7 and summary["quality"]["mean"] == 68.8
    gaps = {r["gap"]: r["records"] for r in data["tables"]["gaps"]["rows"]}
    assert gaps["no_legal_gateway"] == 2 and gaps["stale"] == 1
    heat = {r["publisher"]: r for r in data["tables"]["heatmap"]["rows"]}
    assert heat["home-office"]["supportInbox"] == 100.0 and heat["department-for-education"]["supportInbox"] == 0.0
    assert heat["welsh-government"]["supportInbox"] is None  # no records: no figure


def test_dashboard_page_has_charts_with_table_alternatives(steward):
    html = steward.get(f"/audit?{Q}").get_data(as_text=True)
    assert "Completeness audit" in html and "42.9" in html
    svgs = re.findall(r'<svg[^>]*class="app-chart"[^>]*>', html)  # not the footer's logos
    assert len(svgs) == 2  # distribution and heatmap; the trend needs snapshots
    for tag in svgs:
        assert 'role="img"' in tag
        for ident in re.search(r'aria-labelledby="([^"]+)"', tag).group(1).split():
            assert f'id="{ident}"' in html
    assert "Heatmap as a table" in html and "Trend as a table" in html
    assert "No snapshots yet" in html
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert scripts and all(src.startswith("/static/") for src in scripts)  # no CDN
    assert 'href="/audit/publishers/home-office"' in html
    assert 'class="govuk-service-navigation__link" href="/audit"' in html  # in the menu for stewards


def test_menu_link_only_for_stewards(audit_app, login):
    client = audit_app.test_client()
    assert 'href="/audit"' not in client.get("/").get_data(as_text=True)
    login(client, role="publisher", publisher="home-office")
    assert 'href="/audit"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/audit/nothing.json", "/audit/publishers/nobody.json",
                                  "/audit/publishers/home-office/nothing.json"])
def test_json_errors_have_the_one_shape(steward, path):
    resp = steward.get(path)
    assert resp.status_code == 404
    assert set(resp.get_json()) == {"ok", "status", "title", "error", "code"} and resp.get_json()["ok"] is False


def test_publishers_table_sorts_by_each_score(steward):
    rows = steward.get(f"/audit.json?{Q}&sort=weighted_completeness&order=desc").get_json()["tables"]["publishers"]
    order = [r["publisher"] for r in rows["rows"]]
    assert order[:2] == ["home-office", "department-for-education"]  # 56.4, 29.3; publishers with no records last
    assert all(r["weighted_completeness"] is None for r in rows["rows"][2:])
    up = steward.get(f"/audit.json?{Q}&sort=readiness&order=asc").get_json()["tables"]["publishers"]["rows"]
    assert [r["publisher"] for r in up[:2]] == ["department-for-education", "home-office"]  # 0, 65.4
    html = steward.get(f"/audit?{Q}&sort=readiness&order=asc").get_data(as_text=True)
    assert 'aria-sort="ascending"' in html and "sort=readiness&amp;order=desc" in html  # the link reverses


@pytest.mark.parametrize("table", TABLES)
def test_every_table_downloads_as_csv_and_json(steward, table):
    resp = steward.get(f"/audit/{table}.csv?{Q}")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    data = steward.get(f"/audit/{table}.json?{Q}").get_json()
    assert len(rows) == len(data["rows"]) and list(rows[0] if rows else []) in ([], [c["key"] for c in data["columns"]])


def test_downloaded_figures_parse_back(steward):
    records = list(csv.DictReader(io.StringIO(steward.get(f"/audit/records.csv?{Q}").get_data(as_text=True))))
    assert [(r["id"], r["weighted_completeness"], r["medallion"]) for r in records] == [
        ("min-1", "29.3", "Bronze"), ("part-1", "56.4", "Silver")]  # worst first
    fixes = steward.get(f"/audit/publishers/home-office/fixes.json?{Q}").get_json()["rows"]
    assert fixes[0]["field"] == "access.legalGateways" and fixes[0]["weighted_completeness_gain"] == 2.3


def test_publisher_drill_down(steward):
    data = steward.get(f"/audit/publishers/home-office.json?{Q}").get_json()
    assert data["summary"]["records"] == 1 and [r["id"] for r in data["worst"]] == ["part-1"]
    worst = data["worst"][0]
    assert worst["headline"] == 56.4 and worst["gaps"] == ["no_legal_gateway"]
    assert {"field": "access.legalGateways", "weighted_completeness_gain": 2.3, "quality_gain": 1.6} .items() <= \
        worst["fixes"][0].items()
    html = steward.get(f"/audit/publishers/home-office?{Q}").get_data(as_text=True)
    assert "access.legalGateways" in html and "+2.3" in html and "Records, worst first" in html
    assert steward.get("/audit/publishers/no-such-publisher").status_code == 404


def test_fix_report_is_printable_html_and_csv(steward):
    html = steward.get(f"/audit/publishers/department-for-education/fix?{Q}").get_data(as_text=True)
    assert "What to fix" in html and "Minimal record" in html and "/static/audit.css" in html
    assert "supportInbox" in html and "Error:" not in html
    resp = steward.get(f"/audit/publishers/department-for-education/fix.csv?{Q}")
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert {r["id"] for r in rows} == {"min-1"} and rows[0]["kind"] == "missing"


def test_snapshots_from_the_dashboard_make_a_trend(steward):
    token = csrf_token(steward, "/audit")
    assert steward.post("/audit/snapshots", data={}).status_code == 400  # no CSRF token
    resp = steward.post("/audit/snapshots", data={"csrf_token": token})
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/audit?snapshot=1")
    steward.post("/audit/snapshots", data={"csrf_token": token})
    trend = steward.get("/audit/trend.json").get_json()["rows"]
    assert [r["snapshot_id"] for r in trend] == [1, 2] and trend[0]["weighted_completeness"] == 42.9
    html = steward.get("/audit?snapshot=2").get_data(as_text=True)
    assert "Snapshot 2 stored" in html and "<polyline" in html and 'aria-labelledby="trend-all-title' in html
    assert len(steward.get("/audit/publishers/home-office/trend.json").get_json()["rows"]) == 2


def test_public_publisher_page_shows_a_summary_to_anyone(audit_app):
    client = audit_app.test_client()
    html = client.get("/publishers/home-office").get_data(as_text=True)
    assert "Metadata quality" in html and "56.4 / 100" in html and 'href="/audit/method"' in html
    data = client.get("/publishers/home-office.json").get_json()["audit"]
    assert data["records"] == 1
    assert {s["metric"]: s["mean"] for s in data["scores"]}["weighted_completeness"] == 56.4
    assert "Metadata quality" not in client.get("/publishers/welsh-government").get_data(as_text=True)


def test_method_page_is_public_and_documents_the_mapping(audit_app):
    client = audit_app.test_client()
    html = client.get("/audit/method").get_data(as_text=True)
    assert "accessibility.access.deliveryLeadTime" in html and "access.leadTime" in html
    assert "dcatApCompliance" in html
    data = client.get("/audit/method.json").get_json()
    assert data["field_counts"] == {"mandatory": 13, "recommended": 30, "optional": 26}
    assert len(data["tables"]["hdruk_mapping"]["rows"]) == 56


def test_empty_catalogue_gives_a_sensible_page(empty_catalogue, login):
    client = make_app(empty_catalogue).test_client()
    login(client, role="steward")
    resp = client.get("/audit")
    assert resp.status_code == 200
    assert "There are no published records to audit yet" in resp.get_data(as_text=True)
    data = client.get("/audit.json").get_json()
    assert data["records"] == 0
    assert all(r["mean"] is None for r in data["tables"]["summary"]["rows"])
    for table in TABLES:
        assert client.get(f"/audit/{table}.csv").status_code == 200
    assert client.get("/audit/publishers/home-office").status_code == 200
    assert "Metadata quality" not in client.get("/publishers/home-office").get_data(as_text=True)
