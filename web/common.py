"""Helpers shared by the views: one render path for a page and its JSON twin."""
from __future__ import annotations

from flask import abort, current_app, jsonify, render_template

from catalogue.records.service import Catalogue

DATA_EXTENSIONS = ("json", "ttl", "jsonld", "rdf")


def catalogue() -> Catalogue:
    return current_app.extensions["catalogue"]


def respond(template: str, data: dict, as_json: bool, status: int = 200):
    """Render the page, or the same view data as JSON."""
    if as_json:
        return jsonify(data), status
    return render_template(template, **data), status


def split_ext(name: str, exists) -> tuple[str, str | None]:
    """'abc.json' → ('abc', 'json') unless 'abc.json' itself exists (identifiers may contain dots)."""
    if exists(name):
        return name, None
    base, dot, ext = name.rpartition(".")
    if dot and ext in DATA_EXTENSIONS and exists(base):
        return base, ext
    if dot and ext in DATA_EXTENSIONS:
        return base, ext  # the caller 404s with the right format
    return name, None


def not_found(message: str):
    abort(404, description=message)
