"""The CKAN mapping (catalogue.formats.ckan), as tables of package dicts and expected records."""
import copy

import pytest

from catalogue.formats.ckan import transform_package
from catalogue.formats.result import RecordError
from tests.support.fake_servers import ckan_package


def test_ckan_full_package_maps_to_the_expected_record():
    pkg = ckan_package(7, author="Ann Author", author_email="ann@example.org",
                       groups=[{"name": "health", "title": "Health"}],
                       extras=[{"key": "update_frequency", "value": "monthly"}, {"key": "source_id", "value": "S-7"},
                               {"key": "temporal_start", "value": "2001-01-01"},
                               {"key": "temporal_end", "value": "2020-12-31T00:00:00"},
                               {"key": "spatial_text", "value": "Wales; Cardiff"}],
                       resources=[{"name": "CSV file", "url": "https://example.org/f.csv", "format": "CSV",
                                   "size": 1234, "state": "active", "created": "2024-01-02T00:00:00"},
                                  {"name": "Gone", "url": "https://example.org/old.csv", "state": "deleted"}])
    t = transform_package(pkg)
    assert t.record == {
        "identifier": "ds-0007", "title": "Dataset 0007 about rivers",
        "description": "Synthetic dataset number 7 for harvester tests.", "publisher": "peer-org-b",
        "creator": ["peer-org-b"], "contactPoint": {"contactName": "Data Team", "email": "data@example.org"},
        "accessRights": "OPEN", "licence": "http://www.opendefinition.org/licenses/cc-by",
        "issued": "2024-01-01", "modified": "2024-02-01", "version": "1.0", "updateFrequency": "freq:monthly",
        "keyword": ["rivers", "peer"], "theme": ["Health"], "landingPage": "https://example.org/source/7",
        "distribution": [{"title": "CSV file", "accessURL": "https://example.org/f.csv", "mediaType": "text/csv",
                          "byteSize": 1234, "issued": "2024-01-02"}],
        "coverage": {"temporalStart": "2001-01-01", "temporalEnd": "2020-12-31", "nations": ["Wales"],
                     "areas": ["Cardiff"]},
    }
    assert "extras.source_id" in t.unmapped
    assert any(u.startswith("author") for u in t.unmapped)
    assert t.publisher_name == "Peer Org B"
    assert t.notes == ["accessRights set to OPEN because the dataset is public under an open licence"]


@pytest.mark.parametrize("changes, expected", [
    # ckanext-dcat / scheming fields at the top level or in extras
    ({"access_rights": "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"},
     {"accessRights": "INTERNAL"}),
    ({"extras": [{"key": "frequency",
                  "value": "http://publications.europa.eu/resource/authority/frequency/QUARTERLY"}]},
     {"updateFrequency": "freq:quarterly"}),
    ({"extras": [{"key": "theme", "value": "Transport"}, {"key": "spatial_text", "value": "United Kingdom"}]},
     {"theme": ["Transport"], "coverage": {"nations": ["England", "Wales", "Scotland", "Northern Ireland"]}}),
    ({"maintainer": None, "maintainer_email": None, "contact_name": "Stats desk", "contact_email": "stats@ex.org"},
     {"contactPoint": {"contactName": "Stats desk", "email": "stats@ex.org"}}),
    ({"maintainer": None, "maintainer_email": None, "author": "Ann", "author_email": "not an email"},
     {"contactPoint": {"contactName": "Ann"}}),
    ({"extras": [{"key": "security_classification", "value": "official"}, {"key": "provenance", "value": "Survey"},
                 {"key": "conforms_to", "value": "ISO 19115"}]},
     {"securityClassification": "OFFICIAL", "provenance": {"collectionMethod": "Survey", "standards": ["ISO 19115"]}}),
    ({"resources": [{"name": "API", "url": "https://api.example.org/", "format": "API", "state": "active"}]},
     {"distribution": [{"title": "API", "accessURL": "https://api.example.org/"}]}),
])
def test_ckan_field_variants(changes, expected):
    record = transform_package(ckan_package(1, **changes)).record
    for key, value in expected.items():
        assert record[key] == value


def test_ckan_minimal_package_leaves_gaps_for_validation_to_flag():
    t = transform_package({"id": "abc", "name": "Some_Name", "title": "", "isopen": False})
    assert t.record == {"identifier": "some_name"}
    t = transform_package({"id": "x", "spatial": '{"type": "Point", "coordinates": [0, 51]}'})
    assert any("GeoJSON" in u for u in t.unmapped) and "coverage" not in t.record
    t = transform_package({"id": "x", "extras": [{"key": "spatial", "value": "Scotland"}]})
    assert t.record["coverage"] == {"nations": ["Scotland"]} and not t.unmapped


@pytest.mark.parametrize("bad", [None, [], "text", {"title": "no id or name"}])
def test_ckan_non_packages_are_record_errors(bad):
    with pytest.raises(RecordError):
        transform_package(bad)


def test_ckan_transform_is_deterministic_and_pure():
    pkg = ckan_package(3)
    before = copy.deepcopy(pkg)
    assert transform_package(pkg).record == transform_package(copy.deepcopy(pkg)).record
    assert pkg == before
