"""The Linkable with panel, the variable search and matched variables in search results, on the seed catalogue."""
from __future__ import annotations

import re

import pytest

from tests.linkage.records import record, save

pytestmark = pytest.mark.postgres
HES = "nhsengland-hes-admitted-patient-care"


def test_panel_on_a_dataset_page_and_its_json_twin(client):
    page = client.get(f"/datasets/{HES}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="linkable">Linkable with</h2>' in html and "This dataset's linkage keys" in html
    assert 'href="/variables?role=nhs-number"' in html
    panel = client.get(f"/datasets/{HES}.json").get_json()["linkable_with"]
    assert panel["total"] == panel["direct"] + panel["probabilistic"] + sum(
        1 for link in panel["links"] if link["strength"] == "recorded")
    assert 0 < panel["shown"] <= 10 and panel["shown"] == len(panel["links"])
    first = panel["links"][0]
    assert {"id", "title", "url", "strength", "keys", "route", "route_text", "coverage", "publisher_name"} <= set(first)
    direct = [link for link in panel["links"] if link["strength"] == "direct"]
    assert direct and all(any(k["role"] == "nhs-number" for k in link["keys"]) for link in direct
                          if link["route"] != "already-linked")
    nhs = next(k for k in direct[0]["keys"] if k["role"] == "nhs-number")
    assert nhs["this"][0]["name"] == "NEWNHSNO"
    for link in panel["links"]:  # the table shows what the twin says
        assert f'href="{link["url"]}"' in html


def test_every_seed_page_renders_its_panel(client, seed_records):
    for rec in seed_records:
        resp = client.get(f"/datasets/{rec['identifier']}.json")
        assert resp.status_code == 200
        panel = resp.get_json()["linkable_with"]
        assert panel is not None and panel["dataset"] == rec["identifier"]
        assert client.get(f"/datasets/{rec['identifier']}").status_code == 200


def test_panel_catches_up_per_request(writable_app):
    client = writable_app.test_client()
    cat = writable_app.extensions["catalogue_services"].catalogue
    save(cat, record("lx-a", keys={"uprn": "UPRN"}), record("lx-b", keys={"uprn": "PROPERTY_UPRN"}))
    ids = [link["id"] for link in client.get("/datasets/lx-a.json").get_json()["linkable_with"]["links"]]
    assert "lx-b" in ids
    cat.withdraw("lx-b", reason="test", author="test", route="test")
    ids = [link["id"] for link in client.get("/datasets/lx-a.json").get_json()["linkable_with"]["links"]]
    assert "lx-b" not in ids
    assert client.get("/datasets/lx-b.json").get_json()["linkable_with"] is None
    assert "Links are worked out for published datasets only." in client.get("/datasets/lx-b").get_data(as_text=True)


def test_every_dataset_with_a_uprn_is_one_click_away(client):
    search = client.get("/search").get_data(as_text=True)
    assert 'href="/variables?role=uprn">Every dataset with a UPRN</a>' in search
    data = client.get("/variables.json?role=uprn").get_json()
    assert data["listing"] and data["total_datasets"] >= 3
    assert all(v["linkageRole"] == "uprn" for row in data["results"] for v in row["variables"])
    roles = {f["name"]: f for f in data["facets"]}
    assert set(roles) == {"role", "publisher", "tre"}
    uprn = next(v for v in roles["role"]["values"] if v["value"] == "uprn")
    assert uprn["selected"] and uprn["count"] == data["total_datasets"]
    html = client.get("/variables?role=uprn").get_data(as_text=True)
    assert html.count("<code>") >= data["total_datasets"] and "Unique Property Reference Number" in html


def test_variable_search_by_name_label_or_role(client):
    data = client.get("/variables.json?q=NINo").get_json()  # the alias names the role: every dataset with one
    assert data["results"] and all(any(v["linkageRole"] == "national-insurance-number" for v in row["variables"])
                                   for row in data["results"])
    data = client.get("/variables.json?q=free+school+meals").get_json()
    names = {v["name"] for row in data["results"] for v in row["variables"]}
    assert "FSMeligible" in names
    data = client.get("/variables.json?q=date+of+birth&publisher=department-for-education").get_json()
    assert data["results"] and {row["dataset"]["publisher"] for row in data["results"]} == {"department-for-education"}
    first = data["results"][0]["variables"][0]
    assert set(first) >= {"name", "label", "linkageRole", "collectionMethod", "completeness"}


def test_variable_search_pages(client):
    one = client.get("/variables.json?role=sex").get_json()
    assert one["pages"] > 1 and one["next_url"]
    two = client.get(one["next_url"].replace("/variables?", "/variables.json?")).get_json()
    assert two["page"] == 2
    assert not {r["dataset"]["id"] for r in one["results"]} & {r["dataset"]["id"] for r in two["results"]}


@pytest.mark.parametrize("query", [
    "q=" + "x" * 20000, "q=%28%28%28%22", "q=%00", "q=*:*", "page=-1", "page=abc", "page=99999999999999999999",
    "role=%3Cscript%3E", "role=", "publisher=nope&tre=nope", "q=AND+OR+NOT", "q=%F0%9F%98%80" * 50,
    "q=date+of+birth&role=uprn&role=sex", "q=" + "+".join(["nhs number"] * 200)])
def test_hostile_variable_queries_never_fail(client, query):
    for path in ("/variables", "/variables.json"):
        resp = client.get(f"{path}?{query}")
        assert resp.status_code == 200, (path, query, resp.status_code)
    assert isinstance(client.get(f"/variables.json?{query}").get_json(), dict)


def test_search_results_say_which_variables_matched(client):
    data = client.get("/search.json?q=nhs+number").get_json()
    hes = next(h for h in data["hits"] if h["id"] == HES)
    assert "NEWNHSNO, NHS number (linkage key)" in [m["text"] for m in hes["matched_variables"]]
    html = client.get("/search?q=nhs+number").get_data(as_text=True)
    assert re.search(r"Matched variables: [^<]*NEWNHSNO, NHS number \(linkage key\)", html)
    data = client.get("/search.json").get_json()  # no query, no role: nothing to explain
    assert all(h["matched_variables"] == [] for h in data["hits"])
    data = client.get("/search.json?linkage_key=uprn").get_json()
    assert all(any(m["linkageRole"] == "uprn" for m in h["matched_variables"]) for h in data["hits"])


def test_a_flagged_incomplete_record_renders_its_panel(writable_app):
    cat = writable_app.extensions["catalogue_services"].catalogue
    odd = record("odd-one", keys={"nhs-number": "NHS"}, nations=[], start=None)
    del odd["contactPoint"]  # mandatory: the record is stored flagged
    odd["variables"].append({"linkageRole": "nhs-number"})  # no name
    save(cat, record("odd-two", keys={"nhs-number": "NHS_NO"}))
    assert cat.save(odd, author="test", route="test", allow_invalid=True).action == "created"
    client = writable_app.test_client()
    assert client.get("/datasets/odd-one").status_code == 200
    panel = client.get("/datasets/odd-one.json").get_json()["linkable_with"]
    assert [link["id"] for link in panel["links"]] == ["odd-two"]
    assert [v["name"] for v in panel["links"][0]["keys"][0]["this"]] == ["NHS", ""]
