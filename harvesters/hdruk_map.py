"""HDR UK dataset schema (2.1.x, 3.0.x, 4.0.x) -> our record (pure). Reports what it could not map."""
from __future__ import annotations

from . import mapping as m
from .contract import RecordError, Transformed

TRANSFORM_VERSION = "hdruk-1"

_FREQ = {"static": "never", "irregular": "irregular", "continuous": "continuous", "biennial": "biennial",
         "annual": "annual", "biannual": "semiannual", "quarterly": "quarterly", "bimonthly": "bimonthly",
         "monthly": "monthly", "biweekly": "biweekly", "weekly": "weekly", "twice a week": "semiweekly",
         "semiweekly": "semiweekly", "daily": "daily"}
_ACCESS = {"open access": ("OPEN", "open-download"), "tre/sde": ("INTERNAL", "tre"),
           "direct access": ("INTERNAL", "direct-request")}
_DATATYPES = {"string": "string", "varchar": "string", "nvarchar": "string", "char": "string", "text": "string",
              "integer": "integer", "int": "integer", "bigint": "integer", "smallint": "integer", "tinyint": "integer",
              "decimal": "decimal", "numeric": "decimal", "float": "decimal", "double": "decimal", "real": "decimal",
              "number": "decimal", "boolean": "boolean", "bool": "boolean", "bit": "boolean", "date": "date",
              "datetime": "datetime", "datetime2": "datetime", "timestamp": "datetime", "code": "code"}
# Paths we read (or deliberately ignore because they say nothing our record can hold).
_MAPPED = {"identifier", "version", "issued", "modified", "revisions", "summary.title", "summary.abstract",
           "summary.publisher", "summary.dataCustodian", "summary.contactPoint", "summary.keywords",
           "summary.populationSize", "summary.datasetAliases", "summary.doiName", "documentation.description",
           "coverage.spatial", "provenance.origin.collectionSource", "provenance.origin.collectionSituation",
           "provenance.origin.source", "provenance.temporal.startDate", "provenance.temporal.endDate",
           "provenance.temporal.publishingFrequency", "provenance.temporal.accrualPeriodicity",
           "accessibility.access.accessRights", "accessibility.access.accessServiceCategory",
           "accessibility.access.accessService", "accessibility.access.deliveryLeadTime",
           "accessibility.access.dataController", "accessibility.formatAndStandards.conformsTo",
           "enrichmentAndLinkage.linkableDatasets", "enrichmentAndLinkage.qualifiedRelation",
           "enrichmentAndLinkage.derivedFrom", "enrichmentAndLinkage.isPartOf",
           "enrichmentAndLinkage.publicationAboutDataset", "enrichmentAndLinkage.publicationUsingDataset",
           "structuralMetadata", "observations", "@schema", "schemaVersion"}


def unwrap(payload):
    """Some gateways wrap the dataset as {"data": {...}}."""
    if isinstance(payload, dict) and "summary" not in payload and isinstance(payload.get("data"), dict):
        return payload["data"]
    return payload


def schema_version(d: dict) -> str:
    """The HDR UK schema version: as declared, else told apart by the fields only one version has."""
    declared = d.get("@schema", {}).get("version") if isinstance(d.get("@schema"), dict) else d.get("schemaVersion")
    if isinstance(declared, str) and declared.strip():
        return declared.strip()
    summary = d.get("summary") if isinstance(d.get("summary"), dict) else {}
    if "publisher" in summary and "dataCustodian" not in summary:
        return "2.1.x"
    origin = ((d.get("provenance") or {}).get("origin") or {}) if isinstance(d.get("provenance"), dict) else {}
    types = origin.get("datasetType") if isinstance(origin, dict) else None
    if "datasetAliases" in summary or (isinstance(types, list) and any(isinstance(t, dict) for t in types)):
        return "4.0.x"
    if "alternateIdentifiers" in summary or "datasetSubType" in origin or (
            isinstance(types, list) and any(isinstance(t, str) for t in types)):
        return "3.0.x"
    return "3.0.x or 4.0.x"


def _get(d, path: str):
    for part in path.split("."):
        if not isinstance(d, dict):
            return None
        d = d.get(part)
    return d


def _empty(v) -> bool:
    if v in (None, "", [], {}):
        return True
    if isinstance(v, dict):
        return all(_empty(x) for x in v.values())
    if isinstance(v, list):
        return all(_empty(x) for x in v)
    return False


def _unmapped(d: dict) -> list[str]:
    """Non-empty paths of the payload that no rule above reads, at the depth where _MAPPED names them."""
    out = []

    def walk(node, prefix: str, depth: int) -> None:
        for k, v in node.items():
            path = f"{prefix}{k}"
            if path in _MAPPED or _empty(v):
                continue
            if isinstance(v, dict) and depth < 2 and any(x.startswith(path + ".") for x in _MAPPED):
                walk(v, path + ".", depth + 1)
            else:
                out.append(path)
    walk(d, "", 0)
    return sorted(out)


def _variables(d: dict) -> list[dict]:
    sm = d.get("structuralMetadata")
    if isinstance(sm, dict):  # 3.0 / 4.0: {"tables": [{"name", "columns": [...]}]}
        tables = [(t.get("name"), t.get("columns")) for t in sm.get("tables") or [] if isinstance(t, dict)]
    elif isinstance(sm, list):  # 2.1: [{"name", "elements": [...]}]
        tables = [(t.get("name"), t.get("elements")) for t in sm if isinstance(t, dict)]
    else:
        return []
    out = []
    for table, columns in tables:
        for col in columns or []:
            name = m.text(col.get("name")) if isinstance(col, dict) else None
            if not name:
                continue
            values = [v.get("name") for v in col.get("values") or [] if isinstance(v, dict) and m.text(v.get("name"))]
            dtype = str(col.get("dataType") or "").split("(")[0].strip().lower()
            sens = col.get("sensitive")
            out.append(m.clean({
                "name": f"{table}.{name}" if m.text(table) else name,
                "description": m.text(col.get("description")),
                "dataType": _DATATYPES.get(dtype),
                "sensitivity": ("personal" if sens else "non-personal") if isinstance(sens, bool) else None,
                "codeList": ", ".join(str(v) for v in values[:50]) if values else None}))
    return out


def _linked(items) -> list[dict]:
    out = []
    for it in items if isinstance(items, list) else m.as_list(items):
        if isinstance(it, dict):
            entry = m.clean({"title": m.text(it.get("title")), "identifier": m.text(it.get("pid")),
                             "url": m.url(it.get("url"))})
        elif m.url(it):
            entry = {"url": it}
        elif m.text(it):
            entry = {"title": it}
        else:
            entry = {}
        if entry and entry not in out:
            out.append(entry)
    return out


def _related(d: dict) -> list[str]:
    urls = []
    for key in ("derivedFrom", "isPartOf"):
        urls += [x.get("url") for x in _get(d, f"enrichmentAndLinkage.{key}") or [] if isinstance(x, dict)]
    for key in ("publicationAboutDataset", "publicationUsingDataset"):
        for doi in m.as_list(_get(d, f"enrichmentAndLinkage.{key}")):
            doi = str(doi).strip()
            urls.append(doi if m.url(doi) else f"https://doi.org/{doi}" if doi.startswith("10.") else None)
    return m.uniq(u for u in urls if m.url(u))


def _record_count(d: dict) -> int | None:
    size = _get(d, "summary.populationSize")
    if isinstance(size, int) and size >= 0:
        return size
    for ob in d.get("observations") or []:
        if isinstance(ob, dict) and str(ob.get("measuredProperty", "")).lower() == "count" \
                and isinstance(ob.get("measuredValue"), int) and ob["measuredValue"] >= 0:
            return ob["measuredValue"]
    return None


def transform_hdruk(payload, remote_id: str) -> Transformed:
    """Map one HDR UK dataset (any of the three schema versions) to our record."""
    d = unwrap(payload)
    if not isinstance(d, dict) or not isinstance(d.get("summary"), dict):
        raise RecordError("not an HDR UK dataset (no 'summary' object)")
    version = schema_version(d)
    summary = d["summary"]
    org = summary.get("dataCustodian") if isinstance(summary.get("dataCustodian"), dict) else summary.get("publisher")
    org = org if isinstance(org, dict) else {}
    custodian = m.publisher_slug(org.get("name"))
    controller = m.publisher_slug(_get(d, "accessibility.access.dataController"))
    category = str(_get(d, "accessibility.access.accessServiceCategory") or "").strip().lower()
    rights, route_type = _ACCESS.get(category, (None, None))
    service = m.text(_get(d, "accessibility.access.accessService"))
    route = m.clean({"type": route_type, "name": (service[:300] if service else None) or org.get("name")})
    freq_raw = _get(d, "provenance.temporal.publishingFrequency") or _get(d, "provenance.temporal.accrualPeriodicity")
    nations, areas = m.nations_and_areas(m.as_list(_get(d, "coverage.spatial")))
    methods = [str(x) for key in ("collectionSource", "collectionSituation", "source")
               for x in m.as_list(_get(d, f"provenance.origin.{key}"))]
    contact = m.email(summary.get("contactPoint"))
    rights_url = m.url(_get(d, "accessibility.access.accessRights"))
    record = m.clean({
        "identifier": m.identifier(remote_id) or m.identifier(d.get("identifier")),
        "title": m.text(summary.get("title")),
        "alternativeTitle": [str(a) for a in m.as_list(summary.get("datasetAliases"))],
        "summary": m.short_text(summary.get("abstract")),
        "description": m.text(_get(d, "documentation.description")) or m.text(summary.get("abstract")),
        "publisher": custodian,
        "creator": [custodian] if custodian else None,
        "contactPoint": m.clean({"contactName": m.text(org.get("name")), "email": contact}) or None,
        "accessRights": rights,
        "issued": m.date(d.get("issued")),
        "modified": m.date(d.get("modified")),
        "version": m.text(d.get("version")),
        "updateFrequency": m.frequency(_FREQ.get(str(freq_raw or "").strip().lower())),
        "keyword": m.uniq(str(k).strip()[:100] for k in m.as_list(summary.get("keywords")) if str(k).strip()),
        "relatedResource": _related(d),
        "owner": {"organisation": controller or custodian} if (controller or custodian) else None,
        "supportInbox": contact,
        "coverage": m.clean({"temporalStart": m.date(_get(d, "provenance.temporal.startDate")),
                             "temporalEnd": m.date(_get(d, "provenance.temporal.endDate")),
                             "nations": nations, "areas": areas, "recordCount": _record_count(d)}),
        "access": m.clean({"routes": [route] if route.get("type") and route.get("name") else None,
                           "applicationUrl": rights_url,
                           "leadTime": m.text(_get(d, "accessibility.access.deliveryLeadTime"))}),
        "variables": _variables(d),
        "linkage": m.clean({"linkedDatasets": _linked(_get(d, "enrichmentAndLinkage.linkableDatasets")
                                                      or _get(d, "enrichmentAndLinkage.qualifiedRelation"))}),
        "provenance": m.clean({"collectionMethod": "; ".join(m.uniq(methods)) or None,
                               "standards": [str(s) for s in m.as_list(
                                   _get(d, "accessibility.formatAndStandards.conformsTo"))]}),
    })
    unmapped = _unmapped(d)
    if category and route_type is None:
        unmapped.append(f"accessibility.access.accessServiceCategory {category!r} (no matching access route)")
    if freq_raw and "updateFrequency" not in record:
        unmapped.append(f"publishing frequency {freq_raw!r} (no matching frequency)")
    if not rights_url and m.text(_get(d, "accessibility.access.accessRights")):
        unmapped.append("accessibility.access.accessRights (text, not a URL)")
    return Transformed(record, unmapped=unmapped, schema_version=version, publisher_name=m.text(org.get("name")) or "")
