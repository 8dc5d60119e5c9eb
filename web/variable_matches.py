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
    'NEWNHSNO, NHS number (linkage key)') and "more_matched_variables": the records come from the recently shown
    ones (web/services.py RecentRecords), read from the store only when new or changed."""
    for hit in hits:
        hit["matched_variables"], hit["more_matched_variables"] = [], 0
    if not hits or not (parse_query(q or "") or roles):
        return
    recent = services().recent_records
    entries = recent.get([h["id"] for h in hits])
    key = (q or "", tuple(roles))
    for hit in hits:
        entry = entries.get(hit["id"])
        found = [] if entry is None else recent.remember(
            entry, key, lambda: matched_variables(entry["record"], q or "", roles))
        hit["matched_variables"] = [m.to_dict() for m in found[:limit]]
        hit["more_matched_variables"] = max(0, len(found) - limit)
