"""/sparql: a read-only SPARQL 1.1 Protocol endpoint over the catalogue, and its page (form and worked examples).

Protocol: GET with query=, POST as a form (application/x-www-form-urlencoded) or as application/sparql-query.
SELECT and ASK answer in JSON, XML, CSV or TSV; CONSTRUCT and DESCRIBE in Turtle, JSON-LD, N-Triples or RDF/XML;
chosen by format= (a name or a media type) or else by Accept. A browser (Accept: text/html) gets the page with the
results in it. Errors: the one JSON error shape for JSON clients, the page for browsers, plain text otherwise.
"""
from __future__ import annotations

import json

from flask import Blueprint, Response, jsonify, render_template, request, url_for

from catalogue.errors import CatalogueError
from catalogue.sparql.examples import EXAMPLES
from catalogue.sparql.pool import Busy, QueryTimeout, WorkerFailed
from catalogue.sparql.service import (DEFAULT_PREFIXES, GRAPH_FORMATS, RESULT_FORMATS, NotReady, SparqlError,
                                      SparqlService, UpdateRefused)

from web.common import catalogue
from web.errors import error_body
from web.services import services

bp = Blueprint("sparql", __name__)

MEDIA = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml", "csv": "text/csv",
         "tsv": "text/tab-separated-values", "ttl": "text/turtle", "jsonld": "application/ld+json",
         "nt": "application/n-triples", "rdf": "application/rdf+xml"}
# Accepted media types, best first, for each kind of answer.
RESULT_TYPES = {"application/sparql-results+json": "json", "application/json": "json",
                "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
                "text/csv": "csv", "text/tab-separated-values": "tsv"}
GRAPH_TYPES = {"text/turtle": "ttl", "application/turtle": "ttl", "application/x-turtle": "ttl",
               "application/ld+json": "jsonld", "application/json": "jsonld", "application/n-triples": "nt",
               "text/plain": "nt", "application/rdf+xml": "rdf", "application/xml": "rdf", "text/xml": "rdf"}
# format= names: (result format, graph format); None leaves that kind to Accept.
FORMAT_NAMES = {"json": ("json", "jsonld"), "xml": ("xml", "rdf"), "csv": ("csv", None), "tsv": ("tsv", None),
                "ttl": (None, "ttl"), "turtle": (None, "ttl"), "jsonld": ("json", "jsonld"),
                "json-ld": ("json", "jsonld"), "nt": (None, "nt"), "ntriples": (None, "nt"),
                "n-triples": (None, "nt"), "rdf": (None, "rdf"), "rdfxml": (None, "rdf"), "rdf/xml": (None, "rdf"),
                "rdf+xml": (None, "rdf"), "n3": (None, "ttl")}  # the last two: SPARQLWrapper's names
JSON_TYPES = {"application/json", "application/sparql-results+json", "application/ld+json"}
HTML_ROWS = 1000  # rows shown on the page; the data formats carry them all
# A query that asks too much (time, rows) is the request's problem: 400. Busy or still building: 503, retry.
STATUS = {UpdateRefused: 400, SparqlError: 400, QueryTimeout: 400, WorkerFailed: 400, Busy: 503, NotReady: 503}
TITLES = {400: "Bad Request", 415: "Unsupported Media Type", 503: "Service Unavailable"}


def service() -> SparqlService:
    return services().sparql


class _Refused(CatalogueError):
    """A protocol error found before any query runs (carries its HTTP status and a code of its own)."""

    code = "bad-request"

    def __init__(self, status: int, message: str, code: str):
        super().__init__(message, code=code)
        self.status = status


def _values(name: str) -> list[str]:
    """A protocol parameter: from the URL, and from the body of a form POST."""
    values = request.args.getlist(name)
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        values += request.form.getlist(name)
    return values


def _read_query() -> str | None:
    if _values("update") or request.mimetype == "application/sparql-update":
        raise UpdateRefused("This endpoint is read-only: SPARQL updates are refused. Send a SELECT, ASK, "
                            "CONSTRUCT or DESCRIBE query in the query parameter.")
    if request.method == "POST" and request.mimetype == "application/sparql-query":
        try:
            return request.get_data().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Refused(400, f"The query is not UTF-8 text (byte {exc.start}).", "not-utf-8") from None
    if request.method == "POST" and request.mimetype not in ("application/x-www-form-urlencoded", ""):
        raise _Refused(415, "Send the query as application/x-www-form-urlencoded (query=...) or as "
                            "application/sparql-query.", "unsupported-media-type")
    queries = _values("query")
    if len(queries) > 1:
        raise _Refused(400, "Send exactly one query parameter.", "bad-request")
    return queries[0] if queries else None


def _format_param() -> str | None:
    values = _values("format")
    return values[0].strip().lower() if values else None


def _wants_page(fmt: str | None) -> bool:
    """A browser: format=html, or no format= and an Accept that names text/html above every data type."""
    if fmt is not None:
        return fmt == "html"
    accept = request.accept_mimetypes
    named = {value for value, _q in accept}
    return "text/html" in named and accept.best_match(["text/html", *RESULT_TYPES, *GRAPH_TYPES]) == "text/html"


def _formats(fmt: str | None) -> tuple[str, str]:
    """(result format, graph format): from format= (a name or a media type) where it says, else by Accept."""
    results = graph = None
    if fmt:
        if fmt in FORMAT_NAMES:
            results, graph = FORMAT_NAMES[fmt]
        elif fmt in RESULT_TYPES or fmt in GRAPH_TYPES:
            results, graph = RESULT_TYPES.get(fmt), GRAPH_TYPES.get(fmt)
        else:
            names = ", ".join(sorted(FORMAT_NAMES))
            raise _Refused(400, f"Unknown format '{fmt[:40]}'. Use one of: {names} (or a media type).",
                           "unknown-format")
    accept = request.accept_mimetypes
    results = results or RESULT_TYPES.get(accept.best_match(list(RESULT_TYPES)) or "", "json")
    graph = graph or GRAPH_TYPES.get(accept.best_match(list(GRAPH_TYPES)) or "", "ttl")
    return results, graph


def _error_style(fmt: str | None) -> str:
    """How to say an error: 'json' (the one error shape) unless the client asked for a non-JSON data format."""
    if fmt in FORMAT_NAMES:
        return "json" if fmt in ("json", "jsonld", "json-ld") else "text"
    if fmt in RESULT_TYPES or fmt in GRAPH_TYPES:
        return "json" if fmt in JSON_TYPES else "text"
    accept = request.accept_mimetypes
    best = accept.best_match([*JSON_TYPES, *RESULT_TYPES, *GRAPH_TYPES])
    return "text" if best and best not in JSON_TYPES and accept[best] > accept["application/json"] else "json"


def _page_data() -> dict:
    settings = catalogue().settings
    base = settings.base_url
    return {
        "endpoint": url_for("sparql.endpoint", _external=False),
        "limits": {"timeout_seconds": settings.sparql_timeout, "max_rows": settings.sparql_max_rows},
        "formats": {"select_ask": {name: MEDIA[name] for name in RESULT_FORMATS},
                    "construct_describe": {name: MEDIA[name] for name in GRAPH_FORMATS}},
        "prefixes": DEFAULT_PREFIXES,
        "examples": [{"slug": e.slug, "title": e.title, "description": e.description, "query": e.text(base)}
                     for e in EXAMPLES],
    }


def _page(status: int = 200, **extra):
    data = _page_data()
    data.update(extra)
    data.setdefault("query", data["examples"][0]["query"])
    return render_template("sparql/sparql.html", **data), status


def _table(body: bytes) -> dict:
    doc = json.loads(body)
    if "boolean" in doc:
        return {"boolean": doc["boolean"]}
    names = doc["head"]["vars"]
    rows = [[b.get(n) for n in names] for b in doc["results"]["bindings"][:HTML_ROWS]]
    return {"vars": names, "rows": rows, "total": len(doc["results"]["bindings"])}


def _fail(exc: CatalogueError, status: int, fmt: str | None, page: bool, query: str | None):
    title = TITLES.get(status, "Bad Request")
    headers = {"Retry-After": "5"} if status == 503 else {}
    if page:
        html, _ = _page(status, query=query or "", error=str(exc))
        return Response(html, status, headers, mimetype="text/html")
    if _error_style(fmt) == "json":
        return Response(json.dumps(error_body(status, title, str(exc), exc.code)), status, headers,
                        mimetype="application/json")
    return Response(f"{title}: {exc}\n", status, headers, mimetype="text/plain")


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint():
    fmt = query = None
    page = False
    try:
        fmt = _format_param()
        page = _wants_page(fmt)
        query = _read_query()
        if query is None:
            if page or fmt is None:
                return _page()
            raise _Refused(400, "Send a SPARQL query in the query parameter.", "bad-request")
        results, graph = ("json", "ttl") if page else _formats(fmt)
        answer = service().query(query, results, graph, _values("default-graph-uri"), _values("named-graph-uri"))
    except _Refused as exc:
        return _fail(exc, exc.status, fmt, page, query)
    except (SparqlError, QueryTimeout, WorkerFailed, Busy, NotReady) as exc:
        status = next(STATUS[k] for k in type(exc).__mro__ if k in STATUS)
        return _fail(exc, status, fmt, page, query)
    if page:
        result = _table(answer.body) if answer.kind != "graph" else {"graph": answer.body.decode("utf-8")}
        html, _ = _page(query=query, result=result, kind=answer.kind)
        return html
    response = Response(answer.body, mimetype=MEDIA[answer.format])
    response.vary.add("Accept")
    return response


@bp.route("/sparql.json")
def page_json():
    """The page's JSON twin: the endpoint, its limits, formats, predeclared prefixes and the worked examples."""
    return jsonify(_page_data())
