"""Variable search: /variables?q=&role=&publisher=&tre= and its JSON twin /variables.json.

Design (fast at 100,000 records): the dataset search engine finds the candidate datasets, with its facets (linkage
key, publisher, TRE) as the filters and the counts; only the page's 20 datasets are read from the store, and the
pure matched_variables() (catalogue/search/variables.py, shared with "why it matched") picks their variables. So a
request costs one engine search and one store read of 20 records, whatever the catalogue's size; paging is by
dataset, and facet counts count datasets.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, request, url_for

from catalogue.records.registers import registers
from catalogue.search import SearchQuery
from catalogue.search.variables import matched_variables, parse_query

from web.common import catalogue, respond, wants_json
from web.variable_matches import records_of

bp = Blueprint("variables", __name__)
PAGE_SIZE = 20  # datasets per page
MAX_PAGE = 500
PER_DATASET = 10  # variables listed per dataset before "and N more"
FILTERS = {"role": "linkage_key", "publisher": "publisher", "tre": "tre"}  # parameter -> search facet
LABELS = {"role": "Linkage role", "publisher": "Publisher", "tre": "Access route / TRE"}
QUICK_LINKS = {"uprn": "Every dataset with a UPRN", "nhs-number": "Every dataset with an NHS number",
               "national-insurance-number": "Every dataset with a National Insurance number",
               "pupil-matching-reference": "Every dataset with a Pupil Matching Reference",
               "chi-number": "Every dataset with a CHI number"}


def _page(value) -> int:
    try:
        return min(max(1, int(value)), MAX_PAGE)
    except (TypeError, ValueError):
        return 1


def _role_label(role: str) -> str:
    entry = registers().roles.get(role)
    return entry.name if entry else role


def _url(endpoint: str, q: str, filters: dict[str, list[str]], page: int = 1) -> str:
    params = [("q", q)] if q else []
    for name in FILTERS:
        params += [(name, v) for v in filters.get(name, [])]
    if page > 1:
        params.append(("page", str(page)))
    return url_for(endpoint) + ("?" + urlencode(params) if params else "")


def every_dataset_with(role: str) -> str:
    """The one-click list of every dataset with a variable of this linkage role."""
    return url_for("variables.variables", role=role)


def variables_view_data(args) -> dict:
    cat = catalogue()
    q = args.get("q", "")[:1000]
    filters = {name: [v for v in args.getlist(name) if v][:20] for name in FILTERS if args.getlist(name)}
    page = _page(args.get("page"))
    names = cat.publisher_names()
    labels = {"role": _role_label, "publisher": lambda v: names.get(v, v), "tre": lambda v: v}
    parsed = parse_query(q)
    listing = bool(parsed or filters.get("role"))
    text, engine_filters = q, {FILTERS[k]: v for k, v in filters.items()}
    if parsed.roles and not parsed.words and not filters.get("role"):
        # the query only names linkage roles ("NINo", "date of birth"): every dataset with one, by the role facet
        text, engine_filters["linkage_key"] = "", sorted(parsed.roles)
    result = cat.search(SearchQuery(text=text, filters=engine_filters, page=page, page_size=PAGE_SIZE))
    rows, unmatched = [], 0
    if listing and result.hits:
        records = records_of([h.id for h in result.hits])
        for hit in result.hits:
            found = matched_variables(records.get(hit.id, {}), q, filters.get("role", ()))
            if not found:
                unmatched += 1
                continue
            rows.append({"dataset": {"id": hit.id, "title": hit.title, "publisher": hit.publisher,
                                     "publisher_name": hit.publisher_name,
                                     "url": url_for("datasets.dataset", name=hit.id)},
                         "variables": [m.to_dict() for m in found[:PER_DATASET]],
                         "more": max(0, len(found) - PER_DATASET)})
    facets = []
    for name, facet in FILTERS.items():
        chosen = filters.get(name, [])
        values = []
        for value, count in result.facets.get(facet, []):
            on = value in chosen
            new = [v for v in chosen if v != value] if on else chosen + [value]
            values.append({"value": value, "label": labels[name](value), "count": count, "selected": on,
                           "url": _url("variables.variables", q, {**filters, name: new})})
        facets.append({"name": name, "label": LABELS[name], "values": values})
    pages = result.pages
    return {
        "query": {"q": q, "filters": filters, "page": page},
        "listing": listing, "total_datasets": result.total, "page": result.page, "pages": pages,
        "page_size": PAGE_SIZE, "notice": result.notice, "results": rows,
        "unmatched_on_page": unmatched if listing else 0, "facets": facets,
        "quick_links": [{"role": r, "label": text, "url": every_dataset_with(r)} for r, text in QUICK_LINKS.items()],
        "previous_url": _url("variables.variables", q, filters, page - 1) if page > 1 else None,
        "next_url": _url("variables.variables", q, filters, page + 1) if listing and page < pages else None,
        "json_url": _url("variables.variables_json", q, filters, page),
        "dataset_search_url": url_for("search.search", **({"q": q} if q else {}),
                                      **({"linkage_key": filters["role"]} if filters.get("role") else {})),
    }


@bp.route("/variables")
@bp.route("/variables.json", endpoint="variables_json")
def variables():
    return respond("variables/variables.html", variables_view_data(request.args), wants_json())
