"""The dataset page links TRE and gateway names to the registers and shows the lead time in weeks."""
from __future__ import annotations

import re

import pytest

from catalogue.records.references import lead_time_view, register_links, resolve_access

pytestmark = pytest.mark.postgres

NPD = "dfe-national-pupil-database"


def _access_section(html: str) -> str:
    return html[html.index("Access routes"):html.index("Typical lead time") + 600]


def test_matched_gateways_link_to_legislation_and_the_lead_time_shows_in_weeks(client):
    html = client.get(f"/datasets/{NPD}").get_data(as_text=True)
    section = _access_section(html)
    assert re.search(r'href="https://www.legislation.gov.uk/ukpga/2017/30/section/64">Digital Economy Act 2017 s.64</a>',
                     section)
    assert 'href="https://www.legislation.gov.uk/ukpga/1996/56/section/537A">Education Act 1996 s.537A</a>' in section
    assert "13 to 26 weeks (worked out from the note)" in section


def test_the_json_twin_carries_the_register_links_and_weeks(client):
    data = client.get(f"/datasets/{NPD}.json").get_json()
    assert data["register_links"]["tres"]["ONS Secure Research Service"]["id"] == "ons-secure-research-service"
    assert data["register_links"]["gateways"]["Digital Economy Act 2017 s.64"]["id"] == "dea-2017-s64"
    assert data["lead_time_weeks"] == {"min": 13, "max": 26, "text": "13 to 26 weeks", "derived": True}


def test_an_unmatched_gateway_stays_plain_text(client, seed_records):
    record = next(r for r in seed_records if "Open Government Licence v3.0" in r.get("access", {}).get(
        "legalGateways", []) or "Statistics of Trade Act 1947" in r.get("access", {}).get("legalGateways", [])
                  or "Courts Act 2003 common law powers of the Lord Chancellor" in r.get("access", {}).get(
        "legalGateways", []))
    text = next(g for g in record["access"]["legalGateways"] if not register_links(record)["gateways"].get(g))
    html = client.get(f"/datasets/{record['identifier']}").get_data(as_text=True)
    assert f"<li>{text}</li>".replace("'", "&#39;") in _access_section(html)


def test_resolve_access_keeps_unmatched_names():
    record = {"access": {"routes": [{"type": "tre", "name": "SAIL Databank"}, {"type": "tre", "name": "Lab X"},
                                    {"type": "api", "name": "SAIL Databank API"}, {"type": "tre", "name": "Lab X"}],
                         "legalGateways": ["DEA 2017 s.64", "A local agreement", "dea-2017-s64"]}}
    refs = resolve_access(record)
    assert [(t, e.id if e else None) for t, e in refs["tres"]] == [("SAIL Databank", "sail-databank"), ("Lab X", None)]
    assert [(t, e.id if e else None) for t, e in refs["gateways"]] == [
        ("DEA 2017 s.64", "dea-2017-s64"), ("A local agreement", None), ("dea-2017-s64", "dea-2017-s64")]


@pytest.mark.parametrize("record", [{}, {"access": None}, {"access": {"routes": "x", "legalGateways": [1, None]}},
                                    {"access": {"routes": [None, {"type": "tre"}, {"type": "tre", "name": 3}]}}])
def test_resolve_access_on_partial_records(record):
    assert resolve_access(record) == {"tres": [], "gateways": []}
    assert lead_time_view(record) is None
