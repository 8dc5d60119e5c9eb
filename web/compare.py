"""What the compare page shows of one dataset: the facts a linkage project weighs, side by side.

A pure function of the stored record (read through page_record, so a flagged record's odd values are left out)
and the registers. Every gap is None here; the page shows it as "Not recorded"."""
from __future__ import annotations

from catalogue.records.leadtime import describe_weeks, effective_lead_time, record_lead_time
from catalogue.records.registers import Register, registers, role_kind
from catalogue.records.scoring import readiness

from web.filters import LINKAGE_LABELS
from web.record_view import http_url, page_record


def named(register: Register, text: str, url: str | None = None) -> dict:
    """A TRE or gateway as the record names it, with its register entry where the text matches one."""
    entry = register.match(text)
    if entry is None:
        return {"id": None, "name": text, "recorded_as": text, "url": http_url(url) or None}
    return {"id": entry.id, "name": entry.name, "recorded_as": text, "url": http_url(entry.url) or None}


def role_label(role: str) -> str:
    entry = registers().roles.get(role)
    return entry.name if entry else LINKAGE_LABELS.get(role, role)


def linkage_keys(record: dict) -> list[dict]:
    """The variables that carry a declared linkage role, person and address keys first."""
    order = {"person": 0, "address": 1, "area": 2, "organisation": 3, "quasi": 4, "other": 5}
    keys = [{"role": v["linkageRole"], "label": role_label(v["linkageRole"]), "kind": role_kind(v["linkageRole"]),
             "variable": v.get("name"), "collection_method": v.get("collectionMethod"),
             "completeness": v.get("completeness")}
            for v in record.get("variables", []) if v.get("linkageRole")]
    return sorted(keys, key=lambda k: order.get(k["kind"], 5))


def _year(value: str | None) -> int | None:
    return int(value[:4]) if value and value[:4].isdigit() else None


def lead_time(record: dict) -> dict | None:
    """The note as written, and the weeks (access.leadTimeWeeks, else read from the note: `derived`)."""
    text = (record.get("access") or {}).get("leadTime")
    weeks = effective_lead_time(record)
    if not text and weeks is None:
        return None
    return {"text": text, "min_weeks": weeks[0] if weeks else None, "max_weeks": weeks[1] if weeks else None,
            "weeks": describe_weeks(weeks) if weeks else None,
            "derived": weeks is not None and record_lead_time(record) is None}


def compare_column(dataset, publisher_names: dict, url: str) -> dict:
    """One dataset's column of the comparison."""
    r = page_record(dataset.record)
    reg = registers()
    access, cover = r.get("access", {}), r.get("coverage", {})
    iao = r.get("informationAssetOwner")
    owner = r.get("owner", {})
    score = readiness(dataset.record)
    synthetic = access.get("syntheticDataAvailable")
    return {
        "id": dataset.id, "title": r.get("title") or dataset.title, "url": url,
        "publisher": {"id": dataset.publisher, "name": publisher_names.get(dataset.publisher, dataset.publisher)},
        "owner": ({"organisation": publisher_names.get(owner.get("organisation"), owner.get("organisation")),
                   "team": owner.get("team")} if owner else None),
        "iao": {"name": iao.get("name"), "role": iao.get("role"), "email": iao.get("email")} if iao else None,
        "support_inbox": r.get("supportInbox"),
        "tres": [named(reg.tres, route["name"], route.get("url"))
                 for route in access.get("routes", []) if route.get("type") == "tre" and route.get("name")],
        "gateways": [named(reg.gateways, text) for text in access.get("legalGateways", [])],
        "application_url": http_url(access.get("applicationUrl")) or None,
        "lead_time": lead_time(r),
        "coverage": {"nations": cover.get("nations") or None,
                     "start_year": _year(cover.get("temporalStart")), "end_year": _year(cover.get("temporalEnd")),
                     "ongoing": bool(cover.get("temporalStart")) and not cover.get("temporalEnd"),
                     "population": cover.get("population"), "record_count": cover.get("recordCount")},
        "linkage_keys": linkage_keys(r),
        "readiness": {"score": score.total, "band": score.band, "band_label": score.band_label},
        "modified": r.get("modified"),
        "synthetic_data": synthetic,
        "synthetic_data_url": http_url(access.get("syntheticDataUrl")) or None,
    }
