"""DCAT-AP 3 profile vocabulary: namespaces, prefixes, lookup tables and the few helpers both directions share."""
from __future__ import annotations

import json
import re
from urllib.parse import quote, quote_plus

from rdflib import Literal, Namespace, URIRef
from rdflib.namespace import CSVW, DCTERMS, FOAF, ORG, PROV, SKOS, XSD, ClosedNamespace

from catalogue.formats.codes import ACCESS_RIGHT, ACCESS_RIGHTS, EU_FREQ, FREQ  # noqa: F401 (part of the profile)
from catalogue.records.registers import Entry, Register, registers

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's DCAT lacks DCAT 3 terms such as dcat:version
DCATAP = Namespace("http://data.europa.eu/r5r/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SDO = Namespace("http://schema.org/")
TIME = Namespace("http://www.w3.org/2006/time#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
CDDO = Namespace("https://w3id.org/co-cddo/ukgov-metadata-exchange-model/")
LANG_ENG = URIRef("http://publications.europa.eu/resource/authority/language/ENG")
IANA = "http://www.iana.org/assignments/media-types/"
GEOGRAPHY = Namespace("http://statistics.data.gov.uk/id/statistical-geography/")
LEGISLATION = "http://www.legislation.gov.uk/id/"
OWNER_ROLE = URIRef("http://inspire.ec.europa.eu/metadata-codelist/ResponsiblePartyRole/owner")
# W3C Data Quality Vocabulary, its linked-data quality dimensions, and the QUDT unit a completeness is measured in.
DQV = Namespace("http://www.w3.org/ns/dqv#")
LDQD = Namespace("http://www.w3.org/2016/05/ldqd#")
PERCENT = URIRef("http://qudt.org/vocab/unit/PERCENT")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
SDMX_UNIT = SDMX_ATTRIBUTE.unitMeasure

_ORDERED = ["keyword", "theme", "creator", "alternativeTitle", "relatedResource", "distribution", "nations", "areas",
            "standards", "routes", "legalGateways", "preApprovedUses", "linkedDatasets"]
# Our own terms, declared once. A ClosedNamespace raises on a misspelt term.
CAT_NS = "https://catalogue.example.org/ns#"
CAT = ClosedNamespace(CAT_NS, [
    "Coverage", "Access", "AccessRoute", "Linkage", "LinkedDataset",  # classes of our intermediate nodes
    "InformationAssetOwner", "AccessSupport",  # dcat:Role individuals
    "coverage", "population", "recordCount",
    "access", "route", "routeType", "applicationUrl", "legalGateway", "leadTime", "preApprovedUse",
    "leadTimeMinWeeks", "leadTimeMaxWeeks",
    "syntheticDataAvailable", "syntheticDataUrl",
    "linkage", "linkedDataset", "methodDocumentation", "qualityNotes",
    "collectionMethod", "knownLimitations",
    "dataType", "sensitivity", "linkageRole", "completeness",
    "tre", "gateway", "VariableCompleteness",  # links to the /vocab concepts; the dqv:Metric of a variable
    *[f"{name}Order" for name in _ORDERED],
])

PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "dcatap": DCATAP, "foaf": FOAF, "vcard": VCARD, "prov": PROV, "org": ORG,
            "skos": SKOS, "csvw": CSVW, "eli": ELI, "cddo": CDDO, "dqv": DQV,
            "sdmx-attribute": SDMX_ATTRIBUTE, "cat": Namespace(CAT_NS)}

NATIONS = {"England": "E92000001", "Wales": "W92000004", "Scotland": "S92000003", "Northern Ireland": "N92000002"}
# Wider areas in other publishers' data, read as the nations they cover.
AREA_NATIONS = {"K02000001": list(NATIONS), "K03000001": ["England", "Wales", "Scotland"],
                "K04000001": ["England", "Wales"], "GBR": list(NATIONS)}
DATATYPES = {"string": XSD.string, "integer": XSD.integer, "decimal": XSD.decimal, "boolean": XSD.boolean,
             "date": XSD.date, "datetime": XSD.dateTime, "code": XSD.string}
# Back from an XSD datatype IRI or a CSVW built-in datatype name.
DATATYPE_NAMES = {**{str(v): k for k, v in DATATYPES.items() if k != "code"},
                  **{k: k for k in DATATYPES if k != "code"}, "number": "decimal", "dateTime": "datetime"}
# Acts we can link to their legislation.gov.uk identifier (<type>/<year>/<chapter>); the gateway text is always kept.
ACTS = {
    "Digital Economy Act 2017": "ukpga/2017/30",
    "Health and Social Care Act 2012": "ukpga/2012/7",
    "Education Act 1996": "ukpga/1996/56",
    "Education and Skills Act 2008": "ukpga/2008/25",
    "Apprenticeships, Skills, Children and Learning Act 2009": "ukpga/2009/22",
    "Statistics and Registration Service Act 2007": "ukpga/2007/18",
    "National Health Service Act 2006": "ukpga/2006/41",
    "NHS Act 2006": "ukpga/2006/41",
    "Data Protection Act 2018": "ukpga/2018/12",
    "Children Act 1989": "ukpga/1989/41",
    "Social Security Administration Act 1992": "ukpga/1992/5",
    "Welfare Reform Act 2012": "ukpga/2012/5",
    "Crime and Disorder Act 1998": "ukpga/1998/37",
    "Offender Management Act 2007": "ukpga/2007/21",
    "Commissioners for Revenue and Customs Act 2005": "ukpga/2005/11",
    "Public Services Reform (Scotland) Act 2010": "asp/2010/8",
    "Health and Social Care (Control of Data Processing) Act (Northern Ireland) 2016": "nia/2016/12",
    "Small Business, Enterprise and Employment Act 2015": "ukpga/2015/26",
    "Homelessness Reduction Act 2017": "ukpga/2017/13",
    "Housing Act 1996": "ukpga/1996/52",
    "Higher Education and Research Act 2017": "ukpga/2017/29",
    "Courts Act 2003": "ukpga/2003/39",
    "National Health Service (Wales) Act 2006": "ukpga/2006/42",
    "NHS (Wales) Act 2006": "ukpga/2006/42",
    "National Health Service (Scotland) Act 1978": "ukpga/1978/29",
    "Education (Scotland) Act 1980": "ukpga/1980/44",
    "Children (Scotland) Act 1995": "ukpga/1995/36",
    "Registration of Births, Deaths and Marriages (Scotland) Act 1965": "ukpga/1965/49",
    "Standards in Scotland's Schools etc. Act 2000": "asp/2000/6",
    "Social Security (Scotland) Act 2018": "asp/2018/9",
}
ROLE_LABELS = {OWNER_ROLE: Literal("Owner", lang="en"),
               CAT.InformationAssetOwner: Literal("Information Asset Owner", lang="en"),
               CAT.AccessSupport: Literal("Support inbox for questions about access", lang="en")}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def theme_uri(label: str) -> URIRef:
    """The Data Marketplace (data.gov.uk topic) URI of a theme label."""
    return URIRef("https://www.data.gov.uk/search?filters%5Btopic%5D=" + quote_plus(label))


def sort_key(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def canonical(values: list) -> list:
    """The order the reader gives repeated values that carry no order: sorted, without duplicates."""
    return sorted({sort_key(v): v for v in values}.values(), key=sort_key)


# The registers published as SKOS concept schemes (catalogue.formats.vocabularies): address segment -> register.
VOCAB_REGISTERS = {"linkage-roles": "roles", "tres": "tres", "legal-gateways": "gateways"}


def register_of(scheme: str) -> Register:
    """The register behind a concept scheme's name; KeyError for an unknown name."""
    return getattr(registers(), VOCAB_REGISTERS[scheme])


def scheme_iri(base_uri: str, scheme: str) -> URIRef:
    return URIRef(f"{base_uri.rstrip('/')}/vocab/{scheme}")


def concept_iri(base_uri: str, scheme: str, entry_id: str) -> URIRef:
    return URIRef(f"{scheme_iri(base_uri, scheme)}/{quote(entry_id, safe='')}")


def concept_for(base_uri: str, scheme: str, text: str | None) -> tuple[URIRef, Entry] | None:
    """The concept a record's free text names (an id, name or alias of a register entry), or None."""
    entry = register_of(scheme).match(text) if isinstance(text, str) else None
    return (concept_iri(base_uri, scheme, entry.id), entry) if entry else None
