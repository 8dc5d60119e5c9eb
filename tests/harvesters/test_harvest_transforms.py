"""Harvested payloads through the pure mappings, as tables of inputs and expected records: DCAT (2 and 3), as the
DCAT harvester cuts a feed into per-dataset payloads, and HDR UK 2.1 / 3.0 / 4.0.

The CKAN mapping's tables are in tests/formats/test_ckan.py."""
import copy
import json

import pytest
from rdflib import RDF

from catalogue.formats.dcat import DCAT
from catalogue.formats.dcat.dataset import from_ntriples
from catalogue.formats.hdruk import from_payload, schema_version
from catalogue.formats.rdf_io import parse_rdf
from catalogue.formats.result import RecordError
from harvesters.dcat import dataset_payload
from tests.support import paths

HDRUK_EXAMPLE = paths.REFERENCE / "hdruk-3.0.0-example.json"  # unchanged copy


# ---------------------------------------------------------------- DCAT

DCAT_FEED = b"""
@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix schema: <http://schema.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix time: <http://www.w3.org/2006/time#> . @prefix org: <http://www.w3.org/ns/org#> .
<https://ex.org/cat> a dcat:Catalog ; dct:publisher <https://ex.org/org/welsh-gov> ;
  dcat:dataset <https://ex.org/ds/rivers>, <https://ex.org/ds/lakes>, <https://ex.org/ds/seas> .
<https://ex.org/org/welsh-gov> a foaf:Organization ; foaf:name "Welsh Government"@en, "Llywodraeth Cymru"@cy .
<https://ex.org/ds/rivers> a dcat:Dataset ; dct:identifier "wg-rivers" ; dct:title "Rivers"@en, "Afonydd"@cy ;
  dct:description "All rivers in Wales, measured daily."@en, "Pob afon yng Nghymru."@cy ;
  dcat:keyword "rivers"@en, "afonydd"@cy ;
  dcat:contactPoint [ a vcard:Organization ; vcard:fn "River team" ; vcard:hasEmail <mailto:rivers@ex.org> ] ;
  dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "2001-01-01"^^xsd:date ; dcat:endDate "2020-12-31"^^xsd:date ] ;
  dct:spatial <http://statistics.data.gov.uk/id/statistical-geography/W92000004> ;
  dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ;
  dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/DAILY> ;
  dct:modified "2024-03-01"^^xsd:date ;
  dct:license <http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/> ;
  dcat:distribution [ a dcat:Distribution ; dct:title "CSV" ; dcat:accessURL <https://ex.org/rivers.csv> ;
                      dcat:mediaType <http://www.iana.org/assignments/media-types/text/csv> ] ;
  <http://example.org/vocab/unknownProperty> "something" .
<https://ex.org/ds/lakes> a dcat:Dataset ; dct:identifier "wg-lakes" ; dct:title "Lakes" ;
  dct:publisher [ a org:Organization ; foaf:name "Lake Board" ] ;
  dcat:contactPoint [ a vcard:Kind ; vcard:organization-name "Lake desk" ;
                      vcard:hasEmail [ vcard:hasValue "lakes@ex.org" ] ] ;
  dct:temporal [ schema:startDate "1999-05-01"^^xsd:date ; schema:endDate "2000-01-01"^^xsd:date ] ;
  dct:accessRights <http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC> .
<https://ex.org/ds/seas> a dcat:Dataset ; dct:title "Seas" ;
  dcat:contactPoint [ vcard:fn "Sea desk" ; vcard:hasEmail "seas@ex.org" ; vcard:hasTelephone <tel:+441234> ] ;
  dct:temporal [ time:hasBeginning [ time:inXSDDate "1990-01-01"^^xsd:date ] ] ;
  dct:spatial [ a dct:Location ; <http://www.w3.org/2004/02/skos/core#prefLabel> "North Sea" ] .
"""

DCAT_EXPECTED = {
    "https://ex.org/ds/rivers": {
        "identifier": "wg-rivers", "title": "Rivers", "description": "All rivers in Wales, measured daily.",
        "publisher": "welsh-government", "contactPoint": {"contactName": "River team", "email": "rivers@ex.org"},
        "accessRights": "OPEN", "updateFrequency": "freq:daily", "modified": "2024-03-01", "keyword": ["rivers"],
        "licence": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        "distribution": [{"title": "CSV", "accessURL": "https://ex.org/rivers.csv", "mediaType": "text/csv"}],
        "coverage": {"temporalStart": "2001-01-01", "temporalEnd": "2020-12-31", "nations": ["Wales"]}},
    "https://ex.org/ds/lakes": {  # DCAT-AP 2 style: schema.org dates, org:Organization publisher, vCard hasValue
        "identifier": "wg-lakes", "title": "Lakes", "publisher": "lake-board", "accessRights": "INTERNAL",
        "contactPoint": {"contactName": "Lake desk", "email": "lakes@ex.org"},
        "coverage": {"temporalStart": "1999-05-01", "temporalEnd": "2000-01-01"}},
    "https://ex.org/ds/seas": {  # no dct:publisher: the catalogue's; time:Instant; literal email; tel: IRI
        "identifier": "seas", "title": "Seas", "publisher": "welsh-government",
        "contactPoint": {"contactName": "Sea desk", "email": "seas@ex.org", "telephone": "+441234"},
        "coverage": {"temporalStart": "1990-01-01", "areas": ["North Sea"]}},
}


@pytest.mark.parametrize("iri", sorted(DCAT_EXPECTED))
def test_dcat_dataset_payload_transforms_to_the_expected_record(iri):
    graph = parse_rdf(DCAT_FEED, fmt="ttl")
    from rdflib import URIRef
    payload = dataset_payload(graph, URIRef(iri))
    assert from_ntriples(payload).record == DCAT_EXPECTED[iri]


def test_dcat_payload_is_canonical_and_reports_what_it_cannot_map():
    a = parse_rdf(DCAT_FEED, fmt="ttl")
    b = parse_rdf(DCAT_FEED, fmt="ttl")  # new blank-node labels
    from rdflib import URIRef
    rivers = URIRef("https://ex.org/ds/rivers")
    assert dataset_payload(a, rivers) == dataset_payload(b, rivers)
    assert "<https://ex.org/ds/lakes>" not in dataset_payload(a, rivers)  # other datasets stay out
    t = from_ntriples(dataset_payload(a, rivers))
    assert any("unknownProperty" in u for u in t.unmapped)
    assert any(u.startswith("dcterms:title in cy, en") for u in t.unmapped)  # multilingual: English kept
    assert "Afonydd" in dataset_payload(a, rivers)  # ...and the Welsh is kept in the raw payload
    assert t.explicit_identifier
    assert not from_ntriples(dataset_payload(a, URIRef("https://ex.org/ds/seas"))).explicit_identifier


def test_dcat_all_datasets_found():
    graph = parse_rdf(DCAT_FEED, fmt="ttl")
    assert {str(s) for s in graph.subjects(RDF.type, DCAT.Dataset)} == set(DCAT_EXPECTED)


@pytest.mark.parametrize("payload", [42, "not n-triples <<<", ""])
def test_dcat_bad_payloads_are_record_errors(payload):
    with pytest.raises(RecordError):
        from_ntriples(payload)


# ---------------------------------------------------------------- HDR UK

def reference_example() -> dict:
    return json.loads(HDRUK_EXAMPLE.read_text())


def test_hdruk_3_0_reference_example():
    t = from_payload(reference_example(), "9a1f5c1e-0000-4000-8000-000000000001")
    r = t.record
    assert t.schema_version == "3.0.x"
    assert r["identifier"] == "9a1f5c1e-0000-4000-8000-000000000001"
    assert r["title"] == "North West London COVID-19 Patient Level Situation Report"
    assert r["publisher"] == "health-data-research-uk" and r["owner"] == {"organisation": "health-data-research-uk"}
    assert r["contactPoint"] == {"contactName": "Health Data Research UK", "email": "gateway@hdruk.ac.uk"}
    assert r["keyword"][:2] == ["Outpatient Care", "Socioeconomic Deprivation"]
    assert r["issued"] == "2024-10-24" and r["modified"] == "2024-10-24" and r["version"] == "1.1.0"
    assert r["updateFrequency"] == "freq:continuous"
    assert r["coverage"] == {"temporalStart": "2024-10-24", "nations": ["England", "Wales", "Scotland",
                                                                        "Northern Ireland"], "recordCount": 1000}
    assert r["provenance"] == {"standards": ["LOCAL", "NHS DATA DICTIONARY"]}
    assert r["relatedResource"] == ["https://doi.org/10.1093/ije/dyab028",
                                    "https://doi.org/10.1001/jamapediatrics.2016.3633"]
    assert "linkage" not in r  # only null descriptors in the example
    assert "demographicFrequency" in t.unmapped and "accessibility.formatAndStandards.format" in t.unmapped
    assert "accessibility.access.accessRights (text, not a URL)" in t.unmapped  # "In Progress"
    assert "securityClassification" not in r and "licence" not in r  # no HDR UK equivalent: left for audits


HDRUK_21 = {
    "identifier": "https://web.www.healthdatagateway.org/dataset/226fb3f1-4471-400a-8c39-2b66d46a39b6",
    "version": "2.0.0", "issued": "2020-01-01T00:00:00Z", "modified": "2021-06-30T00:00:00Z",
    "revisions": [], "observations": [{"observedNode": "PERSONS", "measuredValue": 5000, "measuredProperty": "COUNT",
                                       "observationDate": "2021-01-01"}],
    "summary": {"title": "Scottish Cancer Registry", "abstract": "Cancer registrations in Scotland since 1958.",
                "publisher": {"name": "Public Health Scotland", "contactPoint": "phs.cancer@example.org"},
                "contactPoint": "phs.cancer@example.org", "keywords": "cancer, registry,  incidence"},
    "provenance": {"origin": {"collectionSituation": ["IN-PATIENTS"]},
                   "temporal": {"accrualPeriodicity": "QUARTERLY", "startDate": "1958-01-01", "endDate": None}},
    "coverage": {"spatial": ["Scotland"]},
    "accessibility": {"access": {"accessRights": ["https://www.example.org/access"],
                                 "deliveryLeadTime": "2-6 MONTHS", "dataController": "NHS National Services Scotland"}},
    "enrichmentAndLinkage": {"qualifiedRelation": ["Scottish Morbidity Record SMR01"]},
    "structuralMetadata": [{"name": "REGISTRATIONS", "elements": [
        {"name": "CHI", "dataType": "VARCHAR(10)", "sensitive": True, "description": "Community Health Index"},
        {"name": "SITE", "dataType": "string", "sensitive": False}]}],
}

HDRUK_40 = {
    "identifier": "b1c6a3f2-1111-4000-8000-000000000004", "version": "4.0.1", "issued": "2023-02-01",
    "modified": "2024-05-01", "revisions": [], "observations": [],
    "summary": {"title": "SAIL Linked Education Data", "abstract": "Education records linkable in SAIL.",
                "dataCustodian": {"identifier": "https://ror.org/053fq8t95", "name": "SAIL Databank"},
                "contactPoint": "sail@example.org", "keywords": ["education"], "populationSize": 250000,
                "datasetAliases": ["SAIL-EDU"]},
    "provenance": {"origin": {"datasetType": [{"name": "Education", "subTypes": []}],
                              "collectionSource": ["Schools"]},
                   "temporal": {"publishingFrequency": "Annual", "startDate": "2005-09-01",
                                "endDate": "2023-08-31", "timeLag": "1-2 months"}},
    "coverage": {"spatial": "Wales"},
    "accessibility": {"access": {"accessRights": "https://saildatabank.com/apply", "accessServiceCategory": "TRE/SDE",
                                 "accessService": "SAIL Databank trusted research environment",
                                 "deliveryLeadTime": "2-6 months"},
                      "formatAndStandards": {"conformsTo": ["LOCAL"], "vocabularyEncodingScheme": ["LOCAL"],
                                             "language": ["en"], "format": ["CSV"]}},
    "enrichmentAndLinkage": {"linkableDatasets": [{"pid": "abc", "title": "WDSD", "url": "https://ex.org/wdsd"}]},
    "structuralMetadata": {"tables": [{"name": "PUPIL", "columns": [
        {"name": "ALF_PE", "dataType": "BIGINT", "sensitive": True, "description": "Anonymised linking field",
         "values": None},
        {"name": "YEAR_GROUP", "dataType": "INTEGER", "sensitive": False,
         "values": [{"name": "R"}, {"name": "1"}]}]}]},
}

HDRUK_TABLE = [
    (HDRUK_21, "2.1.x", {
        "identifier": "2-1-pid", "publisher": "public-health-scotland", "creator": ["public-health-scotland"],
        "owner": {"organisation": "public-health-scotland",  # the custodian, and the controller when different
                  "team": "Data controller: NHS National Services Scotland"},
        "keyword": ["cancer", "registry", "incidence"], "updateFrequency": "freq:quarterly",
        "coverage": {"temporalStart": "1958-01-01", "nations": ["Scotland"], "recordCount": 5000},
        "access": {"leadTime": "2-6 MONTHS"},
        "linkage": {"linkedDatasets": [{"title": "Scottish Morbidity Record SMR01"}]},
        "provenance": {"collectionMethod": "IN-PATIENTS"},
        "variables": [{"name": "REGISTRATIONS.CHI", "description": "Community Health Index", "dataType": "string",
                       "sensitivity": "personal"},
                      {"name": "REGISTRATIONS.SITE", "dataType": "string", "sensitivity": "non-personal"}]}),
    (HDRUK_40, "4.0.x", {
        "identifier": "4-0-pid", "alternativeTitle": ["SAIL-EDU"], "publisher": "sail-databank",
        "accessRights": "INTERNAL", "updateFrequency": "freq:annual",
        "access": {"routes": [{"type": "tre", "name": "SAIL Databank trusted research environment"}],
                   "applicationUrl": "https://saildatabank.com/apply", "leadTime": "2-6 months"},
        "coverage": {"temporalStart": "2005-09-01", "temporalEnd": "2023-08-31", "nations": ["Wales"],
                     "recordCount": 250000},
        "linkage": {"linkedDatasets": [{"title": "WDSD", "identifier": "abc", "url": "https://ex.org/wdsd"}]},
        "provenance": {"collectionMethod": "Schools", "standards": ["LOCAL"]},
        "variables": [{"name": "PUPIL.ALF_PE", "description": "Anonymised linking field", "dataType": "integer",
                       "sensitivity": "personal"},
                      {"name": "PUPIL.YEAR_GROUP", "dataType": "integer", "sensitivity": "non-personal",
                       "codeList": "R, 1"}]}),
]


@pytest.mark.parametrize("payload, version, expected", HDRUK_TABLE, ids=["2.1", "4.0"])
def test_hdruk_versions_map_to_the_expected_fields(payload, version, expected):
    t = from_payload(copy.deepcopy(payload), expected["identifier"])
    assert t.schema_version == version
    for key, value in expected.items():
        assert t.record[key] == value, key


def test_hdruk_unmapped_parts_are_reported():
    t = from_payload(copy.deepcopy(HDRUK_40), "x")
    assert "provenance.temporal.timeLag" in t.unmapped
    assert "accessibility.formatAndStandards.format" in t.unmapped
    assert "summary.dataCustodian" not in t.unmapped


@pytest.mark.parametrize("doc, version", [
    ({"@schema": {"version": "4.0.0"}, "summary": {}}, "4.0.0"),
    ({"summary": {"publisher": {"name": "x"}}}, "2.1.x"),
    ({"summary": {"dataCustodian": {}, "alternateIdentifiers": None}}, "3.0.x"),
    ({"summary": {"dataCustodian": {}}, "provenance": {"origin": {"datasetType": [{"name": "Health"}]}}}, "4.0.x"),
    ({"summary": {"dataCustodian": {}}}, "3.0.x or 4.0.x"),
])
def test_hdruk_schema_version_detection(doc, version):
    assert schema_version(doc) == version


def test_hdruk_wrapped_payload_and_non_datasets():
    assert from_payload({"data": reference_example()}, "p1").record["title"].startswith("North West London")
    for bad in ({}, [], {"summary": "text"}, None):
        with pytest.raises(RecordError):
            from_payload(bad, "p1")
