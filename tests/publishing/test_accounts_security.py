"""Accounts security: sign-in throttling under concurrency, revocable sessions, HSTS, file modes."""
import base64
import http.cookiejar
import json
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import zlib
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from catalogue.publishing import accounts
from catalogue.publishing.accounts import MAX_FAILURES
from tests.support.app import TEST_PASSWORD, csrf_token, make_app, make_settings

pytestmark = pytest.mark.postgres
DFE = "department-for-education"
USER = "iao@example.org"


@pytest.fixture
def app(writable_app):
    writable_app.extensions["catalogue_services"].accounts.create_user(USER, role="publisher", publisher=DFE, password=TEST_PASSWORD)
    return writable_app


def sign_in(client, password=TEST_PASSWORD, email=USER):
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})


def client_at(app, address):
    """A test client whose requests come from this remote address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.fixture
def server(app):
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    srv.server_close()
    thread.join()


def test_concurrent_guesses_cannot_exceed_the_limit(server):
    """20 wrong passwords sent at once from one client for one address: at most MAX_FAILURES are checked."""
    n = 20
    openers = [urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
               for _ in range(n)]
    tokens = []
    for opener in openers:  # each guesser has its own session and CSRF token, fetched beforehand
        with opener.open(f"{server}/login", timeout=30) as resp:
            tokens.append(re.search(r'name="csrf_token" value="([^"]+)"', resp.read().decode()).group(1))
    barrier, statuses, errors = threading.Barrier(n), [], []

    def guess(i):
        body = urllib.parse.urlencode({"email": USER, "password": f"wrong guess {i}", "csrf_token": tokens[i]})
        barrier.wait()
        try:
            with openers[i].open(f"{server}/login", data=body.encode(), timeout=60) as resp:
                statuses.append(resp.status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)
            exc.close()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    print(f"\n{n} concurrent guesses: {statuses.count(401)} checked (401), {statuses.count(429)} refused (429)")
    assert sorted(set(statuses)) == [401, 429]
    assert statuses.count(401) <= MAX_FAILURES


def test_a_spray_across_addresses_is_slowed_per_client(app, monkeypatch):
    limit = 8  # smaller than the real limit, to keep the test quick; the rule is the same
    monkeypatch.setattr(accounts, "MAX_CLIENT_FAILURES", limit)
    attacker = client_at(app, "203.0.113.7")
    statuses = [sign_in(attacker, "password123!", f"user{i}@example.org").status_code for i in range(limit + 4)]
    assert statuses[:limit] == [401] * limit
    assert set(statuses[limit:]) == {429}
    assert sign_in(client_at(app, "198.51.100.1")).status_code == 302  # others are not affected


def test_a_stranger_cannot_lock_a_user_out(app):
    stranger = client_at(app, "203.0.113.9")
    statuses = [sign_in(stranger, "not the password").status_code for _ in range(MAX_FAILURES + 3)]
    assert statuses == [401] * MAX_FAILURES + [429] * 3  # the stranger is throttled ...
    assert sign_in(client_at(app, "198.51.100.1")).status_code == 302  # ... the user is not


def test_many_strangers_get_one_guess_each_and_still_cannot_lock_the_user_out(app, monkeypatch):
    monkeypatch.setattr(accounts, "MAX_ADDRESS_FAILURES", 8)  # smaller than the real limit, to keep it quick
    for i in range(8 + 2):
        assert sign_in(client_at(app, f"10.0.{i // 250}.{i % 250}"), "not the password").status_code == 401
    returning = client_at(app, "10.0.0.0")  # has failed once; the address is now under attack
    assert sign_in(returning, "another guess").status_code == 429
    assert sign_in(client_at(app, "198.51.100.1")).status_code == 302  # the user, from a clean client


def test_a_successful_sign_in_clears_that_clients_failures(app):
    client = client_at(app, "198.51.100.2")
    for _ in range(MAX_FAILURES - 1):
        assert sign_in(client, "typo in password").status_code == 401
    assert sign_in(client).status_code == 302
    for _ in range(MAX_FAILURES - 1):
        assert sign_in(client, "typo in password").status_code == 401  # a fresh allowance


def signed_in(client) -> bool:
    return client.get("/publish.json").get_json()["can_upload"]


def session_payload(client) -> str:
    """The readable part of Flask's signed session cookie."""
    value = client.get_cookie("session").value
    compressed = value.startswith(".")
    data = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def test_logout_ends_the_session_and_a_copied_cookie_stops_working(app):
    client = client_at(app, "198.51.100.3")
    assert sign_in(client).status_code == 302 and signed_in(client)
    assert USER not in session_payload(client)  # the cookie holds a session id, not the email
    copied = client.get_cookie("session").value
    thief = client_at(app, "203.0.113.10")
    thief.set_cookie("session", copied)
    assert signed_in(thief)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/publish")})
    assert not signed_in(client)
    assert not signed_in(thief)  # the copy is dead too


def test_disabling_a_user_ends_their_sessions(app):
    client = client_at(app, "198.51.100.4")
    sign_in(client)
    assert signed_in(client)
    app.extensions["catalogue_services"].accounts.disable_user(USER)
    assert not signed_in(client)


def test_hsts_and_secure_cookies_only_for_an_https_base_url(small_catalogue, tmp_path):
    from dataclasses import replace

    http_app = make_app(small_catalogue)
    assert "Strict-Transport-Security" not in http_app.test_client().get("/").headers
    small_catalogue.settings = replace(small_catalogue.settings, base_url="https://data.example.gov.uk")
    https_app = make_app(small_catalogue)
    resp = https_app.test_client().get("/login")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Secure" in resp.headers["Set-Cookie"]


@pytest.fixture
def open_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_database_and_its_wal_files_are_created_owner_only(tmp_path, open_umask):
    from catalogue.records.store import Store

    store = Store(f"sqlite:///{tmp_path / 'new' / 'catalogue.db'}")
    try:
        store.upsert_publisher({"id": "p", "name": "P"})
        files = sorted((tmp_path / "new").iterdir())
        assert {f.name for f in files} >= {"catalogue.db", "catalogue.db-wal", "catalogue.db-shm"}
        assert {f.name: oct(f.stat().st_mode & 0o777) for f in files} == {f.name: "0o600" for f in files}
    finally:
        store.close()


def test_secret_key_is_created_owner_only_without_a_later_chmod(tmp_path, open_umask, monkeypatch):
    from web import _secret_key

    monkeypatch.setattr(Path, "chmod", lambda *a, **k: None)  # the mode must come from creation itself
    settings = make_settings(tmp_path / "instance")
    key = _secret_key(settings.__class__(instance_dir=settings.instance_dir))
    path = tmp_path / "instance" / "secret_key"
    assert oct(path.stat().st_mode & 0o777) == "0o600" and len(key) == 64
    assert _secret_key(settings.__class__(instance_dir=settings.instance_dir)) == key
