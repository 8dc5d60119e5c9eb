"""Search: / and /search, with the JSON twin /search.json."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, g, jsonify, request, url_for

from catalogue.records.schema import readiness_config
from catalogue.search import FACET_LABELS, FACETS, SORTS, SearchQuery
from catalogue.search.expansion import register as synonym_register

from web.common import catalogue, respond, wants_json
from web.filters import LINKAGE_LABELS
from web.services import services
from web.variable_matches import add_matched_variables

bp = Blueprint("search", __name__)
MAX_PAGE = 500
FACET_TOP = 10  # values shown per facet before "Show all"


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


def _url(query: SearchQuery, endpoint: str = "search.search", **change) -> str:
    q = query
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
    if change.get("show"):
        params.append(("show", change["show"]))
    return _base(endpoint) + ("?" + "&".join(_encoded(pair) for pair in params) if params else "")


def _encoded(pair: tuple[str, str]) -> str:
    """urlencode() of one parameter, once per request: a results page's 40 or so links share most of them."""
    memo = g.setdefault("search_params", {})
    if pair not in memo:
        memo[pair] = urlencode([pair])
    return memo[pair]


def _base(endpoint: str) -> str:
    """The search address, built once per request (a results page has a link per facet value)."""
    bases = g.setdefault("search_bases", {})
    if endpoint not in bases:
        bases[endpoint] = url_for(endpoint)
    return bases[endpoint]


def _dataset_url(ident: str) -> str:
    """url_for("datasets.dataset", name=ident), with the address up to the name built once per request."""
    built = g.get("dataset_url")
    if built is None:
        built = g.dataset_url = (url_for("datasets.dataset", name="-")[:-1],
                                 current_app.url_map.converters["default"](current_app.url_map).to_url)
    return built[0] + built[1](ident)


def _facet(name: str, q: SearchQuery, counts: list, labels, show: str | None) -> dict:
    """One facet: every value (the JSON keeps them all) and which of them the page shows."""
    selected = q.filters.get(name, [])
    values = []
    for value, count in counts:
        on = value in selected
        new = [v for v in selected if v != value] if on else selected + [value]
        values.append({"value": value, "label": labels(name, value), "count": count, "selected": on,
                       "url": _url(q, filters={**q.filters, name: new})})
    for value in selected:  # keep a selected value visible even with no hits
        if not any(v["value"] == value for v in values):
            values.append({"value": value, "label": labels(name, value), "count": 0, "selected": True,
                           "url": _url(q, filters={**q.filters, name: [v for v in selected if v != value]})})
    everything = show == name or len(values) <= FACET_TOP + 1
    return {"name": name, "label": FACET_LABELS[name], "values": values, "top": len(values) if everything else FACET_TOP,
            "show_all_url": None if everything else _url(q, page=q.page, show=name) + f"#facet-{name}",
            "show_fewer_url": _url(q, page=q.page) + f"#facet-{name}" if show == name and len(values) > FACET_TOP + 1
            else None}


def _selected(q: SearchQuery, labels) -> list[dict]:
    """The filters in use, each with the link that removes it."""
    out = []
    for name in FACETS:
        for value in q.filters.get(name, []):
            rest = [v for v in q.filters[name] if v != value]
            out.append({"facet": name, "facet_label": FACET_LABELS[name], "value": value,
                        "label": labels(name, value), "remove_url": _url(q, filters={**q.filters, name: rest})})
    return out


def search_view_data(q: SearchQuery, show: str | None = None) -> dict:
    cat = catalogue()
    result = cat.search(q)
    names = cat.publisher_names()
    bands = {b["id"]: b["label"] for b in readiness_config()["bands"]}

    def labels(facet: str, value: str) -> str:
        return _label(facet, value, names, bands)

    facets = [_facet(name, q, result.facets.get(name, []), labels, show) for name in FACETS]
    selected = _selected(q, labels)
    hits = []
    for hit in result.hits:  # the fields of Hit, as SearchResult.to_dict() gives them, without its deep copy
        h = {**vars(hit), "nations": list(hit.nations), "matched": list(hit.matched)}
        h["band_label"] = bands.get(h["band"], h["band"])
        h["url"] = _dataset_url(h["id"])
        hits.append(h)
    add_matched_variables(hits, q.text, q.filters.get("linkage_key", []))
    pages = result.pages
    help_links = _zero_result_help(q, result, selected) if not result.total else []
    return {
        "query": {"q": q.text, "filters": q.filters, "sort": q.sort, "page": q.page},
        "total": result.total, "page": result.page, "pages": pages, "page_size": result.page_size,
        "notice": result.notice, "hits": hits,
        "suggestion": result.suggestion,
        "suggestion_url": _url(q, q=result.suggestion) if result.suggestion else None,
        "expansions": result.expansions, "fuzzy": result.fuzzy, "zero_result_help": help_links, "facets": facets, "selected_filters": selected,
        "clear_filters_url": _url(q, filters={}) if selected else None,
        "sorts": [{"value": s, "label": s.capitalize(), "selected": s == q.sort, "url": _url(q, sort=s)}
                  for s in SORTS],
        "previous_url": _url(q, page=q.page - 1) if q.page > 1 else None,
        "next_url": _url(q, page=q.page + 1) if q.page < pages else None,
        "json_url": _url(q, "search.search_json", page=q.page),
        "total_datasets": services().published_count(),
    }


def _zero_result_help(q: SearchQuery, result, selected: list[dict]) -> list[dict]:
    """What to try when nothing matched: never a dead end."""
    out = []
    if result.suggestion:
        out.append({"text": f"Search for “{result.suggestion}” instead", "url": _url(q, q=result.suggestion)})
    for f in selected:
        out.append({"text": f"Remove the filter {f['facet_label']}: {f['label']}", "url": f["remove_url"]})
    if q.text and selected:
        out.append({"text": f"Search all datasets for “{q.text[:80]}”", "url": _url(q, filters={})})
    out.append({"text": "Browse datasets by publisher", "url": url_for("publishers.publishers")})
    out.append({"text": "Search variables across datasets", "url": url_for("variables.variables", q=q.text[:200])
                if q.text else url_for("variables.variables")})
    return out


def _suggestion_url(item: dict) -> str:
    kind, value = item["kind"], item["value"]
    if kind == "title":
        return url_for("datasets.dataset", name=value)
    if kind == "publisher":
        return url_for("search.search", publisher=value)
    if kind == "linkage-key":
        return url_for("search.search", linkage_key=value)
    return url_for("variables.variables", q=value)


@bp.route("/suggest")
def suggest():
    """Autocomplete for the search box (JSON): titles, publishers, variable names and linkage keys."""
    text = request.args.get("q", "")[:200]
    limit = min(max(1, _int(request.args.get("limit"), 8)), 20)
    items = catalogue().suggest(text, limit) if len(text.strip()) >= 1 else []
    return jsonify({"query": text, "suggestions": [{**i, "url": _suggestion_url(i)} for i in items]})


@bp.route("/search/synonyms")
@bp.route("/search/synonyms.json", endpoint="synonyms_json")
def synonyms():
    """The acronyms and synonyms searches are widened with (schemas/synonyms.json)."""
    reg = synonym_register()
    names = catalogue().publisher_names()
    acronyms = [{**a, "publisher_name": names.get(a.get("publisher", ""), ""),
                 "publisher_url": url_for("publishers.publisher", name=a["publisher"]) if a.get("publisher") in names
                 else None} for a in reg.get("acronyms", [])]
    data = {"description": reg.get("description", ""), "acronyms": acronyms, "synonyms": reg.get("synonyms", []),
            "source_file": "schemas/synonyms.json"}
    return respond("search/synonyms.html", data)


@bp.route("/", endpoint="home")
@bp.route("/search")
@bp.route("/search.json", endpoint="search_json")
def search():
    as_json = wants_json()
    q = parse_query(request.args, catalogue().settings.page_size)
    show = request.args.get("show")
    data = search_view_data(q, show if show in FACETS else None)
    return respond("search/search.html", data, as_json)
