"""Flask web UI and JSON API (app factory)."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, abort, send_from_directory
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from catalogue.publishing.accounts import SESSION_LIFETIME
from catalogue.records.files import create_private
from catalogue.records.service import Catalogue
from catalogue.settings import Settings

from web import auth, errors, filters, frame
from web.services import KEY as SERVICES_KEY, Services
from web.views import (api, apidocs, audit, ckan_api, datasets, feeds, harvest, health, info, plan, publish, publishers,
                       search, site, sparql, variables, vocab)

STATIC = Path(__file__).resolve().parent / "static"


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.instance_dir) / "secret_key"
    fd = create_private(path)
    if fd is not None:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def blueprints() -> list:
    """Every blueprint, in the order they are registered: app-wide pieces first, then one per area."""
    return [errors.bp, filters.bp, frame.bp, auth.bp, api.bp, ckan_api.bp, publish.bp, search.bp, datasets.bp,
            publishers.bp, audit.bp, harvest.bp, health.bp, info.bp, site.bp, feeds.bp, apidocs.bp, plan.bp, vocab.bp,
            variables.bp, sparql.bp]


def create_app(settings: Settings | None = None, catalogue: Catalogue | None = None) -> Flask:
    """Build the web app around a catalogue (store + search index)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.config.update(SECRET_KEY=_secret_key(settings), MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024,
                      SETTINGS=settings, JSON_SORT_KEYS=False)
    app.json.sort_keys = False
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ])
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    catalogue = catalogue or Catalogue(settings)
    catalogue.sync_index(force=True)
    app.extensions[SERVICES_KEY] = Services.build(catalogue)
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=settings.base_url.startswith("https"),
                      PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME, WTF_CSRF_TIME_LIMIT=None)
    csrf = CSRFProtect(app)
    for bp in blueprints():
        app.register_blueprint(bp)
    csrf.exempt(api.bp)  # the API takes bearer tokens only, never cookies
    csrf.exempt(ckan_api.bp)  # read-only; CKAN clients POST their parameters as JSON
    csrf.exempt(sparql.bp)  # read-only SPARQL Protocol: clients POST queries as forms or application/sparql-query

    @app.route("/assets/<path:filename>")
    def govuk_assets(filename: str):
        return send_from_directory(STATIC / "govuk" / "assets", filename)

    @app.url_value_preprocessor
    def refuse_nul(endpoint, values):
        """No identifier can hold NUL (PostgreSQL text cannot), so such an address names nothing."""
        if values and any(isinstance(v, str) and "\x00" in v for v in values.values()):
            abort(404, description="There is nothing at this address.")

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy",
                                    "default-src 'self'; script-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                                    "style-src 'self' 'unsafe-inline'")
        if settings.base_url.startswith("https://"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

    return app
