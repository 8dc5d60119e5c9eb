"""The API's description: /openapi.json (OpenAPI 3.1, built by web/openapi.py) and the /api/docs page made from it."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from web.openapi import openapi_document

bp = Blueprint("apidocs", __name__)

METHODS = ("get", "post", "put", "patch", "delete")


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document())


def operations(doc: dict) -> list[dict]:
    """Every operation, in the document's order, flattened for the page."""
    out = []
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            out.append({"path": path, "method": method.upper(), "summary": op.get("summary", ""),
                        "tag": (op.get("tags") or [""])[0], "secured": bool(op.get("security")),
                        "parameters": op.get("parameters", []),
                        "body": sorted(op.get("requestBody", {}).get("content", {})),
                        "responses": [(status, r.get("description", "")) for status, r in op["responses"].items()]})
    return out


@bp.route("/api/docs")
def docs():
    """The page. Its JSON twin is /openapi.json itself."""
    doc = openapi_document()
    return render_template("apidocs/docs.html", doc=doc, operations=operations(doc))
