"""Turn a stored record into the flat document a search engine indexes (pure)."""
from __future__ import annotations

from catalogue.records.scoring import readiness_total


def search_document(record: dict, publisher_name: str = "") -> dict:
    variables = [v for v in record.get("variables") or [] if isinstance(v, dict)]
    total, band = readiness_total(record)
    access = record.get("access") or {}
    owner = record.get("owner") or {}
    return {
        "id": record["identifier"],
        "title": record.get("title", ""),
        "summary": record.get("summary", ""),
        "description": record.get("description", ""),
        "keywords": list(record.get("keyword") or []) + list(record.get("alternativeTitle") or []),
        "publisher": record.get("publisher", ""),
        "publisher_name": publisher_name or record.get("publisher", ""),
        "owner": " ".join(filter(None, [owner.get("organisation", ""), owner.get("team", "")])),
        "variables": [" ".join(filter(None, [v.get("name"), v.get("label"), v.get("description")]))
                      for v in variables],
        "variable_names": [v["name"] for v in variables if isinstance(v.get("name"), str) and v["name"]],
        "linkage_key": sorted({v["linkageRole"] for v in variables if v.get("linkageRole")}),
        "nation": list((record.get("coverage") or {}).get("nations") or []),
        "tre": sorted({r.get("name", "") for r in access.get("routes") or [] if r.get("name")}),
        "theme": list(record.get("theme") or []),
        "band": band,
        "readiness": total,
        "modified": record.get("modified", ""),
    }
