"""The one HTTP session every harvester uses: timeouts, retries with backoff, a user agent, a size cap, TLS on."""
from __future__ import annotations

from catalogue.errors import CatalogueError

import email.utils
import io
import json
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from catalogue import __version__

log = logging.getLogger("harvesters.http")
USER_AGENT = f"uk-data-catalogue-harvester/{__version__} (+https://github.com/uk-data-linkage/catalogue)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Parsing a response takes up to about 30 times its size in memory (rdflib graphs, JSON of tiny objects), so the
# default cap keeps a harvest process near 1 GB at most: see benchmarks/bench_harvest_memory.py.
MAX_BYTES = 32 * 1024 * 1024
MEMORY_FACTOR = 30


class HarvestHTTPError(CatalogueError):
    """A request that could not produce a usable response; the message names the URL and the cause."""

    code = "fetch-failed"


class ResponseTooLarge(HarvestHTTPError):
    code = "response-too-large"


@dataclass(frozen=True)
class HttpConfig:
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    total_timeout: float = 300.0  # per request, including a slow trickle of bytes
    retries: int = 4  # extra attempts on 429/5xx and connection errors
    backoff: float = 0.5  # first wait; doubles each attempt
    max_wait: float = 30.0  # cap on any one wait, including Retry-After
    max_bytes: int = MAX_BYTES
    user_agent: str = USER_AGENT
    max_redirects: int = 10


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in: two URLs share an origin when these match."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or {"http": 80, "https": 443}.get(scheme)
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port


class HarvestSession(requests.Session):
    """requests.Session whose every request is bounded, retried and size-capped. verify cannot be turned off.

    Secrets: the Authorization header and the names in `secret_headers` are sent only to the origins in
    `secret_origins` (the source's scheme, host and port). Every request and every redirect hop to any other origin
    goes without them, whoever built the request (pagination links, ckanapi, redirects). With no origins set, the
    origin of each request's first URL is the only one trusted."""

    def __init__(self, config: HttpConfig | None = None, sleep=time.sleep):
        super().__init__()
        self.config = config or HttpConfig()
        self.headers["User-Agent"] = self.config.user_agent
        self.verify = True
        self.max_redirects = self.config.max_redirects
        self._sleep = sleep
        self.secret_headers: set[str] = set()  # besides Authorization
        self.secret_origins: set[tuple] = set()
        self._first_origin: tuple | None = None
        self.last: dict = {}  # url, status, content type and size of the last response (for error messages)

    def trust(self, url: str) -> None:
        """Allow secrets to go to the origin of `url` (the source's own URL, or one its operator configured)."""
        self.secret_origins.add(origin(url))

    def request(self, method, url, **kwargs):  # noqa: D401 - requests' signature
        if kwargs.get("verify") is False or self.verify is not True:
            raise ValueError("TLS certificate checks cannot be disabled for harvesting")
        kwargs["verify"] = True
        kwargs["timeout"] = (self.config.connect_timeout, self.config.read_timeout)
        kwargs["stream"] = True
        self._first_origin = origin(url)
        attempt = 0
        while True:
            try:
                resp = super().request(method, url, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.config.retries or isinstance(exc, requests.exceptions.SSLError):
                    raise HarvestHTTPError(f"{_safe(url)}: {_describe(exc)} (after {attempt + 1} attempts)") from None
                self._wait(attempt, None, url, _describe(exc))
                attempt += 1
                continue
            except requests.TooManyRedirects:
                raise HarvestHTTPError(f"{_safe(url)}: more than {self.max_redirects} redirects "
                                       "(a redirect loop?)") from None
            except requests.RequestException as exc:  # e.g. a redirect to file:// or to a malformed URL
                raise HarvestHTTPError(f"{_safe(url)}: cannot follow the request ({type(exc).__name__}: "
                                       f"{_safe(str(exc))[:200]})") from None
            if resp.status_code in RETRY_STATUSES and attempt < self.config.retries:
                retry_after = resp.headers.get("Retry-After")
                resp.close()
                self._wait(attempt, retry_after, url, f"HTTP {resp.status_code}")
                attempt += 1
                continue
            self._read(resp, url)
            return resp

    def _read(self, resp: requests.Response, url: str) -> None:
        """Read the body within the size and time limits, so .content/.text/.json() work afterwards."""
        limit, start = self.config.max_bytes, time.monotonic()
        declared = resp.headers.get("Content-Length", "")
        try:
            if declared.isdigit() and int(declared) > limit:
                raise ResponseTooLarge(f"{_safe(url)}: response of {int(declared)} bytes is larger than the "
                                       f"{limit}-byte limit")
            size = 0
            with io.BytesIO() as buf:  # one growing buffer; getvalue() hands it over without a second copy
                while True:  # read1 returns as soon as any data arrive, so a trickle cannot evade total_timeout
                    chunk = resp.raw.read1(64 * 1024, decode_content=True)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > limit:
                        raise ResponseTooLarge(f"{_safe(url)}: response is larger than the {limit}-byte limit")
                    if time.monotonic() - start > self.config.total_timeout:
                        raise HarvestHTTPError(f"{_safe(url)}: response took longer than "
                                               f"{self.config.total_timeout:g}s to arrive")
                    buf.write(chunk)
                resp._content = buf.getvalue()  # noqa: SLF001 - the documented way to pre-load a streamed body
        except HarvestHTTPError:
            raise
        except Exception as exc:  # urllib3 read, protocol and decoding errors, socket errors
            raise HarvestHTTPError(f"{_safe(url)}: the response broke off ({_describe(exc)})") from None
        finally:
            resp.close()
        self.last = {"url": _safe(url), "status": resp.status_code,
                     "content_type": resp.headers.get("Content-Type", ""), "bytes": len(resp._content),
                     "response": resp}

    def _wait(self, attempt: int, retry_after: str | None, url: str, why: str) -> None:
        wait = min(self.config.backoff * (2 ** attempt), self.config.max_wait)
        asked = _retry_after(retry_after)
        if asked is not None:
            wait = min(max(asked, 0.0), self.config.max_wait)
        log.info("%s: %s; retrying in %.1fs", _safe(url), why, wait)
        self._sleep(wait)

    def send(self, request, **kwargs):
        """Every request and every redirect hop passes here: strip the secrets unless it goes to a trusted origin."""
        trusted = self.secret_origins or {self._first_origin}
        if origin(request.url) not in trusted:
            for name in {"Authorization", *self.secret_headers}:
                request.headers.pop(name, None)
        return super().send(request, **kwargs)


def parse_json(resp: requests.Response, url: str):
    ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if resp.status_code >= 400:
        raise HarvestHTTPError(f"{_safe(url)}: HTTP {resp.status_code} {resp.reason or ''}".rstrip())
    body = resp.content
    if ctype in ("text/html", "application/xhtml+xml") or body.lstrip()[:1] == b"<":
        raise HarvestHTTPError(f"{_safe(url)}: expected JSON but got an HTML page (HTTP {resp.status_code}, "
                               f"{ctype or 'no content type'})")
    try:
        return json.loads(body)
    except RecursionError:
        raise HarvestHTTPError(f"{_safe(url)}: JSON nested too deeply to read ({len(body)} bytes received)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise HarvestHTTPError(f"{_safe(url)}: invalid JSON{where} ({msg}; {len(body)} bytes received)") from None


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - time.time()


def _describe(exc: Exception) -> str:
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS failed (the certificate could not be verified, or the handshake failed)"
    if isinstance(exc, requests.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, requests.ReadTimeout):
        return "no response within the read timeout"
    if isinstance(exc, requests.ConnectionError):
        return "could not connect" if "Connection refused" in str(exc) or "NewConnectionError" in repr(exc) \
            else "connection failed"
    return type(exc).__name__


def _safe(url: str) -> str:
    """The URL without any user:password part (query strings here never carry secrets)."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        return parts._replace(netloc=netloc).geturl()
    return url
