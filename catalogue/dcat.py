"""DCAT-AP 3 profile: a dataset record to an RDF graph and back (ckanext-dcat's graph_from_dataset / parse_dataset).

Vocabulary choices, in short:
- DCAT-AP 3 terms wherever one fits; the CDDO model's own terms where it has them (summary is rdfs:comment,
  securityClassification is the CDDO model's term, telephone is a plain vcard:hasTelephone string).
- Agents are foaf:Agent/foaf:Organization at <base>/publishers/<slug>, with dct:identifier <slug> so the slug
  survives whatever the base URI is.
- The IAO and the support inbox are prov:qualifiedAttribution nodes with dcat:hadRole, the DCAT way to say
  "this agent plays this role". dcat:contactPoint carries no role, so three contact points would be
  indistinguishable to other consumers. The main contact stays the one dcat:contactPoint.
- The owner is a qualified attribution with the INSPIRE "owner" role; a team is an org:OrganizationalUnit
  that is org:unitOf the owning organisation.
- Variables are CSVW columns (csvw:tableSchema / csvw:column): a W3C Recommendation for describing tabular
  columns, which keeps column order as an rdf:List and has name, title, description and datatype.
- Facts with no published term (linkage role, collection method, access routes, lead time, legal gateways as
  text, ...) use the CAT namespace below.
- RDF has no order for repeated values. Where a record's list is not already in the order the reader would give
  (sorted, without duplicates) or is empty, an rdf:List of the same nodes is added under cat:<field>Order, so the
  round trip is exact while other consumers see plain DCAT.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from datetime import date
from decimal import Decimal
from urllib.parse import quote, quote_plus, unquote, urlsplit

from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import CSVW, DCTERMS, FOAF, ORG, OWL, PROV, SKOS, XSD, ClosedNamespace
from rdflib.term import Node

from .schema import dataset_schema

DCAT = Namespace("http://www.w3.org/ns/dcat#")  # rdflib's DCAT lacks DCAT 3 terms such as dcat:version
DCATAP = Namespace("http://data.europa.eu/r5r/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
SDO = Namespace("http://schema.org/")
TIME = Namespace("http://www.w3.org/2006/time#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
CDDO = Namespace("https://w3id.org/co-cddo/ukgov-metadata-exchange-model/")
FREQ = Namespace("http://purl.org/cld/freq/")
ACCESS_RIGHT = Namespace("http://publications.europa.eu/resource/authority/access-right/")
EU_FREQ = Namespace("http://publications.europa.eu/resource/authority/frequency/")
LANG_ENG = URIRef("http://publications.europa.eu/resource/authority/language/ENG")
IANA = "http://www.iana.org/assignments/media-types/"
GEOGRAPHY = Namespace("http://statistics.data.gov.uk/id/statistical-geography/")
LEGISLATION = "http://www.legislation.gov.uk/id/"
OWNER_ROLE = URIRef("http://inspire.ec.europa.eu/metadata-codelist/ResponsiblePartyRole/owner")

_ORDERED = ["keyword", "theme", "creator", "alternativeTitle", "relatedResource", "distribution", "nations", "areas",
            "standards", "routes", "legalGateways", "preApprovedUses", "linkedDatasets"]
# Our own terms, declared once. A ClosedNamespace raises on a misspelt term.
CAT_NS = "https://catalogue.example.org/ns#"
CAT = ClosedNamespace(CAT_NS, [
    "Coverage", "Access", "AccessRoute", "Linkage", "LinkedDataset",  # classes of our intermediate nodes
    "InformationAssetOwner", "AccessSupport",  # dcat:Role individuals
    "coverage", "population", "recordCount",
    "access", "route", "routeType", "applicationUrl", "legalGateway", "leadTime", "preApprovedUse",
    "syntheticDataAvailable", "syntheticDataUrl",
    "linkage", "linkedDataset", "methodDocumentation", "qualityNotes",
    "collectionMethod", "knownLimitations",
    "dataType", "sensitivity", "linkageRole", "completeness",
    *[f"{name}Order" for name in _ORDERED],
])

PREFIXES = {"dcat": DCAT, "dct": DCTERMS, "dcatap": DCATAP, "foaf": FOAF, "vcard": VCARD, "prov": PROV, "org": ORG,
            "skos": SKOS, "csvw": CSVW, "eli": ELI, "cddo": CDDO, "cat": Namespace(CAT_NS)}

ACCESS_RIGHTS = {"OPEN": "PUBLIC", "INTERNAL": "NON_PUBLIC", "COMMERCIAL": "RESTRICTED"}
NATIONS = {"England": "E92000001", "Wales": "W92000004", "Scotland": "S92000003", "Northern Ireland": "N92000002"}
# Wider areas in other publishers' data, read as the nations they cover.
_AREA_NATIONS = {"K02000001": list(NATIONS), "K03000001": ["England", "Wales", "Scotland"],
                 "K04000001": ["England", "Wales"], "GBR": list(NATIONS)}
_EU_FREQ = {"TRIENNIAL": "triennial", "BIENNIAL": "biennial", "ANNUAL": "annual", "ANNUAL_2": "semiannual",
            "ANNUAL_3": "threeTimesAYear", "QUARTERLY": "quarterly", "BIMONTHLY": "bimonthly", "MONTHLY": "monthly",
            "MONTHLY_2": "semimonthly", "BIWEEKLY": "biweekly", "MONTHLY_3": "threeTimesAMonth", "WEEKLY": "weekly",
            "WEEKLY_2": "semiweekly", "WEEKLY_3": "threeTimesAWeek", "DAILY": "daily", "CONT": "continuous",
            "UPDATE_CONT": "continuous", "IRREG": "irregular", "NEVER": "never"}
DATATYPES = {"string": XSD.string, "integer": XSD.integer, "decimal": XSD.decimal, "boolean": XSD.boolean,
             "date": XSD.date, "datetime": XSD.dateTime, "code": XSD.string}
# Back from an XSD datatype IRI or a CSVW built-in datatype name.
_DATATYPE_NAMES = {**{str(v): k for k, v in DATATYPES.items() if k != "code"},
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
_ROLE_LABELS = {OWNER_ROLE: Literal("Owner", lang="en"),
                CAT.InformationAssetOwner: Literal("Information Asset Owner", lang="en"),
                CAT.AccessSupport: Literal("Support inbox for questions about access", lang="en")}
_GATEWAY = re.compile(r"^(?P<act>.+?\bAct\b.*?\b\d{4})(?:\s*,?\s*(?:s\.?|sec\.?|section)\s*(?P<section>\d+[A-Z]*)\b)?")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}$")
_SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,99}$")
_MEDIA_TYPE = re.compile(r"^[a-z]+/[A-Za-z0-9.+-]+$")
_NOT_IN_IRI = set('<>"{}|\\^` ')


def _theme_labels() -> list[str]:
    return list(dataset_schema()["properties"]["theme"]["items"]["enum"])


def theme_uri(label: str) -> URIRef:
    """The Data Marketplace (data.gov.uk topic) URI of a theme label."""
    return URIRef("https://www.data.gov.uk/search?filters%5Btopic%5D=" + quote_plus(label))


def new_graph() -> Graph:
    """An empty graph with the profile's prefixes bound."""
    return _bind(Graph(bind_namespaces="core"))


def _bind(g: Graph) -> Graph:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=False)
    return g


# ---------------------------------------------------------------------------------------------------------------
# record -> graph

def _en(text: str) -> Literal:
    return Literal(text, lang="en")


def _iri(url: str) -> URIRef:
    """A URIRef, percent-encoding the few characters an IRI cannot hold (so serialisers never break)."""
    return URIRef("".join(quote(c) if c in _NOT_IN_IRI or ord(c) < 0x20 else c for c in url))


def _is_iri(text: str) -> bool:
    return bool(re.match(r"^https?://\S+$", text)) and not _NOT_IN_IRI & set(text)


def _mailto(email: str) -> URIRef:
    return URIRef("mailto:" + quote(email, safe="@!$&'()*+,;=:/?~-._"))


def _date(value: str) -> Literal:
    try:
        date.fromisoformat(value)
    except ValueError:  # not a valid date: keep the text rather than write an ill-typed literal
        return Literal(value)
    return Literal(value, datatype=XSD.date)


def _number_literal(value: int | float) -> Literal:
    """Integers as xsd:integer; floats as xsd:decimal with a '.', which the reader turns back into a float."""
    if isinstance(value, float) and math.isfinite(value):
        text = format(Decimal(repr(value)), "f")
        return Literal(text if "." in text else text + ".0", datatype=XSD.decimal)
    return Literal(value)


def _key(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _canonical(values: list) -> list:
    """The order the reader gives repeated values that carry no order: sorted, without duplicates."""
    return sorted({_key(v): v for v in values}.values(), key=_key)


def gateway_iri(text: str) -> URIRef | None:
    """legislation.gov.uk IRI of a legal gateway such as 'Digital Economy Act 2017 s.64', if the Act is known."""
    m = _GATEWAY.match(text.strip())
    path = ACTS.get(m.group("act")) if m else None
    if not path:
        return None
    section = m.group("section")
    return URIRef(LEGISLATION + path + (f"/section/{section}" if section else ""))


class _Writer:
    def __init__(self, g: Graph, base: str, publishers: dict[str, dict]):
        self.g, self.base, self.publishers = g, base, publishers

    def add(self, s: Node, p: URIRef, o: Node | None) -> None:
        if o is not None:
            self.g.add((s, p, o))

    def typed(self, node: Node, *classes: URIRef) -> Node:
        for c in classes:
            self.g.add((node, RDF.type, c))
        return node

    def many(self, s: Node, p: URIRef, field: str, values: list | None, convert) -> None:
        """Repeat p for each value; add an order hint when the reader could not rebuild the list from the set."""
        if values is None:
            return
        nodes = [convert(v) for v in values]
        for n in nodes:
            self.g.add((s, p, n))
        if not values or values != _canonical(values):
            head = BNode() if nodes else RDF.nil
            if nodes:
                self._list(head, nodes)
            self.g.add((s, CAT[field + "Order"], head))

    def _list(self, head: Node, nodes: list[Node]) -> None:
        for i, n in enumerate(nodes):
            rest = BNode() if i < len(nodes) - 1 else RDF.nil
            self.g.add((head, RDF.first, n))
            self.g.add((head, RDF.rest, rest))
            head = rest

    def agent(self, slug: str) -> URIRef:
        node = URIRef(f"{self.base}/publishers/{quote(slug, safe='')}")
        self.typed(node, FOAF.Agent, FOAF.Organization)
        info = self.publishers.get(slug) or {}
        self.add(node, FOAF.name, Literal(info.get("name") or slug))
        self.add(node, DCTERMS.identifier, Literal(slug))
        if info.get("homepage") and _is_iri(info["homepage"]):
            self.add(node, FOAF.homepage, self.typed(URIRef(info["homepage"]), FOAF.Document))
        return node

    def licence(self, value: str) -> Node:
        if _is_iri(value):
            return self.typed(URIRef(value), DCTERMS.LicenseDocument)
        node = self.typed(BNode(), DCTERMS.LicenseDocument)
        self.add(node, RDFS.label, Literal(value))
        return node

    def vcard(self, node: Node, name: str | None, email: str | None, telephone: str | None) -> Node:
        if name is not None:
            self.add(node, VCARD.fn, Literal(name))
        if email is not None:
            self.add(node, VCARD.hasEmail, _mailto(email))
        if telephone is not None:
            self.add(node, VCARD.hasTelephone, Literal(telephone))
        return node

    def attribution(self, ds: URIRef, agent: Node, role: URIRef) -> None:
        node = self.typed(BNode(), PROV.Attribution)
        self.add(node, PROV.agent, agent)
        self.add(node, DCAT.hadRole, self.typed(role, DCAT.Role))
        self.add(role, RDFS.label, _ROLE_LABELS.get(role))
        self.add(ds, PROV.qualifiedAttribution, node)

    def standard(self, label: str) -> Node:
        node = self.typed(BNode(), DCTERMS.Standard)
        self.add(node, RDFS.label, Literal(label))
        return node

    def dataset(self, r: dict) -> URIRef:
        add = self.add
        if not r.get("identifier"):
            raise ValueError("the record has no identifier, so it has no URI")
        ds = self.typed(URIRef(f"{self.base}/datasets/{quote(r['identifier'], safe='')}"), DCAT.Dataset)
        add(ds, DCTERMS.identifier, Literal(r["identifier"]))
        for key, prop in (("title", DCTERMS.title), ("summary", RDFS.comment), ("description", DCTERMS.description)):
            if key in r:
                add(ds, prop, _en(r[key]))
        self.many(ds, DCTERMS.alternative, "alternativeTitle", r.get("alternativeTitle"), _en)
        if "publisher" in r:
            add(ds, DCTERMS.publisher, self.agent(r["publisher"]))
        self.many(ds, DCTERMS.creator, "creator", r.get("creator"), self.agent)
        if "contactPoint" in r:
            c = r["contactPoint"]
            node = self.vcard(self.typed(BNode(), VCARD.Kind, VCARD.Organization),
                              c.get("contactName"), c.get("email"), c.get("telephone"))
            if "address" in c:
                addr = self.typed(BNode(), VCARD.Address)
                add(addr, VCARD["street-address"], Literal(c["address"]))
                add(node, VCARD.hasAddress, addr)
            add(ds, DCAT.contactPoint, node)
        if r.get("accessRights") in ACCESS_RIGHTS:  # a one-to-one mapping, so the CDDO value is recoverable
            add(ds, DCTERMS.accessRights, self.typed(ACCESS_RIGHT[ACCESS_RIGHTS[r["accessRights"]]],
                                                     DCTERMS.RightsStatement))
        if "securityClassification" in r:
            add(ds, CDDO.securityClassification, Literal(r["securityClassification"]))
        if "licence" in r:
            add(ds, DCTERMS.license, self.licence(r["licence"]))
        for key in ("issued", "modified", "created"):
            if key in r:
                add(ds, DCTERMS[key], _date(r[key]))
        if "version" in r:
            add(ds, DCAT.version, Literal(r["version"]))
        if str(r.get("updateFrequency", "")).startswith("freq:"):
            add(ds, DCTERMS.accrualPeriodicity, self.typed(FREQ[r["updateFrequency"][5:]], DCTERMS.Frequency))
        self.many(ds, DCAT.keyword, "keyword", r.get("keyword"), _en)
        self.many(ds, DCAT.theme, "theme", r.get("theme"), self.theme)
        if "landingPage" in r:
            add(ds, DCAT.landingPage, self.typed(_iri(r["landingPage"]), FOAF.Document))
        self.many(ds, DCTERMS.relation, "relatedResource", r.get("relatedResource"), _iri)
        self.many(ds, DCAT.distribution, "distribution", r.get("distribution"), self.distribution)
        if "owner" in r:
            org = self.agent(r["owner"]["organisation"])
            agent = org
            if "team" in r["owner"]:
                agent = self.typed(BNode(), FOAF.Agent, FOAF.Organization, ORG.OrganizationalUnit)
                add(agent, FOAF.name, Literal(r["owner"]["team"]))
                add(agent, ORG.unitOf, org)
            self.attribution(ds, agent, OWNER_ROLE)
        if "informationAssetOwner" in r:
            iao = r["informationAssetOwner"]
            agent = self.vcard(self.typed(BNode(), PROV.Agent, VCARD.Individual),
                               iao.get("name"), iao.get("email"), iao.get("telephone"))
            if "role" in iao:
                add(agent, VCARD.role, Literal(iao["role"]))
            self.attribution(ds, agent, CAT.InformationAssetOwner)
        if "supportInbox" in r:
            agent = self.vcard(self.typed(BNode(), PROV.Agent, VCARD.Kind), None, r["supportInbox"], None)
            self.attribution(ds, agent, CAT.AccessSupport)
        if "coverage" in r:
            self.coverage(ds, r["coverage"])
        if "access" in r:
            self.access(ds, r["access"])
        if "variables" in r:
            schema = self.typed(BNode(), CSVW.Schema)
            columns = [self.column(v) for v in r["variables"]]
            head = BNode() if columns else RDF.nil
            self._list(head, columns)
            add(schema, CSVW.column, head)
            add(ds, CSVW.tableSchema, schema)
        if "linkage" in r:
            self.linkage(ds, r["linkage"])
        if "provenance" in r:
            p = r["provenance"]
            node = self.typed(BNode(), DCTERMS.ProvenanceStatement)
            for key in ("collectionMethod", "knownLimitations"):
                if key in p:
                    add(node, CAT[key], _en(p[key]))
            add(ds, DCTERMS.provenance, node)
            self.many(ds, DCTERMS.conformsTo, "standards", p.get("standards"), self.standard)
        return ds

    def theme(self, label: str) -> URIRef:
        node = self.typed(theme_uri(label), SKOS.Concept)
        self.add(node, SKOS.prefLabel, _en(label))
        return node

    def distribution(self, d: dict) -> BNode:
        add = self.add
        node = self.typed(BNode(), DCAT.Distribution)
        for key, prop in (("title", DCTERMS.title), ("description", DCTERMS.description)):
            if key in d:
                add(node, prop, _en(d[key]))
        for key, prop in (("accessURL", DCAT.accessURL), ("downloadURL", DCAT.downloadURL)):
            if key in d:
                add(node, prop, _iri(d[key]))
        if "mediaType" in d:
            add(node, DCAT.mediaType, self.typed(_iri(IANA + d["mediaType"]), DCTERMS.MediaType))
        if "byteSize" in d:
            add(node, DCAT.byteSize, Literal(f"{d['byteSize']}.0", datatype=XSD.decimal))  # canonical; Turtle keeps it
        if "licence" in d:
            add(node, DCTERMS.license, self.licence(d["licence"]))
        for key in ("issued", "modified"):
            if key in d:
                add(node, DCTERMS[key], _date(d[key]))
        return node

    def coverage(self, ds: URIRef, c: dict) -> None:
        add = self.add
        node = self.typed(BNode(), CAT.Coverage)
        add(ds, CAT.coverage, node)
        if "temporalStart" in c or "temporalEnd" in c:
            period = self.typed(BNode(), DCTERMS.PeriodOfTime)
            add(period, DCAT.startDate, _date(c["temporalStart"]) if "temporalStart" in c else None)
            add(period, DCAT.endDate, _date(c["temporalEnd"]) if "temporalEnd" in c else None)
            add(ds, DCTERMS.temporal, period)
        self.many(ds, DCTERMS.spatial, "nations", c.get("nations"), self.nation)
        self.many(ds, DCTERMS.spatial, "areas", c.get("areas"), self.area)
        if "population" in c:
            add(node, CAT.population, _en(c["population"]))
        if "recordCount" in c:
            add(node, CAT.recordCount, Literal(c["recordCount"]))

    def nation(self, name: str) -> Node:
        node = self.typed(GEOGRAPHY[NATIONS[name]], DCTERMS.Location)
        self.add(node, SKOS.prefLabel, _en(name))
        return node

    def area(self, name: str) -> Node:
        node = self.typed(BNode(), DCTERMS.Location)
        self.add(node, SKOS.prefLabel, Literal(name))
        return node

    def access(self, ds: URIRef, a: dict) -> None:
        add = self.add
        node = self.typed(BNode(), CAT.Access)
        add(ds, CAT.access, node)
        self.many(node, CAT.route, "routes", a.get("routes"), self.route)
        for key in ("applicationUrl", "syntheticDataUrl"):
            if key in a:
                add(node, CAT[key], _iri(a[key]))
        self.many(node, CAT.legalGateway, "legalGateways", a.get("legalGateways"), Literal)
        for text in a.get("legalGateways", []):
            law = gateway_iri(text)
            if law is not None:
                add(ds, DCATAP.applicableLegislation, self.typed(law, ELI.LegalResource))
        if "leadTime" in a:
            add(node, CAT.leadTime, _en(a["leadTime"]))
        self.many(node, CAT.preApprovedUse, "preApprovedUses", a.get("preApprovedUses"), _en)
        if "syntheticDataAvailable" in a:
            add(node, CAT.syntheticDataAvailable, Literal(a["syntheticDataAvailable"]))

    def route(self, route: dict) -> BNode:
        node = self.typed(BNode(), CAT.AccessRoute)
        self.add(node, CAT.routeType, Literal(route["type"]) if "type" in route else None)
        self.add(node, DCTERMS.title, _en(route["name"]) if "name" in route else None)
        self.add(node, FOAF.homepage, _iri(route["url"]) if "url" in route else None)
        return node

    def column(self, v: dict) -> BNode:
        add = self.add
        node = self.typed(BNode(), CSVW.Column)
        add(node, CSVW.name, Literal(v["name"]) if "name" in v else None)
        add(node, CSVW.title, _en(v["label"]) if "label" in v else None)
        add(node, DCTERMS.description, _en(v["description"]) if "description" in v else None)
        if v.get("dataType") in DATATYPES:
            add(node, CSVW.datatype, DATATYPES[v["dataType"]])
            if v["dataType"] == "code":  # no XSD type for "code": keep the exact value
                add(node, CAT.dataType, Literal("code"))
        for key in ("sensitivity", "linkageRole"):
            if key in v:
                add(node, CAT[key], Literal(v[key]))
        if "collectionMethod" in v:
            add(node, CAT.collectionMethod, _en(v["collectionMethod"]))
        if "codeList" in v:
            add(node, DCTERMS.conformsTo, self.standard(v["codeList"]))
        if "completeness" in v:
            add(node, CAT.completeness, _number_literal(v["completeness"]))
        return node

    def linkage(self, ds: URIRef, link: dict) -> None:
        add = self.add
        node = self.typed(BNode(), CAT.Linkage)
        add(ds, CAT.linkage, node)
        self.many(node, CAT.linkedDataset, "linkedDatasets", link.get("linkedDatasets"), self.linked)
        if "methodDocumentation" in link:
            add(node, CAT.methodDocumentation, _iri(link["methodDocumentation"]))
        if "qualityNotes" in link:
            add(node, CAT.qualityNotes, _en(link["qualityNotes"]))

    def linked(self, item: dict) -> BNode:
        node = self.typed(BNode(), CAT.LinkedDataset)
        self.add(node, DCTERMS.title, _en(item["title"]) if "title" in item else None)
        self.add(node, DCTERMS.identifier, Literal(item["identifier"]) if "identifier" in item else None)
        self.add(node, FOAF.page, _iri(item["url"]) if "url" in item else None)
        return node


def record_to_graph(record: dict, base_uri: str, publishers: dict[str, dict] | None = None,
                    graph: Graph | None = None) -> Graph:
    """Add the DCAT-AP 3 description of one record to graph (a new graph if None) and return the graph."""
    g = _bind(graph) if graph is not None else new_graph()
    _Writer(g, base_uri.rstrip("/"), publishers or {}).dataset(record)
    return g


def catalogue_graph(records: list[dict], base_uri: str, publishers: dict | None = None,
                    title: str = "UK cross-government data catalogue", *,
                    description: str = "Descriptions of UK government datasets for linked-data research: owners, "
                                       "Information Asset Owners, variables, coverage and how to get access.",
                    publisher: str | None = None) -> Graph:
    """A dcat:Catalog holding every record. publisher is a publisher slug; by default the catalogue publishes itself."""
    base = base_uri.rstrip("/")
    g = new_graph()
    w = _Writer(g, base, publishers or {})
    cat = w.typed(URIRef(f"{base}/catalogue"), DCAT.Catalog)
    w.add(cat, DCTERMS.title, _en(title))
    w.add(cat, DCTERMS.description, _en(description))
    if publisher:
        agent = w.agent(publisher)
    else:
        agent = w.typed(URIRef(f"{base}/catalogue#publisher"), FOAF.Agent, FOAF.Organization)
        w.add(agent, FOAF.name, Literal(title))
    w.add(cat, DCTERMS.publisher, agent)
    w.add(cat, FOAF.homepage, w.typed(URIRef(f"{base}/"), FOAF.Document))
    w.add(cat, DCTERMS.language, w.typed(LANG_ENG, DCTERMS.LinguisticSystem))
    dates = [r["modified"] for r in records if _DATE.match(str(r.get("modified", "")))]
    if dates:
        w.add(cat, DCTERMS.modified, _date(max(dates)))
    for r in records:
        w.add(cat, DCAT.dataset, w.dataset(r))
    return g


# ---------------------------------------------------------------------------------------------------------------
# graph -> record (also for other publishers' DCAT: anything missing is simply left out)

def _rank(lit: Literal) -> int:
    lang = (lit.language or "").lower()
    return 0 if lang == "en" or lang.startswith("en-") else 1 if not lang else 2


def _literals(g: Graph, s: Node, p: URIRef) -> list[Literal]:
    """Literal values in the best language present: @en, else no language, else any."""
    lits = [o for o in g.objects(s, p) if isinstance(o, Literal)]
    best = min((_rank(x) for x in lits), default=0)
    return [x for x in lits if _rank(x) == best]


def _text(g: Graph, s: Node, *props: URIRef) -> str | None:
    for p in props:
        lits = _literals(g, s, p)
        if lits:
            return min(str(x) for x in lits)
    return None


def _url(g: Graph, s: Node, p: URIRef) -> str | None:
    found = sorted(str(o) for o in g.objects(s, p)
                   if not isinstance(o, BNode) and str(o).lower().startswith(("http://", "https://")))
    return found[0] if found else None


def _read_date(g: Graph, s: Node, *props: URIRef) -> str | None:
    for p in props:
        for o in _sorted(g.objects(s, p)):
            if isinstance(o, Literal) and _DATE.match(str(o)):
                return str(o)[:10]
            if isinstance(o, (URIRef, BNode)):  # a time:Instant
                for p2 in (TIME.inXSDDate, TIME.inXSDDateTimeStamp, TIME.inXSDDateTime):
                    found = [str(x)[:10] for x in g.objects(o, p2) if isinstance(x, Literal) and _DATE.match(str(x))]
                    if found:
                        return min(found)
    return None


def _number(lit: Node | None, integer: bool = False) -> int | float | None:
    """A JSON number: a float for doubles and for decimals written with '.', else an int."""
    if not isinstance(lit, Literal) or lit.datatype == XSD.boolean:
        return None
    text = str(lit).strip()
    try:
        value = Decimal(text)
    except ArithmeticError:
        return None
    if not value.is_finite() or value.adjusted() > 30:  # no record count or byte size is that big
        return None
    whole = value == value.to_integral_value()
    if integer:
        return int(value) if whole else None
    if lit.datatype in (XSD.double, XSD.float) or any(c in text for c in ".eE") or not whole:
        return float(value)
    return int(value)


def _items(g: Graph, head: Node | None) -> list[Node]:
    """Members of an rdf:List (stops on a cycle)."""
    out, seen = [], set()
    while head is not None and head != RDF.nil and head not in seen:
        seen.add(head)
        first = g.value(head, RDF.first)
        if first is not None:
            out.append(first)
        head = g.value(head, RDF.rest)
    return out


def _ordered(g: Graph, s: Node, field: str, values: list, convert) -> list | None:
    """values in the order of the cat:<field>Order hint if it lists the same values, else sorted; None if absent."""
    hint = g.value(s, CAT[field + "Order"])
    if hint is not None:
        ordered = [v for v in map(convert, _items(g, hint)) if v is not None]
        if {_key(v) for v in ordered} == {_key(v) for v in values}:
            return ordered
    if not values and hint is None:
        return None
    return _canonical(values)


def _many(g: Graph, s: Node, p: URIRef, field: str, convert) -> list | None:
    values = [v for v in map(convert, g.objects(s, p)) if v is not None]
    return _ordered(g, s, field, values, convert)


def _many_text(g: Graph, s: Node, p: URIRef, field: str) -> list[str] | None:
    return _ordered(g, s, field, [str(x) for x in _literals(g, s, p)], _text_of)


def _sorted(nodes) -> list[Node]:
    """Nodes in a stable order, whatever their kinds."""
    return sorted(nodes, key=lambda n: (type(n).__name__, str(n)))


def _first(nodes) -> Node | None:
    nodes = _sorted(nodes)
    return nodes[0] if nodes else None


def _slugify(text: str, keep: str = "-") -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace("&", " and ")
    return re.sub(rf"[^a-z0-9{re.escape(keep)}]+", "-", text).strip("-._")


def _last_segment(iri: str) -> str:
    parts = urlsplit(iri)
    return unquote(parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.fragment)


def _identifier(g: Graph, ds: Node) -> str | None:
    ids = sorted(str(o) for o in g.objects(ds, DCTERMS.identifier) if isinstance(o, Literal))
    exact = [i for i in ids if _ID_PATTERN.match(i)]
    if exact:
        return exact[0]
    candidates = [_last_segment(i) if re.match(r"^[a-z]+://", i, re.I) else i for i in ids]
    if isinstance(ds, URIRef):
        candidates.append(_last_segment(str(ds)))
    for c in candidates:
        slug = _slugify(c, keep="._-")[:128].rstrip("-._")
        if slug and _ID_PATTERN.match(slug):
            return slug
    return None


def _agent_slug(g: Graph, node: Node) -> str | None:
    """Our slug: dct:identifier, a GOV.UK organisation URI, then the slugified foaf:name or URI."""
    if isinstance(node, Literal):
        candidates = [str(node)]
    else:
        candidates = [str(o) for o in g.objects(node, DCTERMS.identifier) if isinstance(o, Literal)]
        if isinstance(node, URIRef) and "gov.uk/government/organisations/" in node:
            candidates.append(_last_segment(str(node)))
        name = _text(g, node, FOAF.name, VCARD.fn, VCARD["organization-name"], SKOS.prefLabel, RDFS.label)
        if name:
            candidates.append(name)
        if isinstance(node, URIRef):
            candidates.append(_last_segment(str(node)))
    for c in candidates:
        slug = _slugify(c)[:100].rstrip("-")
        if _SLUG_PATTERN.match(slug):
            return slug
    return None


def _vcard_value(g: Graph, node: Node, prop: URIRef, scheme: str) -> str | None:
    """A vCard email or telephone: a mailto:/tel: IRI, a literal, or a node with vcard:hasValue / vcard:value."""
    values = []
    for o in g.objects(node, prop):
        if isinstance(o, BNode):
            o = g.value(o, VCARD.hasValue) or g.value(o, VCARD.value)
        if o is not None and not isinstance(o, BNode):
            text = str(o)
            values.append(unquote(text[len(scheme):]) if text.lower().startswith(scheme) else text)
    return min(values) if values else None


def _email(g: Graph, node: Node) -> str | None:
    return _vcard_value(g, node, VCARD.hasEmail, "mailto:")


def _telephone(g: Graph, node: Node) -> str | None:
    return _vcard_value(g, node, VCARD.hasTelephone, "tel:")


def _address(g: Graph, node: Node) -> str | None:
    for o in _sorted(g.objects(node, VCARD.hasAddress)):
        if isinstance(o, Literal):
            return str(o)
        parts = [_text(g, o, VCARD[k]) for k in ("street-address", "locality", "region", "postal-code",
                                                  "country-name")]
        if any(parts):
            return ", ".join(p for p in parts if p)
    return None


def _contact(g: Graph, node: Node) -> dict:
    out = {"contactName": _text(g, node, VCARD.fn, VCARD["organization-name"]), "email": _email(g, node),
           "telephone": _telephone(g, node), "address": _address(g, node)}
    return {k: v for k, v in out.items() if v is not None}


def _pick(candidates: list[dict]) -> dict | None:
    """The fullest candidate, ties broken by content so the choice is stable."""
    candidates = [c for c in candidates if c]
    return min(candidates, key=lambda c: (-len(c), _key(c))) if candidates else None


def _licence(g: Graph, node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        return _text(g, node, RDFS.label, DCTERMS.title, SKOS.prefLabel, DCTERMS.description)
    return str(node)


def _media_type(g: Graph, node: Node) -> str | None:
    for p in (DCAT.mediaType, DCTERMS.format):
        for o in _sorted(g.objects(node, p)):
            text = str(o)
            for prefix in (IANA, "https://www.iana.org/assignments/media-types/"):
                if text.startswith(prefix):
                    text = text[len(prefix):]
            if not isinstance(o, BNode) and _MEDIA_TYPE.match(text):
                return text
    return None


def _distribution(g: Graph, node: Node) -> dict:
    d = {"title": _text(g, node, DCTERMS.title), "description": _text(g, node, DCTERMS.description),
         "accessURL": _url(g, node, DCAT.accessURL) or _url(g, node, DCAT.downloadURL),
         "downloadURL": _url(g, node, DCAT.downloadURL), "mediaType": _media_type(g, node),
         "byteSize": _number(g.value(node, DCAT.byteSize), integer=True),
         "licence": _licence(g, _first(g.objects(node, DCTERMS.license))),
         "issued": _read_date(g, node, DCTERMS.issued), "modified": _read_date(g, node, DCTERMS.modified)}
    return {k: v for k, v in d.items() if v is not None}


def _theme(g: Graph, node: Node) -> str | None:
    labels = _theme_labels()
    for label in labels:
        if node == theme_uri(label):
            return label
    label = _text(g, node, SKOS.prefLabel)
    return label if label in labels else None


def _frequency(node: Node | None) -> str | None:
    text = str(node) if node is not None else ""
    enum = dataset_schema()["properties"]["updateFrequency"]["enum"]
    if text.startswith(str(FREQ)):
        text = "freq:" + text[len(str(FREQ)):]
    elif text.startswith(str(EU_FREQ)):
        text = "freq:" + _EU_FREQ.get(text[len(str(EU_FREQ)):], "")
    return text if text in enum else None


def _access_rights(node: Node | None) -> str | None:
    if isinstance(node, Literal):
        return str(node) if str(node) in ACCESS_RIGHTS else None
    for cddo, eu in ACCESS_RIGHTS.items():
        if node == ACCESS_RIGHT[eu]:
            return cddo
    return None


def _nations(g: Graph, node: Node) -> list[str]:
    if isinstance(node, URIRef):
        code = _last_segment(str(node)).upper()
        for name, gss in NATIONS.items():
            if code == gss:
                return [name]
        if code in _AREA_NATIONS:
            return list(_AREA_NATIONS[code])
    label = _text(g, node, SKOS.prefLabel, RDFS.label, LOCN.geographicName, DCTERMS.title)
    return [n for n in NATIONS if label and label.lower() == n.lower()]


def _area(g: Graph, node: Node) -> str | None:
    if _nations(g, node):
        return None
    return _text(g, node, SKOS.prefLabel, RDFS.label, LOCN.geographicName, DCTERMS.title)


def _coverage(g: Graph, ds: Node) -> dict | None:
    node = g.value(ds, CAT.coverage)
    c: dict = {}
    periods = _sorted(g.objects(ds, DCTERMS.temporal))
    starts = [x for x in (_read_date(g, p, DCAT.startDate, SDO.startDate, TIME.hasBeginning) for p in periods) if x]
    ends = [x for x in (_read_date(g, p, DCAT.endDate, SDO.endDate, TIME.hasEnd) for p in periods) if x]
    if starts:
        c["temporalStart"] = min(starts)
    if ends:
        c["temporalEnd"] = max(ends)
    spatial = list(g.objects(ds, DCTERMS.spatial))
    nations = _ordered(g, ds, "nations", [n for s in spatial for n in _nations(g, s)],
                       lambda n: (_nations(g, n) or [None])[0])
    areas = _ordered(g, ds, "areas", [a for a in (_area(g, s) for s in spatial) if a], lambda n: _area(g, n))
    if nations is not None:
        c["nations"] = nations
    if areas is not None:
        c["areas"] = areas
    if node is not None:
        population = _text(g, node, CAT.population)
        count = _number(g.value(node, CAT.recordCount), integer=True)
        if population is not None:
            c["population"] = population
        if count is not None:
            c["recordCount"] = count
    return c if c or node is not None else None


def _route(g: Graph, node: Node) -> dict:
    r = {"type": _text(g, node, CAT.routeType), "name": _text(g, node, DCTERMS.title),
         "url": _url(g, node, FOAF.homepage)}
    return {k: v for k, v in r.items() if v is not None}


def _law(g: Graph, node: Node) -> str | None:
    return _text(g, node, RDFS.label, DCTERMS.title, SKOS.prefLabel) or (
        str(node) if isinstance(node, URIRef) else None)


def _access(g: Graph, ds: Node) -> dict | None:
    node = g.value(ds, CAT.access)
    a: dict = {}
    if node is not None:
        a["routes"] = _many(g, node, CAT.route, "routes", lambda n: _route(g, n) or None)
        a["applicationUrl"] = _url(g, node, CAT.applicationUrl)
        a["legalGateways"] = _many_text(g, node, CAT.legalGateway, "legalGateways")
        a["leadTime"] = _text(g, node, CAT.leadTime)
        a["preApprovedUses"] = _many_text(g, node, CAT.preApprovedUse, "preApprovedUses")
        flag = g.value(node, CAT.syntheticDataAvailable)
        if isinstance(flag, Literal) and isinstance(flag.toPython(), bool):
            a["syntheticDataAvailable"] = flag.toPython()
        a["syntheticDataUrl"] = _url(g, node, CAT.syntheticDataUrl)
    if a.get("legalGateways") is None:  # other publishers: the applicable legislation, by label or IRI
        laws = sorted({x for x in (_law(g, o) for o in g.objects(ds, DCATAP.applicableLegislation)) if x})
        a["legalGateways"] = laws or None
    a = {k: v for k, v in a.items() if v is not None}
    return a if a or node is not None else None


def _text_of(node: Node) -> str | None:
    return str(node) if isinstance(node, Literal) else None


def _column(g: Graph, node: Node) -> dict:
    data_type = _text(g, node, CAT.dataType)
    if data_type not in DATATYPES:
        dt = g.value(node, CSVW.datatype)
        if isinstance(dt, BNode):
            dt = g.value(dt, CSVW.base)
        data_type = _DATATYPE_NAMES.get(str(dt)) if dt is not None else None
    code_lists = sorted(x for x in (_law(g, o) for o in g.objects(node, DCTERMS.conformsTo)) if x)
    v = {"name": _text(g, node, CSVW.name), "label": _text(g, node, CSVW.title),
         "description": _text(g, node, DCTERMS.description, RDFS.comment), "dataType": data_type,
         "sensitivity": _text(g, node, CAT.sensitivity), "linkageRole": _text(g, node, CAT.linkageRole),
         "collectionMethod": _text(g, node, CAT.collectionMethod), "codeList": code_lists[0] if code_lists else None,
         "completeness": _number(g.value(node, CAT.completeness))}
    return {k: val for k, val in v.items() if val is not None}


def _variables(g: Graph, ds: Node) -> list | None:
    schemas = _sorted(g.objects(ds, CSVW.tableSchema))
    if not schemas:
        return None
    out = []
    for schema in schemas:
        heads = list(g.objects(schema, CSVW.column))
        if len(heads) == 1 and (heads[0] == RDF.nil or g.value(heads[0], RDF.first) is not None):
            out += [_column(g, c) for c in _items(g, heads[0])]
        else:  # columns given as repeated values rather than a list
            out += sorted((_column(g, c) for c in heads), key=lambda c: (c.get("name", ""), _key(c)))
    return out


def _linkage(g: Graph, ds: Node) -> dict | None:
    node = g.value(ds, CAT.linkage)
    if node is None:
        return None

    def linked(n: Node) -> dict | None:
        item = {"title": _text(g, n, DCTERMS.title), "identifier": _text(g, n, DCTERMS.identifier),
                "url": _url(g, n, FOAF.page)}
        return {k: v for k, v in item.items() if v is not None} or None

    link = {"linkedDatasets": _many(g, node, CAT.linkedDataset, "linkedDatasets", linked),
            "methodDocumentation": _url(g, node, CAT.methodDocumentation),
            "qualityNotes": _text(g, node, CAT.qualityNotes)}
    return {k: v for k, v in link.items() if v is not None}


def _provenance(g: Graph, ds: Node) -> dict | None:
    node = _first(g.objects(ds, DCTERMS.provenance))
    p: dict = {}
    if node is not None:
        p["collectionMethod"] = _text(g, node, CAT.collectionMethod) or (
            None if g.value(node, CAT.knownLimitations) else _text(g, node, RDFS.label, DCTERMS.description))
        p["knownLimitations"] = _text(g, node, CAT.knownLimitations)
    p["standards"] = _many(g, ds, DCTERMS.conformsTo, "standards", lambda n: _law(g, n))
    p = {k: v for k, v in p.items() if v is not None}
    return p if p or node is not None else None


def _attributions(g: Graph, ds: Node, role_test) -> list[Node]:
    agents = []
    for attr in g.objects(ds, PROV.qualifiedAttribution):
        if any(role_test(r) for r in g.objects(attr, DCAT.hadRole)):
            agents += list(g.objects(attr, PROV.agent))
    return agents


def _owner(g: Graph, ds: Node) -> dict | None:
    candidates = []
    for agent in _attributions(g, ds, lambda r: _last_segment(str(r)) == "owner"):
        org = g.value(agent, ORG.unitOf)
        slug = _agent_slug(g, org if org is not None else agent)
        if slug:
            team = _text(g, agent, FOAF.name) if org is not None else None
            candidates.append({"organisation": slug, **({"team": team} if team else {})})
    return _pick(candidates)


def _iao(g: Graph, ds: Node) -> dict | None:
    candidates = []
    for agent in _attributions(g, ds, lambda r: r == CAT.InformationAssetOwner):
        iao = {"name": _text(g, agent, VCARD.fn, FOAF.name), "role": _text(g, agent, VCARD.role),
               "email": _email(g, agent), "telephone": _telephone(g, agent)}
        candidates.append({k: v for k, v in iao.items() if v is not None})
    return _pick(candidates)


def _catalog_publisher(g: Graph, ds: Node) -> Node | None:
    for cat in _sorted(g.subjects(DCAT.dataset, ds)):
        pub = g.value(cat, DCTERMS.publisher)
        if pub is not None:
            return pub
    return None


def _dataset(g: Graph, ds: Node) -> dict:
    r: dict = {"identifier": _identifier(g, ds), "title": _text(g, ds, DCTERMS.title),
               "alternativeTitle": _many_text(g, ds, DCTERMS.alternative, "alternativeTitle"),
               "summary": _text(g, ds, RDFS.comment, DCTERMS.abstract),
               "description": _text(g, ds, DCTERMS.description)}
    publisher = _first(g.objects(ds, DCTERMS.publisher)) or _catalog_publisher(g, ds)
    r["publisher"] = _agent_slug(g, publisher) if publisher is not None else None
    r["creator"] = _many(g, ds, DCTERMS.creator, "creator", lambda n: _agent_slug(g, n))
    r["contactPoint"] = _pick([_contact(g, c) for c in g.objects(ds, DCAT.contactPoint)])
    r["accessRights"] = _access_rights(g.value(ds, DCTERMS.accessRights))
    r["securityClassification"] = _text(g, ds, CDDO.securityClassification)
    licence = _first(g.objects(ds, DCTERMS.license))
    if licence is None:  # DCAT-AP puts licences on distributions: use theirs if they agree
        found = {_licence(g, o) for d in g.objects(ds, DCAT.distribution) for o in g.objects(d, DCTERMS.license)}
        licence = Literal(found.pop()) if len(found) == 1 and None not in found else None
    r["licence"] = str(licence) if isinstance(licence, Literal) else _licence(g, licence)
    r["issued"] = _read_date(g, ds, DCTERMS.issued)
    r["modified"] = _read_date(g, ds, DCTERMS.modified)
    r["created"] = _read_date(g, ds, DCTERMS.created)
    r["version"] = _text(g, ds, DCAT.version, OWL.versionInfo)
    r["updateFrequency"] = _frequency(g.value(ds, DCTERMS.accrualPeriodicity))
    r["keyword"] = _many_text(g, ds, DCAT.keyword, "keyword")
    r["theme"] = _many(g, ds, DCAT.theme, "theme", lambda n: _theme(g, n))
    r["landingPage"] = _url(g, ds, DCAT.landingPage)
    r["relatedResource"] = _many(g, ds, DCTERMS.relation, "relatedResource",
                                 lambda n: str(n) if isinstance(n, URIRef) and _is_url(str(n)) else None)
    r["distribution"] = _many(g, ds, DCAT.distribution, "distribution", lambda n: _distribution(g, n) or None)
    r["owner"] = _owner(g, ds)
    r["informationAssetOwner"] = _iao(g, ds)
    inboxes = [e for e in (_email(g, a) for a in _attributions(g, ds, lambda x: x == CAT.AccessSupport)) if e]
    r["supportInbox"] = min(inboxes) if inboxes else None
    r["coverage"] = _coverage(g, ds)
    r["access"] = _access(g, ds)
    r["variables"] = _variables(g, ds)
    r["linkage"] = _linkage(g, ds)
    r["provenance"] = _provenance(g, ds)
    return {k: v for k, v in r.items() if v is not None}


def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def graph_to_records(graph: Graph) -> list[dict]:
    """Every dcat:Dataset in graph as a record, sorted by identifier. Fields the graph lacks are left out."""
    records = [_dataset(graph, ds) for ds in set(graph.subjects(RDF.type, DCAT.Dataset))]
    return sorted(records, key=lambda r: (r.get("identifier") or "", _key(r)))
