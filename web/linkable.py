"""The "Linkable with" panel of a dataset page (and its JSON twin): the link index's answer, with names and links."""
from __future__ import annotations

from flask import url_for

from catalogue.linkage.index import STRONG_KINDS
from catalogue.linkage.links import Link, linkable_with, role_label
from catalogue.records.registers import role_kind

from web.services import services

PANEL_LIMIT = 10
KIND_LABELS = {"person": "person key", "address": "address key", "quasi": "quasi-identifier", "area": "area code",
               "organisation": "organisation code", "other": "other identifier"}


def _names(refs) -> str:
    return ", ".join(r.name for r in refs) or "none recorded"


def route_text(link: Link, titles: dict[str, str]) -> str:
    if link.route == "already-linked":
        parts = []
        if link.named:
            parts.append("named in the linkage records")
        if link.via:
            parts.append("both in a linked asset")
        return "Already linked: " + "; ".join(parts)
    if link.route == "same-tre":
        return f"Same TRE: apply once to the {_names(link.tres)}"
    return (f"New share across environments. Gateways named here: {_names(link.gateways.get('this', []))}; "
            f"there: {_names(link.gateways.get('other', []))}")


def panel(dataset_id: str, limit: int = PANEL_LIMIT) -> dict | None:
    """The panel's data, or None when the dataset is not published (the index holds published datasets only)."""
    index = services().link_index()
    found = linkable_with(index, dataset_id, limit=limit)
    if found is None:
        return None
    names = services().catalogue.publisher_names()
    with index.lock:
        me = index.get(dataset_id)
        titles = {v: index.get(v).title for link in found for v in link.via if index.get(v)}
        keys = [{"role": role, "label": role_label(role), "kind": role_kind(role),
                 "kind_label": KIND_LABELS.get(role_kind(role), role_kind(role)),
                 "links": role_kind(role) in (*STRONG_KINDS, "quasi"),
                 "variables": [v.to_dict() for v in variables], "datasets_with_role": index.count_with_role(role),
                 "every_url": url_for("variables.variables", role=role)}
                for role, variables in (me.keys.items() if me else [])]
    links = []
    for link in found:
        row = link.to_dict()
        row.update({"url": url_for("datasets.dataset", name=link.id),
                    "publisher_name": names.get(link.publisher, link.publisher),
                    "route_text": route_text(link, titles),
                    "coverage_text": link.coverage.text if link.coverage else "",
                    "via": [{"id": v, "title": titles.get(v, v), "url": url_for("datasets.dataset", name=v)}
                            for v in link.via]})
        links.append(row)
    data = found.to_dict()
    data.update({"links": links, "keys": sorted(keys, key=lambda k: (not k["links"], k["kind"] == "quasi", k["role"]))})
    return data
