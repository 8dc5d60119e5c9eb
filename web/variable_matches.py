"""Which variables matched, for a page of dataset search hits (shared by the search and variable search views)."""
from __future__ import annotations

from catalogue.search.variables import matched_variables, parse_query

from web.common import catalogue
from web.services import services


def records_of(ids: list[str]) -> dict[str, dict]:
    """The stored records of a page of hits, in one read."""
    return {d.id: d.record for d in catalogue().datasets_by_id(ids)}


def add_matched_variables(hits: list[dict], q: str, roles: list[str], limit: int = 5) -> None:
    """Give each dataset search hit its "matched_variables" (the first `limit`, as dicts with a "text" such as
    'NEWNHSNO, NHS number (linkage key)') and "more_matched_variables": kept per record and query
    (web/services.py MatchedVariables), so only records new to this query, or changed, are read."""
    for hit in hits:
        hit["matched_variables"], hit["more_matched_variables"] = [], 0
    if not hits or not (parse_query(q or "") or roles):
        return
    q = q or ""

    def shown(record: dict) -> tuple[list[dict], int]:
        found = matched_variables(record, q, roles)
        return [m.to_dict() for m in found[:limit]], max(0, len(found) - limit)

    pages = services().matched_variables.get([h["id"] for h in hits], (q, tuple(roles), limit), shown)
    for hit in hits:
        first, more = pages.get(hit["id"], ([], 0))
        hit["matched_variables"], hit["more_matched_variables"] = [dict(m) for m in first], more
