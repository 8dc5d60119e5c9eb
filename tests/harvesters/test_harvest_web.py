"""The steward's harvest pages and their JSON twins."""
import pytest
from tests.support.fake_servers import ckan_package
from tests.support.fake_servers import fake_ckan  # noqa: F401 - fixture
from tests.support.harvest_helpers import add_source, run

pytestmark = pytest.mark.postgres
TOKEN = "web-token-77d1c0a4-never-shown"


@pytest.fixture
def harvested(writable_app, fake_ckan):
    cat = writable_app.extensions["catalogue_services"].catalogue
    fake = fake_ckan([ckan_package(i) for i in range(3)] + [ckan_package(3, resources=7)])
    add_source(cat, "portal", "ckan", fake.url, token_env="PORTAL_TOKEN", auth="bearer", schedule="nightly")
    result = run(cat, "portal", environ={"PORTAL_TOKEN": TOKEN})
    assert result.run.status == "partial"
    return writable_app, result


def test_anonymous_and_publishers_are_kept_out(harvested, login):
    app, result = harvested
    client = app.test_client()
    assert client.get("/harvest").status_code == 302
    resp = client.get("/harvest.json")
    assert resp.status_code == 401 and resp.get_json()["ok"] is False
    assert client.get(f"/harvest/runs/{result.run.id}.json").status_code == 401
    login(client, role="publisher")
    assert client.get("/harvest").status_code == 403
    assert 'href="/harvest"' not in client.get("/").get_data(as_text=True)
    assert client.get("/harvest/sources/portal.json").get_json()["status"] == 403


def test_sources_page_and_json(harvested, login):
    app, result = harvested
    client = app.test_client()
    login(client, role="steward")
    html = client.get("/harvest").get_data(as_text=True)
    assert "portal" in html and "from environment variable PORTAL_TOKEN (bearer)" in html and "nightly" in html
    assert 'class="govuk-service-navigation__link" href="/harvest"' in html  # in the navigation, for stewards
    assert f'href="/harvest/runs/{result.run.id}"' in html and "partial" in html
    data = client.get("/harvest.json").get_json()
    src = data["sources"][0]
    assert src["name"] == "portal" and src["last_run"]["status"] == "partial"
    run_row = data["runs"][0]
    assert run_row["totals"]["created"] == 3 and run_row["totals"]["failed"] == 1
    assert run_row["duration"] >= 0 and run_row["page"] == f"/harvest/runs/{result.run.id}"
    one = client.get("/harvest/sources/portal.json").get_json()
    assert one["source"]["token_env"] == "PORTAL_TOKEN" and one["runs"][0]["id"] == result.run.id
    assert "Runs, newest first" in client.get("/harvest/sources/portal").get_data(as_text=True)
    assert client.get("/harvest/sources/nope.json").status_code == 404


def test_run_page_shows_outcomes_and_filters(harvested, login):
    app, result = harvested
    client = app.test_client()
    login(client, role="admin")
    html = client.get(f"/harvest/runs/{result.run.id}").get_data(as_text=True)
    assert "3 created" in html and "1 failed" in html and "incomplete" in html
    assert "could not transform: TypeError" in html and "$.securityClassification" in html
    data = client.get(f"/harvest/runs/{result.run.id}.json?action=failed").get_json()
    assert data["outcome_total"] == 1 and data["outcomes"][0]["action"] == "failed"
    assert data["outcomes"][0]["code"] == "transform-failed"  # stored with the outcome, shown in the twin
    assert data["run"]["status"] == "partial" and "1 record(s) failed" in data["run"]["error"]
    full = client.get(f"/harvest/runs/{result.run.id}.json").get_json()
    assert full["outcome_total"] == 4 and {o["action"] for o in full["outcomes"]} == {"created", "failed"}
    for bad in ("999", "abc", f"{result.run.id}.ttl"):
        resp = client.get(f"/harvest/runs/{bad}.json" if bad == "999" else f"/harvest/runs/{bad}")
        assert resp.status_code == 404


def test_no_page_or_json_shows_the_token(harvested, login):
    app, result = harvested
    client = app.test_client()
    login(client, role="steward")
    for path in ("/harvest", "/harvest.json", "/harvest/sources/portal", "/harvest/sources/portal.json",
                 f"/harvest/runs/{result.run.id}", f"/harvest/runs/{result.run.id}.json"):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert TOKEN not in resp.get_data(as_text=True), path


def test_dataset_page_says_where_a_harvested_record_came_from(harvested):
    app, result = harvested
    client = app.test_client()
    data = client.get("/search.json?page_size=50").get_json()
    store = app.extensions["catalogue_services"].catalogue.store
    harvested_ids = [d.id for d in store.datasets() if client.get(f"/datasets/{d.id}.json").get_json()["harvested_from"]]
    assert len(harvested_ids) == 3 and data["total"] >= 3
    one = client.get(f"/datasets/{harvested_ids[0]}.json").get_json()["harvested_from"][0]
    assert one["source"] == "portal" and one["run_id"] == result.run.id and one["remote_id"]
    html = client.get(f"/datasets/{harvested_ids[0]}").get_data(as_text=True)
    assert "Harvested from source <code>portal</code>" in html
    assert client.get("/datasets/dfe-national-pupil-database.json").get_json()["harvested_from"] == []
