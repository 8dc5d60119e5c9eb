"""/healthz, for load balancers and monitoring: is the store reachable, how far behind is this node's index."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy.exc import SQLAlchemyError

from catalogue.records.indexer import index_status

from web.common import catalogue

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    """200 with the store's and the index's revisions while the store answers; 503 when it does not.

    The index lag (store revision minus the last revision in this node's index) is reported, not judged: a
    node catching up after a bulk load still serves, and monitoring can alert on a lag that keeps growing."""
    cat = catalogue()
    try:
        status = index_status(cat)
    except SQLAlchemyError as exc:
        body = {"ok": False, "status": "unavailable", "store": {"reachable": False, "error": type(exc).__name__},
                "index": {"engine": getattr(cat.engine, "name", ""), "revision": cat.engine.last_seq()}}
        return jsonify(body), 503
    body = {"ok": True, "status": "ok", "store": {"reachable": True, "revision": status.store_revision},
            "index": {"engine": status.engine, "revision": status.index_revision, "lag": status.lag,
                      "writer": status.writer}}
    resp = jsonify(body)
    resp.headers["Cache-Control"] = "no-store"
    return resp
