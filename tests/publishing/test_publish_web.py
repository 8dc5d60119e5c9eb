"""Publishing in the browser, accounts from the CLI, and parallel uploads against a running server."""
import copy
import io
import json
import threading
import urllib.request

import pytest
from werkzeug.serving import make_server

from catalogue.cli import main
from tests.support.app import TEST_PASSWORD, csrf_token

pytestmark = pytest.mark.postgres
DFE = "department-for-education"


def test_login_rejects_bad_password_and_protects_pages(writable_app):
    client = writable_app.test_client()
    writable_app.extensions["catalogue_services"].accounts.create_user("p@example.org", role="publisher", publisher=DFE,
                                                    password=TEST_PASSWORD)
    resp = client.post("/login", data={"email": "p@example.org", "password": "wrong password!",
                                       "csrf_token": csrf_token(client)})
    assert resp.status_code == 401 and "not right" in resp.get_data(as_text=True)
    assert client.post("/login", data={"email": "p@example.org", "password": TEST_PASSWORD}).status_code == 400
    resp = client.post("/publish/upload", data={"csrf_token": csrf_token(client)})
    assert resp.status_code == 401
    for target in ("//evil.example.org/", "/\\evil.example.org", "https://evil.example.org/"):
        resp = client.post("/login", query_string={"next": target},
                           data={"email": "p@example.org", "password": TEST_PASSWORD, "csrf_token": csrf_token(client)})
        assert resp.status_code == 302 and resp.headers["Location"] == "/", target
    resp = client.post("/login", query_string={"next": "/publish"},
                       data={"email": "p@example.org", "password": TEST_PASSWORD, "csrf_token": csrf_token(client)})
    assert resp.headers["Location"] == "/publish"


def test_how_to_publish_page_documents_both_routes(writable_app):
    client = writable_app.test_client()
    html = client.get("/publish").get_data(as_text=True)
    for text in ["/api/uploads?dry_run=true", "Authorization: Bearer", "/api/datasets", "PATCH", "withdraw",
                 "?draft=true", "/publish/example.json", "Sign in"]:
        assert text in html, text
    example = client.get("/publish/example.json")
    assert example.get_json()["identifier"] == "dfe-national-pupil-database"
    assert client.get("/publish/schema.json").get_json()["title"] == "Dataset record"
    example.close()


def upload(client, name, content):
    return client.post("/publish/upload", data={"csrf_token": csrf_token(client, "/publish"),
                                                "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_web_upload_check_report_then_publish(writable_app, login, example_record):
    client = writable_app.test_client()
    login(client, publisher=DFE)
    good = {**copy.deepcopy(example_record), "identifier": "dfe-web-good"}
    bad = {**copy.deepcopy(example_record), "identifier": "dfe-web-bad", "modified": "last week"}
    before = writable_app.extensions["catalogue_services"].catalogue.store.max_seq()
    resp = upload(client, "mine.json", json.dumps([good, bad]).encode())
    assert resp.status_code == 302
    report_url = resp.headers["Location"]
    html = client.get(report_url).get_data(as_text=True)
    assert "Blocks publishing" in html and "$.modified" in html and "Nothing has been saved yet" in html
    data = client.get(report_url + ".json").get_json()
    assert data["passing"] == 1 and data["blocked"] == 1
    assert writable_app.extensions["catalogue_services"].catalogue.store.max_seq() == before
    token = csrf_token(client, report_url)
    refused = client.post(report_url + "/publish", data={"mode": "all", "csrf_token": token})
    assert refused.status_code == 422 and writable_app.extensions["catalogue_services"].catalogue.store.max_seq() == before
    done = client.post(report_url + "/publish", data={"mode": "valid", "csrf_token": token})
    assert done.status_code == 200 and "dfe-web-good" in done.get_data(as_text=True)
    assert writable_app.extensions["catalogue_services"].catalogue.store.get("dfe-web-good") is not None
    assert writable_app.extensions["catalogue_services"].catalogue.store.get("dfe-web-bad") is None
    assert client.get(report_url).status_code == 404  # used up


@pytest.mark.parametrize("name, content, words", [
    ("broken.json", b'{"a": ', "invalid JSON"),
    ("latin1.json", "{\"title\": \"caf\xe9\"}".encode("latin-1"), "not UTF-8"),
    ("notes.txt", b"hello", "upload a .json or .jsonl file"),
    ("number.json", b"42", "found a number"),
])
def test_web_upload_of_bad_files_explains_and_saves_nothing(writable_app, login, name, content, words):
    client = writable_app.test_client()
    login(client, publisher=DFE)
    before = writable_app.extensions["catalogue_services"].catalogue.store.max_seq()
    resp = upload(client, name, content)
    assert resp.status_code == 400
    assert words in resp.get_data(as_text=True)
    assert writable_app.extensions["catalogue_services"].catalogue.store.max_seq() == before


def test_steward_cannot_upload_but_sees_drafts(writable_app, login, api_token):
    token = api_token(writable_app, publisher=DFE)
    client = writable_app.test_client()
    client.post("/api/datasets?draft=true", data=json.dumps({"identifier": "dfe-d", "publisher": DFE}),
                headers={"Authorization": f"Bearer {token}"})
    login(client, role="steward")
    assert "dfe-d" in client.get("/publish").get_data(as_text=True)
    assert client.get("/publish/drafts/dfe-d").status_code == 200
    resp = upload(client, "x.json", b"{}")
    assert resp.status_code == 403


def test_cli_users_and_tokens(runner, settings):
    base = ["--instance", settings.instance_dir, "--database-url", settings.db_url]
    from catalogue.records.service import Catalogue

    cat = Catalogue(settings)
    cat.load_publishers([{"id": DFE, "name": "Department for Education"}])
    cat.close()
    env = {"PW": TEST_PASSWORD}
    r = runner.invoke(main, base + ["users", "create", "iao@example.org", "--role", "publisher", "--publisher", DFE,
                                    "--password-env", "PW"], env=env)
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, base + ["users", "create", "x@example.org", "--role", "publisher", "--publisher", "nope",
                                    "--password-env", "PW"], env=env)
    assert r.exit_code == 1 and "there is no publisher 'nope'" in r.output
    r = runner.invoke(main, base + ["users", "create", "y@example.org", "--role", "steward"], input="short\nshort\n")
    assert r.exit_code == 1 and "at least 10 characters" in r.output
    r = runner.invoke(main, base + ["tokens", "create", "iao@example.org"])
    assert r.exit_code == 0
    token = r.output.strip().splitlines()[-1]
    assert token.startswith("tok_") and "." in token
    listed = runner.invoke(main, base + ["tokens", "list"]).output
    assert token.split(".")[0] in listed and token.split(".")[1] not in listed
    assert runner.invoke(main, base + ["tokens", "revoke", token.split(".")[0]]).exit_code == 0
    assert "revoked" in runner.invoke(main, base + ["tokens", "list"]).output
    assert runner.invoke(main, base + ["users", "disable", "iao@example.org"]).exit_code == 0
    assert "disabled" in runner.invoke(main, base + ["users", "list"]).output


def test_twenty_parallel_uploads_against_a_running_server(writable_app, api_token, example_record):
    token = api_token(writable_app, publisher=DFE)
    server = make_server("127.0.0.1", 0, writable_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    statuses, errors = [], []

    def send(n):
        rec = {**copy.deepcopy(example_record), "identifier": f"dfe-parallel-{n:02d}", "title": f"Parallel {n}"}
        req = urllib.request.Request(f"{base}/api/uploads", data=json.dumps([rec]).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                statuses.append(resp.status)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    try:
        threads = [threading.Thread(target=send, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        server.shutdown()
        server.server_close()
    assert errors == [] and statuses == [200] * 20
    store = writable_app.extensions["catalogue_services"].catalogue.store
    for n in range(20):
        ds = store.get(f"dfe-parallel-{n:02d}")
        assert ds is not None and ds.revision == 1
        assert [r.number for r in store.revisions(ds.id)] == [1]
    assert writable_app.extensions["catalogue_services"].catalogue.search(__import__("catalogue.search", fromlist=["SearchQuery"])
                                                       .SearchQuery(text="parallel", page_size=50)).total == 20


def test_repeated_failed_sign_ins_are_throttled(writable_app):
    client = writable_app.test_client()
    writable_app.extensions["catalogue_services"].accounts.create_user("t@example.org", role="publisher", publisher=DFE,
                                                    password=TEST_PASSWORD)
    for _ in range(5):
        resp = client.post("/login", data={"email": "t@example.org", "password": "not the password",
                                           "csrf_token": csrf_token(client)})
        assert resp.status_code == 401
    resp = client.post("/login", data={"email": "T@example.org", "password": TEST_PASSWORD,
                                       "csrf_token": csrf_token(client)})
    assert resp.status_code == 429 and "Too many failed attempts" in resp.get_data(as_text=True)
    other = client.post("/login", data={"email": "other@example.org", "password": "x" * 12,
                                        "csrf_token": csrf_token(client)})
    assert other.status_code == 401  # other addresses are not affected


def test_web_upload_cannot_claim_another_organisations_draft(writable_app, login, api_token, example_record):
    """An identifier held only as DfE's draft is refused to another organisation's web upload, like a record."""
    other = "department-for-levelling-up-housing-and-communities"
    token = api_token(writable_app, publisher=DFE)
    client = writable_app.test_client()
    client.post("/api/datasets?draft=true", data=json.dumps({"identifier": "dfe-held", "publisher": DFE}),
                headers={"Authorization": f"Bearer {token}"})
    drafts = writable_app.extensions["catalogue_services"].drafts
    draft_before = drafts.get("dfe-held").to_dict()
    login(client, publisher=other)
    store = writable_app.extensions["catalogue_services"].catalogue.store
    before = store.max_seq()
    claim = {**copy.deepcopy(example_record), "identifier": "dfe-held", "publisher": other}
    resp = upload(client, "claim.json", json.dumps([claim]).encode())
    report_url = resp.headers["Location"]
    data = client.get(report_url + ".json").get_json()
    assert data["blocked"] == 1
    assert f"'dfe-held' belongs to '{DFE}'" in data["results"][0]["issues"][-1]["message"]
    token = csrf_token(client, report_url)
    for mode in ("all", "valid"):
        client.post(report_url + "/publish", data={"mode": mode, "csrf_token": token})
    assert store.max_seq() == before and store.get("dfe-held") is None
    assert drafts.get("dfe-held").to_dict() == draft_before
