"""Publishing through the API: who may write, bad input, dry runs, drafts, history and withdrawal."""
import copy
import json

import pytest

from tests.support.app import csrf_token

pytestmark = pytest.mark.postgres
DFE = "department-for-education"
OTHER = "department-for-levelling-up-housing-and-communities"
NPD = "dfe-national-pupil-database"


@pytest.fixture
def client(writable_app):
    return writable_app.test_client()


@pytest.fixture
def tokens(writable_app, api_token):
    accounts = writable_app.extensions["catalogue_services"].accounts
    revoked = api_token(writable_app, email="revoked@example.org")
    accounts.revoke_token(revoked.split(".")[0])
    return {
        "anonymous": None,
        "other publisher": api_token(writable_app, publisher=OTHER),
        "right publisher": api_token(writable_app, publisher=DFE),
        "steward": api_token(writable_app, role="steward"),
        "revoked token": revoked,
        "admin": api_token(writable_app, role="admin"),
    }


def headers(token):
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = f"Bearer {token}"
    return h


def new_record(example_record, ident="dfe-new-dataset"):
    rec = copy.deepcopy(example_record)
    rec["identifier"] = ident
    rec["title"] = "A new DfE dataset"
    return rec


def snapshot(app):
    store = app.extensions["catalogue_services"].catalogue.store
    return store.max_seq(), {d.id: (d.status, d.revision) for d in store.datasets(status=None)}


EXPECTED = {"anonymous": 401, "other publisher": 403, "right publisher": 200, "steward": 403,
            "revoked token": 401, "admin": 200}


def write_calls(example_record):
    rec = new_record(example_record)
    existing = {**copy.deepcopy(example_record), "version": "2026-10"}
    return {
        "create": ("post", "/api/datasets", rec),
        "replace": ("put", f"/api/datasets/{NPD}", existing),
        "patch": ("patch", f"/api/datasets/{NPD}", {"version": "2026-11"}),
        "withdraw": ("post", f"/api/datasets/{NPD}/withdraw", {"reason": "test"}),
        "upload": ("post", "/api/uploads", [rec]),
    }


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize("call", ["create", "replace", "patch", "withdraw", "upload"])
def test_authorisation_matrix(writable_app, client, tokens, example_record, who, call):
    method, url, body = write_calls(example_record)[call]
    before = snapshot(writable_app)
    resp = getattr(client, method)(url, data=json.dumps(body), headers=headers(tokens[who]))
    expected = EXPECTED[who]
    if expected == 200:
        assert resp.status_code in (200, 201), resp.get_json()
        assert snapshot(writable_app) != before
    else:
        assert resp.status_code == expected, resp.get_json()
        assert set(resp.get_json()) >= {"ok", "status", "title", "error"}
        assert snapshot(writable_app) == before  # nothing changed


def test_publisher_cannot_take_over_another_organisations_record(client, tokens, writable_app, seed_records):
    theirs = copy.deepcopy(next(r for r in seed_records if r["publisher"] == OTHER))
    theirs["publisher"] = DFE  # claim it
    before = snapshot(writable_app)
    resp = client.put(f"/api/datasets/{theirs['identifier']}", data=json.dumps(theirs),
                      headers=headers(tokens["right publisher"]))
    assert resp.status_code == 403 and OTHER in resp.get_json()["error"]
    assert snapshot(writable_app) == before


def test_session_cookie_cannot_write_to_the_api(writable_app, login, example_record):
    client = writable_app.test_client()
    login(client, publisher=DFE)
    resp = client.post("/api/datasets", data=json.dumps(new_record(example_record)), headers=headers(None))
    assert resp.status_code == 401


def test_create_then_revisions_and_diff(client, tokens, example_record):
    token = tokens["right publisher"]
    rec = new_record(example_record)
    resp = client.post("/api/datasets", data=json.dumps(rec), headers=headers(token))
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["action"] == "created" and body["revision"] == 1 and body["report"]["valid"]
    assert client.post("/api/datasets", data=json.dumps(rec), headers=headers(token)).status_code == 409
    resp = client.patch(f"/api/datasets/{rec['identifier']}", data=json.dumps({"version": "v2", "keyword": None}),
                        headers=headers(token))
    assert resp.status_code == 200 and resp.get_json()["revision"] == 2
    history = client.get(f"/datasets/{rec['identifier']}/history.json").get_json()
    assert [r["number"] for r in history["revisions"]] == [2, 1]
    assert history["revisions"][0]["organisation"] == DFE and "author" not in history["revisions"][0]
    assert history["revisions"][0]["route"] == "api"
    changes = client.get(f"/datasets/{rec['identifier']}/diff.json?from=1&to=2").get_json()["changes"]
    by_path = {c["path"]: c for c in changes}
    assert by_path["$.version"] == {"path": "$.version", "change": "changed", "before": "2026-09", "after": "v2"}
    assert by_path["$.keyword[0]"]["change"] == "removed"
    html = client.get(f"/datasets/{rec['identifier']}/diff?from=1&to=2").get_data(as_text=True)
    assert "$.version" in html and "v2" in html


def test_invalid_record_gets_422_with_the_validator_report(client, tokens, example_record, writable_app):
    rec = new_record(example_record)
    rec["accessRights"] = "EVERYONE"
    before = snapshot(writable_app)
    resp = client.post("/api/datasets", data=json.dumps(rec), headers=headers(tokens["right publisher"]))
    assert resp.status_code == 422
    report = resp.get_json()["report"]
    assert report["valid"] is False and report["issues"][0]["path"] == "$.accessRights"
    assert report["issues"][0]["code"] == "enum"  # a client can act on the code, not the English
    assert snapshot(writable_app) == before


def test_withdraw_hides_from_search_and_keeps_the_page(client, tokens, writable_app):
    resp = client.post(f"/api/datasets/{NPD}/withdraw", data=json.dumps({"reason": "Superseded by NPD 2"}),
                       headers=headers(tokens["right publisher"]))
    assert resp.status_code == 200 and resp.get_json()["action"] == "withdrawn"
    hits = client.get("/search.json?q=national+pupil+database").get_json()["hits"]
    assert NPD not in [h["id"] for h in hits]
    page = client.get(f"/datasets/{NPD}").get_data(as_text=True)
    assert "This dataset has been withdrawn" in page and "Superseded by NPD 2" in page
    assert client.get(f"/datasets/{NPD}.json").get_json()["status"] == "withdrawn"
    missing_reason = client.post(f"/api/datasets/{NPD}/withdraw", data="{}", headers=headers(tokens["admin"]))
    assert missing_reason.status_code == 400


def test_drafts_are_private_until_published(client, tokens, writable_app, api_token, example_record):
    token = tokens["right publisher"]
    draft = {"identifier": "dfe-draft-one", "publisher": DFE, "title": "Work in progress"}
    resp = client.post("/api/datasets?draft=true", data=json.dumps(draft), headers=headers(token))
    assert resp.status_code == 200 and resp.get_json()["draft"]["report"]["valid"] is False
    assert client.get("/datasets/dfe-draft-one").status_code == 404
    assert client.get("/search.json?q=work+in+progress").get_json()["total"] == 0
    other = api_token(writable_app, publisher=OTHER, email="other2@example.org")
    assert client.get("/api/datasets/dfe-draft-one?draft=1", headers=headers(other)).status_code == 404
    assert client.get("/api/datasets/dfe-draft-one?draft=1", headers=headers(tokens["steward"])).status_code == 200
    # publishing an incomplete draft is refused and it stays a draft
    assert client.post("/api/datasets/dfe-draft-one/publish", headers=headers(token)).status_code == 422
    full = new_record(example_record, "dfe-draft-one")
    client.patch("/api/datasets/dfe-draft-one?draft=true", data=json.dumps(full), headers=headers(token))
    resp = client.post("/api/datasets/dfe-draft-one/publish", headers=headers(token))
    assert resp.status_code == 200 and resp.get_json()["action"] == "created"
    assert client.get("/datasets/dfe-draft-one.json").status_code == 200
    assert writable_app.extensions["catalogue_services"].drafts.get("dfe-draft-one") is None


def test_dry_run_then_publish(client, tokens, writable_app, example_record):
    token = tokens["right publisher"]
    good = new_record(example_record, "dfe-upload-good")
    bad = new_record(example_record, "dfe-upload-bad")
    del bad["licence"]
    body = json.dumps([good, bad])
    before = snapshot(writable_app)
    dry = client.post("/api/uploads?dry_run=true", data=body, headers=headers(token))
    assert dry.status_code == 200
    report = dry.get_json()
    assert report["dry_run"] is True and report["passing"] == 1 and report["blocked"] == 1
    assert report["results"][1]["blocks_publishing"] is True
    assert report["results"][1]["issues"][0]["path"] == "$.licence"
    assert snapshot(writable_app) == before
    all_or_nothing = client.post("/api/uploads", data=body, headers=headers(token))
    assert all_or_nothing.status_code == 422 and snapshot(writable_app) == before
    valid_only = client.post("/api/uploads?mode=valid", data=body, headers=headers(token))
    assert valid_only.status_code == 200
    assert [p["identifier"] for p in valid_only.get_json()["published"]] == ["dfe-upload-good"]
    assert writable_app.extensions["catalogue_services"].catalogue.store.get("dfe-upload-bad") is None


def test_jsonl_upload(client, tokens, example_record):
    lines = "\n".join(json.dumps(new_record(example_record, f"dfe-line-{i}")) for i in range(3))
    resp = client.post("/api/uploads?filename=x.jsonl", data=lines,
                       headers={**headers(tokens["right publisher"]), "Content-Type": "application/x-ndjson"})
    assert resp.status_code == 200 and len(resp.get_json()["published"]) == 3


BAD_BODIES = {
    "truncated JSON": (b'[{"identifier": "x", ', 400, "invalid JSON at line 1"),
    "not UTF-8": (b'{"title": "\xff\xfe"}', 400, "not UTF-8"),
    "wrong top-level type": (b'"a string"', 400, "expected a JSON object or a list"),
    "deep nesting": (b"[" * 50_000 + b"]" * 50_000, 400, "nested"),
    "moderately deep nesting": (b'[{"identifier": "x", "keyword": ' + b"[" * 100 + b"]" * 100 + b"}]", 400,
                                "nested more than 32 levels"),
    "too many records": (json.dumps([{}] * 5001).encode(), 400, "the limit is 5,000"),
}


@pytest.mark.parametrize("case", list(BAD_BODIES))
def test_bad_upload_bodies_get_a_clear_4xx_and_change_nothing(client, tokens, writable_app, case):
    body, status, words = BAD_BODIES[case]
    before = snapshot(writable_app)
    resp = client.post("/api/uploads", data=body, headers=headers(tokens["right publisher"]))
    assert resp.status_code == status
    assert words in resp.get_json()["error"]
    assert snapshot(writable_app) == before


def test_wrong_types_enums_and_duplicates_are_reported_per_record(client, tokens, writable_app, example_record):
    a = new_record(example_record, "dfe-dup")
    b = new_record(example_record, "dfe-dup")
    c = new_record(example_record, "dfe-types")
    c["coverage"]["recordCount"] = "lots"
    c["updateFrequency"] = "sometimes"
    before = snapshot(writable_app)
    resp = client.post("/api/uploads", data=json.dumps([a, b, c]), headers=headers(tokens["right publisher"]))
    assert resp.status_code == 422
    results = resp.get_json()["results"]
    assert "also used by record 1" in results[1]["issues"][-1]["message"]
    assert results[1]["issues"][-1]["code"] == "duplicate-identifier"
    assert not any(i["code"] == "duplicate-identifier" for i in results[0]["issues"])  # the first one keeps it
    errors = {(i["path"], i["code"]) for i in results[2]["issues"] if i["severity"] == "error"}
    assert errors == {("$.coverage.recordCount", "type"), ("$.updateFrequency", "enum")}
    assert snapshot(writable_app) == before


def test_upload_for_another_organisation_is_refused(client, tokens, writable_app, example_record):
    rec = new_record(example_record)
    rec["publisher"] = OTHER
    before = snapshot(writable_app)
    resp = client.post("/api/uploads", data=json.dumps([rec]), headers=headers(tokens["right publisher"]))
    assert resp.status_code == 403 and snapshot(writable_app) == before
    problem = resp.get_json()["results"][0]["issues"][-1]
    assert (problem["path"], problem["code"], problem["severity"]) == ("$.publisher", "not-your-organisation", "error")


def test_body_over_the_size_limit_is_refused_before_parsing(writable_app, tokens):
    writable_app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        client = writable_app.test_client()
        resp = client.post("/api/uploads", data=b"[" + b" " * 4000 + b"]", headers=headers(tokens["right publisher"]))
        assert resp.status_code == 413
        assert resp.get_json()["status"] == 413
    finally:
        writable_app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024


def test_script_in_fields_renders_as_text(client, tokens, example_record):
    rec = new_record(example_record, "dfe-xss")
    rec["title"] = "<script>alert('t')</script> Pupils"
    rec["summary"] = "<img src=x onerror=alert(1)>"
    rec["variables"][0]["description"] = "<b>bold</b>"
    assert client.post("/api/datasets", data=json.dumps(rec), headers=headers(tokens["right publisher"])).status_code == 201
    for url in ["/datasets/dfe-xss", "/search?q=pupils", f"/publishers/{DFE}", "/datasets/dfe-xss/history"]:
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold</b>" not in html, url
        assert "&lt;script&gt;" in html or "&lt;img" in html, url


def test_csrf_token_required_for_web_forms(writable_app, login):
    client = writable_app.test_client()
    login(client, publisher=DFE)
    resp = client.post(f"/datasets/{NPD}/withdraw", data={"reason": "no token"})
    assert resp.status_code == 400
    assert writable_app.extensions["catalogue_services"].catalogue.store.get(NPD).status == "published"
    token = csrf_token(client, f"/datasets/{NPD}")
    resp = client.post(f"/datasets/{NPD}/withdraw", data={"reason": "with token", "csrf_token": token})
    assert resp.status_code == 302
    assert writable_app.extensions["catalogue_services"].catalogue.store.get(NPD).status == "withdrawn"


def test_hdruk_upload_is_converted_and_reported(client, tokens, writable_app):
    from tests.formats.test_hdruk import V4

    doc = copy.deepcopy(V4)
    resp = client.post("/api/uploads?dry_run=true", data=json.dumps(doc), headers=headers(tokens["right publisher"]))
    assert resp.status_code == 200
    result = resp.get_json()["results"][0]
    assert result["converted_from"] == "HDR UK dataset schema 4.0.x"
    assert result["publisher"] == DFE  # the uploader's organisation
    assert any("securityClassification" in u for u in result["unmapped"])
    assert result["issues"][0]["message"].startswith("Converted from HDR UK dataset schema 4.0.")
    assert (result["issues"][0]["code"], result["issues"][0]["severity"]) == ("converted", "warning")
    published = client.post("/api/uploads", data=json.dumps(doc), headers=headers(tokens["right publisher"]))
    assert published.status_code == 200
    stored = writable_app.extensions["catalogue_services"].catalogue.store.get(V4["identifier"])
    assert stored.record["variables"][0]["linkageRole"] == "chi-number"


def held_calls(example_record, ident, publisher):
    """The routes that can claim an identifier, each sending `ident` under the caller's organisation."""
    full = {**new_record(example_record, ident), "publisher": publisher}
    return {
        "create draft": ("/api/datasets?draft=true", {"identifier": ident, "publisher": publisher}),
        "create": ("/api/datasets", full),
        "upload": ("/api/uploads", [full]),
    }


CALLER_PUBLISHER = {"anonymous": OTHER, "other publisher": OTHER, "right publisher": DFE, "steward": OTHER,
                    "revoked token": OTHER, "admin": DFE}


def hold(client, token, example_record, ident, held_as):
    """Organisation A (DfE) holds `ident` as a draft or as a stored record."""
    url = "/api/datasets?draft=true" if held_as == "draft" else "/api/datasets"
    body = {"identifier": ident, "publisher": DFE} if held_as == "draft" else new_record(example_record, ident)
    assert client.post(url, data=json.dumps(body), headers=headers(token)).status_code in (200, 201)


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize("call", ["create draft", "create", "upload"])
def test_authorisation_matrix_for_an_identifier_held_as_a_draft(writable_app, client, tokens, example_record,
                                                                who, call):
    hold(client, tokens["right publisher"], example_record, "dfe-held", "draft")
    drafts = writable_app.extensions["catalogue_services"].drafts
    draft_before = drafts.get("dfe-held").to_dict()
    url, body = held_calls(example_record, "dfe-held", CALLER_PUBLISHER[who])[call]
    before = snapshot(writable_app)
    resp = client.post(url, data=json.dumps(body), headers=headers(tokens[who]))
    if EXPECTED[who] == 200:
        assert resp.status_code in (200, 201), resp.get_json()
        return
    assert resp.status_code == EXPECTED[who], resp.get_json()
    assert set(resp.get_json()) >= {"ok", "status", "title", "error"}
    assert snapshot(writable_app) == before
    assert drafts.get("dfe-held").to_dict() == draft_before  # A's draft is untouched


@pytest.mark.parametrize("call", ["create draft", "create", "upload"])
def test_a_draft_holds_its_identifier_exactly_like_a_stored_record(writable_app, client, tokens, example_record,
                                                                   call):
    """Another organisation gets the same refusal whether A holds the identifier as a draft or a record."""
    answers = {}
    for held_as in ("record", "draft"):
        ident = f"dfe-held-as-{held_as}"
        hold(client, tokens["right publisher"], example_record, ident, held_as)
        url, body = held_calls(example_record, ident, OTHER)[call]
        resp = client.post(url, data=json.dumps(body), headers=headers(tokens["other publisher"]))
        text = json.dumps(resp.get_json())
        assert f"'{ident}' belongs to '{DFE}'" in text, text
        if call == "upload":  # the per-record problem says why, with a code
            problem = resp.get_json()["results"][0]["issues"][-1]
            assert (problem["path"], problem["code"]) == ("$.identifier", "not-your-organisation")
        answers[held_as] = (resp.status_code, resp.get_json()["error"].replace(ident, "X"))
    assert answers["record"] == answers["draft"] and answers["draft"][0] == 403


AUTHOR_AUDIENCES = {"anonymous": False, "other publisher": False, "right publisher": True, "steward": True,
                    "admin": True}


@pytest.mark.parametrize("who", list(AUTHOR_AUDIENCES))
def test_history_shows_authors_only_to_stewards_admins_and_the_records_organisation(
        writable_app, tokens, login, example_record, who):
    rec = new_record(example_record, "dfe-history")
    api = writable_app.test_client()
    api.post("/api/datasets", data=json.dumps(rec), headers=headers(tokens["right publisher"]))
    api.patch("/api/datasets/dfe-history", data=json.dumps({"version": "v2"}), headers=headers(tokens["right publisher"]))
    author = writable_app.extensions["catalogue_services"].catalogue.store.revisions("dfe-history")[-1].author
    email, token_id = author.split(" (token ")[0], author.split("(token ")[1].rstrip(")")
    client = writable_app.test_client()
    if who != "anonymous":
        role = "publisher" if "publisher" in who else who
        login(client, role=role, publisher=OTHER if who == "other publisher" else DFE)
    history = client.get("/datasets/dfe-history/history.json").get_json()
    diff = client.get("/datasets/dfe-history/diff.json?from=1&to=2").get_json()
    for entry in history["revisions"] + [diff["from_revision"], diff["to_revision"]]:
        assert entry["organisation"] == DFE and entry["route"] == "api"
        assert ("author" in entry) is AUTHOR_AUDIENCES[who]
    pages = [client.get("/datasets/dfe-history/history").get_data(as_text=True),
             client.get("/datasets/dfe-history/diff?from=1&to=2").get_data(as_text=True)]
    for text in [json.dumps(history), json.dumps(diff)] + pages:
        assert (email in text) is AUTHOR_AUDIENCES[who] and (token_id in text) is AUTHOR_AUDIENCES[who]
    for page in pages:
        assert "Department for Education" in page and "api" in page


def test_an_hdruk_record_with_no_converter_is_a_coded_problem(writable_app):
    from catalogue.publishing.accounts import Principal
    from catalogue.publishing.uploads import check_records
    from tests.formats.test_hdruk import V4

    catalogue = writable_app.extensions["catalogue_services"].catalogue
    check = check_records([copy.deepcopy(V4)], principal=Principal("a@example.org", "publisher", DFE),
                          catalogue=catalogue, converter=None)
    assert [(i.path, i.code, i.severity) for i in check.records[0].report.issues] == [("$", "not-convertible", "error")]
    assert check.to_dict()["results"][0]["issues"][0]["code"] == "not-convertible"


def test_api_refusals_carry_a_stable_code(writable_app, api_token):
    """A client can tell refusals apart by code, without matching English text."""
    client, token = writable_app.test_client(), api_token(writable_app)
    auth = {"Authorization": f"Bearer {token}"}
    other = client.post("/api/datasets", json={"identifier": "x-1", "publisher": "office-for-national-statistics",
                                               "title": "T"}, headers=auth)
    assert other.status_code == 403 and other.get_json()["code"] == "not-your-organisation"
    bad_json = client.post("/api/datasets", data=b"{nope", headers={**auth, "Content-Type": "application/json"})
    assert bad_json.status_code == 400 and bad_json.get_json()["code"] == "invalid-input"
    invalid = client.post("/api/datasets", json={"identifier": "x-2", "publisher": "department-for-education"},
                          headers=auth)
    assert invalid.status_code == 422 and invalid.get_json()["code"] == "invalid-record"
    assert {i["code"] for i in invalid.get_json()["report"]["issues"]} >= {"required"}
    assert client.get("/api/datasets/none", headers=auth).get_json()["code"] in ("not-found", "method-not-allowed")
