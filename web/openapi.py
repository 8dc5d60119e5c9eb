"""The OpenAPI 3.1 document for every JSON endpoint: the JSON twins of the pages and the write API under /api/.

Data built from code, served at /openapi.json and rendered as the /api/docs page (web/views/apidocs.py).
Response schemas say what a client may rely on and stay open (additionalProperties allowed) so that adding a
field is never a breaking change. The record schema is schemas/dataset.schema.json itself: JSON Schema 2020-12
is OpenAPI 3.1's own dialect. tests/web/test_openapi.py checks that every JSON rule in the URL map is here and runs
schemathesis against the app."""
from __future__ import annotations

import copy

from catalogue.audit.tables import TABLE_NAMES
from catalogue.records.schema import dataset_schema

OPENAPI_VERSION = "3.1.0"

JSON = "application/json"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(props: dict | None = None, required: tuple = (), **extra) -> dict:
    out = {"type": "object", "properties": props or {}, **extra}
    if required:
        out["required"] = list(required)
    return out


STR = {"type": "string"}
INT = {"type": "integer"}
BOOL = {"type": "boolean"}
ANY_OBJ = {"type": "object"}
OBJ_LIST = {"type": "array", "items": ANY_OBJ}

ERRORS = {
    400: "The request cannot be read (the body or a parameter).",
    401: "No valid bearer token (or, for pages' twins, no signed-in session).",
    403: "The token's role or organisation does not allow this.",
    404: "There is nothing at this address.",
    405: "The address does not take this method.",
    409: "A conflict with what is stored (already exists, already published, a run in progress).",
    413: "The body is larger than the upload limit.",
    415: "The body is not of a supported media type.",
    422: "The record or upload is not valid; nothing was saved. The report lists the problems.",
}


def _components() -> dict:
    record = copy.deepcopy(dataset_schema())
    record.pop("$schema", None)  # the dialect is OpenAPI 3.1's default, JSON Schema 2020-12
    problem = _obj({"path": STR, "code": STR, "message": STR, "severity": {"type": "string"}},
                   ("path", "code", "message", "severity"),
                   description="One problem found by validation, an upload check or a harvest: a JSON path in the "
                               "record, a stable machine-readable code, a message and a severity.")
    report = _obj({"valid": BOOL, "issues": {"type": "array", "items": _ref("Problem")}},
                  description="A validation report: whether the record is valid and the problems found.")
    error = _obj({"ok": {"const": False}, "status": INT, "title": STR, "error": STR, "code": STR,
                  "report": _ref("Report")},
                 ("ok", "status", "title", "error", "code"),
                 description="The one JSON error shape. `code` is stable: act on it, not on the English `error`. "
                             "Refusals of a record or upload also carry its `report` or check results.")
    saved = _obj({"ok": {"const": True}, "identifier": STR, "action": STR, "revision": {"type": ["integer", "null"]},
                  "url": STR, "report": _ref("Report")}, ("ok",),
                 description="The outcome of a write: created, updated, unchanged or withdrawn.")
    draft = _obj({"ok": {"const": True}, "draft": ANY_OBJ}, ("ok", "draft"), description="A saved draft.")
    stored = _obj({"ok": {"const": True}, "identifier": STR, "status": STR, "revision": INT, "record": ANY_OBJ,
                   "report": ANY_OBJ}, ("ok", "identifier", "record"),
                  description="A stored record as the API returns it. The record is as stored; the store keeps "
                              "records that are not yet valid, so it is not promised to match DatasetRecord.")
    upload = _obj({"ok": BOOL, "dry_run": BOOL, "file": STR, "records": INT, "passing": INT, "blocked": INT,
                   "valid": BOOL, "results": OBJ_LIST, "published": OBJ_LIST}, ("ok", "results"),
                  description="The check of every record in an upload, and what was published.")
    return {
        "schemas": {"DatasetRecord": record, "Problem": problem, "Report": report, "Error": error,
                    "WriteResult": saved, "Draft": draft, "StoredDataset": stored, "UploadResult": upload},
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "An API token (`catalogue tokens create`). Send it as "
                                          "`Authorization: Bearer <token>`. The API under /api/ takes tokens "
                                          "only; the pages' JSON twins also take a signed-in session."}},
    }


def _error_responses(*statuses: int) -> dict:
    return {str(s): {"description": ERRORS[s], "content": {JSON: {"schema": _ref("Error")}}} for s in statuses}


def _ok(schema: dict, description: str = "OK", status: int = 200, media: str = JSON) -> dict:
    return {str(status): {"description": description, "content": {media: {"schema": schema}}}}


def _path_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": STR}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema or STR}


def _op(tag: str, summary: str, responses: dict, params: list | None = None, secured: bool = False,
        body: dict | None = None, op_id: str = "", description: str = "") -> dict:
    op = {"tags": [tag], "summary": summary, "operationId": op_id, "responses": responses}
    if description:
        op["description"] = description
    if params:
        op["parameters"] = params
    if secured:
        op["security"] = [{"bearerAuth": []}]
    if body:
        op["requestBody"] = body
    return op


def _twin(tag: str, summary: str, op_id: str, schema: dict | None = None, params: list | None = None,
          errors: tuple = (), secured: bool = False) -> dict:
    """A GET on a page's JSON twin."""
    errors = tuple(sorted(set(errors) | ({401, 403} if secured else set())))
    return {"get": _op(tag, summary, {**_ok(schema or ANY_OBJ), **_error_responses(*errors)}, params, secured,
                       op_id=op_id)}


DATASET_ID = _path_param("dataset_id", "The dataset's identifier.")
RECORD_BODY = {"required": True, "content": {JSON: {"schema": _ref("DatasetRecord")}}}
PATCH_BODY = {"required": True, "description": "A JSON Merge Patch (RFC 7386) on the stored record (or draft).",
              "content": {JSON: {"schema": ANY_OBJ}}}
DRAFT_FLAG = _query("draft", "`1`, `true` or `yes`: work on a draft instead of the published record.")


def _read_paths() -> dict:
    search_params = [_query("q", "Free text."), _query("page", "Page number, from 1.", INT),
                     _query("theme", "Filter by theme."), _query("publisher", "Filter by publisher."),
                     _query("show", "Group results (`publisher`).")]
    return {
        "/search.json": _twin("Search", "Search the catalogue", "search", _obj(), search_params, (400,)),
        "/suggest": _twin("Search", "Autocomplete: titles, publishers, variable names and linkage keys for a prefix",
                          "suggest", _obj(), [_query("q", "What has been typed."),
                                              _query("limit", "At most this many (1 to 20).", INT)]),
        "/search/synonyms.json": _twin("Search", "The acronyms and synonyms searches are widened with", "synonyms",
                                       _obj()),
        "/variables.json": _twin(
            "Search", "Variables across datasets: name, label, dataset, linkage role, collection method, completeness",
            "variables", _obj(), [_query("q", "Variable name, label or linkage key (e.g. NHS number, NINo)."),
                                  _query("role", "Linkage role id, e.g. uprn (repeatable)."),
                                  _query("publisher", "Publisher id (repeatable)."),
                                  _query("tre", "Access route or TRE name (repeatable)."),
                                  _query("page", "Page of 20 datasets.", INT)]),
        "/datasets/{dataset_id}.json": _twin("Datasets", "One dataset: its record, report and score", "dataset",
                                             _obj(), [DATASET_ID], (404,)),
        "/datasets/{dataset_id}/history.json": _twin("Datasets", "A dataset's revisions", "history", _obj(),
                                                     [DATASET_ID], (404,)),
        "/datasets/{dataset_id}/diff.json": _twin(
            "Datasets", "What changed between two revisions", "diff", _obj(),
            [DATASET_ID, _query("from", "The older revision.", INT), _query("to", "The newer revision.", INT)],
            (400, 404)),
        "/publishers.json": _twin("Publishers", "Every publisher", "publishers", _obj()),
        "/publishers/{name}.json": _twin("Publishers", "One publisher and its datasets", "publisher", _obj(),
                                         [_path_param("name", "The publisher's identifier.")], (404,)),
        "/publish.json": _twin("Publishing", "How to publish; the caller's drafts", "publish_info", _obj()),
        "/publish/example.json": _twin("Publishing", "An example record", "example_record", _ref("DatasetRecord")),
        "/publish/schema.json": {"get": _op("Publishing", "The record's JSON Schema (2020-12)",
                                            _ok(ANY_OBJ, media="application/schema+json"), op_id="record_schema")},
        "/publish/uploads/{upload_id}.json": _twin(
            "Publishing", "The check of a pending web upload", "upload_report", _obj(),
            [_path_param("upload_id", "The upload's identifier.")], (404,), secured=True),
        "/publish/drafts/{draft_id}.json": _twin(
            "Publishing", "One draft", "draft", _obj(), [_path_param("draft_id", "The draft's identifier.")],
            (404,), secured=True),
        "/audit.json": _twin("Audit", "The completeness dashboard (stewards)", "audit_dashboard", _obj(),
                             [_query("as_of", "A date (YYYY-MM-DD)."), _query("sort", "Sort key."),
                              _query("order", "`asc` or `desc`.")], (400,), secured=True),
        "/audit/publishers/{name}.json": _twin(
            "Audit", "One publisher's audit (stewards)", "audit_publisher", _obj(),
            [_path_param("name", "The publisher's identifier.")], (400, 404), secured=True),
        "/audit/{table}.json": _twin(
            "Audit", "One audit table as JSON (stewards; also as .csv)", "audit_table", _obj(),
            [{**_path_param("table", "The table's name."), "schema": {"enum": [*TABLE_NAMES, "trend", "snapshots"]}},
             _query("as_of", "A date (YYYY-MM-DD).")], (400, 404), secured=True),
        "/audit/method.json": _twin("Audit", "How the audit scores records", "audit_method", _obj()),
        "/harvest.json": _twin("Harvest", "Harvest sources and recent runs (stewards)", "harvest_sources", _obj(),
                               secured=True),
        "/harvest/sources/{name}.json": _twin(
            "Harvest", "One harvest source (stewards)", "harvest_source", _obj(),
            [_path_param("name", "The source's name.")], (404,), secured=True),
        "/harvest/runs/{run_ref}.json": _twin(
            "Harvest", "One harvest run and its outcomes (stewards)", "harvest_run", _obj(),
            [_path_param("run_ref", "The run's number."), _query("action", "Filter outcomes by action."),
             _query("page", "Page number.")], (400, 404), secured=True),
        **_plan_paths(),
        **_vocab_paths(),
        **_sparql_paths(),
        "/accessibility.json": _twin("About", "The accessibility statement", "accessibility", _obj()),
        "/privacy.json": _twin("About", "The privacy notice", "privacy", _obj()),
        "/cookies.json": _twin("About", "The cookies this service sets", "cookies", _obj()),
        "/openapi.json": {"get": _op("About", "This document", _ok(ANY_OBJ), op_id="openapi")},
        "/healthz": {"get": _op("About", "Health of this node", _health_responses(), op_id="healthz",
                                description="Whether the store answers, and how many revisions this node's search "
                                            "index is behind it (`index.lag`). 503 when the store cannot be "
                                            "reached; a lag is reported, not judged.")},
    }


def _health_responses() -> dict:
    index = _obj({"engine": STR, "revision": {"type": ["integer", "null"]}, "lag": INT, "writer": STR},
                 ("engine", "revision"))
    healthy = _obj({"ok": {"const": True}, "status": {"const": "ok"},
                    "store": _obj({"reachable": {"const": True}, "revision": INT}, ("reachable", "revision")),
                    "index": _obj(index["properties"], ("engine", "revision", "lag", "writer"))},
                   ("ok", "status", "store", "index"))
    down = _obj({"ok": {"const": False}, "status": {"const": "unavailable"},
                 "store": _obj({"reachable": {"const": False}, "error": STR}, ("reachable",)), "index": index},
                ("ok", "status", "store"))
    return {**_ok(healthy, "The store answers; the index lag in revisions."),
            "503": {"description": "The store cannot be reached.", "content": {JSON: {"schema": down}}}}


def _plan_paths() -> dict:
    """My linkage plan: the basket (the session's), compare and the access plan; `d` names the datasets."""
    d = [_query("d", "Dataset identifiers, comma-separated (at most 25); without it, the session's basket. "
                     "Unknown or withdrawn identifiers are left out with a note.")]
    return {
        "/plan/basket.json": _twin("Plan", "The datasets in the session's linkage plan", "plan_basket", _obj()),
        "/plan/compare.json": _twin("Plan", "The plan's datasets side by side", "plan_compare", _obj(), d, (400,)),
        "/plan.json": _twin("Plan", "The access plan for the datasets", "plan", _obj(), d, (400,)),
    }


def _sparql_paths() -> dict:
    """/sparql: the SPARQL 1.1 Protocol (results in the SPARQL formats, not only JSON) and its page's JSON twin."""
    text = {"schema": STR}
    results = {"application/sparql-results+json": {"schema": _obj({"head": ANY_OBJ, "results": ANY_OBJ,
                                                                  "boolean": BOOL}, ("head",))},
               "application/ld+json": {"schema": {}}, "text/html": text,
               **{media: text for media in ("application/sparql-results+xml", "text/csv", "text/tab-separated-values",
                                            "text/turtle", "application/n-triples", "application/rdf+xml")}}
    errors = {"description": "The query cannot be run: not valid SPARQL (the parser's message), an update, a "
                             "SERVICE call, nested or long past the limits, past the time limit (`query-timeout`) or "
                             "the row cap (`too-many-results`). JSON for JSON clients, text or the page otherwise.",
              "content": {JSON: {"schema": _ref("Error")}, "text/plain": text, "text/html": text}}
    busy = {"description": "Every query worker stayed busy, or the SPARQL store is being built; retry.",
            "content": {JSON: {"schema": _ref("Error")}, "text/plain": text, "text/html": text}}
    responses = {"200": {"description": "SELECT and ASK results (JSON, XML, CSV, TSV) or a CONSTRUCT and DESCRIBE "
                                        "graph (Turtle, JSON-LD, N-Triples, RDF/XML), by `format` or Accept; the "
                                        "page (with the results) for a browser, or without a query.",
                         "content": results},
                 "400": errors, **_error_responses(413), "503": busy}
    params = [_query("query", "A SPARQL 1.1 query (SELECT, ASK, CONSTRUCT or DESCRIBE). Updates are refused."),
              _query("format", "json, xml, csv, tsv, ttl, jsonld, nt, rdf or html (or a media type); else Accept."),
              _query("default-graph-uri", "Query this named graph as the default graph instead of all graphs."),
              _query("named-graph-uri", "Limit GRAPH patterns to this named graph.")]
    form = _obj({"query": STR, "format": STR, "default-graph-uri": STR, "named-graph-uri": STR})
    body = {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": form},
                                          "application/sparql-query": {"schema": STR}}}
    return {
        "/sparql": {
            "get": _op("SPARQL", "Run a read-only SPARQL query (SPARQL 1.1 Protocol)", responses, params,
                       op_id="sparql_get"),
            "post": _op("SPARQL", "Run a read-only SPARQL query sent as a form or as application/sparql-query",
                        {**responses, **_error_responses(415)}, params[1:2], body=body, op_id="sparql_post"),
        },
        "/sparql.json": _twin("SPARQL", "The endpoint's limits, formats, declared prefixes and worked examples",
                              "sparql_page", _obj({"endpoint": STR, "limits": ANY_OBJ, "formats": ANY_OBJ,
                                                   "prefixes": ANY_OBJ, "examples": OBJ_LIST})),
    }


def _vocab_paths() -> dict:
    """The registers as SKOS vocabularies (also as .ttl, .jsonld and .rdf, which are RDF, not JSON)."""
    scheme = _path_param("name", "The vocabulary: linkage-roles, tres or legal-gateways.")
    return {
        "/vocab.json": _twin("Vocabularies", "The published vocabularies", "vocab_index", _obj()),
        "/vocab/{name}.json": _twin("Vocabularies", "One vocabulary and its concepts", "vocab_scheme", _obj(),
                                    [scheme], (404,)),
        "/vocab/{scheme}/{name}.json": _twin(
            "Vocabularies", "One concept", "vocab_concept", _obj(),
            [{**scheme, "name": "scheme"}, _path_param("name", "The concept's identifier.")], (404,)),
    }


def _write_paths() -> dict:
    write_errors = _error_responses(400, 401, 403, 409, 413, 422)
    return {
        "/api/datasets": {"post": _op(
            "API", "Create a dataset", {**_ok(_ref("WriteResult"), "Created", 201), **_ok(_ref("Draft"), "Draft saved"),
                                        **write_errors},
            [DRAFT_FLAG], True, RECORD_BODY, "create_dataset")},
        "/api/datasets/{dataset_id}": {
            "get": _op("API", "A stored dataset (or, with ?draft=1, a draft the caller may see)",
                       {**_ok({"oneOf": [_ref("StoredDataset"), _ref("Draft")]}), **_error_responses(404)},
                       [DATASET_ID, DRAFT_FLAG], op_id="get_dataset"),
            "put": _op("API", "Create or replace a dataset",
                       {**_ok({"anyOf": [_ref("WriteResult"), _ref("Draft")]}, "Updated (or draft saved)"),
                        **_ok(_ref("WriteResult"), "Created", 201), **write_errors},
                       [DATASET_ID, DRAFT_FLAG], True, RECORD_BODY, "replace_dataset"),
            "patch": _op("API", "Change some fields (JSON Merge Patch)",
                         {**_ok({"anyOf": [_ref("WriteResult"), _ref("Draft")]}, "Updated (or draft saved)"),
                          **_ok(_ref("WriteResult"), "Created", 201), **write_errors, **_error_responses(404)},
                         [DATASET_ID, DRAFT_FLAG], True, PATCH_BODY, "patch_dataset"),
        },
        "/api/datasets/{dataset_id}/withdraw": {"post": _op(
            "API", "Withdraw a published dataset", {**_ok(_ref("WriteResult"), "Withdrawn"), **write_errors,
                                                    **_error_responses(404)},
            [DATASET_ID], True, {"required": True, "content": {JSON: {"schema": _obj({"reason": STR}, ("reason",))}}},
            "withdraw_dataset")},
        "/api/datasets/{dataset_id}/publish": {"post": _op(
            "API", "Publish a draft", {**_ok(_ref("WriteResult"), "Published"), **write_errors,
                                       **_error_responses(404)},
            [DATASET_ID], True, op_id="publish_draft")},
        "/api/uploads": {"post": _op(
            "API", "Upload many records (JSON array or JSON Lines); check, then publish",
            {**_ok(_ref("UploadResult")), **write_errors},
            [_query("filename", "The upload's file name (its extension picks JSON or JSON Lines)."),
             _query("dry_run", "`1`, `true` or `yes`: check only, save nothing."),
             _query("mode", "`all` (default: nothing is saved if any record blocks) or `valid`.")],
            True, {"required": True, "content": {JSON: {"schema": {"anyOf": [{"type": "array", "items": ANY_OBJ},
                                                                              ANY_OBJ]}},
                                                 "application/x-ndjson": {"schema": STR}}},
            "upload")},
    }


def openapi_document(base_url: str = "") -> dict:
    """The whole document. `base_url` (the site's address) becomes the one server, if given."""
    doc = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Data catalogue API", "version": "1",
                 "description": "Every page has a JSON twin (the page's address with `.json`); the write API under "
                                "/api/ takes bearer tokens. Every JSON error has one shape (Error) with a stable "
                                "`code`. The CKAN-compatible action API (/api/3/action/...) follows CKAN's own "
                                "documentation and is not described here."},
        "paths": {**_read_paths(), **_write_paths()},
        "components": _components(),
    }
    if base_url:
        doc["servers"] = [{"url": base_url.rstrip("/")}]
    return doc
