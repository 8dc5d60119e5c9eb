"""Helpers shared by the views: one rule for a page's twin, and one render path for a page and its JSON twin."""
from __future__ import annotations

from flask import abort, after_this_request, g, jsonify, render_template, request

from catalogue.formats.rdf_io import FORMATS
from catalogue.records.service import Catalogue

from web.services import services

DATA_EXTENSIONS = ("json", "ttl", "jsonld", "rdf")


def catalogue() -> Catalogue:
    return services().catalogue


def twin_format() -> str | None:
    """The one rule for twins: the data format the address names ('json' for the API), or None for the page.

    The format is the address's last extension if it is one of DATA_EXTENSIONS. Where identifiers may contain dots,
    `split_ext` settles it first ('abc.json' is a page if a record has that identifier)."""
    if "twin_format" in g:
        return g.twin_format
    path = request.path
    if path.startswith("/api/"):
        return "json"
    _, dot, ext = path.rpartition("/")[2].rpartition(".")
    return ext if dot and ext in DATA_EXTENSIONS else None


def wants_json() -> bool:
    """Whether to answer with the JSON twin of the page."""
    return twin_format() == "json"


def respond(template: str, data: dict, as_json: bool | None = None, status: int = 200):
    """Render the page, or the same view data as JSON (by default when the address asks for the JSON twin)."""
    if wants_json() if as_json is None else as_json:
        return jsonify(data), status
    return render_template(template, **data), status


def split_ext(name: str, exists, negotiate: tuple[str, ...] = ()) -> tuple[str, str | None]:
    """'abc.json' → ('abc', 'json') unless 'abc.json' itself exists (identifiers may contain dots).

    Without an extension, a page that also serves the data formats in `negotiate` (RDF: 'ttl', 'jsonld', 'rdf')
    picks one by the Accept header (`Vary: Accept`). The format found is the request's twin format from here on."""
    ident, ext = _split_ext(name, exists)
    if negotiate and ext is None:
        after_this_request(_vary_on_accept)
        ext = negotiated_format(negotiate)
    g.twin_format = ext
    return ident, ext


def negotiated_format(offered: tuple[str, ...]) -> str | None:
    """The RDF format (of rdf_io.FORMATS) the Accept header prefers to the page, or None for the page.

    A browser (text/html first), `*/*`, no Accept, or one that asks only for application/json gets the page, as
    before: the JSON twin is named by its address (.json, /api/), never negotiated."""
    by_type = {FORMATS[f][1]: f for f in offered}
    best = request.accept_mimetypes.best_match(["text/html", *by_type])
    return by_type.get(best)


def _vary_on_accept(response):
    response.vary.add("Accept")
    return response


def _split_ext(name: str, exists) -> tuple[str, str | None]:
    if exists(name):
        return name, None
    base, dot, ext = name.rpartition(".")
    if dot and ext in DATA_EXTENSIONS:
        return base, ext  # the caller 404s with the right format if `base` does not exist either
    return name, None


def not_found(message: str):
    abort(404, description=message)
