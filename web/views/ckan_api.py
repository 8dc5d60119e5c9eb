"""CKAN-compatible read API (/api/3/action/<action> and /api/action/<action>), so CKAN clients and harvesters can
read us. The mapping is catalogue.formats.ckan; package_search's query logic is catalogue.formats.ckan_query."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for

from catalogue.formats.ckan_index import PackageIndex
from catalogue.formats.ckan_query import (MATCH_ALL, CkanQueryError, boolean, integer, parse_search, search,
                                          select_fields)
from catalogue.records.files import InputError, decode, loads
from catalogue.search import SearchQuery

from web.common import catalogue
from web.services import services

bp = Blueprint("ckan_api", __name__)
CKAN_VERSION = "2.10.4"  # the CKAN API version we follow


class _Error(Exception):
    def __init__(self, status: int, kind: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.kind, self.message, self.fields = status, kind, message, fields or {}


def _help(action: str) -> str:
    return url_for("ckan_api.action", action="help_show", name=action, _external=True)


def _params() -> dict:
    """The action's parameters: the query string, or a JSON object body (as ckanapi POSTs)."""
    if request.method == "POST" and request.form:
        return _flat(request.form)
    if request.method == "POST" and request.get_data():
        try:  # the strict reader every body of ours goes through (depth, size, encoding)
            body = loads(decode(request.get_data(), "request body"), "request body")
        except InputError as exc:
            raise _Error(400, "Bad Request", f"Bad request - JSON Error: {exc}") from None
        if not isinstance(body, dict):
            raise _Error(400, "Bad Request", "Bad request - JSON Error: the body is not a JSON object")
        return body
    return _flat(request.args)


def _flat(args) -> dict:
    return {k: (v[0] if len(v) == 1 else v) for k, v in args.lists()}


def _index() -> PackageIndex:
    """The app's package index: published datasets only (drafts and withdrawn records are not published)."""
    return services().ckan_index()


def _find(index: PackageIndex, ref) -> dict:
    if not isinstance(ref, str) or not ref:
        raise _Error(409, "Validation Error", "Missing value: id", {"id": ["Missing value"]})
    row = index.find(ref)
    packages = index.packages([row.id]) if row is not None else []
    if not packages:
        raise _Error(404, "Not Found Error", "Not found")
    return packages[0]


def _organization(pub: dict, count: int) -> dict:
    return {"id": pub["id"], "name": pub["id"], "title": pub.get("name") or pub["id"], "display_name":
            pub.get("name") or pub["id"], "type": "organization", "state": "active", "is_organization": True,
            "approval_status": "approved", "description": "", "image_url": "", "image_display_url": "",
            "package_count": count, "created": None, "num_followers": 0}


def _page(items: list, params: dict) -> list:
    offset = integer(params, "offset", 0)
    limit = integer(params, "limit", len(items))
    return items[offset:offset + limit]


# actions ------------------------------------------------------------------------------------------------------------

def package_search(params: dict):
    p = parse_search(params)
    index = _index()
    rows = index.all_rows()
    scores = None
    if p.q not in MATCH_ALL:  # text goes through the search engine; its order is the score
        ids = catalogue().search(SearchQuery(text=p.q, sort="relevance", page_size=max(1, len(rows)),
                                             ids_only=True)).ids
        scores = {ident: float(len(ids) - n) for n, ident in enumerate(ids)}
    result = search(rows, p, scores, catalogue().publisher_names())
    result["results"] = select_fields(index.packages(result.pop("ids")), p.fl)
    return {k: result[k] for k in ("count", "results", "sort", "facets", "search_facets")}


def package_show(params: dict):
    return _find(_index(), params.get("id"))


def package_list(params: dict):
    return _page(sorted(row.name for row in _index().all_rows()), params)


def current_package_list_with_resources(params: dict):
    index = _index()
    rows = sorted(index.all_rows(), key=lambda row: row.modified, reverse=True)
    return index.packages([row.id for row in _page(rows, params)])


def organization_list(params: dict):
    counts = catalogue().publisher_counts()
    orgs = sorted(catalogue().publishers(), key=lambda pub: pub["id"])
    orgs = _page(orgs, params)
    if boolean(params.get("all_fields")):
        return [_organization(pub, counts.get(pub["id"], 0)) for pub in orgs]
    return [pub["id"] for pub in orgs]


def organization_show(params: dict):
    ref = params.get("id")
    pub = catalogue().publisher(ref) if isinstance(ref, str) and ref else None
    if not isinstance(ref, str) or not ref:
        raise _Error(409, "Validation Error", "Missing value: id", {"id": ["Missing value"]})
    if pub is None:
        raise _Error(404, "Not Found Error", "Organization not found")
    org = _organization(pub, catalogue().publisher_counts().get(pub["id"], 0))
    if boolean(params.get("include_datasets")):
        index = _index()
        org["packages"] = index.packages([row.id for row in index.all_rows() if row.org == pub["id"]][:1000])
    return org


def group_list(params: dict):
    return []  # we have no CKAN groups; themes travel in each package's `theme` extra


def tag_list(params: dict):
    query = params.get("query") if isinstance(params.get("query"), str) else ""
    tags = sorted({t for row in _index().all_rows() for t in row.tags})
    return [t for t in tags if query.lower() in t.lower()]


def status_show(params: dict):
    return {"site_title": "UK government data catalogue", "site_description": "", "site_url":
            current_app.config["SETTINGS"].base_url, "ckan_version": CKAN_VERSION, "error_emails_to": None,
            "locale_default": "en_GB", "extensions": []}


def site_read(params: dict):
    return True


def help_show(params: dict):
    name = params.get("name")
    if not isinstance(name, str) or name not in ACTIONS:
        raise _Error(404, "Not Found Error", "Action name not known")
    return (ACTIONS[name].__doc__ or "").strip() or f"{name}: as CKAN's action of that name"


package_search.__doc__ = ("Search datasets. q (text), fq (organization:, tags:, res_format:, name:, id:, "
                          "metadata_modified:[X TO *] inclusive, +/-, parentheses), rows (at most 1000), start, sort "
                          "(score, metadata_modified, metadata_created, title_string, name, id; asc or desc), "
                          "facet.field (organization, tags, res_format, license_id, groups), facet.limit, fl.")
package_show.__doc__ = "One dataset by id or name."
package_list.__doc__ = "Every dataset's name (limit, offset)."
current_package_list_with_resources.__doc__ = "Datasets with resources, newest change first (limit, offset)."
organization_list.__doc__ = "Organizations' names, or with all_fields=true their details (limit, offset)."
organization_show.__doc__ = "One organization by id or name (include_datasets=true lists its datasets)."
group_list.__doc__ = "Groups: none here."
tag_list.__doc__ = "Every tag (query filters by substring)."
status_show.__doc__ = "The site and the CKAN API version it follows."
site_read.__doc__ = "Whether the site can be read: true."
help_show.__doc__ = "The help text of an action (name)."

ACTIONS = {f.__name__: f for f in (package_search, package_show, package_list, current_package_list_with_resources,
                                   organization_list, organization_show, group_list, tag_list, status_show,
                                   site_read, help_show)}


@bp.route("/api/3/action/<action>", methods=["GET", "POST"])
@bp.route("/api/action/<action>", methods=["GET", "POST"], endpoint="action_unversioned")
def action(action: str):
    """One CKAN action, answered in CKAN's envelope: {help, success, result} or {help, success: false, error}."""
    try:
        if action not in ACTIONS:
            raise _Error(400, "Bad Request", f"Bad request - Action name not known: {action[:100]}")
        result = ACTIONS[action](_params())
    except CkanQueryError as exc:
        return _error(action, _Error(409, exc.kind, str(exc), exc.fields))
    except _Error as exc:
        return _error(action, exc)
    return jsonify({"help": _help(action), "success": True, "result": result})


def _error(action: str, exc: _Error):
    """CKAN's error envelope; `ok`, `status` and `code` as every JSON error of ours carries them."""
    error = {"__type": exc.kind, "message": f"{exc.kind}: {exc.message}" if exc.fields else exc.message}
    error |= {k: v for k, v in exc.fields.items() if k not in error}
    code = {400: "bad-request", 404: "not-found", 409: "ckan-invalid-query"}.get(exc.status, "bad-request")
    name = action if action in ACTIONS else "help_show"
    return jsonify({"help": _help(name), "success": False, "error": error, "ok": False, "status": exc.status,
                    "code": code}), exc.status
