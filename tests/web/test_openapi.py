"""/openapi.json: a valid OpenAPI 3.1 document that describes every JSON endpoint, and that the app honours.

schemathesis generates requests from the document and runs them against the WSGI app (no server, no network):
every read endpoint, and the write API with a publisher's token (stewards' twins with a steward's). Its checks:
no server errors, every status and content type documented, every body conforming to its documented schema."""
from __future__ import annotations

import copy
import re
import time

import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft202012Validator

import schemathesis
from schemathesis.checks import (content_type_conformance, not_a_server_error, response_schema_conformance,
                                 status_code_conformance)
from schemathesis.specs.openapi.definitions import OPENAPI_31

pytestmark = pytest.mark.postgres

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
NOT_OURS = ("/api/3/action/", "/api/action/")  # CKAN's action API: documented by CKAN, not here
HTML_UNDER_API = {"/api/docs"}  # the page made from the document
# Pages whose last segment is a name: their JSON twin is the same rule with ".json" on the name (web.common.split_ext).
NAME_TWINS = {
    "datasets.dataset": "/datasets/{dataset_id}.json",
    "publishers.publisher": "/publishers/{name}.json",
    "harvest.source": "/harvest/sources/{name}.json",
    "harvest.run": "/harvest/runs/{run_ref}.json",
    "audit.publisher": "/audit/publishers/{name}.json",
    "audit.table_download": "/audit/{table}.json",
    "publish.report": "/publish/uploads/{upload_id}.json",
    "publish.view_draft": "/publish/drafts/{draft_id}.json",
    "vocab.scheme": "/vocab/{name}.json",
    "vocab.concept": "/vocab/{scheme}/{name}.json",
}


def openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


@pytest.fixture(scope="module")
def doc(app) -> dict:
    return app.test_client().get("/openapi.json").get_json()


def test_document_is_valid_openapi_3_1(doc):
    errors = sorted(Draft202012Validator(OPENAPI_31).iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)  # the components are JSON Schema 2020-12, OpenAPI 3.1's dialect
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {**doc["components"]["securitySchemes"]["bearerAuth"],
                                                                  "type": "http", "scheme": "bearer"}


def test_every_json_endpoint_is_documented(app, doc):
    """The rule for "serves JSON": every rule in app.url_map whose address ends in ".json", every rule under /api/
    except the HTML page /api/docs and CKAN's action API (/api/3/action/..., /api/action/..., which follows CKAN's
    own documentation), and the JSON twin ("<name>.json") of every page whose last segment is a name (NAME_TWINS).
    Each must be in the document with each of its methods. And nothing is documented that the app does not route."""
    missing = []
    for rule in app.url_map.iter_rules():
        path = rule.rule
        if path.startswith(NOT_OURS) or path in HTML_UNDER_API:
            continue
        if path.endswith(".json") or path.startswith("/api/"):
            item = doc["paths"].get(openapi_path(path), {})
            missing += [f"{m} {path}" for m in sorted(rule.methods & METHODS) if m.lower() not in item]
    missing += [f"GET {twin} ({endpoint})" for endpoint, twin in NAME_TWINS.items()
                if endpoint in app.view_functions and "get" not in doc["paths"].get(twin, {})]
    assert not missing, f"JSON endpoints missing from web/openapi.py: {missing}"

    adapter = app.url_map.bind("localhost")
    for path, item in doc["paths"].items():
        sample = re.sub(r"\{([a-z_]+)\}", r"x\1", path)
        for method in item:
            if method.upper() in METHODS:
                adapter.match(sample, method=method.upper())  # raises NotFound / MethodNotAllowed if not routed


def test_docs_page_lists_every_operation(client, doc):
    resp = client.get("/api/docs")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    for path, item in doc["paths"].items():
        assert f"<code>{path}</code>" in html
    assert 'href="/openapi.json"' in html
    assert "<script src=\"http" not in html  # nothing from elsewhere
    assert 'href="/api/docs"' in client.get("/").get_data(as_text=True)  # the footer links it


def _examples(seed_records: list[dict], publisher: str) -> tuple[dict, dict]:
    """Known-good values for path parameters, so that some requests reach real records (fuzzing rarely does)."""
    own = next(r for r in seed_records[:12] if r.get("publisher") == publisher)
    return own, {"dataset_id": own["identifier"], "name": publisher}


def test_schemathesis_finds_no_server_errors_and_every_response_conforms(writable_app, api_token, seed_records):
    app = writable_app
    publisher = "department-for-education"
    headers = {"publisher": {"Authorization": f"Bearer {api_token(app, publisher=publisher)}"},
               "steward": {"Authorization": f"Bearer {api_token(app, role='steward')}"}}
    own, known = _examples(seed_records, publisher)
    draft_id = "openapi-draft"  # an incomplete draft: it stays a draft, so publishing it is refused (422)
    resp = app.test_client().post("/api/datasets?draft=1", headers=headers["publisher"],
                                  json={"identifier": draft_id, "publisher": publisher})
    assert resp.status_code == 200, resp.get_json()
    known["draft_id"] = draft_id
    known["scheme"] = "tres"  # /vocab/{scheme}/{name}.json
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    seen: dict[str, set[int]] = {}
    started = time.monotonic()

    for result in schema.get_all_operations():
        op = result.ok()
        who = "steward" if {"Audit", "Harvest"} & set(op.definition.raw.get("tags", [])) else "publisher"

        def call(case, who=who, op=op):
            response = case.call_and_validate(headers=headers[who], checks=CHECKS)
            seen.setdefault(op.label, set()).add(response.status_code)

        @given(case=op.as_strategy())
        @settings(max_examples=25, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):
            call(case)

        fuzz()
        # The same checks on requests that reach a real record and a real publisher.
        params = {p["name"]: known[p["name"]] for p in op.definition.raw.get("parameters", [])
                  if p["in"] == "path" and p["name"] in known}
        if params or not op.path_parameters:
            body = None
            if op.method.upper() in ("PUT", "POST") and op.path == "/api/datasets/{dataset_id}":
                body = copy.deepcopy(own)
            elif op.method.upper() == "PATCH":
                body = {"title": own["title"]}
            elif op.path == "/api/datasets/{dataset_id}/withdraw":
                continue  # withdrawing the record would change what later operations see; fuzzing covers it
            elif op.path == "/api/datasets/{dataset_id}/publish":
                params = {"dataset_id": draft_id}
            elif op.path == "/api/datasets/{dataset_id}" and op.method.upper() == "GET":
                call(op.Case(path_parameters={"dataset_id": draft_id}, query={"draft": "1"}))
            elif op.path in ("/api/datasets", "/api/uploads"):
                body = ({**copy.deepcopy(own), "identifier": "openapi-new-record"} if op.path == "/api/datasets"
                        else [copy.deepcopy(own)])
            kwargs = {"media_type": "application/json"} if body is not None else {}
            call(op.Case(path_parameters=params, body=body, **kwargs) if body is not None
                 else op.Case(path_parameters=params))

    elapsed = time.monotonic() - started
    print(f"\nschemathesis: {len(seen)} operations, {elapsed:.1f} s; statuses: "
          + "; ".join(f"{k} {sorted(v)}" for k, v in seen.items()))
    assert elapsed < 100
    assert 200 in seen["GET /datasets/{dataset_id}.json"] and 200 in seen["GET /api/datasets/{dataset_id}"]
    assert 200 in seen["GET /audit.json"] and 200 in seen["PUT /api/datasets/{dataset_id}"]
    assert 201 in seen["POST /api/datasets"] and 200 in seen["GET /publish/drafts/{draft_id}.json"]
    assert 422 in seen["POST /api/datasets/{dataset_id}/publish"]
