"""The optional link check, only ever against a local server on 127.0.0.1."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from catalogue.cli import main
from catalogue.audit.linkcheck import HostRateLimiter, LinkChecker, LinkCheckSettings, distribution_urls
from tests.support.app import SEED
from tests.support.audit_records import PARTIAL


class Handler(BaseHTTPRequestHandler):
    def _answer(self, body: bool) -> None:
        server = self.server
        with server.lock:
            server.log.append((self.command, self.path, time.monotonic()))
            server.in_flight += 1
            server.most_in_flight = max(server.most_in_flight, server.in_flight)
        try:
            path = self.path
            if path.startswith("/wait"):
                time.sleep(0.2)
            if path == "/slow":
                time.sleep(1.0)
        finally:  # in flight = until the answer is ready; once sent, the client may already send the next one
            with server.lock:
                server.in_flight -= 1
        if path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/ok")
        elif path == "/nohead" and self.command == "HEAD":
            self.send_response(405)
        elif path == "/missing":
            self.send_response(404)
        else:
            self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if body:
            self.wfile.write(b"ok")

    def do_HEAD(self):  # noqa: N802 - http.server's naming
        self._answer(False)

    def do_GET(self):  # noqa: N802
        self._answer(True)

    def log_message(self, *args):  # keep test output quiet
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):  # a client that timed out and left: not our concern
        pass


@pytest.fixture
def server():
    srv = Server(("127.0.0.1", 0), Handler)
    srv.lock, srv.log, srv.in_flight, srv.most_in_flight = threading.Lock(), [], 0, 0
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    srv.base = f"http://127.0.0.1:{srv.server_address[1]}"
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


FAST = LinkCheckSettings(timeout=0.3, concurrency=4, per_host_interval=0)


def test_head_then_get_fallback_and_statuses(server):
    urls = [f"{server.base}{p}" for p in ("/ok", "/nohead", "/missing", "/redirect", "/slow")] + ["ftp://x/y"]
    with LinkChecker(FAST) as checker:
        out = checker.check_all(urls)
    ok, nohead, missing, redirect, slow, ftp = (out[u] for u in urls)
    assert (ok.ok, ok.status, ok.method) == (True, 200, "HEAD")
    assert (nohead.ok, nohead.status, nohead.method) == (True, 200, "GET")  # HEAD refused with 405
    assert (missing.ok, missing.status, missing.error) == (False, 404, "HTTP 404")
    assert (redirect.ok, redirect.status) == (True, 200)
    assert not slow.ok and slow.status is None and "timed out" in slow.error
    assert not ftp.ok and ftp.error == "not an http(s) URL"
    assert [s.code for s in (ok, nohead, missing, redirect, slow, ftp)] == ["ok", "ok", "broken", "ok", "timeout",
                                                                          "not-http"]
    assert missing.to_dict()["code"] == "broken"  # the audit's link tables carry the code
    calls = [(m, p) for m, p, _ in server.log if p == "/nohead"]
    assert calls == [("HEAD", "/nohead"), ("GET", "/nohead")]


def test_a_host_that_does_not_answer_is_unreachable():
    with Server(("127.0.0.1", 0), Handler) as srv:
        port = srv.server_address[1]  # bound, then closed: nothing listens there
    with LinkChecker(FAST) as checker:
        status = checker.check(f"http://127.0.0.1:{port}/gone")
    assert (status.ok, status.status, status.code, status.error) == (False, None, "unreachable", "ConnectionError")


def test_concurrency_cap(server):
    urls = [f"{server.base}/wait{i}" for i in range(6)]
    with LinkChecker(LinkCheckSettings(timeout=2, concurrency=2, per_host_interval=0)) as checker:
        out = checker.check_all(urls)
    assert all(s.ok for s in out.values())
    assert server.most_in_flight == 2


def test_per_host_rate_limit_spaces_requests(server):
    urls = [f"{server.base}/ok{i}" for i in range(4)]
    with LinkChecker(LinkCheckSettings(timeout=2, concurrency=4, per_host_interval=0.3)) as checker:
        checker.check_all(urls)
    times = sorted(t for _, _, t in server.log)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) == 4 and min(gaps) >= 0.2  # four HEADs to one host, 0.3 s apart (less generous jitter)


def test_rate_limiter_with_a_fake_clock():
    slept = []
    limiter = HostRateLimiter(1.0, clock=lambda: 100.0, sleep=slept.append)
    for host in ("a", "a", "a", "b"):
        limiter.wait(host)
    assert slept == [1.0, 2.0]  # the 2nd and 3rd call to host a wait their turn; host b does not wait


def test_distribution_urls():
    assert distribution_urls([PARTIAL, {"distribution": [{"downloadURL": "https://x/d"}, "junk"]}, "junk"]) == [
        "https://example.org/a", "https://example.org/b", "https://x/d"]


@pytest.mark.postgres
def test_cli_check_links_records_status(runner, settings, tmp_path, server):
    record = dict(PARTIAL, distribution=[
        {"title": "Good", "accessURL": f"{server.base}/ok", "mediaType": "text/csv",
         "downloadURL": f"{server.base}/missing"},
        {"title": "Refuses HEAD", "accessURL": f"{server.base}/nohead"}])
    path = tmp_path / "r.json"
    path.write_text(json.dumps(record))
    base = ["--instance", settings.instance_dir, "--database-url", settings.db_url]
    assert runner.invoke(main, [*base, "load", "--publishers", str(SEED / "publishers.json"), str(path)]).exit_code == 0
    result = runner.invoke(main, [*base, "audit", "--as-of", "2024-06-30", "--format", "json", "--check-links",
                                  "--link-timeout", "2", "--link-interval", "0"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    links = {link["url"].removeprefix(server.base): (link["ok"], link["status"], link["method"])
             for link in data["records"][0]["links"]}
    assert links == {"/ok": (True, 200, "HEAD"), "/missing": (False, 404, "GET"), "/nohead": (True, 200, "GET")}
    mqa = data["records"][0]["mqa"]
    # link indicators now count: 270 + 50 + 30 = 350 points at most; access URLs 2 of 2 answer (50);
    # the one download URL does not (0 of 30)
    assert mqa["max_points"] == 350
    assert mqa["indicators"]["accessUrlStatusCode"] == 50 and mqa["indicators"]["downloadUrlStatusCode"] == 0
    assert data["catalogue"]["links_checked"] == 3 and data["catalogue"]["links_broken"] == 1
