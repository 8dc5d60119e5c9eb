"""HDR UK dataset schema 2.1, 3.0 and 4.0 → our record: a table of real-shaped inputs and expected fields."""
import copy
import json
from pathlib import Path

import pytest

from catalogue.formats.hdruk import from_hdruk
from catalogue.records.validation import validate
from tests.support import paths

EXAMPLE_V3 = json.loads((paths.REFERENCE / "hdruk-3.0.0-example.json").read_text())

V2 = {
    "identifier": "https://web.www.healthdatagateway.org/dataset/a7ddefbd-31d9-4703-a738-256e4689f76a",
    "version": "2.0.0", "issued": "2021-01-05T00:00:00Z", "modified": "2023-06-30T00:00:00Z",
    "summary": {"title": "Welsh Demographic Service Dataset", "abstract": "Registrations with Welsh GPs.",
                "publisher": {"name": "SAIL Databank", "contactPoint": "sail@example.org"},
                "contactPoint": "sail@example.org", "keywords": "demographics,registration,Wales"},
    "coverage": {"spatial": "Wales"},
    "provenance": {"origin": {"collectionSituation": ["PRIMARY CARE"]},
                   "temporal": {"accrualPeriodicity": "MONTHLY", "startDate": "1990-01-01"}},
    "accessibility": {"access": {"accessRights": "https://saildatabank.com/application-process",
                                 "accessService": "SAIL Gateway, a trusted research environment.",
                                 "deliveryLeadTime": "2-6 MONTHS"},
                      "formatAndStandards": {"conformsTo": "NHS DATA DICTIONARY"}},
    "enrichmentAndLinkage": {"qualifiedRelation": ["Patient Episode Database for Wales"]},
    "structuralMetadata": [{"name": "WDSD_AR_PERS", "elements": [
        {"name": "ALF_PE", "dataType": "BIGINT", "description": "Anonymised linking field", "sensitive": True},
        {"name": "WOB", "dataType": "DATE", "description": "Week of birth", "sensitive": True}]},
        {"name": "WDSD_AR_ADD", "elements": [{"name": "LSOA2011_CD", "dataType": "VARCHAR", "sensitive": False}]}],
}

V4 = {
    "identifier": "0f0d4ab8-5f28-4c71-9dd2-1e5d8b7f2e10", "version": "4.0.1",
    "issued": "2025-02-01T00:00:00.000Z", "modified": "2025-09-15T00:00:00.000Z",
    "summary": {"title": "Scottish Morbidity Record 01", "abstract": "Inpatient and day case episodes.",
                "dataCustodian": {"name": "Public Health Scotland", "contactPoint": "phs@example.org"},
                "contactPoint": "phs.edris@example.org", "keywords": ["hospital", "Scotland"],
                "populationSize": 5500000, "datasetAliases": ["SMR01"]},
    "coverage": {"spatial": "Scotland"},
    "provenance": {"origin": {"collectionSource": ["Secondary care - In-patients"]},
                   "temporal": {"publishingFrequency": "Quarterly", "startDate": "1997-04-01T00:00:00Z",
                                "endDate": None}},
    "accessibility": {"access": {"accessRights": "https://www.isdscotland.org/edris", "accessServiceCategory": "TRE/SDE",
                                 "accessService": "Scottish National Safe Haven", "deliveryLeadTime": "2-6 months"}},
    "structuralMetadata": {"tables": [{"name": "SMR01", "columns": [
        {"name": "CHI", "dataType": "String", "description": "Community Health Index number", "sensitive": True},
        {"name": "ADMISSION_DATE", "dataType": "Date", "sensitive": False}]}]},
}


@pytest.mark.parametrize("doc, version, expected", [
    (V2, "2.1.x", {"identifier": "https-web.www.healthdatagateway.org-dataset-a7ddefbd-31d9-4703-a738-256e4689f76a",
                   "publisher": "sail-databank", "updateFrequency": "freq:monthly", "modified": "2023-06-30",
                   "keyword": ["demographics", "registration", "Wales"], "supportInbox": "sail@example.org",
                   "coverage": {"temporalStart": "1990-01-01", "nations": ["Wales"]},
                   # 2.1 has no access category, so no route is made up from the service's free text
                   "access": {"applicationUrl": "https://saildatabank.com/application-process",
                              "leadTime": "2-6 MONTHS"},
                   "accessRights": "INTERNAL", "securityClassification": "OFFICIAL", "theme": ["Health"],
                   "linkage": {"linkedDatasets": [{"title": "Patient Episode Database for Wales"}]},
                   "provenance": {"collectionMethod": "PRIMARY CARE", "standards": ["NHS DATA DICTIONARY"]}}),
    (EXAMPLE_V3, "3.0.x", {"identifier": "north-west-london-covid-19-patient-level-situation-report",  # none given
                           "publisher": "health-data-research-uk", "updateFrequency": "freq:continuous",
                           "contactPoint": {"contactName": "Health Data Research UK", "email": "gateway@hdruk.ac.uk"},
                           "coverage": {"temporalStart": "2024-10-24", "recordCount": 1000,
                                        "nations": ["England", "Wales", "Scotland", "Northern Ireland"]}}),
    (V4, "4.0.x", {"identifier": "0f0d4ab8-5f28-4c71-9dd2-1e5d8b7f2e10", "publisher": "public-health-scotland",
                   "updateFrequency": "freq:quarterly", "owner": {"organisation": "public-health-scotland"},
                   "alternativeTitle": ["SMR01"], "accessRights": "INTERNAL",  # from the TRE/SDE category
                   "coverage": {"temporalStart": "1997-04-01", "nations": ["Scotland"], "recordCount": 5500000},
                   "access": {"routes": [{"type": "tre", "name": "Scottish National Safe Haven"}],
                              "applicationUrl": "https://www.isdscotland.org/edris", "leadTime": "2-6 months"}}),
])
def test_mapping_table(doc, version, expected):
    result = from_hdruk(copy.deepcopy(doc), fill_defaults=True)  # as uploads convert
    assert result.schema_version == version
    for key, value in expected.items():
        assert result.record[key] == value, key
    assert validate(result.record).valid, validate(result.record).to_dict()


def test_fill_defaults_only_adds_what_is_missing_and_says_so():
    plain = from_hdruk(copy.deepcopy(V2))  # as harvests map: gaps left for validation to flag
    filled = from_hdruk(copy.deepcopy(V2), fill_defaults=True)
    assert plain.assumed == [] and not validate(plain.record).valid
    assert {k: v for k, v in filled.record.items() if k in plain.record} == plain.record
    added = set(filled.record) - set(plain.record)
    assert added == {"accessRights", "securityClassification", "licence", "theme"}
    assert all(any(a.startswith(f"{name} set to") for a in filled.assumed) for name in added)
    v4 = from_hdruk(copy.deepcopy(V4), fill_defaults=True)  # accessRights came from the document: not assumed
    assert v4.record["accessRights"] == "INTERNAL" and not any(a.startswith("accessRights") for a in v4.assumed)


def test_structural_metadata_becomes_variables_with_linkage_hints():
    v2 = from_hdruk(V2).record["variables"]
    assert [v["name"] for v in v2] == ["WDSD_AR_PERS.ALF_PE", "WDSD_AR_PERS.WOB", "WDSD_AR_ADD.LSOA2011_CD"]
    assert v2[0] == {"name": "WDSD_AR_PERS.ALF_PE", "description": "Anonymised linking field", "dataType": "integer",
                     "sensitivity": "personal"}
    assert "linkageRole" not in from_hdruk(V4).record["variables"][0]  # a guess: only when filling defaults
    filled = from_hdruk(V4, fill_defaults=True)
    v4 = filled.record["variables"]
    assert v4[0]["name"] == "SMR01.CHI" and v4[0]["linkageRole"] == "chi-number" and v4[0]["dataType"] == "string"
    assert "linkageRole" not in v4[1]
    assert "linkageRole guessed from column names: SMR01.CHI as chi-number" in filled.assumed


def test_unmapped_and_assumed_fields_are_reported():
    result = from_hdruk(EXAMPLE_V3, fill_defaults=True)
    assert "demographicFrequency" in result.unmapped
    assert "accessibility.access.accessRights (text, not a URL)" in result.unmapped  # "In Progress"
    assert "https://doi.org/10.1093/ije/dyab028" in result.record["relatedResource"]  # publicationAboutDataset
    assert any(a.startswith("accessRights set to INTERNAL") for a in result.assumed)
    assert any(a.startswith("identifier set to") for a in result.assumed)


def test_publisher_can_be_imposed_and_empty_docs_do_not_raise():
    imposed = from_hdruk(V4, publisher="nhs-england").record
    assert imposed["publisher"] == "nhs-england" and imposed["creator"] == ["nhs-england"]
    assert imposed["owner"] == {"organisation": "public-health-scotland"}  # the custodian still owns the data
    empty = from_hdruk({"summary": {}}, fill_defaults=True)
    assert "title" not in empty.record  # no placeholder title: the uploader is told it is missing
    assert not validate(empty.record).valid  # flagged, not dropped
