"""DCAT-AP 3 profile, graph -> records; also reads other publishers' DCAT: anything missing is simply left out."""
from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import unquote, urlsplit

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import CSVW, DCTERMS, FOAF, ORG, OWL, PROV, SKOS, XSD
from rdflib.term import Node

from catalogue.records.schema import dataset_schema
from catalogue.formats.dcat.vocab import (ACCESS_RIGHTS, CAT, CDDO, DATATYPES, DCAT, DCATAP, DQV, IANA, LOCN, NATIONS,
                    SDO, TIME, VCARD, AREA_NATIONS, DATATYPE_NAMES, ISO_DATE, canonical, sort_key, theme_uri)
from catalogue.formats.normalise import (ID_PATTERN, MEDIA_TYPE, access_rights_iri, frequency_code, identifier_slug,
                                         is_url, publisher_slug)


# Every term the mapping has named, by IRI, one object each: a graph whose predicates are these objects is read
# quicker (a dict finds the very object without rdflib's Python-level ==). harvesters.dcat_page uses it.
TERMS: dict[str, URIRef] = {}


class _Terms:
    """A namespace whose terms are made once: an rdflib namespace makes a new URIRef on every attribute access, and
    the mapping asks for hundreds of terms a record. Misspelt terms still raise, as the namespace does."""

    def __init__(self, namespace):
        self._namespace, self._items = namespace, {}

    def __getattr__(self, name: str):
        term = getattr(self._namespace, name)
        term = TERMS.setdefault(str(term), term)
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str):
        term = self._items.get(name)
        if term is None:
            term = self._namespace[name]
            term = self._items[name] = TERMS.setdefault(str(term), term)
        return term


(RDF, RDFS, CSVW, DCTERMS, FOAF, ORG, OWL, PROV, SKOS, XSD, CAT, CDDO, DCAT, DCATAP, DQV, LOCN, SDO, TIME, VCARD) = (
    _Terms(n) for n in (RDF, RDFS, CSVW, DCTERMS, FOAF, ORG, OWL, PROV, SKOS, XSD, CAT, CDDO, DCAT, DCATAP, DQV, LOCN,
                        SDO, TIME, VCARD))


def _theme_labels() -> list[str]:
    return list(dataset_schema()["properties"]["theme"]["items"]["enum"])


def _rank(lit: Literal) -> int:
    lang = (lit.language or "").lower()
    return 0 if lang == "en" or lang.startswith("en-") else 1 if not lang else 2


def _literals(g: Graph, s: Node, p: URIRef) -> list[Literal]:
    """Literal values in the best language present: @en, else no language, else any."""
    lits = [o for o in g.objects(s, p) if isinstance(o, Literal)]
    if len(lits) < 2:  # most values: nothing to choose between
        return lits
    best = min(_rank(x) for x in lits)
    return [x for x in lits if _rank(x) == best]


def _text(g: Graph, s: Node, *props: URIRef) -> str | None:
    for p in props:
        lits = _literals(g, s, p)
        if lits:
            return str(lits[0]) if len(lits) == 1 else min(str(x) for x in lits)
    return None


def _url(g: Graph, s: Node, p: URIRef) -> str | None:
    found = sorted(str(o) for o in g.objects(s, p)
                   if not isinstance(o, BNode) and is_url(str(o)))
    return found[0] if found else None


def _read_date(g: Graph, s: Node, *props: URIRef) -> str | None:
    for p in props:
        for o in _sorted(g.objects(s, p)):
            if isinstance(o, Literal) and ISO_DATE.match(str(o)):
                return str(o)[:10]
            if isinstance(o, (URIRef, BNode)):  # a time:Instant
                for p2 in (TIME.inXSDDate, TIME.inXSDDateTimeStamp, TIME.inXSDDateTime):
                    found = [str(x)[:10] for x in g.objects(o, p2) if isinstance(x, Literal) and ISO_DATE.match(str(x))]
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
        if {sort_key(v) for v in ordered} == {sort_key(v) for v in values}:
            return ordered
    if not values and hint is None:
        return None
    return canonical(values)


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


def _last_segment(iri: str) -> str:
    parts = urlsplit(iri)
    return unquote(parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.fragment)


def _identifier(g: Graph, ds: Node) -> str | None:
    ids = sorted(str(o) for o in g.objects(ds, DCTERMS.identifier) if isinstance(o, Literal))
    exact = [i for i in ids if ID_PATTERN.match(i)]
    if exact:
        return exact[0]
    candidates = [_last_segment(i) if re.match(r"^[a-z]+://", i, re.I) else i for i in ids]
    if isinstance(ds, URIRef):
        candidates.append(_last_segment(str(ds)))
    for c in candidates:
        slug = identifier_slug(c)
        if slug:
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
        slug = publisher_slug(c)
        if slug:
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
    return min(candidates, key=lambda c: (-len(c), sort_key(c))) if candidates else None


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
            if not isinstance(o, BNode) and MEDIA_TYPE.match(text):
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
    return frequency_code(str(node)) if node is not None else None


def _access_rights(node: Node | None) -> str | None:
    if isinstance(node, Literal):
        return str(node) if str(node) in ACCESS_RIGHTS else None
    return access_rights_iri(str(node)) if isinstance(node, URIRef) else None


def _nations(g: Graph, node: Node) -> list[str]:
    if isinstance(node, URIRef):
        code = _last_segment(str(node)).upper()
        for name, gss in NATIONS.items():
            if code == gss:
                return [name]
        if code in AREA_NATIONS:
            return list(AREA_NATIONS[code])
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


def _lead_time_weeks(g: Graph, node: Node) -> dict | None:
    """cat:leadTimeMinWeeks and cat:leadTimeMaxWeeks as {"min", "max"}; none without a whole-number minimum."""
    low = _number(g.value(node, CAT.leadTimeMinWeeks), integer=True)
    high = _number(g.value(node, CAT.leadTimeMaxWeeks), integer=True)
    if not isinstance(low, int) or low < 0:
        return None
    return {"min": low, "max": high} if isinstance(high, int) and high >= 0 else {"min": low}


def _access(g: Graph, ds: Node) -> dict | None:
    node = g.value(ds, CAT.access)
    a: dict = {}
    if node is not None:
        a["routes"] = _many(g, node, CAT.route, "routes", lambda n: _route(g, n) or None)
        a["applicationUrl"] = _url(g, node, CAT.applicationUrl)
        a["legalGateways"] = _many_text(g, node, CAT.legalGateway, "legalGateways")
        a["leadTime"] = _text(g, node, CAT.leadTime)
        a["leadTimeWeeks"] = _lead_time_weeks(g, node)
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
        data_type = DATATYPE_NAMES.get(str(dt)) if dt is not None else None
    code_lists = sorted(x for x in (_law(g, o) for o in g.objects(node, DCTERMS.conformsTo)) if x)
    methods = [_text(g, p, RDFS.label, DCTERMS.description) for p in _sorted(g.objects(node, DCTERMS.provenance))]
    v = {"name": _text(g, node, CSVW.name), "label": _text(g, node, CSVW.title),
         "description": _text(g, node, DCTERMS.description, RDFS.comment), "dataType": data_type,
         "sensitivity": _text(g, node, CAT.sensitivity), "linkageRole": _linkage_role(g, node),
         "collectionMethod": next((m for m in methods if m), None) or _text(g, node, CAT.collectionMethod),
         "codeList": code_lists[0] if code_lists else None, "completeness": _completeness(g, node)}
    return {k: val for k, val in v.items() if val is not None}


def _linkage_role(g: Graph, node: Node) -> str | None:
    """A linkage-roles concept IRI (<base>/vocab/linkage-roles/<id>) as its id; a literal as its text."""
    for o in _sorted(g.objects(node, CAT.linkageRole)):
        if isinstance(o, URIRef) and "/vocab/linkage-roles/" in str(o):
            return _last_segment(str(o))
    return _text(g, node, CAT.linkageRole)


def _completeness(g: Graph, node: Node) -> int | float | None:
    """The value of the column's completeness measurement (dqv), else a plain cat:completeness."""
    for m in _sorted(g.objects(node, DQV.hasQualityMeasurement)):
        if g.value(m, DQV.isMeasurementOf) == CAT.VariableCompleteness:
            value = _number(g.value(m, DQV.value))
            if value is not None:
                return value
    return _number(g.value(node, CAT.completeness))


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
            out += sorted((_column(g, c) for c in heads), key=lambda c: (c.get("name", ""), sort_key(c)))
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
                                 lambda n: str(n) if isinstance(n, URIRef) and is_url(str(n)) else None)
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


def graph_to_records(graph: Graph) -> list[dict]:
    """Every dcat:Dataset in graph as a record, sorted by identifier. Fields the graph lacks are left out."""
    records = [_dataset(graph, ds) for ds in set(graph.subjects(RDF.type, DCAT.Dataset))]
    return sorted(records, key=lambda r: (r.get("identifier") or "", sort_key(r)))
