"""For crawlers: /sitemap.xml (home, publisher pages, every published dataset, the vocabularies) and /robots.txt.

Above MAX_URLS addresses (the sitemap protocol's cap per file) /sitemap.xml is a sitemap index of numbered
/sitemaps/<n>.xml files. Addresses are absolute on the configured public base URL. A dataset's <lastmod> is the
time its record last changed in the store; a publisher page's, and the home and publisher list's, the latest of
their datasets'. The vocabularies carry none (they change with a release, not a record)."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator
from xml.sax.saxutils import escape

from flask import Blueprint, Response, url_for

from catalogue.formats.vocabularies import SCHEMES, register_of

from web.common import catalogue, not_found

bp = Blueprint("site", __name__)
MAX_URLS = 50_000
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
DISALLOW = ("/api/",)  # a prefix, not a page: the others come from the routes' names


def _absolute(path: str) -> str:
    return catalogue().settings.base_url.rstrip("/") + path


def _paths() -> list[tuple[str, datetime | None]]:
    """Every address a crawler should know, as (path, last change): home, publishers, each publisher, each
    published dataset, the vocabularies and their concepts."""
    cat = catalogue()
    times = cat.published_times()
    latest: dict[str, datetime] = {}
    for _id, pub, when in times:
        latest[pub] = max(latest.get(pub, when), when)
    newest = max(latest.values(), default=None)
    return [(url_for("search.home"), newest), (url_for("publishers.publishers"), newest),
            *((url_for("publishers.publisher", name=p["id"]), latest.get(p["id"])) for p in cat.publishers()),
            *((url_for("datasets.dataset", name=i), when) for i, _pub, when in times),
            (url_for("vocab.index"), None),
            *((url_for("vocab.scheme", name=s), None) for s in SCHEMES),
            *((url_for("vocab.concept", scheme=s, name=e.id), None) for s in SCHEMES for e in register_of(s))]


def lastmod(when: datetime) -> str:
    """W3C Datetime, as the sitemap protocol takes it: 2024-05-01T10:11:12+00:00."""
    return when.astimezone(timezone.utc).isoformat(timespec="seconds")


def _urlset(paths: list[tuple[str, datetime | None]]) -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">\n'
    for path, when in paths:
        mod = f"<lastmod>{lastmod(when)}</lastmod>" if when is not None else ""
        yield f"<url><loc>{escape(_absolute(path))}</loc>{mod}</url>\n"
    yield "</urlset>\n"


def _xml(chunks: Iterator[str]) -> Response:
    return Response("".join(chunks), mimetype="application/xml")


@bp.route("/sitemap.xml")
def sitemap():
    paths = _paths()
    if len(paths) <= MAX_URLS:
        return _xml(_urlset(paths))
    pages = range(1, (len(paths) + MAX_URLS - 1) // MAX_URLS + 1)
    return _xml(iter([f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NS}">\n',
                      *(f"<sitemap><loc>{escape(_absolute(url_for('site.sitemap_page', page=n)))}</loc></sitemap>\n"
                        for n in pages),
                      "</sitemapindex>\n"]))


@bp.route("/sitemaps/<int:page>.xml")
def sitemap_page(page: int):
    paths = _paths()
    start = (page - 1) * MAX_URLS
    if page < 1 or start >= len(paths) or len(paths) <= MAX_URLS:
        not_found(f"There is no sitemap page {page}: see {url_for('site.sitemap')}.")
    return _xml(_urlset(paths[start:start + MAX_URLS]))


@bp.route("/robots.txt")
def robots():
    private = [*DISALLOW, url_for("audit.dashboard"), url_for("harvest.sources"), url_for("auth.login")]
    lines = ["User-agent: *", "Allow: /", *(f"Disallow: {p}" for p in private), "",
             f"Sitemap: {_absolute(url_for('site.sitemap'))}", ""]
    return Response("\n".join(lines), mimetype="text/plain")
