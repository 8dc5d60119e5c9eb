"""The DCAT-AP 3 profile (record ⇄ graph), its SHACL conformance, and safe RDF parsing and serialising."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from pyshacl import validate as shacl_validate
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from catalogue.formats.dcat import (ACCESS_RIGHT, CAT, DCAT, DCATAP, DCTERMS, catalogue_graph, gateway_iri,
                            graph_to_records, record_to_graph, theme_uri)
from catalogue.formats.rdf_io import FORMATS, RDFError, guess_format, parse_rdf, serialize
from catalogue.records.schema import dataset_schema
from catalogue.records.validation import validate
from tests.support import paths

BASE = "https://catalogue.example.org"
SHACL_DIR = paths.SHACL_DIR
SEED = paths.SEED
THEMES_TTL = paths.REFERENCE / "themes.ttl"  # copy of the Data Marketplace themes.ttl
SH = Namespace("http://www.w3.org/ns/shacl#")


def _publishers() -> dict[str, dict]:
    path = SEED / "publishers.json"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        return {p["id"]: p for p in json.load(fh)}


PUBLISHERS = _publishers()


def _minimal() -> dict:
    return {"identifier": "ons.minimal_1", "title": "Minimal", "description": "A record with only the mandatory fields.",
            "publisher": "office-for-national-statistics", "creator": ["office-for-national-statistics"],
            "contactPoint": {"contactName": "Team", "email": "team@example.org"}, "accessRights": "OPEN",
            "securityClassification": "NOT_APPLICABLE",
            "licence": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            "modified": "2024-01-01", "version": "1", "updateFrequency": "freq:never"}


def _full() -> dict:
    """Every optional field, lists out of order and with repeats, Welsh text, zeros, floats and booleans."""
    return {**_minimal(), "identifier": "welsh-gov-full", "title": "Cyfrifiad Ysgolion – ŵ “quoted”",
            "alternativeTitle": ["Zeta", "Alpha"], "summary": "Line one\nline two.",
            "description": 'Has "quotes", <angle brackets> & a\ttab.', "publisher": "welsh-government",
            "creator": ["welsh-government", "department-for-education"],
            "contactPoint": {"contactName": "Stats", "email": "stats+wales@example.org",
                             "telephone": "0300 025 5050", "address": "Cathays Park, Cardiff CF10 3NQ"},
            "accessRights": "COMMERCIAL", "securityClassification": "OFFICIAL",
            "licence": "Data sharing agreement", "issued": "2001-02-03", "created": "2000-01-01",
            "updateFrequency": "freq:annual", "keyword": ["schools", "absence", "schools"],
            "theme": ["Society", "Education", "Health"], "landingPage": "https://gov.wales/school-census",
            "relatedResource": ["https://b.example.org/doc", "https://a.example.org/doc?x=1&y=2"],
            "distribution": [
                {"title": "Z file", "accessURL": "https://example.org/z", "downloadURL": "https://example.org/z.csv",
                 "mediaType": "text/csv", "byteSize": 0, "licence": "https://example.org/licence",
                 "issued": "2020-01-01", "modified": "2021-01-01", "description": "Zipped."},
                {"title": "A service", "accessURL": "https://example.org/a", "byteSize": 123456789012,
                 "mediaType": "application/vnd.ms-excel", "licence": "Terms of the agreement"}],
            "owner": {"organisation": "welsh-government"},
            "informationAssetOwner": {"role": "Chief Statistician", "email": "iao@example.org",
                                      "telephone": "+44 29 2000 0000"},
            "supportInbox": "access@example.org",
            "coverage": {"temporalStart": "2010-09-01", "temporalEnd": "2023-08-31", "nations": ["Wales", "England"],
                         "areas": ["Cardiff", "Bristol"], "population": "Pupils", "recordCount": 0},
            "access": {"routes": [{"type": "tre", "name": "SAIL Databank", "url": "https://saildatabank.com"},
                                  {"type": "api", "name": "API"}],
                       "applicationUrl": "https://example.org/apply",
                       "legalGateways": ["Health and Social Care Act 2012 s.261", "Common law duty of confidence"],
                       "leadTime": "1.5 to 3 months", "preApprovedUses": [], "syntheticDataAvailable": True,
                       "syntheticDataUrl": "https://example.org/synthetic"},
            "variables": [
                {"name": "z", "dataType": "datetime", "completeness": 0},
                {"name": "a", "label": "A", "description": "d", "dataType": "decimal", "sensitivity": "non-personal",
                 "completeness": 50.5, "codeList": "ISO 4217"},
                {"name": "nhs", "dataType": "code", "linkageRole": "nhs-number", "collectionMethod": "From PDS.",
                 "completeness": 100.0},
                {"name": "flag", "dataType": "boolean"}, {"name": "n", "dataType": "integer"},
                {"name": "d", "dataType": "date"}, {"name": "s", "dataType": "string"}],
            "linkage": {"linkedDatasets": [{"title": "Other", "url": "https://example.org/other"},
                                           {"title": "Another", "identifier": "another"}],
                        "methodDocumentation": "https://example.org/method"},
            "provenance": {"standards": []}}


def _empty_containers() -> dict:
    return {**_minimal(), "identifier": "empty-containers", "alternativeTitle": [], "keyword": [], "theme": [],
            "relatedResource": [], "distribution": [], "variables": [], "coverage": {}, "access": {},
            "linkage": {}, "provenance": {}, "owner": {"organisation": "office-for-national-statistics",
                                                       "team": "Data Linkage Hub"},
            "informationAssetOwner": {"name": "Ann Other", "email": "ann@example.org"}}


EDGE_RECORDS = [_minimal(), _full(), _empty_containers()]


@pytest.fixture(scope="module")
def shapes() -> Graph:
    g = Graph()
    for name in ("shapes.ttl", "range.ttl"):
        g.parse(SHACL_DIR / name, format="turtle")
    return g


@pytest.fixture(scope="module")
def seed_catalogue(seed_records) -> Graph:
    """Read-only: the catalogue graph of every seed record and the edge records."""
    return catalogue_graph(seed_records + EDGE_RECORDS, BASE, PUBLISHERS)


def _dataset_of(g: Graph, node) -> str:
    """The identifier of a dataset that node belongs to, for failure messages."""
    seen, todo = set(), [node]
    while todo:
        n = todo.pop()
        if (n, RDF.type, DCAT.Dataset) in g:
            return str(g.value(n, DCTERMS.identifier))
        if n not in seen:
            seen.add(n)
            todo += list(g.subjects(None, n))
    return str(node)


def _violations(data: Graph, shapes: Graph) -> list[str]:
    conforms, results, _ = shacl_validate(data, shacl_graph=shapes)
    if conforms:
        return []
    return sorted(f"{_dataset_of(data, results.value(r, SH.focusNode))}: {results.value(r, SH.resultPath)} "
                  f"{results.value(r, SH.resultMessage)}" for r in results.subjects(RDF.type, SH.ValidationResult))


# --- round trips -------------------------------------------------------------------------------------------------

def test_example_record_round_trips(example_record):
    g = record_to_graph(example_record, BASE, PUBLISHERS)
    assert graph_to_records(g) == [example_record]


def test_every_seed_record_round_trips(seed_records):
    failed = [r["identifier"] for r in seed_records if graph_to_records(record_to_graph(r, BASE, PUBLISHERS)) != [r]]
    assert not failed, f"these records change on a round trip: {failed}"


@pytest.mark.parametrize("record", EDGE_RECORDS, ids=lambda r: r["identifier"])
def test_edge_records_are_valid_and_round_trip(record):
    assert validate(record).valid, validate(record).errors
    assert graph_to_records(record_to_graph(record, BASE)) == [record]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_serialised_graph_parses_back_to_an_isomorphic_graph(fmt):
    g = record_to_graph(_full(), BASE)  # blank nodes, lists, languages, decimals, booleans, dates
    data, mimetype = serialize(g, fmt)
    assert isinstance(data, bytes) and mimetype == FORMATS[fmt][1]
    assert isomorphic(g, parse_rdf(data, source=f"full.{fmt}"))


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_serialised_catalogue_gives_back_every_record(fmt, seed_catalogue, seed_records):
    back = parse_rdf(serialize(seed_catalogue, fmt)[0], source=f"catalogue.{fmt}")
    assert graph_to_records(back) == sorted(seed_records + EDGE_RECORDS, key=lambda r: r["identifier"])


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_serialised_edge_records_keep_every_triple(fmt, example_record):
    # isomorphism checks are slow on big graphs; with blank nodes made IRIs the graphs must simply be equal
    skolem = catalogue_graph(EDGE_RECORDS + [example_record], BASE).skolemize()
    assert set(parse_rdf(serialize(skolem, fmt)[0], fmt=fmt)) == set(skolem)


def test_jsonld_uses_a_context_of_prefixes(example_record):
    data, _ = serialize(record_to_graph(example_record, BASE), "jsonld")
    doc = json.loads(data)
    assert doc["@context"]["dcat"] == str(DCAT) and doc["@context"]["dct"] == str(DCTERMS)
    assert "dcat:Dataset" in data.decode()


# --- the mapping itself ------------------------------------------------------------------------------------------

def test_mapping_uses_dcat_ap_terms_and_our_uris(example_record):
    g = record_to_graph(example_record, BASE + "/", PUBLISHERS)
    ds = URIRef(f"{BASE}/datasets/dfe-national-pupil-database")
    dfe = URIRef(f"{BASE}/publishers/department-for-education")
    assert (ds, RDF.type, DCAT.Dataset) in g
    assert g.value(ds, DCTERMS.publisher) == dfe and g.value(dfe, DCTERMS.identifier) == Literal(
        "department-for-education")
    assert g.value(ds, DCTERMS.accessRights) == ACCESS_RIGHT.NON_PUBLIC
    assert g.value(ds, DCTERMS.accrualPeriodicity) == URIRef("http://purl.org/cld/freq/threeTimesAYear")
    assert g.value(ds, DCAT.theme) == URIRef("https://www.data.gov.uk/search?filters%5Btopic%5D=Education")
    assert g.value(ds, DCTERMS.spatial) == URIRef("http://statistics.data.gov.uk/id/statistical-geography/E92000001")
    contact = g.value(ds, DCAT.contactPoint)
    assert g.value(contact, URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")) == URIRef(
        "mailto:npd.requests@example.org")
    roles = {g.value(a, DCAT.hadRole) for a in g.objects(ds, URIRef("http://www.w3.org/ns/prov#qualifiedAttribution"))}
    assert {CAT.InformationAssetOwner, CAT.AccessSupport} <= roles
    assert set(g.objects(ds, DCATAP.applicableLegislation)) == {
        URIRef("http://www.legislation.gov.uk/id/ukpga/2017/30/section/64"),
        URIRef("http://www.legislation.gov.uk/id/ukpga/1996/56/section/537A")}


def test_access_rights_map_to_the_eu_authority_and_back(example_record):
    for cddo, eu in [("OPEN", "PUBLIC"), ("INTERNAL", "NON_PUBLIC"), ("COMMERCIAL", "RESTRICTED")]:
        rec = {**example_record, "accessRights": cddo}
        g = record_to_graph(rec, BASE)
        assert set(g.objects(None, DCTERMS.accessRights)) == {ACCESS_RIGHT[eu]}
        assert graph_to_records(g)[0]["accessRights"] == cddo


def test_theme_uris_are_the_data_marketplace_ones():
    labels = dataset_schema()["properties"]["theme"]["items"]["enum"]
    reference = Graph().parse(THEMES_TTL, format="turtle")
    assert {theme_uri(label) for label in labels} == set(reference.subjects())


def test_gateway_iris_only_for_known_acts():
    assert gateway_iri("Digital Economy Act 2017 s.64") == URIRef(
        "http://www.legislation.gov.uk/id/ukpga/2017/30/section/64")
    assert gateway_iri("Health and Social Care Act 2012, section 261") == URIRef(
        "http://www.legislation.gov.uk/id/ukpga/2012/7/section/261")
    assert gateway_iri("Data Protection Act 2018") == URIRef("http://www.legislation.gov.uk/id/ukpga/2018/12")
    assert gateway_iri("Common law duty of confidentiality") is None
    assert gateway_iri("Imaginary Act 2099 s.1") is None


CSVW = Namespace("http://www.w3.org/ns/csvw#")
DQV = Namespace("http://www.w3.org/ns/dqv#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")


def _columns(g: Graph) -> dict[str, URIRef]:
    return {str(g.value(c, CSVW.name)): c for c in g.subjects(RDF.type, CSVW.Column)}


def test_variables_are_csvw_columns_with_concepts_measurements_and_provenance():
    g = record_to_graph(_full(), BASE)
    cols = _columns(g)
    nhs = cols["nhs"]
    role = URIRef(f"{BASE}/vocab/linkage-roles/nhs-number")
    assert g.value(nhs, CAT.linkageRole) == role
    assert (role, RDF.type, SKOS.Concept) in g and g.value(role, SKOS.inScheme) == URIRef(
        f"{BASE}/vocab/linkage-roles")
    assert str(g.value(role, SKOS.prefLabel)) == "NHS number"
    assert str(g.value(g.value(nhs, DCTERMS.provenance), RDFS.label)) == "From PDS."
    measures = {str(n): g.value(g.value(c, DQV.hasQualityMeasurement), DQV.value) for n, c in cols.items()
                if g.value(c, DQV.hasQualityMeasurement) is not None}
    assert {k: v.toPython() for k, v in measures.items()} == {"z": 0, "a": 50.5, "nhs": 100.0}
    m = g.value(nhs, DQV.hasQualityMeasurement)
    assert g.value(m, DQV.isMeasurementOf) == CAT.VariableCompleteness
    assert (m, DQV.computedOn, None) not in g  # no blank-node cycle back to the column
    assert (CAT.VariableCompleteness, RDF.type, DQV.Metric) in g
    assert g.value(cols["a"], CSVW.title) == Literal("A", lang="en")


def test_routes_and_gateways_that_name_a_register_entry_link_to_its_concept():
    g = record_to_graph(_full(), BASE)
    tres = set(g.objects(None, CAT.tre))
    assert tres == {URIRef(f"{BASE}/vocab/tres/sail-databank")}
    # "Common law duty of confidence" is no register entry, so it links to nothing
    assert set(g.objects(None, CAT.gateway)) == {URIRef(f"{BASE}/vocab/legal-gateways/hsca-2012-s261")}
    texts = {str(o) for o in g.objects(None, CAT.legalGateway)}
    assert texts == {"Health and Social Care Act 2012 s.261", "Common law duty of confidence"}  # text kept


def test_plain_literal_variable_facts_from_older_exports_are_still_read():
    data = f"""@prefix csvw: <http://www.w3.org/ns/csvw#> . @prefix dcat: <http://www.w3.org/ns/dcat#> .
    @prefix dct: <http://purl.org/dc/terms/> . @prefix cat: <{CAT}> .
    <{BASE}/datasets/old> a dcat:Dataset ; dct:identifier "old" ; csvw:tableSchema [ csvw:column (
        [ csvw:name "nhs" ; cat:linkageRole "nhs-number" ; cat:completeness 99.5 ; cat:collectionMethod "PDS"@en ]
    ) ] ."""
    record = graph_to_records(Graph().parse(data=data, format="turtle"))[0]
    assert record["variables"] == [{"name": "nhs", "linkageRole": "nhs-number", "completeness": 99.5,
                                    "collectionMethod": "PDS"}]


def test_records_added_to_one_graph_come_back_apart(seed_records):
    records = seed_records[:10] + EDGE_RECORDS  # they share publisher, theme and nation nodes
    g = Graph()
    for r in records:
        record_to_graph(r, BASE, PUBLISHERS, graph=g)
    assert graph_to_records(g) == sorted(records, key=lambda r: r["identifier"])


def test_record_without_identifier_is_refused(example_record):
    del example_record["identifier"]
    with pytest.raises(ValueError, match="identifier"):
        record_to_graph(example_record, BASE)


# --- SHACL ---------------------------------------------------------------------------------------------------------

def test_catalogue_of_every_seed_record_conforms_to_dcat_ap_3(seed_catalogue, seed_records, shapes):
    g = seed_catalogue
    assert len(list(g.subjects(RDF.type, DCAT.Catalog))) == 1
    # variables, their linkage-role concepts and completeness measurements are in what the shapes check
    assert len(set(g.subjects(RDF.type, CSVW.Column))) > 20
    assert len(set(g.objects(None, CAT.linkageRole))) > 3 and set(g.subjects(RDF.type, DQV.QualityMeasurement))
    assert len(list(g.objects(None, DCAT.dataset))) == len(seed_records) + len(EDGE_RECORDS)
    assert _violations(g, shapes) == []


def test_shapes_catch_a_dataset_without_a_title(example_record, shapes):
    g = record_to_graph(example_record, BASE)
    g.remove((None, DCTERMS.title, None))
    problems = _violations(g, shapes)
    assert any("dfe-national-pupil-database" in p and str(DCTERMS.title) in p for p in problems), problems


def test_range_shapes_catch_an_untyped_contact_point(example_record, shapes):
    g = record_to_graph(example_record, BASE)
    contact = g.value(URIRef(f"{BASE}/datasets/dfe-national-pupil-database"), DCAT.contactPoint)
    g.remove((contact, RDF.type, None))
    assert any(str(DCAT.contactPoint) in p for p in _violations(g, shapes))


def test_shapes_catch_a_distribution_without_access_url(example_record, shapes):
    g = record_to_graph(example_record, BASE)
    g.remove((None, DCAT.accessURL, None))
    assert any(str(DCAT.accessURL) in p for p in _violations(g, shapes))


# --- other publishers' DCAT ------------------------------------------------------------------------------------------

FOREIGN_TTL = b"""
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix schema: <http://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://statswales.example/catalogue> a dcat:Catalog ; dcat:dataset <https://statswales.example/dataset/School_Census_2023/> .

<https://statswales.example/dataset/School_Census_2023/> a dcat:Dataset ;
    dct:title "Cyfrifiad Ysgolion"@cy, "School Census"@en ;
    dct:description "Disgyblion mewn ysgolion a gynhelir."@cy, "Pupils in maintained schools in Wales."@en ;
    dcat:keyword "ysgolion"@cy, "schools"@en, "pupils"@en ;
    dct:publisher [ a foaf:Organization ; foaf:name "Llywodraeth Cymru"@cy, "Welsh Government"@en ] ;
    dcat:contactPoint [ a vcard:Organization ; vcard:organization-name "School statistics" ;
                        vcard:hasEmail "school.stats@gov.wales" ] ;
    dct:accrualPeriodicity <http://publications.europa.eu/resource/authority/frequency/ANNUAL> ;
    dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ;
    owl:versionInfo "2023" ;
    dct:issued "2023-07-20T09:30:00Z"^^xsd:dateTime ;
    dct:modified "2024-01-05"^^xsd:date ;
    dct:spatial <http://statistics.data.gov.uk/id/statistical-geography/W92000004> ;
    dct:temporal [ a dct:PeriodOfTime ; schema:startDate "2023-01-19"^^xsd:date ; schema:endDate "2023-01-20"^^xsd:date ] ;
    dcat:theme <http://publications.europa.eu/resource/authority/data-theme/EDUC> ;
    dcat:distribution [ a dcat:Distribution ; dct:title "CSV"@en, "CSV"@cy ;
        dcat:accessURL <https://statswales.example/download/census.csv> ; dct:format "text/csv" ;
        dct:license <http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/> ] .
"""


def test_foreign_dcat_ap_2_is_read_tolerantly():
    [rec] = graph_to_records(parse_rdf(FOREIGN_TTL, source="statswales.ttl"))
    ogl = "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    assert rec == {
        "identifier": "school_census_2023", "title": "School Census",
        "description": "Pupils in maintained schools in Wales.", "publisher": "welsh-government",
        "contactPoint": {"contactName": "School statistics", "email": "school.stats@gov.wales"},
        "accessRights": "OPEN", "licence": ogl, "issued": "2023-07-20", "modified": "2024-01-05", "version": "2023",
        "updateFrequency": "freq:annual", "keyword": ["pupils", "schools"],
        "distribution": [{"title": "CSV", "accessURL": "https://statswales.example/download/census.csv",
                          "mediaType": "text/csv", "licence": ogl}],
        "coverage": {"temporalStart": "2023-01-19", "temporalEnd": "2023-01-20", "nations": ["Wales"]}}
    # what is missing is left for validation to report, not invented
    report = validate(rec)
    assert not report.valid and {i.path for i in report.errors} <= {"$.creator", "$.securityClassification"}


def test_foreign_cddo_style_dataset_with_govuk_organisations():
    ttl = b"""
    @prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .
    @prefix foaf: <http://xmlns.com/foaf/0.1/> . @prefix vcard: <http://www.w3.org/2006/vcard/ns#> .
    <urn:x:1> a dcat:Dataset ;
        dct:identifier "https://www.data.gov.uk/dataset/2dfb82b4/OS-Postcodes-Data" ;
        dct:title "OS Postcodes Data" ; dct:accessRights "OPEN" ;
        dct:publisher <https://www.gov.uk/government/organisations/department-for-work-pensions> ;
        dct:creator <https://www.gov.uk/government/organisations/ordnance-survey> ;
        dcat:contactPoint [ vcard:fn "OS Customer Service" ; vcard:hasEmail <mailto:customerservices@os.uk> ;
                            vcard:hasTelephone <tel:+443456050505> ] ;
        dcat:theme <https://www.data.gov.uk/search?filters%5Btopic%5D=Mapping> .
    <https://www.gov.uk/government/organisations/department-for-work-pensions> foaf:name "Department for Work and Pensions" .
    """
    [rec] = graph_to_records(parse_rdf(ttl, fmt="ttl"))
    assert rec["identifier"] == "os-postcodes-data"
    assert rec["publisher"] == "department-for-work-pensions" and rec["creator"] == ["ordnance-survey"]
    assert rec["contactPoint"] == {"contactName": "OS Customer Service", "email": "customerservices@os.uk",
                                   "telephone": "+443456050505"}
    assert rec["accessRights"] == "OPEN" and rec["theme"] == ["Mapping"]


def test_graph_without_datasets_gives_no_records():
    assert graph_to_records(Graph()) == []
    g = Graph()
    g.add((BNode(), RDF.type, DCAT.Catalog))
    assert graph_to_records(g) == []


# --- parsing: errors, positions and hostile XML ------------------------------------------------------------------------

@pytest.mark.parametrize("source, data, where", [
    ("bad.ttl", b'@prefix ex: <http://x/> .\nex:a ex:b ex:c .\nex:a ex:b "open string .\n', "line 3, column 25"),
    ("bad.ttl", b'@prefix ex: <http://x/> .\nex:a ex:b ex:c ;; ] .\n', "line 2, column 19"),
    ("bad.rdf", b'<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
                b'<rdf:Description rdf:about="http://x/a">\n</rdf:RDF>', "line 4, column 3"),
    ("bad.rdf", b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n\n'
                b'<rdf:Description rdf:about="http://x/a" rdf:parseType="x" ex:p="1"/></rdf:RDF>', "line 3"),
    ("bad.jsonld", b'{"@id": "http://x/a",\n  "http://x/p": [1,}', "line 2, column 20"),
    ("bad.nt", b'<http://x/a> <http://x/b> <http://x/c> .\n<http://x/a> <http://x/b> oops .\n', "line 2"),
])
def test_parse_errors_name_the_source_and_position(source, data, where):
    with pytest.raises(RDFError) as err:
        parse_rdf(data, source=source)
    assert source in str(err.value) and where in str(err.value)


@pytest.mark.parametrize("data", [b"\xff\xfe\x00", b'"just a string"', b'{"@context": 5, "@id": "x"}'])
def test_every_failure_is_an_rdf_error(data):
    for fmt in ("ttl", "jsonld", "rdf", "nt"):
        with pytest.raises(RDFError, match="upload"):
            parse_rdf(data, fmt=fmt, source="upload")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://x/">
  <rdf:Description rdf:about="http://x/a"><ex:p>&lol4;</ex:p></rdf:Description>
</rdf:RDF>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://x/">
  <rdf:Description rdf:about="http://x/a"><ex:p>&xxe;</ex:p></rdf:Description>
</rdf:RDF>"""
PLAIN_XML = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://x/">
  <rdf:Description rdf:about="http://x/a"><ex:p>lol</ex:p></rdf:Description>
</rdf:RDF>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_rdf_xml_with_entities_is_refused(data):
    with pytest.raises(RDFError, match="DOCTYPE") as err:
        parse_rdf(data, source="feed.rdf")
    assert "feed.rdf" in str(err.value) and "root:" not in str(err.value)


def test_plain_rdf_xml_still_parses():
    g = parse_rdf(PLAIN_XML, source="feed.rdf")
    assert g.value(URIRef("http://x/a"), URIRef("http://x/p")) == Literal("lol")


def test_remote_jsonld_context_is_not_fetched():
    doc = b'{"@context": ["https://example.invalid/context.jsonld", {"a": "http://x/"}], "@id": "http://x/a"}'
    with pytest.raises(RDFError, match="remote @context"):
        parse_rdf(doc, source="feed.jsonld")


@pytest.mark.parametrize("source, content_type, data, expected", [
    ("x", "text/turtle; charset=utf-8", b"", "turtle"),
    ("x", "application/ld+json", b"", "json-ld"),
    ("x", "application/rdf+xml", b"", "xml"),
    ("https://example.org/feed.nt?page=2", None, b"", "nt"),
    ("dump.jsonld", "text/html", b"", "json-ld"),
    ("dump.RDF", None, b"", "xml"),
    ("x", None, b'  {"@id": "http://x/a"}', "json-ld"),
    ("x", None, b"<?xml version='1.0'?><rdf:RDF/>", "xml"),
    ("x", None, b"<http://x/a> <http://x/b> <http://x/c> .", "turtle"),
])
def test_format_is_guessed(source, content_type, data, expected):
    assert guess_format(source, content_type, data) == expected


def test_unknown_formats_are_refused(example_record):
    with pytest.raises(RDFError, match="unknown"):
        parse_rdf(b"", fmt="csv")
    with pytest.raises(ValueError, match="unknown"):
        serialize(record_to_graph(example_record, BASE), "csv")


def test_the_example_record_is_not_changed_by_mapping(example_record):
    before = copy.deepcopy(example_record)
    graph_to_records(record_to_graph(example_record, BASE))
    assert example_record == before
