"""Optional link check for distribution URLs: HEAD, then GET; timeouts, a concurrency cap and a per-host rate limit."""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Callable, Iterable
from urllib.parse import urlsplit

import requests

from catalogue import __version__


@dataclass(frozen=True)
class LinkCheckSettings:
    timeout: float = 10.0  # seconds, for connecting and for each read
    concurrency: int = 8  # requests in flight at once
    per_host_interval: float = 1.0  # seconds between two requests to the same host
    user_agent: str = f"uk-data-catalogue-audit/{__version__} (link check)"


# A link check's `code`, for programs: ok, or why the link does not work.
OK, BROKEN, TIMEOUT, UNREACHABLE, NOT_HTTP = "ok", "broken", "timeout", "unreachable", "not-http"


@dataclass
class LinkStatus:
    url: str
    ok: bool
    status: int | None
    method: str  # the method that gave the final answer: HEAD or GET
    error: str = ""
    code: str = OK  # ok; broken (an HTTP error status); timeout; unreachable (no answer); not-http

    def to_dict(self) -> dict:
        return asdict(self)


class HostRateLimiter:
    """Spaces requests to one host at least `interval` seconds apart, across threads."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self.interval, self.clock, self.sleep = interval, clock, sleep
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, host: str) -> None:
        with self._lock:  # reserve the next free slot for this host, then sleep outside the lock
            now = self.clock()
            slot = max(now, self._next.get(host, now))
            self._next[host] = slot + self.interval
        if slot > now:
            self.sleep(slot - now)


class LinkChecker:
    """Checks URLs with one session per worker thread; close() when done (or use `with`)."""

    def __init__(self, settings: LinkCheckSettings | None = None, limiter: HostRateLimiter | None = None):
        self.settings = settings or LinkCheckSettings()
        self.limiter = limiter or HostRateLimiter(self.settings.per_host_interval)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def __enter__(self) -> "LinkChecker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = self.settings.user_agent
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def _request(self, method: str, url: str) -> int:
        self.limiter.wait(urlsplit(url).netloc.lower())
        with self._session().request(method, url, timeout=self.settings.timeout, allow_redirects=True,
                                     stream=True) as resp:  # stream: never read the body
            return resp.status_code

    def check(self, url: str) -> LinkStatus:
        """HEAD first; GET when HEAD fails or is refused (many servers answer HEAD with 403, 404 or 405)."""
        if urlsplit(url).scheme not in ("http", "https"):
            return LinkStatus(url, False, None, "", "not an http(s) URL", NOT_HTTP)
        error, code = "", UNREACHABLE
        for method in ("HEAD", "GET"):
            try:
                status = self._request(method, url)
            except requests.Timeout:
                error, code = f"timed out after {self.settings.timeout:g}s", TIMEOUT
                continue
            except requests.RequestException as exc:
                error, code = type(exc).__name__, UNREACHABLE
                continue
            if status < 400 or method == "GET":
                return LinkStatus(url, status < 400, status, method, "" if status < 400 else f"HTTP {status}",
                                  OK if status < 400 else BROKEN)
        return LinkStatus(url, False, None, "GET", error, code)

    def check_all(self, urls: Iterable[str], progress: Callable[[int], None] | None = None) -> dict[str, LinkStatus]:
        unique = sorted(set(urls))
        out: dict[str, LinkStatus] = {}
        with ThreadPoolExecutor(max_workers=max(1, self.settings.concurrency)) as pool:
            for status in pool.map(self.check, unique):
                out[status.url] = status
                if progress:
                    progress(1)
        return out


def distribution_urls(records: Iterable[dict]) -> list[str]:
    """Every accessURL and downloadURL in the records' distributions."""
    urls = []
    for rec in records:
        for d in (rec.get("distribution") or []) if isinstance(rec, dict) else []:
            for name in ("accessURL", "downloadURL"):
                if isinstance(d, dict) and isinstance(d.get(name), str):
                    urls.append(d[name])
    return urls
