"""My linkage plan: the basket in the session cookie (add, remove, limits, redirects, hostile input) and compare."""
import re

import pytest

from tests.support.app import csrf_token

pytestmark = pytest.mark.postgres
NPD = "dfe-national-pupil-database"
UC = "dwp-universal-credit-households"
HES = "nhsengland-hes-admitted-patient-care"
ERROR_KEYS = {"ok", "status", "title", "error", "code"}


def add(client, ident, back="/search?q=pupil"):
    return client.post("/plan/basket/add", data={"csrf_token": csrf_token(client), "id": ident, "next": back})


def basket(client) -> list[str]:
    return [d["id"] for d in client.get("/plan/basket.json").get_json()["datasets"]]


def test_add_from_search_results_then_remove(client):
    page = client.get("/search?q=pupil").get_data(as_text=True)
    assert "My linkage plan (0)" in page
    assert re.search(r'action="/plan/basket/add".*?name="id" value="' + NPD, page, re.S), "no add button on results"
    resp = add(client, NPD)
    assert resp.status_code == 303 and resp.headers["Location"] == "/search?q=pupil"
    page = client.get("/search?q=pupil").get_data(as_text=True)
    assert "My linkage plan (1)" in page
    assert "Added &#39;National Pupil Database (NPD)&#39; to your linkage plan (1 of 25)." in page
    assert re.search(r'action="/plan/basket/remove".*?name="id" value="' + NPD, page, re.S)
    assert basket(client) == [NPD]
    resp = client.post("/plan/basket/remove", data={"csrf_token": csrf_token(client), "id": NPD,
                                                     "next": f"/datasets/{NPD}"})
    assert resp.status_code == 303 and resp.headers["Location"] == f"/datasets/{NPD}"
    assert basket(client) == []
    assert "Removed &#39;National Pupil Database (NPD)&#39;" in client.get(f"/datasets/{NPD}").get_data(as_text=True)


def test_dataset_page_has_the_button_and_it_keeps_the_order(client):
    page = client.get(f"/datasets/{HES}").get_data(as_text=True)
    assert "Add to plan<span class=\"govuk-visually-hidden\">: Hospital Episode Statistics" in page
    for ident in (HES, NPD, UC):
        assert add(client, ident, f"/datasets/{ident}").headers["Location"] == f"/datasets/{ident}"
    assert basket(client) == [HES, NPD, UC]
    assert "Remove from plan" in client.get(f"/datasets/{HES}").get_data(as_text=True)
    body = client.get("/plan/basket.json").get_json()
    assert body["count"] == 3 and body["max"] == 25 and not body["full"] and body["notes"] == []
    assert body["links"]["plan"] == f"/plan?d={HES},{NPD},{UC}"


def test_adding_twice_keeps_one(client):
    add(client, NPD)
    add(client, NPD)
    assert basket(client) == [NPD]
    assert "is already in your linkage plan" in client.get("/plan/basket").get_data(as_text=True)


def test_posts_need_the_csrf_token(client):
    resp = client.post("/plan/basket/add", data={"id": NPD, "next": "/"})
    assert resp.status_code == 400
    assert basket(client) == []


def test_the_basket_holds_at_most_25(client, seed_records):
    ids = [r["identifier"] for r in seed_records][:26]
    for ident in ids[:25]:
        assert add(client, ident).status_code == 303
    assert len(basket(client)) == 25 and client.get("/plan/basket.json").get_json()["full"]
    resp = add(client, ids[25], "/plan/basket")
    assert resp.status_code == 303
    page = client.get("/plan/basket").get_data(as_text=True)
    assert "Your linkage plan is full: it holds at most 25 datasets." in page
    assert basket(client) == ids[:25]
    assert "My linkage plan (25)" in page


@pytest.mark.parametrize("ident", ["no-such-dataset", "", "<script>alert(1)</script>", "x" * 5000, "a,b",
                                   "../../etc/passwd", "\u202e\u0000evil"])
def test_unknown_and_hostile_ids_are_refused_with_a_note(client, ident):
    resp = add(client, ident)
    assert resp.status_code == 303
    page = client.get("/search?q=pupil").get_data(as_text=True)
    assert "There is no dataset with the identifier" in page
    assert "<script>alert(1)" not in page
    assert basket(client) == []


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)",
                                    "http:/evil.example", "/\r\nSet-Cookie: x=1", "evil", ""])
def test_no_open_redirect(client, target):
    resp = add(client, NPD, target)
    assert resp.status_code == 303 and resp.headers["Location"] == "/plan/basket"


def test_a_tampered_cookie_cannot_inject_html_or_break_the_pages(client):
    with client.session_transaction() as sess:
        sess["plan"] = ["<script>alert(1)</script>", 5, {"a": 1}, None, NPD, NPD, '"><img src=x onerror=alert(1)>']
    for path in ("/plan/basket", "/plan", "/plan/compare", "/search", f"/datasets/{UC}"):
        resp = client.get(path)
        page = resp.get_data(as_text=True)
        assert resp.status_code == 200, path
        assert "<script>alert(1)" not in page and "<img src=x" not in page, path
    assert basket(client) == [NPD]  # the pages dropped what is not a dataset
    with client.session_transaction() as sess:
        sess["plan"] = "not a list"
    assert client.get("/plan/basket.json").get_json()["count"] == 0
    with client.session_transaction() as sess:
        sess["plan"] = [NPD] * 3 + [f"id-{i}" for i in range(100)]
    body = client.get("/plan/basket.json").get_json()
    assert [d["id"] for d in body["datasets"]] == [NPD] and len(body["notes"]) == 24


def test_withdrawn_datasets_drop_out_with_a_note(writable_app):
    client = writable_app.test_client()
    add(client, NPD)
    add(client, "dfe-longitudinal-education-outcomes")
    cat = writable_app.extensions["catalogue_services"].catalogue
    cat.withdraw(NPD, reason="replaced", author="test", route="test")
    body = client.get("/plan/basket.json").get_json()
    assert [d["id"] for d in body["datasets"]] == ["dfe-longitudinal-education-outcomes"]
    message = f"'National Pupil Database (NPD)' ({NPD}) has been withdrawn; it is left out."
    assert body["notes"] == [{"id": NPD, "code": "withdrawn", "message": message}]
    assert basket(client) == ["dfe-longitudinal-education-outcomes"]
    assert "Add to plan" not in client.get(f"/datasets/{NPD}").get_data(as_text=True)
    assert add(client, NPD).status_code == 303
    assert basket(client) == ["dfe-longitudinal-education-outcomes"]


def test_clear_empties_the_basket(client):
    add(client, NPD)
    resp = client.post("/plan/basket/clear", data={"csrf_token": csrf_token(client), "next": "/plan/basket"})
    assert resp.status_code == 303
    assert basket(client) == []
    assert "Your plan is empty." in client.get("/plan/basket").get_data(as_text=True)


def test_save_a_shared_plan_to_the_basket(client):
    add(client, UC)
    page = client.get(f"/plan?d={NPD},{HES},nope").get_data(as_text=True)
    assert "Save to my basket" in page and "This replaces the 1 dataset now in your linkage plan." in page
    resp = client.post("/plan/basket/save", data={"csrf_token": csrf_token(client), "d": f"{NPD},{HES},nope"})
    assert resp.status_code == 303 and resp.headers["Location"] == "/plan"
    assert basket(client) == [NPD, HES]
    page = client.get("/plan").get_data(as_text=True)
    assert "Saved 2 datasets as your linkage plan." in page and "Save to my basket" not in page
    too_many = ",".join(f"d{i}" for i in range(26))
    client.post("/plan/basket/save", data={"csrf_token": csrf_token(client), "d": too_many})
    assert basket(client) == [NPD, HES]


# -- compare --------------------------------------------------------------------------------------------------

def test_compare_side_by_side(client):
    body = client.get(f"/plan/compare.json?d={NPD},{UC},{HES}").get_json()
    assert body["source"] == "link" and body["count"] == 3
    npd, uc, hes = body["datasets"]
    assert [npd["id"], uc["id"], hes["id"]] == [NPD, UC, HES]
    assert npd["publisher"]["name"] == "Department for Education"
    assert npd["iao"]["email"] == "iao.npd@example.org" and hes["iao"]["name"] is None
    assert hes["iao"]["role"] == "Director of Data Services"
    assert npd["support_inbox"] == "data.sharing@example.org"
    assert [t["name"] for t in npd["tres"]] == ["ONS Secure Research Service"]
    assert [t["name"] for t in hes["tres"]] == ["NHS England Secure Data Environment"]
    assert all(g["url"].startswith("https://www.legislation.gov.uk/") for g in hes["gateways"] if g["id"])
    assert any(g["id"] and "Digital Economy Act 2017" in g["name"] for g in npd["gateways"])
    assert npd["lead_time"]["text"] == "3 to 6 months"
    assert npd["coverage"]["nations"] == ["England"] and npd["coverage"]["start_year"] == 2002
    assert npd["coverage"]["record_count"] == 25000000
    keys = {k["role"]: k for k in npd["linkage_keys"]}
    assert keys["unique-pupil-number"]["completeness"] == 99.5 and keys["unique-pupil-number"]["kind"] == "person"
    assert keys["date-of-birth"]["kind"] == "quasi"
    assert npd["linkage_keys"][0]["kind"] == "person"  # person keys first
    assert npd["readiness"]["band"] and npd["modified"] == "2026-09-30" and npd["synthetic_data"] is False
    assert hes["synthetic_data"] is None


def test_compare_page_reads_at_390px_as_a_scroll_box_with_row_headers(client):
    page = client.get(f"/plan/compare?d={NPD},{UC},{HES}").get_data(as_text=True)
    assert re.search(r'<div class="app-table-wrap app-compare-wrap" tabindex="0" role="region" '
                     r'aria-labelledby="compare-caption">', page)
    assert page.count('<th scope="row"') == 16 and page.count('<th scope="col"') == 3
    assert 'href="mailto:iao.hes@example.org"' in page and 'href="mailto:iao.universalcredit@example.org"' in page
    assert 'href="https://www.legislation.gov.uk/' in page


def test_compare_says_not_recorded_for_gaps(writable_app, example_record):
    record = {k: example_record[k] for k in ("title", "description", "publisher", "creator", "contactPoint",
                                             "accessRights", "securityClassification", "licence", "modified",
                                             "version", "updateFrequency")}
    record["identifier"] = "dfe-bare-minimum"
    cat = writable_app.extensions["catalogue_services"].catalogue
    assert cat.save(record, author="test", route="test").action == "created"
    client = writable_app.test_client()
    column = client.get("/plan/compare.json?d=dfe-bare-minimum").get_json()["datasets"][0]
    assert column["iao"] is None and column["tres"] == [] and column["lead_time"] is None
    assert column["coverage"]["nations"] is None and column["linkage_keys"] == []
    page = client.get("/plan/compare?d=dfe-bare-minimum").get_data(as_text=True)
    assert page.count("Not recorded") >= 12


def test_compare_uses_the_basket_without_d(client):
    add(client, UC)
    body = client.get("/plan/compare.json").get_json()
    assert body["source"] == "basket" and [d["id"] for d in body["datasets"]] == [UC]
    assert "There is nothing to compare yet." in client.get("/plan/compare?d=").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/plan/compare.json", "/plan.json"])
def test_too_many_ids_is_a_400_in_the_one_error_shape(client, path):
    resp = client.get(path + "?d=" + ",".join(f"id-{i}" for i in range(26)))
    assert resp.status_code == 400
    body = resp.get_json()
    assert set(body) == ERROR_KEYS and body["ok"] is False and body["code"] == "bad-request"
    assert "at most 25 datasets; this address names 26" in body["error"]
    resp = client.get(path + "?d=" + "x" * 9000)
    assert resp.status_code == 400 and set(resp.get_json()) == ERROR_KEYS
    page = client.get(path.replace(".json", "") + "?d=" + ",".join(f"id-{i}" for i in range(26)))
    assert page.status_code == 400 and "at most 25 datasets" in page.get_data(as_text=True)


@pytest.mark.parametrize("d", [f"{NPD},{NPD},{NPD}", f" {NPD} ,,", f"{NPD},<b>x</b>", "%00", ",,,", "\u00e9\u202e"])
def test_duplicates_blanks_and_hostile_ids_never_fail(client, d):
    for path in ("/plan/compare", "/plan/compare.json", "/plan", "/plan.json"):
        resp = client.get(path, query_string={"d": d})
        assert resp.status_code == 200, (path, d)
        if not path.endswith(".json"):
            assert "<b>x</b>" not in resp.get_data(as_text=True)
    body = client.get("/plan/compare.json", query_string={"d": d}).get_json()
    assert [c["id"] for c in body["datasets"]] == ([NPD] if NPD in d else [])


def test_long_identifiers_cannot_overflow_the_cookie(writable_app, example_record):
    """The basket keeps at most BASKET_CHARS of identifiers, so the session cookie stays under 4 KB."""
    from web.views.plan import BASKET_CHARS

    cat = writable_app.extensions["catalogue_services"].catalogue
    ids = [f"dfe-{i:02d}-" + "x" * 120 for i in range(25)]  # 127 characters: the schema's longest is 128
    for ident in ids:
        assert cat.save(dict(example_record, identifier=ident), author="test", route="test").action == "created"
    client = writable_app.test_client()
    for ident in ids:
        add(client, ident, "/plan/basket")
    kept = basket(client)
    assert kept == ids[:len(kept)] and sum(len(i) + 1 for i in kept) <= BASKET_CHARS < sum(len(i) + 1 for i in ids)
    page = client.get("/plan/basket").get_data(as_text=True)
    assert "fill the 2,000 characters the cookie keeps" in page
    cookie = client.get_cookie("session")
    assert len(cookie.value) < 3500, len(cookie.value)
    resp = client.post("/plan/basket/save", data={"csrf_token": csrf_token(client), "d": ",".join(ids)})
    assert resp.status_code == 303 and basket(client) == kept
    assert client.get(f"/plan.json?d={','.join(ids)}").get_json()["count"] == 25  # the link still holds all 25


def test_the_session_cookie_with_25_seed_datasets(client, seed_records):
    ids = sorted((r["identifier"] for r in seed_records), key=len, reverse=True)[:25]
    for ident in ids:
        add(client, ident)
    assert len(basket(client)) == 25
    assert len(client.get_cookie("session").value) < 2500


def test_compare_and_plan_take_a_flagged_record_with_a_nameless_route(writable_app, example_record):
    """Found by test_render_any_record: a stored (flagged) record whose TRE route has no name."""
    record = dict(example_record, identifier="dfe-nameless-route")
    record["access"] = {"routes": [{"type": "tre"}, {"type": "tre", "name": "ONS Secure Research Service"}]}
    cat = writable_app.extensions["catalogue_services"].catalogue
    assert cat.save_many([record], author="test", route="test", allow_invalid=True)[0].action == "created"
    client = writable_app.test_client()
    column = client.get("/plan/compare.json?d=dfe-nameless-route").get_json()["datasets"][0]
    assert [t["name"] for t in column["tres"]] == ["ONS Secure Research Service"]
    for path in ("/plan/compare", "/plan", "/plan.json", "/plan.csv"):
        assert client.get(path + "?d=dfe-nameless-route").status_code == 200, path
