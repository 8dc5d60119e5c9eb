"""The shared harvest HTTP session against real local servers: timeouts, retries, size cap, TLS, headers."""
import socket
import threading
import time

import pytest
from tests.support.fake_servers import Reply, free_port_url, json_reply
from tests.support.fake_servers import fake_server  # noqa: F401 - fixture
from tests.support.harvest_helpers import FAST

from harvesters.http import USER_AGENT, HarvestHTTPError, HarvestSession, HttpConfig, ResponseTooLarge, parse_json


def session(**over) -> HarvestSession:
    cfg = HttpConfig(**{**FAST.__dict__, **over})
    return HarvestSession(cfg)


def test_user_agent_names_the_catalogue(fake_server):
    srv = fake_server(lambda r: json_reply({"ok": True}))
    with session() as s:
        assert parse_json(s.get(srv.url + "/x"), srv.url) == {"ok": True}
    assert srv.requests[0].headers["User-Agent"] == USER_AGENT
    assert "uk-data-catalogue" in USER_AGENT


def test_a_source_that_is_down_gives_a_clear_error_after_retries():
    url = free_port_url()
    sleeps = []
    with HarvestSession(FAST, sleep=sleeps.append) as s:
        with pytest.raises(HarvestHTTPError, match="could not connect.*after 3 attempts"):
            s.get(url + "/api")
    assert sleeps == [0.01, 0.02]  # exponential backoff between the three attempts


def test_a_server_that_never_answers_times_out(fake_server):
    srv = fake_server(lambda r: json_reply({}, delay=3))
    start = time.monotonic()
    with session(retries=0) as s:
        with pytest.raises(HarvestHTTPError, match="read timeout"):
            s.get(srv.url)
    assert time.monotonic() - start < 2.5


def test_a_trickling_body_is_cut_off_by_the_total_timeout(fake_server):
    srv = fake_server(lambda r: Reply(200, b"x" * 200, {"Content-Type": "application/json"}, trickle=0.05))
    start = time.monotonic()
    with session(retries=0, total_timeout=0.5) as s:
        with pytest.raises(HarvestHTTPError, match="longer than 0.5s"):
            s.get(srv.url)
    assert time.monotonic() - start < 2


def test_500s_then_recovery_with_backoff(fake_server):
    calls = []

    def handler(req):
        calls.append(1)
        return Reply(503, b"busy") if len(calls) <= 2 else json_reply({"ok": 1})
    srv = fake_server(handler)
    sleeps = []
    with HarvestSession(FAST, sleep=sleeps.append) as s:
        assert parse_json(s.get(srv.url), srv.url) == {"ok": 1}
    assert len(calls) == 3 and sleeps == [0.01, 0.02]


def test_retry_after_is_honoured_but_capped(fake_server):
    replies = iter([Reply(429, b"", {"Retry-After": "1"}), Reply(429, b"", {"Retry-After": "3600"}),
                    json_reply({"ok": 1})])
    srv = fake_server(lambda r: next(replies))
    sleeps = []
    with HarvestSession(HttpConfig(**{**FAST.__dict__, "max_wait": 2.0}), sleep=sleeps.append) as s:
        assert s.get(srv.url).status_code == 200
    assert sleeps == [1.0, 2.0]  # asked for 1 s, then for an hour: capped at max_wait


def test_gives_up_after_the_retries_and_returns_the_last_error(fake_server):
    srv = fake_server(lambda r: Reply(500, b"boom"))
    with session() as s:
        resp = s.get(srv.url)
        assert resp.status_code == 500
        with pytest.raises(HarvestHTTPError, match="HTTP 500"):
            parse_json(resp, srv.url)
    assert len(srv.requests) == 3


def test_response_size_cap_by_declared_length_and_by_streaming(fake_server):
    big = b"[" + b"1," * 600_000 + b"1]"
    srv = fake_server(lambda r: Reply(200, big, {"Content-Type": "application/json"}))
    with session(max_bytes=100_000) as s:
        with pytest.raises(ResponseTooLarge, match="larger than the 100000-byte limit"):
            s.get(srv.url)
    # no Content-Length to trust: a gzip bomb-like body is counted as it is decoded
    import gzip
    packed = gzip.compress(b" " * 5_000_000)
    srv2 = fake_server(lambda r: Reply(200, packed, {"Content-Type": "application/json", "Content-Encoding": "gzip"}))
    with session(max_bytes=100_000) as s:
        with pytest.raises(ResponseTooLarge):
            s.get(srv2.url)


def test_tls_verification_cannot_be_turned_off():
    with session() as s:
        with pytest.raises(ValueError, match="cannot be disabled"):
            s.get("https://127.0.0.1:9/", verify=False)
        s.verify = False
        with pytest.raises(ValueError, match="cannot be disabled"):
            s.get("https://127.0.0.1:9/")


def test_html_error_page_served_with_200_is_reported_as_such(fake_server):
    srv = fake_server(lambda r: Reply(200, b"<!DOCTYPE html><html><h1>Maintenance</h1></html>",
                                      {"Content-Type": "text/html"}))
    with session() as s:
        with pytest.raises(HarvestHTTPError, match="expected JSON but got an HTML page"):
            parse_json(s.get(srv.url), srv.url)


def test_truncated_json_names_the_position(fake_server):
    srv = fake_server(lambda r: Reply(200, b'{"items": [{"persistentId": "a"', {"Content-Type": "application/json"}))
    with session() as s:
        with pytest.raises(HarvestHTTPError, match=r"invalid JSON at line 1, column \d+"):
            parse_json(s.get(srv.url), srv.url)


def test_a_body_cut_short_by_the_server_is_an_error(fake_server):
    srv = fake_server(lambda r: Reply(200, b'{"items": []}' * 100, {"Content-Type": "application/json"}, truncate=50))
    with session(retries=0) as s:
        with pytest.raises(HarvestHTTPError, match="broke off"):
            s.get(srv.url)


def test_secret_headers_are_not_sent_to_another_host_on_redirect(fake_server):
    other = fake_server(lambda r: json_reply({"landed": True}))
    # 127.0.0.1 -> localhost is a different host for requests, as another domain would be
    target = other.url.replace("127.0.0.1", "localhost") + "/landing"
    first = fake_server(lambda r: Reply(302, b"", {"Location": target}))
    with session() as s:
        s.secret_headers.add("x-api-key")
        resp = s.get(first.url, headers={"x-api-key": "s3cret-key", "Authorization": "Bearer s3cret-token"})
    assert resp.json() == {"landed": True}
    assert first.requests[0].headers.get("x-api-key") == "s3cret-key"
    landed = {k.lower(): v for k, v in other.requests[0].headers.items()}
    assert "x-api-key" not in landed and "authorization" not in landed


def test_a_server_without_valid_tls_is_refused_not_retried():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.1)
    accepted, stop = [], threading.Event()

    def serve():  # answers a TLS hello with plain HTTP: the handshake cannot succeed
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            accepted.append(1)
            with conn:
                conn.recv(1024)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with HarvestSession(FAST, sleep=lambda s: None) as s:
            with pytest.raises(HarvestHTTPError, match="TLS failed.*after 1 attempts"):
                s.get(f"https://127.0.0.1:{listener.getsockname()[1]}/")
    finally:
        stop.set()
        thread.join(2)
        listener.close()
    assert accepted == [1]
