"""For crawlers: /sitemap.xml (home, publisher pages, every published dataset) and /robots.txt.

Above MAX_URLS addresses (the sitemap protocol's cap per file) /sitemap.xml is a sitemap index of numbered
/sitemaps/<n>.xml files. Addresses are absolute on the configured public base URL."""
from __future__ import annotations

from typing import Iterator
from xml.sax.saxutils import escape

from flask import Blueprint, Response, url_for

from web.common import catalogue, not_found

bp = Blueprint("site", __name__)
MAX_URLS = 50_000
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
DISALLOW = ("/api/",)  # a prefix, not a page: the others come from the routes' names


def _absolute(path: str) -> str:
    return catalogue().settings.base_url.rstrip("/") + path


def _paths() -> list[str]:
    """Every address a crawler should know, as paths: home, publishers, each publisher, each published dataset."""
    cat = catalogue()
    return [url_for("search.home"), url_for("publishers.publishers"),
            *(url_for("publishers.publisher", name=p["id"]) for p in cat.publishers()),
            *(url_for("datasets.dataset", name=i) for i in cat.published_ids())]


def _urlset(paths: list[str]) -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">\n'
    for path in paths:
        yield f"<url><loc>{escape(_absolute(path))}</loc></url>\n"
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
