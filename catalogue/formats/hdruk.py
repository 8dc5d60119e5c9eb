"""HDR UK dataset schema (2.1.x, 3.0.x, 4.0.x) -> our record (pure): the one mapping for uploads and harvests.

from_hdruk maps what the document says and lists what it could not map (`unmapped`). Harvests keep the result as it
is, so validation flags the gaps. Uploads ask for fill_defaults: stated defaults for our mandatory fields that HDR UK
has no equivalent for (and an identifier from the title when there is none), the Health theme and linkage roles
guessed from column names, each listed in `assumed`.

Read top to bottom: the tables, from_hdruk (which takes each section of the document once), then the readers of the
parts that need more than a lookup (structural metadata, linkage, related resources, counts, unmapped paths).
"""
from __future__ import annotations

from catalogue.formats import normalise as m
from catalogue.formats.result import Mapped, RecordError
from catalogue.records.values import filled

TRANSFORM_VERSION = "hdruk-1"  # bump when the mapping changes, so harvests map unchanged payloads again
_FREQ = {"static": "never", "irregular": "irregular", "continuous": "continuous", "biennial": "biennial",
         "annual": "annual", "biannual": "semiannual", "quarterly": "quarterly", "bimonthly": "bimonthly",
         "monthly": "monthly", "biweekly": "biweekly", "weekly": "weekly", "twice a week": "semiweekly",
         "semiweekly": "semiweekly", "daily": "daily"}
_ACCESS = {"open access": ("OPEN", "open-download"), "tre/sde": ("INTERNAL", "tre"),
           "direct access": ("INTERNAL", "direct-request")}
# (field, default, why) for fill_defaults; only used when the document gave no value.
DEFAULTS = (("accessRights", "INTERNAL", "no HDR UK access category that maps to ours"),
            ("securityClassification", "OFFICIAL", "no HDR UK equivalent"),
            ("licence", "Data access agreement with the data custodian", "no HDR UK equivalent"),
            ("theme", ["Health"], "no HDR UK equivalent; HDR UK datasets are health data"))
DATA_TYPES = {"string": "string", "varchar": "string", "nvarchar": "string", "char": "string", "text": "string",
              "integer": "integer", "int": "integer", "bigint": "integer", "smallint": "integer", "tinyint": "integer",
              "decimal": "decimal", "numeric": "decimal", "float": "decimal", "double": "decimal", "real": "decimal",
              "number": "decimal", "boolean": "boolean", "bool": "boolean", "bit": "boolean", "date": "date",
              "datetime": "datetime", "datetime2": "datetime", "timestamp": "datetime", "code": "code"}
# Column names that usually hold a linkage key: (name part, our linkageRole). Only guessed when asked to.
LINKAGE_HINTS = [("nhs", "nhs-number"), ("chi", "chi-number"), ("postcode", "postcode"), ("uprn", "uprn"),
                 ("date_of_birth", "date-of-birth"), ("dob", "date-of-birth"), ("birth_date", "date-of-birth")]
# Paths we read (or deliberately ignore because they say nothing our record can hold).
MAPPED = {"identifier", "version", "issued", "modified", "revisions", "summary.title", "summary.abstract",
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


def from_payload(payload, remote_id: str) -> Mapped:
    """A harvested HDR UK dataset (any schema version, possibly wrapped), without upload defaults. Raises RecordError
    for a payload that is not a dataset at all."""
    d = unwrap(payload)
    if not isinstance(d, dict) or not isinstance(d.get("summary"), dict):
        raise RecordError("not an HDR UK dataset (no 'summary' object)")
    return from_hdruk(d, remote_id=remote_id)


def from_hdruk(doc, *, remote_id: str | None = None, publisher: str | None = None,
               fill_defaults: bool = False) -> Mapped:
    """Map one HDR UK dataset document (possibly wrapped as {"data": {...}}). Never raises for missing parts.

    remote_id (a harvested persistent id) is preferred as identifier; publisher (an upload's organisation)
    replaces the custodian as publisher and creator. Each section of the document is read once, here."""
    d = unwrap(doc)
    d = d if isinstance(d, dict) else {}
    summary = part(d, "summary")
    access = part(d, "accessibility", "access")
    standards = part(d, "accessibility", "formatAndStandards")
    temporal, origin = part(d, "provenance", "temporal"), part(d, "provenance", "origin")
    linkage = part(d, "enrichmentAndLinkage")
    org = summary.get("dataCustodian") if isinstance(summary.get("dataCustodian"), dict) else summary.get("publisher")
    org = org if isinstance(org, dict) else {}
    custodian = m.publisher_slug(org.get("name"))
    pub = publisher or custodian
    controller = m.text(access.get("dataController"))
    category = str(access.get("accessServiceCategory") or "").strip().lower()
    rights, route_type = _ACCESS.get(category, (None, None))
    service = m.text(access.get("accessService"))
    route = m.clean({"type": route_type, "name": (service[:300] if service else None) or org.get("name")})
    freq_raw = temporal.get("publishingFrequency") or temporal.get("accrualPeriodicity")
    nations, areas = m.nations_and_areas(m.as_list(part(d, "coverage").get("spatial")))
    methods = [str(x) for key in ("collectionSource", "collectionSituation", "source")
               for x in m.as_list(origin.get(key))]
    contact = m.email(summary.get("contactPoint"))
    rights_url = m.url(access.get("accessRights"))
    record = m.clean({
        "identifier": m.identifier(remote_id) or m.identifier(d.get("identifier")),
        "title": m.text(summary.get("title")),
        "alternativeTitle": [str(a) for a in m.as_list(summary.get("datasetAliases"))],
        "summary": m.short_text(summary.get("abstract")),
        "description": m.text(part(d, "documentation").get("description")) or m.text(summary.get("abstract")),
        "publisher": pub,
        "creator": [pub] if pub else None,
        "contactPoint": m.clean({"contactName": m.text(org.get("name")), "email": contact}) or None,
        "accessRights": rights,
        "issued": m.date(d.get("issued")),
        "modified": m.date(d.get("modified")),
        "version": m.text(d.get("version")),
        "updateFrequency": m.frequency(_FREQ.get(str(freq_raw or "").strip().lower())),
        "keyword": m.uniq(str(k).strip()[:100] for k in m.as_list(summary.get("keywords")) if str(k).strip()),
        "relatedResource": related(linkage),
        "owner": m.clean({"organisation": custodian, "team": f"Data controller: {controller[:200]}"
                          if controller and m.publisher_slug(controller) != custodian else None}) or None,
        "supportInbox": contact,
        "coverage": m.clean({"temporalStart": m.date(temporal.get("startDate")),
                             "temporalEnd": m.date(temporal.get("endDate")),
                             "nations": nations, "areas": areas, "recordCount": record_count(d, summary)}),
        "access": m.clean({"routes": [route] if route.get("type") and route.get("name") else None,
                           "applicationUrl": rights_url,
                           "leadTime": m.text(access.get("deliveryLeadTime"))}),
        "variables": variables(d),
        "linkage": m.clean({"linkedDatasets": linked(linkage.get("linkableDatasets")
                                                     or linkage.get("qualifiedRelation"))}),
        "provenance": m.clean({"collectionMethod": "; ".join(m.uniq(methods)) or None,
                               "standards": [str(x) for x in m.as_list(standards.get("conformsTo"))]}),
    })
    unmapped = unmapped_paths(d)
    if category and route_type is None:
        unmapped.append(f"accessibility.access.accessServiceCategory {category!r} (no matching access route)")
    if freq_raw and "updateFrequency" not in record:
        unmapped.append(f"publishing frequency {freq_raw!r} (no matching frequency)")
    if not rights_url and m.text(access.get("accessRights")):
        unmapped.append("accessibility.access.accessRights (text, not a URL)")
    assumed = _fill_defaults(record) if fill_defaults else []
    return Mapped(record, unmapped=unmapped, schema_version=schema_version(d), assumed=assumed,
                  publisher_name=m.text(org.get("name")) or "")


# ---------------------------------------------------------------- readers of the larger parts

def part(d: dict, *keys: str) -> dict:
    """The section at keys (`part(d, "accessibility", "access")`), or {} where the document has none."""
    for key in keys:
        d = d.get(key) if isinstance(d, dict) else None
    return d if isinstance(d, dict) else {}


def variables(d: dict) -> list[dict]:
    """Our variables from structuralMetadata: 2.1 tables of elements, 3.0 / 4.0 tables of columns."""
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
                "dataType": DATA_TYPES.get(dtype),
                "sensitivity": ("personal" if sens else "non-personal") if isinstance(sens, bool) else None,
                "codeList": ", ".join(str(v) for v in values[:50]) if values else None}))
    return out


def linkage_role(variable_name: str) -> str | None:
    """A guessed linkageRole from a column name (CHI, NHS_NUMBER, PATIENT_DOB...), or None."""
    key = variable_name.rsplit(".", 1)[-1].lower()
    for hint, role in LINKAGE_HINTS:
        if hint == key or key.startswith(hint + "_") or key.endswith("_" + hint):
            return role
    return None


def linked(items) -> list[dict]:
    """Linked datasets from a list of {title, pid, url} objects, URLs or titles."""
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


def related(linkage: dict) -> list[str]:
    """URLs of source datasets, parent datasets and publications (DOIs as https://doi.org/...), from
    enrichmentAndLinkage."""
    urls = []
    for key in ("derivedFrom", "isPartOf"):
        urls += [x.get("url") for x in linkage.get(key) or [] if isinstance(x, dict)]
    for key in ("publicationAboutDataset", "publicationUsingDataset"):
        for doi in m.as_list(linkage.get(key)):
            doi = str(doi).strip()
            urls.append(doi if m.url(doi) else f"https://doi.org/{doi}" if doi.startswith("10.") else None)
    return m.uniq(u for u in urls if m.url(u))


def record_count(d: dict, summary: dict) -> int | None:
    """summary.populationSize, else a COUNT observation."""
    size = summary.get("populationSize")
    if isinstance(size, int) and size >= 0:
        return size
    for ob in d.get("observations") or []:
        if isinstance(ob, dict) and str(ob.get("measuredProperty", "")).lower() == "count" \
                and isinstance(ob.get("measuredValue"), int) and ob["measuredValue"] >= 0:
            return ob["measuredValue"]
    return None


def _empty(v) -> bool:
    """Nothing filled, at any depth."""
    if not filled(v):
        return True
    if isinstance(v, dict):
        return all(_empty(x) for x in v.values())
    if isinstance(v, list):
        return all(_empty(x) for x in v)
    return False


def unmapped_paths(d: dict) -> list[str]:
    """Non-empty paths of the document that no rule reads, at the depth where MAPPED names them."""
    out = []

    def walk(node, prefix: str, depth: int) -> None:
        for k, v in node.items():
            path = f"{prefix}{k}"
            if path in MAPPED or _empty(v):
                continue
            if isinstance(v, dict) and depth < 2 and any(x.startswith(path + ".") for x in MAPPED):
                walk(v, path + ".", depth + 1)
            else:
                out.append(path)
    walk(d, "", 0)
    return sorted(out)


def _fill_defaults(record: dict) -> list[str]:
    """Add the stated defaults and guessed linkage roles to `record`; one line per assumption."""
    assumed = []
    if "identifier" not in record and m.identifier(record.get("title")):
        record["identifier"] = m.identifier(record["title"])
        assumed.append(f"identifier set to {record['identifier']} (made from the title; the document has none)")
    for name, value, why in DEFAULTS:
        if name not in record:
            record[name] = value
            shown = ", ".join(value) if isinstance(value, list) else value
            assumed.append(f"{name} set to {shown} ({why})")
    guessed = []
    for var in record.get("variables", []):
        role = linkage_role(var["name"])
        if role and "linkageRole" not in var:
            var["linkageRole"] = role
            guessed.append(f"{var['name']} as {role}")
    if guessed:
        assumed.append(f"linkageRole guessed from column names: {', '.join(guessed)}")
    return assumed


def converter(doc: dict, publisher: str | None = None) -> tuple[dict, list[str], str]:
    """For uploads: (record with defaults filled, what was not mapped or was assumed, a label of the source)."""
    result = from_hdruk(doc, publisher=publisher, fill_defaults=True)
    return result.record, result.unmapped + result.assumed, f"HDR UK dataset schema {result.schema_version}"
