"""DCAT-AP 3 profile, record -> graph: a dataset record (or a whole catalogue) as an rdflib graph."""
from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import CSVW, DCTERMS, FOAF, ORG, PROV, SKOS, XSD
from rdflib.term import Node

from catalogue.formats.dcat.vocab import (ACCESS_RIGHT, ACCESS_RIGHTS, ACTS, CAT, CDDO, DATATYPES, DCAT, DCATAP, DQV, ELI, FREQ,
                    GEOGRAPHY, IANA, LANG_ENG, LDQD, LEGISLATION, NATIONS, OWNER_ROLE, PERCENT, PREFIXES, SDMX_UNIT,
                    VCARD, ISO_DATE, ROLE_LABELS, canonical, concept_for, scheme_iri, theme_uri)

_GATEWAY = re.compile(r"^(?P<act>.+?\bAct\b.*?\b\d{4})(?:\s*,?\s*(?:s\.?|sec\.?|section)\s*(?P<section>\d+[A-Z]*)\b)?")
_NOT_IN_IRI = set('<>"{}|\\^` ')


def new_graph() -> Graph:
    """An empty graph with the profile's prefixes bound."""
    return _bind(Graph(bind_namespaces="core"))


def _bind(g: Graph) -> Graph:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=False)
    return g


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
        if not values or values != canonical(values):
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
        self.add(role, RDFS.label, ROLE_LABELS.get(role))
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
            org = self.agent(r["owner"]["organisation"]) if "organisation" in r["owner"] else None  # may be partial
            agent = org
            if "team" in r["owner"]:
                agent = self.typed(BNode(), FOAF.Agent, FOAF.Organization, ORG.OrganizationalUnit)
                add(agent, FOAF.name, Literal(r["owner"]["team"]))
                add(agent, ORG.unitOf, org)
            if agent is not None:
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
            add(node, CAT.gateway, self.concept("legal-gateways", text))
            law = gateway_iri(text)
            if law is not None:
                add(ds, DCATAP.applicableLegislation, self.typed(law, ELI.LegalResource))
        if "leadTime" in a:
            add(node, CAT.leadTime, _en(a["leadTime"]))
        weeks = a.get("leadTimeWeeks") or {}
        for key, term in (("min", CAT.leadTimeMinWeeks), ("max", CAT.leadTimeMaxWeeks)):
            if key in weeks:
                add(node, term, Literal(weeks[key], datatype=XSD.nonNegativeInteger))
        self.many(node, CAT.preApprovedUse, "preApprovedUses", a.get("preApprovedUses"), _en)
        if "syntheticDataAvailable" in a:
            add(node, CAT.syntheticDataAvailable, Literal(a["syntheticDataAvailable"]))

    def route(self, route: dict) -> BNode:
        node = self.typed(BNode(), CAT.AccessRoute)
        self.add(node, CAT.routeType, Literal(route["type"]) if "type" in route else None)
        self.add(node, DCTERMS.title, _en(route["name"]) if "name" in route else None)
        self.add(node, FOAF.homepage, _iri(route["url"]) if "url" in route else None)
        if route.get("type") == "tre":
            self.add(node, CAT.tre, self.concept("tres", route.get("name")))
        return node

    def concept(self, scheme: str, text) -> URIRef | None:
        """The /vocab concept a record's free text names (the text itself is kept too), labelled so the graph
        stands alone; None when no register entry matches."""
        found = concept_for(self.base, scheme, text)
        if found is None:
            return None
        node, entry = found
        self.typed(node, SKOS.Concept)
        self.add(node, SKOS.prefLabel, _en(entry.name))
        self.add(node, SKOS.inScheme, scheme_iri(self.base, scheme))
        return node

    def column(self, v: dict) -> BNode:
        """A variable as a CSVW column (W3C's vocabulary for a table's columns: name, title, datatype), which
        DCAT-AP leaves open and HealthDCAT-AP does not yet define. Linkage role: the SKOS concept of the
        linkage-roles scheme; completeness: a W3C DQV measurement; collection method: a dct:ProvenanceStatement."""
        add = self.add
        node = self.typed(BNode(), CSVW.Column)
        add(node, CSVW.name, Literal(v["name"]) if "name" in v else None)
        add(node, CSVW.title, _en(v["label"]) if "label" in v else None)
        add(node, DCTERMS.description, _en(v["description"]) if "description" in v else None)
        if v.get("dataType") in DATATYPES:
            add(node, CSVW.datatype, DATATYPES[v["dataType"]])
            if v["dataType"] == "code":  # no XSD type for "code": keep the exact value
                add(node, CAT.dataType, Literal("code"))
        if "sensitivity" in v:
            add(node, CAT.sensitivity, Literal(v["sensitivity"]))
        if "linkageRole" in v:
            add(node, CAT.linkageRole, self.concept("linkage-roles", v["linkageRole"]) or Literal(v["linkageRole"]))
        if "collectionMethod" in v:
            statement = self.typed(BNode(), DCTERMS.ProvenanceStatement)
            add(statement, RDFS.label, _en(v["collectionMethod"]))
            add(node, DCTERMS.provenance, statement)
        if "codeList" in v:
            add(node, DCTERMS.conformsTo, self.standard(v["codeList"]))
        if "completeness" in v:
            add(node, DQV.hasQualityMeasurement, self.completeness(v["completeness"]))
        return node

    def completeness(self, value) -> BNode:
        """A dqv:QualityMeasurement of the variable: the percentage of records with a value. Reached from the
        column by dqv:hasQualityMeasurement only: dqv:computedOn back to it would make a blank-node cycle."""
        metric = self.typed(CAT.VariableCompleteness, DQV.Metric)
        self.add(metric, SKOS.prefLabel, _en("Variable completeness"))
        self.add(metric, SKOS.definition, _en("Percentage of records with a value for the variable."))
        self.add(metric, DQV.expectedDataType, XSD.decimal)
        self.add(metric, DQV.inDimension, LDQD.completeness)
        node = self.typed(BNode(), DQV.QualityMeasurement)
        self.add(node, DQV.isMeasurementOf, metric)
        self.add(node, DQV.value, _number_literal(value))
        self.add(node, SDMX_UNIT, PERCENT)
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


TITLE = "UK cross-government data catalogue"
DESCRIPTION = ("Descriptions of UK government datasets for linked-data research: owners, Information Asset Owners, "
               "variables, coverage and how to get access.")


def catalogue_graph(records: list[dict], base_uri: str, publishers: dict | None = None, title: str = TITLE, *,
                    description: str = DESCRIPTION, publisher: str | None = None) -> Graph:
    """A dcat:Catalog holding every record. publisher is a publisher slug; by default the catalogue publishes itself."""
    g = new_graph()
    w = _Writer(g, base_uri.rstrip("/"), publishers or {})
    datasets = [w.dataset(r) for r in records]
    return catalogue_node(datasets, latest_modified(r.get("modified") for r in records), base_uri, publishers, title,
                          description=description, publisher=publisher, graph=g)


def latest_modified(values) -> str | None:
    """The latest of the values that start with a date (the catalogue's dct:modified), or None."""
    dates = [str(v) for v in values if v is not None and ISO_DATE.match(str(v))]
    return max(dates) if dates else None


def catalogue_node(datasets: list[URIRef], modified: str | None, base_uri: str, publishers: dict | None = None,
                   title: str = TITLE, *, description: str = DESCRIPTION, publisher: str | None = None,
                   graph: Graph | None = None) -> Graph:
    """The dcat:Catalog node alone, linking to the given dataset IRIs (for exports written record by record)."""
    base = base_uri.rstrip("/")
    g = _bind(graph) if graph is not None else new_graph()
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
    if modified:
        w.add(cat, DCTERMS.modified, _date(modified))
    for ds in datasets:
        w.add(cat, DCAT.dataset, ds)
    return g
