"""Our record -> CKAN package (package_from_record), and back through the harvester's mapping (round trip)."""
import json
import re
from datetime import datetime, timezone

import pytest

from catalogue.formats.ckan import ckan_name, package_from_record, transform_package
from catalogue.formats.ckan_query import CkanQueryError, parse_fq
from tests.support.app import SEED_RECORDS

# What the CKAN mapping carries, and so what must come back unchanged.
CARRIED = ("identifier", "title", "description", "publisher", "contactPoint", "accessRights", "securityClassification",
           "licence", "issued", "modified", "version", "updateFrequency", "keyword", "theme", "landingPage",
           "distribution", "informationAssetOwner", "supportInbox")


def carried(record: dict) -> dict:
    out = {k: record[k] for k in CARRIED if k in record}
    cov = {k: v for k, v in (record.get("coverage") or {}).items()
           if k in ("temporalStart", "temporalEnd", "nations", "areas")}
    prov = {k: v for k, v in (record.get("provenance") or {}).items() if k in ("collectionMethod", "standards")}
    acc = {k: v for k, v in (record.get("access") or {}).items() if k in ("routes", "legalGateways", "applicationUrl")}
    return out | {"coverage": cov, "provenance": prov, "access": acc}


@pytest.mark.parametrize("record", SEED_RECORDS, ids=lambda r: r["identifier"])
def test_every_seed_record_round_trips_field_for_field(record):
    pkg = json.loads(json.dumps(package_from_record(record, publisher_name="Pub")))  # as it crosses the wire
    mapped = transform_package(pkg)
    assert carried(mapped.record) == carried(record)
    assert mapped.publisher_name == "Pub"
    assert mapped.unmapped == []  # every extra we write is read back (or derived from what is)


def test_package_shape_is_ckans():
    rec = next(r for r in SEED_RECORDS if r["identifier"] == "dfe-national-pupil-database")
    when = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    pkg = package_from_record(rec, publisher_name="Department for Education", created=when, modified=when,
                              readiness={"total": 71.5, "band": "good"})
    assert pkg["name"] == "dfe-national-pupil-database" and pkg["id"] == rec["identifier"]
    assert pkg["organization"]["name"] == "department-for-education"
    assert pkg["organization"]["title"] == "Department for Education"
    assert pkg["metadata_modified"] == "2026-01-02T03:04:05.000006" == pkg["metadata_created"]
    assert [t["name"] for t in pkg["tags"]] == rec["keyword"]
    assert pkg["resources"][0]["url"] == rec["distribution"][0]["accessURL"]
    assert pkg["resources"][0]["format"] == "CSV"
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert all(isinstance(v, str) for v in extras.values())  # CKAN extras are strings
    assert json.loads(extras["legal_gateways"]) == rec["access"]["legalGateways"]
    assert json.loads(extras["information_asset_owner"]) == rec["informationAssetOwner"]
    assert extras["support_inbox"] == rec["supportInbox"]
    assert "pupil-matching-reference" in json.loads(extras["linkage_keys"])
    assert extras["readiness_score"] == "71.5" and extras["readiness_band"] == "good"
    assert json.loads(extras["access_routes"])[0]["name"] == "ONS Secure Research Service"


@pytest.mark.parametrize("ident", ["abc", "ABC.def", "a", "x" * 128, "nhs.uk/thing", "..", "Ünïcode-ID"])
def test_names_are_ckan_valid_and_distinct(ident):
    name = ckan_name(ident)
    assert re.fullmatch(r"[a-z0-9_-]{2,100}", name)
    assert name != ckan_name(ident + "x")


def test_a_minimal_record_maps():
    pkg = package_from_record({"identifier": "min", "title": "T", "publisher": "p"})
    assert pkg["name"] == "min" and pkg["extras"] == [] and pkg["resources"] == [] and pkg["tags"] == []
    assert transform_package(pkg).record["title"] == "T"


@pytest.mark.parametrize("fq, fields", [
    ("", []), ("*:*", []), ("organization:dfe", [("organization", "dfe", False)]),
    ("+(organization:dfe) +metadata_modified:[2024-01-01T00:00:00.000001Z TO *]",  # what our harvester sends
     [("organization", "dfe", False), ("metadata_modified", None, False)]),
    ('-tags:"school census" AND res_format:CSV', [("tags", "school census", True), ("res_format", "CSV", False)]),
    ("-(tags:a)", [("tags", "a", True)])])
def test_fq_as_ckan_clients_send_it(fq, fields):
    assert [(c.field, c.value, c.negate) for c in parse_fq(fq)] == fields


@pytest.mark.parametrize("fq", ["tags:a OR tags:b", "-(tags:a tags:b)", "(tags:a", "tags:a)", "evil:x", "nonsense",
                                "metadata_modified:[soon TO *]", "tags:[a TO b]"])
def test_fq_we_cannot_honour_is_refused_not_guessed(fq):
    with pytest.raises(CkanQueryError):
        parse_fq(fq)
