"""HDR UK dataset schema (2.1.x, 3.0.x, 4.0.x) -> our record (pure): the one mapping for uploads and harvests.

from_hdruk maps what the document says and lists what it could not map (`unmapped`). Harvests keep the result as it
is, so validation flags the gaps. Uploads ask for fill_defaults: stated defaults for our mandatory fields that HDR UK
has no equivalent for (and an identifier from the title when there is none), the Health theme and linkage roles
guessed from column names, each listed in `assumed`.
"""
from __future__ import annotations

from catalogue.formats import hdruk_sections as s
from catalogue.formats import normalise as m
from catalogue.formats.result import Mapped

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


def from_hdruk(doc, *, remote_id: str | None = None, publisher: str | None = None,
               fill_defaults: bool = False) -> Mapped:
    """Map one HDR UK dataset document (possibly wrapped as {"data": {...}}). Never raises for missing parts.

    remote_id (a harvested persistent id) is preferred as identifier; publisher (an upload's organisation)
    replaces the custodian as publisher and creator."""
    d = unwrap(doc)
    d = d if isinstance(d, dict) else {}
    summary = d.get("summary") if isinstance(d.get("summary"), dict) else {}
    org = summary.get("dataCustodian") if isinstance(summary.get("dataCustodian"), dict) else summary.get("publisher")
    org = org if isinstance(org, dict) else {}
    custodian = m.publisher_slug(org.get("name"))
    pub = publisher or custodian
    controller = m.text(s.get(d, "accessibility.access.dataController"))
    category = str(s.get(d, "accessibility.access.accessServiceCategory") or "").strip().lower()
    rights, route_type = _ACCESS.get(category, (None, None))
    service = m.text(s.get(d, "accessibility.access.accessService"))
    route = m.clean({"type": route_type, "name": (service[:300] if service else None) or org.get("name")})
    freq_raw = s.get(d, "provenance.temporal.publishingFrequency") or s.get(d, "provenance.temporal.accrualPeriodicity")
    nations, areas = m.nations_and_areas(m.as_list(s.get(d, "coverage.spatial")))
    methods = [str(x) for key in ("collectionSource", "collectionSituation", "source")
               for x in m.as_list(s.get(d, f"provenance.origin.{key}"))]
    contact = m.email(summary.get("contactPoint"))
    rights_url = m.url(s.get(d, "accessibility.access.accessRights"))
    record = m.clean({
        "identifier": m.identifier(remote_id) or m.identifier(d.get("identifier")),
        "title": m.text(summary.get("title")),
        "alternativeTitle": [str(a) for a in m.as_list(summary.get("datasetAliases"))],
        "summary": m.short_text(summary.get("abstract")),
        "description": m.text(s.get(d, "documentation.description")) or m.text(summary.get("abstract")),
        "publisher": pub,
        "creator": [pub] if pub else None,
        "contactPoint": m.clean({"contactName": m.text(org.get("name")), "email": contact}) or None,
        "accessRights": rights,
        "issued": m.date(d.get("issued")),
        "modified": m.date(d.get("modified")),
        "version": m.text(d.get("version")),
        "updateFrequency": m.frequency(_FREQ.get(str(freq_raw or "").strip().lower())),
        "keyword": m.uniq(str(k).strip()[:100] for k in m.as_list(summary.get("keywords")) if str(k).strip()),
        "relatedResource": s.related(d),
        "owner": m.clean({"organisation": custodian, "team": f"Data controller: {controller[:200]}"
                          if controller and m.publisher_slug(controller) != custodian else None}) or None,
        "supportInbox": contact,
        "coverage": m.clean({"temporalStart": m.date(s.get(d, "provenance.temporal.startDate")),
                             "temporalEnd": m.date(s.get(d, "provenance.temporal.endDate")),
                             "nations": nations, "areas": areas, "recordCount": s.record_count(d)}),
        "access": m.clean({"routes": [route] if route.get("type") and route.get("name") else None,
                           "applicationUrl": rights_url,
                           "leadTime": m.text(s.get(d, "accessibility.access.deliveryLeadTime"))}),
        "variables": s.variables(d),
        "linkage": m.clean({"linkedDatasets": s.linked(s.get(d, "enrichmentAndLinkage.linkableDatasets")
                                                       or s.get(d, "enrichmentAndLinkage.qualifiedRelation"))}),
        "provenance": m.clean({"collectionMethod": "; ".join(m.uniq(methods)) or None,
                               "standards": [str(x) for x in m.as_list(
                                   s.get(d, "accessibility.formatAndStandards.conformsTo"))]}),
    })
    unmapped = s.unmapped_paths(d)
    if category and route_type is None:
        unmapped.append(f"accessibility.access.accessServiceCategory {category!r} (no matching access route)")
    if freq_raw and "updateFrequency" not in record:
        unmapped.append(f"publishing frequency {freq_raw!r} (no matching frequency)")
    if not rights_url and m.text(s.get(d, "accessibility.access.accessRights")):
        unmapped.append("accessibility.access.accessRights (text, not a URL)")
    assumed = _fill_defaults(record) if fill_defaults else []
    return Mapped(record, unmapped=unmapped, schema_version=schema_version(d), assumed=assumed,
                  publisher_name=m.text(org.get("name")) or "")


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
        role = s.linkage_role(var["name"])
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
