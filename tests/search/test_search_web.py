"""The search pages' side of issue 11: did you mean, zero-result help, what was added, where hits matched,
/suggest and the synonym register page, each with its JSON."""
import pytest

pytestmark = pytest.mark.postgres


def test_typo_offers_did_you_mean_and_results(search_client):
    page = search_client.get("/search?q=pupl")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="did-you-mean"' in html and ">pupil</a>" in html
    data = search_client.get("/search.json?q=pupl").get_json()
    assert data["suggestion"] == "pupil" and data["fuzzy"] and data["total"] > 0


def test_zero_results_always_offer_a_way_on(search_client):
    data = search_client.get("/search.json?q=zzqxjv&publisher=nhs-england").get_json()
    assert data["total"] == 0
    texts = [h["text"] for h in data["zero_result_help"]]
    assert any(t.startswith("Remove the filter Publisher") for t in texts)
    assert "Browse datasets by publisher" in texts
    html = search_client.get("/search?q=zzqxjv&publisher=nhs-england").get_data(as_text=True)
    assert 'id="zero-result-help"' in html and "Browse datasets by publisher" in html


def test_acronyms_are_said_and_linked_to_the_register(search_client):
    data = search_client.get("/search.json?q=DWP").get_json()
    assert data["expansions"] == ["DWP: Department for Work and Pensions"]
    assert {h["publisher"] for h in data["hits"][:5]} == {"department-for-work-pensions"}
    html = search_client.get("/search?q=DWP").get_data(as_text=True)
    assert "Also searched for: DWP: Department for Work and Pensions" in html and "/search/synonyms" in html


def test_hits_say_where_they_matched(search_client):
    data = search_client.get("/search.json?q=NEWNHSNO").get_json()
    assert "variables" in data["hits"][0]["matched"]
    assert "Matched in: " in search_client.get("/search?q=NEWNHSNO").get_data(as_text=True)


def test_suggest_answers_a_prefix_with_kinds_and_links(search_client):
    data = search_client.get("/suggest?q=pupil").get_json()
    kinds = {s["kind"] for s in data["suggestions"]}
    assert {"title", "linkage-key"} <= kinds
    npd = [s for s in data["suggestions"] if s["value"] == "dfe-national-pupil-database"]
    assert npd and npd[0]["url"] == "/datasets/dfe-national-pupil-database"
    dwp = search_client.get("/suggest?q=dwp").get_json()["suggestions"]
    assert dwp[0] == {"kind": "publisher", "label": "Department for Work and Pensions (DWP)",
                      "value": "department-for-work-pensions", "url": "/search?publisher=department-for-work-pensions"}
    assert search_client.get("/suggest?q=").get_json()["suggestions"] == []


@pytest.mark.parametrize("q", ["\"", "((", "x" * 5000, "\x00", "%", "*", "é" * 300])
def test_suggest_and_search_never_fail_on_hostile_text(search_client, q):
    assert search_client.get("/suggest", query_string={"q": q}).status_code == 200
    assert search_client.get("/search", query_string={"q": q}).status_code == 200


def test_synonym_register_page_and_twin(search_client):
    html = search_client.get("/search/synonyms").get_data(as_text=True)
    assert "HM Prison and Probation Service" in html and "schemas/synonyms.json" in html
    data = search_client.get("/search/synonyms.json").get_json()
    assert any(a["term"] == "HMPPS" for a in data["acronyms"]) and data["synonyms"]
