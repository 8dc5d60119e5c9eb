"""Harvest sources, their runs and per-record outcomes, for data stewards (each page has a JSON twin)."""
from __future__ import annotations

import re

from flask import Blueprint, request, url_for

from catalogue.provenance import ACTIONS
from catalogue.records.indexer import index_status
from catalogue.publishing.accounts import STEWARDS

from web.auth import role_required
from web.common import catalogue, not_found, respond, split_ext
from web.services import services

bp = Blueprint("harvest", __name__)
PAGE_SIZE = 200
RUN_ID = re.compile(r"[0-9]{1,12}")  # ASCII digits only: str.isdigit() also accepts '²'
MAX_RUN_ID = 2**31 - 1  # an integer column in PostgreSQL; larger ids cannot exist
PAGE_NUMBER = re.compile(r"[0-9]{1,6}")


def _run_row(run) -> dict:
    return {**run.to_dict(), "page": url_for("harvest.run", run_ref=run.id)}


@bp.route("/harvest")
@bp.route("/harvest.json", endpoint="sources_json")
@role_required(*STEWARDS)
def sources():
    r = services().harvest
    rows = []
    for src in r.sources():
        last = r.runs(src.name, limit=1)
        rows.append({**src.public(), "page": url_for("harvest.source", name=src.name),
                     "last_run": _run_row(last[0]) if last else None})
    data = {"sources": rows, "runs": [_run_row(run) for run in r.runs(limit=20)],
            "index": index_status(catalogue()).to_dict()}
    return respond("harvest/sources.html", data)


@bp.route("/harvest/sources/<name>")
@role_required(*STEWARDS)
def source(name: str):
    r = services().harvest
    ident, ext = split_ext(name, lambda n: r.source(n) is not None)
    if ext not in (None, "json"):
        not_found(f"Harvest source pages are available as HTML or .json, not .{ext}.")
    src = r.source(ident)
    if src is None:
        not_found(f"There is no harvest source named '{ident}'.")
    data = {"source": src.public(), "runs": [_run_row(run) for run in r.runs(src.name, limit=100)],
            "duplicates": r.links(source=src.name)}
    return respond("harvest/source.html", data)


@bp.route("/harvest/runs/<run_ref>")
@role_required(*STEWARDS)
def run(run_ref: str):
    r = services().harvest
    base, dot, ext = run_ref.partition(".")
    if not RUN_ID.fullmatch(base) or int(base) > MAX_RUN_ID or (dot and ext != "json"):  # the twin is <id>.json
        not_found(f"There is no harvest run '{run_ref}'.")
    found = r.run(int(base))
    if found is None:
        not_found(f"There is no harvest run {base}.")
    action = request.args.get("action", "")
    action = action if action in ACTIONS else ""
    page_arg = request.args.get("page", "")
    page = max(int(page_arg), 1) if PAGE_NUMBER.fullmatch(page_arg) else 1
    total = r.outcome_count(found.id, action or None)
    outcomes = r.outcomes(found.id, action or None, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    src = r.source(found.source)
    data = {"run": _run_row(found), "source": src.public() if src else {"name": found.source},
            "action": action, "actions": list(ACTIONS), "page": page, "page_size": PAGE_SIZE,
            "outcome_total": total, "pages": max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), "outcomes": outcomes}
    return respond("harvest/run.html", data)
