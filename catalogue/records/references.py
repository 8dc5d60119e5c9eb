"""What a record's access section refers to: its TRE route names and legal gateway texts, matched to the registers.

Records keep free text (harvested records use it; a register id is accepted as the text too). Unmatched names stay
as they are: the page shows them as text and the audit lists them.
"""
from __future__ import annotations

from catalogue.records.leadtime import describe_weeks, effective_lead_time, record_lead_time
from catalogue.records.registers import Entry, registers


def _texts(values) -> list[str]:
    out: list[str] = []
    for value in values:
        if isinstance(value, str) and value.strip() and value not in out:
            out.append(value)
    return out


def tre_names(record: dict) -> list[str]:
    """The names of a record's access routes of type 'tre', in order, each once."""
    access = record.get("access") if isinstance(record, dict) else None
    routes = access.get("routes") if isinstance(access, dict) else None
    if not isinstance(routes, list):
        return []
    return _texts(r.get("name") for r in routes if isinstance(r, dict) and r.get("type") == "tre")


def gateway_texts(record: dict) -> list[str]:
    """A record's access.legalGateways texts, in order, each once."""
    access = record.get("access") if isinstance(record, dict) else None
    gateways = access.get("legalGateways") if isinstance(access, dict) else None
    return _texts(gateways) if isinstance(gateways, list) else []


def resolve_access(record: dict) -> dict[str, list[tuple[str, Entry | None]]]:
    """{"tres": [(name, Entry or None)], "gateways": [(text, Entry or None)]}: each text with its register entry."""
    regs = registers()
    return {"tres": [(name, regs.tres.match(name)) for name in tre_names(record)],
            "gateways": [(text, regs.gateways.match(text)) for text in gateway_texts(record)]}


def _link(entry: Entry) -> dict:
    return {"id": entry.id, "name": entry.name, "url": entry.url}


def register_links(record: dict) -> dict[str, dict[str, dict]]:
    """For the dataset page and its JSON twin: {"tres": {name: {id, name, url}}, "gateways": {text: {...}}}, matched
    texts only (an unmatched text has no entry and is shown as it is)."""
    return {kind: {text: _link(entry) for text, entry in pairs if entry is not None}
            for kind, pairs in resolve_access(record).items()}


def lead_time_view(record: dict) -> dict | None:
    """{min, max, text, derived}: the lead time in weeks, derived=True when read from the free-text note."""
    weeks = effective_lead_time(record)
    if weeks is None:
        return None
    return {"min": weeks[0], "max": weeks[1], "text": describe_weeks(weeks), "derived": record_lead_time(record) is None}
