"""Atom feeds of new, updated and withdrawn datasets: the whole catalogue, and each publisher."""
from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, request, url_for

from catalogue.formats.atom import MEDIA_TYPE, atom_feed, revision_entry
from catalogue.records.clock import utc_now

from web.common import catalogue, not_found

bp = Blueprint("feeds", __name__)
DEFAULT_LIMIT, MAX_LIMIT = 50, 200


def feed_limit(value) -> int:
    """The `limit` parameter: a whole number from 1 to MAX_LIMIT, DEFAULT_LIMIT when missing or unreadable."""
    try:
        return min(max(1, int(value)), MAX_LIMIT)
    except (TypeError, ValueError):
        return DEFAULT_LIMIT


def _absolute(path: str) -> str:
    """An absolute URL on the configured public base URL (as RDF dataset URIs are)."""
    return catalogue().settings.base_url.rstrip("/") + path


def _feed(title: str, publisher: str | None, self_path: str, alternate_path: str) -> Response:
    cat = catalogue()
    names = cat.publisher_names()
    base = cat.settings.base_url.rstrip("/")
    entries = [revision_entry(rev, f"{base}/datasets/{quote(rev.dataset_id, safe='')}",
                              _absolute(url_for("datasets.dataset", name=rev.dataset_id)), names)
               for rev in cat.recent_changes(feed_limit(request.args.get("limit")), publisher)]
    body = atom_feed(feed_id=_absolute(self_path), title=title, self_link=_absolute(self_path),
                     alternate_link=_absolute(alternate_path), entries=entries, updated=utc_now())
    return Response(body, mimetype=MEDIA_TYPE)


@bp.route("/feeds/datasets.atom")
def datasets():
    return _feed("Dataset changes: new, updated and withdrawn datasets", None, url_for("feeds.datasets"),
                 url_for("search.search"))


@bp.route("/publishers/<name>/feed.atom")
def publisher(name: str):
    pub = catalogue().publisher(name)
    if pub is None:
        not_found(f"There is no publisher with the identifier '{name}'.")
    return _feed(f"Dataset changes from {pub['name']}", name, url_for("feeds.publisher", name=name),
                 url_for("publishers.publisher", name=name))
