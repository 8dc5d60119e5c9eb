"""Small local HTTP servers (127.0.0.1, a thread each) standing in for CKAN, DCAT feeds and HDR UK-style APIs.

Every server records the requests it got (path, query, headers) and can be told to misbehave: fail with 500s a
number of times, sleep, send HTML with 200, cut the body short, repeat a page, return an empty page.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    truncate: int | None = None  # send only this many bytes of the body, then close (Content-Length says more)
    trickle: float = 0.0  # seconds between 1-byte writes of the body


def json_reply(doc, status: int = 200, **kw) -> Reply:
    return Reply(status, json.dumps(doc).encode(), {"Content-Type": "application/json;charset=utf-8"}, **kw)


@dataclass
class Request:
    method: str
    path: str
    query: dict
    headers: dict


class FakeServer:
    """Serve `handler(request) -> Reply` on 127.0.0.1:<free port>. Use as a context manager or call close()."""

    def __init__(self, handler):
        self.handler = handler
        self.requests: list[Request] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                req = Request("GET", parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()},
                              {k: v for k, v in self.headers.items()})
                outer.requests.append(req)
                reply = outer.handler(req)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(reply.body)))
                    if reply.truncate is not None:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    if reply.truncate is not None:
                        self.wfile.write(reply.body[:reply.truncate])
                        self.close_connection = True
                    elif reply.trickle:
                        for i in range(len(reply.body)):
                            self.wfile.write(reply.body[i:i + 1])
                            self.wfile.flush()
                            time.sleep(reply.trickle)
                    else:
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def log_message(self, *args):  # keep test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def free_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (the port was free a moment ago)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# ---------------------------------------------------------------- CKAN

def ckan_package(n: int, **over) -> dict:
    """A CKAN 2.12-shaped package, as package_search / package_show return it."""
    org = "peer-org-a" if n % 2 == 0 else "peer-org-b"
    pkg = {
        "id": f"00000000-0000-4000-8000-{n:012d}", "name": f"ds-{n:04d}", "title": f"Dataset {n:04d} about rivers",
        "notes": f"Synthetic dataset number {n} for harvester tests.", "type": "dataset", "state": "active",
        "private": False, "isopen": True, "license_id": "cc-by", "license_title": "Creative Commons Attribution",
        "license_url": "http://www.opendefinition.org/licenses/cc-by", "version": "1.0",
        "maintainer": "Data Team", "maintainer_email": "data@example.org", "author": None, "author_email": None,
        "url": f"https://example.org/source/{n}", "metadata_created": "2024-01-01T09:00:00.000000",
        "metadata_modified": f"2024-02-01T10:00:00.{n:06d}",
        "organization": {"id": f"org-{org}", "name": org, "title": org.replace("-", " ").title()},
        "tags": [{"name": "rivers"}, {"name": "peer"}],
        "extras": [{"key": "update_frequency", "value": "monthly"}],
        "resources": [{"id": f"r{n}", "name": "Data file", "url": f"https://example.org/files/{n}.csv",
                       "format": "CSV", "state": "active"}],
        "groups": [],
    }
    pkg.update(over)
    return pkg


class FakeCkan:
    """The parts of the CKAN Action API a harvester uses, with switches for misbehaviour."""

    def __init__(self, packages: list[dict]):
        self.packages = {p["id"]: p for p in packages}
        self.fail_times = 0  # next N calls answer 500
        self.retry_after: str | None = None
        self.search_disabled = False
        self.repeat_pages = False  # ignore `start` (a broken server)
        self.empty_from: int | None = None  # pages starting at or after this offset come back empty
        self.override = None  # request -> Reply | None, tried first
        self.server = FakeServer(self.handle)

    @property
    def url(self) -> str:
        return self.server.url

    def close(self) -> None:
        self.server.close()

    def touch(self, pkg_id: str, modified: str, **changes) -> None:
        self.packages[pkg_id] = {**self.packages[pkg_id], **changes, "metadata_modified": modified}

    def ok(self, result) -> Reply:
        return json_reply({"help": "fake", "success": True, "result": result})

    def handle(self, req: Request) -> Reply:
        if self.override:
            reply = self.override(req)
            if reply is not None:
                return reply
        if self.fail_times:
            self.fail_times -= 1
            headers = {"Retry-After": self.retry_after} if self.retry_after else {}
            return Reply(500, b"Internal Server Error", headers)
        action = req.path.rstrip("/").rsplit("/", 1)[-1]
        visible = [p for p in self.packages.values() if p["state"] == "active" and not p["private"]]
        if action == "package_search":
            if self.search_disabled:
                return json_reply({"success": False, "error": {"__type": "Not Found Error", "message": "Not found"}},
                                  404)
            return self.ok(self.search(visible, req.query))
        if action == "package_list":
            return self.ok(sorted(p["name"] for p in visible))
        if action == "package_show":
            pkg = next((p for p in self.packages.values() if req.query.get("id") in (p["id"], p["name"])), None)
            if pkg is None or pkg["private"] or pkg["state"] != "active":
                return json_reply({"success": False, "error": {"__type": "Not Found Error", "message": "Not found"}},
                                  404)
            return self.ok(pkg)
        return Reply(404, b"<html><body>Not found</body></html>", {"Content-Type": "text/html"})

    def search(self, visible: list[dict], q: dict) -> dict:
        rows, start = int(q.get("rows", 10)), int(q.get("start", 0))
        fq = q.get("fq", "")
        if "metadata_modified:[" in fq:
            since = fq.split("metadata_modified:[", 1)[1].split(" TO", 1)[0].rstrip("Z")
            visible = [p for p in visible if p["metadata_modified"] >= since]
        if "organization:" in fq:
            org = fq.split("organization:", 1)[1].split(")", 1)[0].split()[0]
            visible = [p for p in visible if p["organization"]["name"] == org]
        visible.sort(key=lambda p: (p["metadata_modified"], p["id"]))
        if self.repeat_pages:
            start = 0
        page = [] if self.empty_from is not None and start >= self.empty_from else visible[start:start + rows]
        if q.get("fl"):
            fields = q["fl"].split(",")
            page = [{k: p.get(k) for k in fields} for p in page]
        return {"count": len(visible), "results": page, "sort": q.get("sort")}


@pytest.fixture
def fake_ckan():
    servers = []

    def make(packages) -> FakeCkan:
        server = FakeCkan(packages)
        servers.append(server)
        return server
    yield make
    for s in servers:
        s.close()


@pytest.fixture
def fake_server():
    servers = []

    def make(handler) -> FakeServer:
        server = FakeServer(handler)
        servers.append(server)
        return server
    yield make
    for s in servers:
        s.close()
