"""Error pages, and one JSON error shape for every endpoint: {"ok": false, "status", "title", "error"}."""
from __future__ import annotations

from flask import render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from web.common import DATA_EXTENSIONS


def wants_json() -> bool:
    path = request.path
    if path.startswith("/api/") or path.rpartition(".")[2] in DATA_EXTENSIONS:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_body(status: int, title: str, message: str) -> dict:
    return {"ok": False, "status": status, "title": title, "error": message}


def register(app) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        message = exc.description or exc.name
        if wants_json():
            return error_body(status, exc.name, message), status
        return render_template("layout/error.html", status=status, title=exc.name, message=message), status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("Unhandled error on %s", request.path)
        err = InternalServerError()
        message = "Something went wrong on our side. The error has been logged."
        if wants_json():
            return error_body(500, err.name, message), 500
        return render_template("layout/error.html", status=500, title=err.name, message=message), 500
