"""The registers in schemas/: loading, well-formed entries, matching free text, role kinds, seed coverage."""
from __future__ import annotations

import json
import re

import pytest

from catalogue.records.registers import BODY_TYPES, KINDS, Register, RegisterError, body_types, registers, role_kind
from catalogue.records.schema import enum_values
from tests.support.app import SEED_PUBLISHERS, SEED_RECORDS

URL = re.compile(r"^https?://\S+$")
LEGISLATION = re.compile(r"^https://www\.legislation\.gov\.uk/\S+$")

# Seed names that no register entry matches, on purpose: not a gateway (a code of practice; common law), or no
# legislation.gov.uk page checked for them yet. The test fails when this list and the seed data disagree, so the
# list is the audit of what the registers do not cover.
UNMATCHED_SEED_GATEWAYS = {
    "Census (Scotland) Order 2020",
    "Census Order (Northern Ireland) 2020",
    "Courts Act 2003 common law powers of the Lord Chancellor",
    "Social Security Administration Act 1992 s.3 (as amended)",
    "Statistics and Registration Service Act 2007 (Code of Practice for Statistics)",
}
UNMATCHED_SEED_TRES: set[str] = set()


def _sources(entry) -> list[str]:
    source = entry.data["source"]
    return source if isinstance(source, list) else [source]


def _seed_access(field: str):
    for record in SEED_RECORDS:
        access = record.get("access") or {}
        if field == "tres":
            yield from (r["name"] for r in access.get("routes", []) if r.get("type") == "tre")
        else:
            yield from access.get("legalGateways", [])


@pytest.mark.parametrize("name", ["roles", "tres", "gateways", "bodies"])
def test_every_entry_has_an_id_a_name_and_a_public_source(name):
    register = getattr(registers(), name)
    assert len(register) > 0
    for entry in register:
        assert entry.id and entry.name, entry
        assert entry.id == entry.data["id"] and entry.name == entry.data["name"]
        assert isinstance(entry.aliases, tuple)
        for source in _sources(entry):
            assert URL.match(source) or source == "schemas/dataset.schema.json", (entry.id, source)


def test_registers_are_cached_once_per_process():
    assert registers() is registers()


def test_every_schema_linkage_role_has_an_entry_and_a_kind():
    schema_roles = enum_values("variables[].linkageRole")
    assert sorted(schema_roles) == sorted(e.id for e in registers().roles)
    for role in schema_roles:
        assert role_kind(role) in KINDS
        assert registers().roles.get(role).data["notes"]


@pytest.mark.parametrize("role, kind", [
    ("nhs-number", "person"), ("chi-number", "person"), ("hcn", "person"), ("national-insurance-number", "person"),
    ("pupil-matching-reference", "person"), ("unique-pupil-number", "person"), ("unique-learner-number", "person"),
    ("pnc-id", "person"), ("tre-linkage-key", "person"), ("uprn", "address"), ("address", "address"),
    ("area-code", "area"), ("organisation-code", "organisation"), ("company-number", "organisation"),
    ("postcode", "quasi"), ("date-of-birth", "quasi"), ("name", "quasi"), ("sex", "quasi"),
    ("other-identifier", "other"), ("not-a-role", "other"),
])
def test_role_kind(role, kind):
    assert role_kind(role) == kind


def test_identity_services_name_a_public_url():
    for entry in registers().roles:
        for service in entry.data.get("identityServices", []):
            assert service["name"] and URL.match(service["url"]), entry.id


def test_tre_entries_carry_the_contract_fields():
    for entry in registers().tres:
        data = entry.data
        assert data["nation"] and set(data["nation"]) <= {"England", "Wales", "Scotland", "Northern Ireland"}
        assert data["operator"] and (data["url"] is None or URL.match(data["url"]))
        assert data["deaAccredited"] in (True, False, None)
        assert "supportContact" in data and "personKey" in data
        if data.get("personKeyRole"):
            assert role_kind(data["personKeyRole"]) == "person"
        for fact, url in data.get("factSources", {}).items():
            assert URL.match(url), (entry.id, fact)
        if data["deaAccredited"] is not None:
            assert "deaAccredited" in data.get("factSources", {}), entry.id


def test_gateway_entries_carry_the_contract_fields():
    for entry in registers().gateways:
        data = entry.data
        assert data["shortTitle"] and data["fullTitle"] and data["permits"]
        assert LEGISLATION.match(data["legislationUrl"]), entry.id
        assert entry.url == data["legislationUrl"]
        assert set(data["nations"]) <= {"England", "Wales", "Scotland", "Northern Ireland"} and data["nations"]
        assert isinstance(data["excludedBodyTypes"], list)
        assert set(data["excludedBodyTypes"]) <= {"health", "adult-social-care"}


def test_dea_s64_excludes_health_and_adult_social_care_bodies():
    dea = registers().gateways.get("dea-2017-s64")
    assert set(dea.data["excludedBodyTypes"]) == {"health", "adult-social-care"}
    assert "health" in dea.data["excludes"]


@pytest.mark.parametrize("register, text, expected", [
    ("tres", "ONS Secure Research Service", "ons-secure-research-service"),
    ("tres", "ons-secure-research-service", "ons-secure-research-service"),
    ("tres", "  ons   SECURE research-service. ", "ons-secure-research-service"),
    ("tres", "SAIL", "sail-databank"),
    ("tres", "Honest Broker Service (HSC Business Services Organisation)", "honest-broker-service"),
    ("tres", "Administrative Data Research Centre Northern Ireland (ADRC NI) secure environment, NISRA Research "
             "Support Unit", "nisra-research-support-unit"),
    ("gateways", "Digital Economy Act 2017 s.64", "dea-2017-s64"),
    ("gateways", "digital economy act 2017 s 64", "dea-2017-s64"),
    ("gateways", "Health and Social Care Act 2012 s.254 (GDPPR Directions 2020)", "hsca-2012-s254"),
    ("gateways", "HM Revenue & Customs Act", None),
    ("gateways", "Digital Economy Act 2017 s.65", None),
    ("roles", "NHS number", "nhs-number"),
    ("roles", "ALF", "tre-linkage-key"),
    ("tres", "", None),
    ("tres", None, None),
    ("tres", "Nowhere Lab", None),
])
def test_match_by_id_name_or_alias(register, text, expected):
    found = getattr(registers(), register).match(text)
    assert (found.id if found else None) == expected


def test_seed_tre_routes_and_gateways_match_the_registers_or_are_listed():
    tres = registers().tres
    unmatched_tres = {name for name in _seed_access("tres") if tres.match(name) is None}
    assert unmatched_tres == UNMATCHED_SEED_TRES
    gateways = registers().gateways
    unmatched = {text for text in _seed_access("gateways") if gateways.match(text) is None}
    assert unmatched == UNMATCHED_SEED_GATEWAYS


def test_a_malformed_register_is_refused():
    with pytest.raises(RegisterError, match="no 'source'"):
        Register("x.json", [{"id": "a", "name": "A"}])
    with pytest.raises(RegisterError, match="used twice"):
        Register("x.json", [{"id": "a", "name": "A", "source": "https://a"}, {"id": "a", "name": "B", "source": "u"}])
    with pytest.raises(RegisterError, match="names both"):
        Register("x.json", [{"id": "a", "name": "Same", "source": "u"}, {"id": "b", "name": "same.", "source": "u"}])


def test_register_files_are_package_data():
    from schemas import SCHEMA_DIR
    for name in ("linkage-roles.json", "tres.json", "legal-gateways.json", "body-types.json"):
        assert json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))["entries"]


def test_body_type_entries_name_known_types_and_seed_publishers_agree():
    for entry in registers().bodies:
        assert entry.data["bodyTypes"] and set(entry.data["bodyTypes"]) <= set(BODY_TYPES), entry.id
    for pub in SEED_PUBLISHERS:
        entry = registers().bodies.get(pub["id"])
        assert set(pub.get("bodyTypes", [])) == set(entry.data["bodyTypes"] if entry else []), pub["id"]


@pytest.mark.parametrize("publisher, expected", [
    ("nhs-england", {"health"}),
    ({"id": "elsewhere", "name": "Department of Health and Social Care"}, {"health", "adult-social-care"}),
    ({"id": "elsewhere", "abbreviation": "PHS"}, {"health"}),
    ({"id": "a-council", "bodyTypes": ["adult-social-care", "not-a-type"]}, {"adult-social-care"}),
    ("department-for-education", set()),
    ({"id": 3, "bodyTypes": "health"}, set()),
    (None, set()),
])
def test_body_types(publisher, expected):
    assert body_types(publisher) == expected
