"""Error pages, and one JSON error shape for every endpoint: {"ok": false, "status", "title", "error"}.

Domain errors (catalogue.errors.CatalogueError and its subclasses) map to an HTTP status by class, and their
JSON body also carries the exception's stable `code`."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from catalogue.errors import CatalogueError
from catalogue.formats.rdf_io import RDFError
from catalogue.provenance import RunInProgress
from catalogue.publishing.accounts import AccountError
from catalogue.publishing.drafts import DraftError
from catalogue.publishing.workflow import DraftNotFound, UploadRefused
from catalogue.records.files import InputError

from web.common import twin_format

bp = Blueprint("errors", __name__)

# The first class in an exception's MRO found here gives its status (CatalogueError itself last).
DOMAIN_STATUS: dict[type, int] = {
    InputError: 400,  # the request's file or body cannot be read (UploadError too)
    RDFError: 400,
    DraftError: 403,  # the draft is another organisation's
    DraftNotFound: 404,
    RunInProgress: 409,
    AccountError: 422,
    UploadRefused: 422,
    CatalogueError: 422,
}


def wants_json_error() -> bool:
    """An error is JSON where the address names a data format (the twin rule), or the client prefers JSON."""
    if twin_format() is not None:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


# A stable code for errors that are only an HTTP status; domain errors carry their own (catalogue.errors).
STATUS_CODES = {400: "bad-request", 401: "sign-in-required", 403: "forbidden", 404: "not-found",
                405: "method-not-allowed", 409: "conflict", 413: "too-large", 422: "unprocessable",
                429: "too-many-requests", 500: "server-error"}


def error_body(status: int, title: str, message: str, code: str | None = None) -> dict:
    """The one JSON error shape: {"ok": false, "status", "title", "error", "code"}."""
    code = code or STATUS_CODES.get(status) or title.lower().replace(" ", "-")
    return {"ok": False, "status": status, "title": title, "error": message, "code": code}


def _reply(status: int, title: str, message: str, code: str | None = None):
    if wants_json_error():
        return error_body(status, title, message, code), status
    return render_template("layout/error.html", status=status, title=title, message=message), status


def domain_status(exc: CatalogueError) -> int:
    return next(DOMAIN_STATUS[k] for k in type(exc).__mro__ if k in DOMAIN_STATUS)


@bp.app_errorhandler(CatalogueError)
def domain_error(exc: CatalogueError):
    status = domain_status(exc)
    return _reply(status, HTTP_STATUS_CODES[status], str(exc) or HTTP_STATUS_CODES[status], exc.code)


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    return _reply(exc.code or 500, exc.name, exc.description or exc.name)


@bp.app_errorhandler(Exception)
def unexpected(exc: Exception):
    current_app.logger.exception("Unhandled error on %s", request.path)
    return _reply(500, InternalServerError().name, "Something went wrong on our side. The error has been logged.")
