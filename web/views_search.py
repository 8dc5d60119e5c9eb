"""Search: / and /search, with the JSON twin /search.json."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, request

from catalogue.schema import readiness_config
from catalogue.search import FACET_LABELS, FACETS, SORTS, SearchQuery

from .common import catalogue, respond
from .filters import LINKAGE_LABELS

bp = Blueprint("search", __name__)
MAX_PAGE = 500


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def parse_query(args, page_size: int) -> SearchQuery:
    filters = {name: [v for v in args.getlist(name) if v][:20] for name in FACETS if args.getlist(name)}
    sort = args.get("sort", "relevance")
    return SearchQuery(text=args.get("q", "")[:10000], filters=filters,
                       sort=sort if sort in SORTS else "relevance",
                       page=min(max(1, _int(args.get("page"), 1)), MAX_PAGE), page_size=page_size)


def _label(facet: str, value: str, names: dict, bands: dict) -> str:
    if facet == "publisher":
        return names.get(value, value)
    if facet == "band":
        return bands.get(value, value)
    if facet == "linkage_key":
        return LINKAGE_LABELS.get(value, value)
    return value


def _url(q: SearchQuery, **change) -> str:
    params: list[tuple[str, str]] = []
    text = change.get("q", q.text)
    if text:
        params.append(("q", text))
    filters = change.get("filters", q.filters)
    for name in FACETS:
        params += [(name, v) for v in filters.get(name, [])]
    sort = change.get("sort", q.sort)
    if sort != "relevance":
        params.append(("sort", sort))
    page = change.get("page", 1)
    if page > 1:
        params.append(("page", str(page)))
    return "/search" + ("?" + urlencode(params) if params else "")


def search_view_data(q: SearchQuery) -> dict:
    cat = catalogue()
    result = cat.search(q)
    names = cat.publisher_names()
    bands = {b["id"]: b["label"] for b in readiness_config()["bands"]}
    facets = []
    for name in FACETS:
        selected = q.filters.get(name, [])
        values = []
        for value, count in result.facets.get(name, []):
            on = value in selected
            new = [v for v in selected if v != value] if on else selected + [value]
            values.append({"value": value, "label": _label(name, value, names, bands), "count": count,
                           "selected": on, "url": _url(q, filters={**q.filters, name: new})})
        for value in selected:  # keep a selected value visible even with no hits
            if not any(v["value"] == value for v in values):
                new = [v for v in selected if v != value]
                values.append({"value": value, "label": _label(name, value, names, bands), "count": 0,
                               "selected": True, "url": _url(q, filters={**q.filters, name: new})})
        facets.append({"name": name, "label": FACET_LABELS[name], "values": values})
    hits = []
    for h in result.to_dict()["hits"]:
        h["band_label"] = bands.get(h["band"], h["band"])
        h["url"] = f"/datasets/{h['id']}"
        hits.append(h)
    pages = result.pages
    return {
        "query": {"q": q.text, "filters": q.filters, "sort": q.sort, "page": q.page},
        "total": result.total, "page": result.page, "pages": pages, "page_size": result.page_size,
        "notice": result.notice, "hits": hits, "facets": facets,
        "sorts": [{"value": s, "label": s.capitalize(), "selected": s == q.sort, "url": _url(q, sort=s)}
                  for s in SORTS],
        "previous_url": _url(q, page=q.page - 1) if q.page > 1 else None,
        "next_url": _url(q, page=q.page + 1) if q.page < pages else None,
        "json_url": _url(q, page=q.page).replace("/search", "/search.json", 1),
        "total_datasets": cat.store.count(),
    }


@bp.route("/")
@bp.route("/search")
@bp.route("/search.json", endpoint="search_json")
def search():
    as_json = request.path.endswith(".json")
    q = parse_query(request.args, catalogue().settings.page_size)
    data = search_view_data(q)
    return respond("search.html", data, as_json)
