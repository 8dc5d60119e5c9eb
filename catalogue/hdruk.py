"""Map an HDR UK dataset-schema record (2.1.x, 3.0.x, 4.0.x) to our record. Pure; used by upload and harvest.

Fields with no HDR UK equivalent but mandatory for us (access rights, security classification, licence)
get stated defaults, and the result lists them under `assumed`. Everything present in the source that
has no place in our record is listed under `unmapped`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

FREQUENCIES = {"static": "freq:never", "irregular": "freq:irregular", "continuous": "freq:continuous",
               "biennial": "freq:biennial", "annual": "freq:annual", "biannual": "freq:semiannual",
               "quarterly": "freq:quarterly", "bimonthly": "freq:bimonthly", "monthly": "freq:monthly",
               "biweekly": "freq:biweekly", "weekly": "freq:weekly", "semiweekly": "freq:semiweekly",
               "twice a week": "freq:semiweekly", "daily": "freq:daily", "other": "freq:irregular"}
DATA_TYPES = {"string": "string", "text": "string", "varchar": "string", "char": "string", "integer": "integer",
              "int": "integer", "bigint": "integer", "number": "decimal", "numeric": "decimal", "float": "decimal",
              "double": "decimal", "decimal": "decimal", "boolean": "boolean", "bool": "boolean", "date": "date",
              "datetime": "datetime", "timestamp": "datetime", "code": "code"}
LINKAGE_HINTS = [("nhs", "nhs-number"), ("chi", "chi-number"), ("postcode", "postcode"), ("uprn", "uprn"),
                 ("date_of_birth", "date-of-birth"), ("dob", "date-of-birth"), ("birth_date", "date-of-birth")]
NATION_WORDS = {"england": ["England"], "wales": ["Wales"], "scotland": ["Scotland"],
                "northern ireland": ["Northern Ireland"], "united kingdom": ["England", "Wales", "Scotland",
                                                                             "Northern Ireland"],
                "great britain": ["England", "Wales", "Scotland"]}
DEFAULTS = {"accessRights": "INTERNAL", "securityClassification": "OFFICIAL"}
CONSUMED_SECTIONS = ("summary", "documentation.description", "coverage.spatial", "provenance.origin",
                     "provenance.temporal", "accessibility.access.accessRights", "accessibility.access.accessService",
                     "accessibility.access.accessServiceCategory", "accessibility.access.deliveryLeadTime",
                     "accessibility.access.dataController", "accessibility.formatAndStandards.conformsTo",
                     "accessibility.formatAndStandards.vocabularyEncodingScheme", "enrichmentAndLinkage.linkableDatasets",
                     "enrichmentAndLinkage.derivedFrom", "enrichmentAndLinkage.qualifiedRelation", "structuralMetadata",
                     "identifier", "version", "issued", "modified", "observations")


@dataclass
class Converted:
    record: dict
    schema_version: str
    unmapped: list[str] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)


def slugify(text: str, limit: int = 100) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return slug[:limit].strip("-") or "unknown"


def schema_version(doc: dict) -> str:
    """2.1, 3.0 or 4.0, from the fields that differ between versions."""
    summary = doc.get("summary") or {}
    origin = (doc.get("provenance") or {}).get("origin") or {}
    if "publisher" in summary and "dataCustodian" not in summary:
        return "2.1"
    if "datasetAliases" in summary:
        return "4.0"
    if "alternateIdentifiers" in summary or "datasetSubType" in origin:
        return "3.0"
    return "4.0"


def _date(value) -> str | None:
    if isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    return None


def _list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [v for v in value if v not in (None, "")] if isinstance(value, list) else [value]


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _summary_text(abstract: str) -> str:
    if len(abstract) <= 1000:
        return abstract
    cut = abstract[:1000]
    return cut[: cut.rfind(". ") + 1] if ". " in cut else cut[:997] + "..."


def _email(*values) -> str:
    for v in values:
        if isinstance(v, str) and re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", v.strip()):
            return v.strip()
    return ""


def _variables(structural) -> list[dict]:
    tables = structural.get("tables") if isinstance(structural, dict) else structural
    tables = [t for t in tables or [] if isinstance(t, dict)]
    out = []
    for table in tables:
        columns = table.get("columns") or table.get("elements") or []
        for col in columns:
            if not isinstance(col, dict) or not _text(col.get("name")):
                continue
            name = _text(col["name"])
            var = {"name": f"{table.get('name')}.{name}" if len(tables) > 1 and table.get("name") else name}
            if _text(col.get("description")):
                var["description"] = _text(col["description"])
            dtype = DATA_TYPES.get(_text(col.get("dataType")).lower())
            if dtype:
                var["dataType"] = dtype
            if isinstance(col.get("sensitive"), bool):
                var["sensitivity"] = "personal" if col["sensitive"] else "non-personal"
            key = name.lower()
            for hint, role in LINKAGE_HINTS:
                if hint == key or key.startswith(hint + "_") or key.endswith("_" + hint):
                    var["linkageRole"] = role
                    break
            out.append(var)
    return out


def _linked(enrichment: dict) -> list[dict]:
    out = []
    for key in ("linkableDatasets", "derivedFrom", "qualifiedRelation"):
        for item in _list(enrichment.get(key)):
            if isinstance(item, dict):
                title = _text(item.get("title")) or _text(item.get("pid")) or _text(item.get("url"))
                if title:
                    entry = {"title": title}
                    if _text(item.get("url")).startswith(("http://", "https://")):
                        entry["url"] = item["url"].strip()
                    out.append(entry)
            elif isinstance(item, str) and item.strip():
                entry = {"title": item.strip()}
                if item.strip().startswith(("http://", "https://")):
                    entry["url"] = item.strip()
                out.append(entry)
    return out


def _leaves(value, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, f"{prefix}.{k}" if prefix else k)]
    if isinstance(value, list):
        return [prefix] if any(v not in (None, "", [], {}) for v in value) else []
    return [prefix] if value not in (None, "") else []


def from_hdruk(doc: dict, *, publisher: str | None = None, identifier: str | None = None) -> Converted:
    """Convert one HDR UK dataset-schema document. Never raises for missing parts."""
    version = schema_version(doc)
    summary = doc.get("summary") or {}
    custodian = summary.get("dataCustodian") or summary.get("publisher") or {}
    access = (doc.get("accessibility") or {}).get("access") or {}
    standards = (doc.get("accessibility") or {}).get("formatAndStandards") or {}
    coverage = doc.get("coverage") or {}
    origin = (doc.get("provenance") or {}).get("origin") or {}
    temporal = (doc.get("provenance") or {}).get("temporal") or {}
    custodian_name = _text(custodian.get("name")) or "Unknown data custodian"
    pub = publisher or slugify(custodian_name)
    assumed: list[str] = []

    title = _text(summary.get("title")) or "Untitled HDR UK dataset"
    abstract = _text(summary.get("abstract"))
    description = _text((doc.get("documentation") or {}).get("description")) or abstract or title
    ident = identifier or slugify(str(doc.get("identifier") or title), 128)
    record: dict = {"identifier": ident, "title": title}
    if abstract:
        record["summary"] = _summary_text(abstract)
    record["description"] = description if len(description) >= 10 else f"{description} (HDR UK dataset)"
    record.update(publisher=pub, creator=[pub])
    email = _email(summary.get("contactPoint"), custodian.get("contactPoint"))
    record["contactPoint"] = {"contactName": custodian_name, "email": email}
    for name, value in DEFAULTS.items():
        record[name] = value
        assumed.append(f"{name} set to {value} (no HDR UK equivalent)")
    rights = _text(access.get("accessRights"))
    if rights:
        record["licence"] = rights[:500]
    else:
        record["licence"] = "Data access agreement with the data custodian"
        assumed.append("licence set to the custodian's data access agreement (no accessRights given)")
    for name in ("issued", "modified"):
        if _date(doc.get(name)):
            record[name] = _date(doc.get(name))
    record["version"] = _text(doc.get("version")) or "1.0.0"
    freq = _text(temporal.get("publishingFrequency") or temporal.get("accrualPeriodicity")).lower()
    if freq in FREQUENCIES:
        record["updateFrequency"] = FREQUENCIES[freq]
    keywords = [k for k in _list(summary.get("keywords")) if isinstance(k, str)]
    if keywords:
        record["keyword"] = keywords
    record["theme"] = ["Health"]
    if _text(summary.get("doiName")):
        record["landingPage"] = "https://doi.org/" + re.sub(r"^(https?://(dx\.)?doi\.org/)", "", summary["doiName"].strip())
    record["owner"] = {"organisation": slugify(custodian_name)}
    if _text(access.get("dataController")):
        record["owner"]["team"] = f"Data controller: {_text(access['dataController'])[:200]}"

    cov: dict = {}
    if _date(temporal.get("startDate")):
        cov["temporalStart"] = _date(temporal.get("startDate"))
    if _date(temporal.get("endDate")) and cov.get("temporalStart", "") <= _date(temporal.get("endDate")):
        cov["temporalEnd"] = _date(temporal.get("endDate"))
    spatial = " ".join(str(s) for s in _list(coverage.get("spatial"))).lower()
    nations = []
    for word, names in NATION_WORDS.items():
        if word in spatial.replace("-", " "):
            nations += [n for n in names if n not in nations]
    if nations:
        cov["nations"] = nations
    size = summary.get("populationSize")
    if isinstance(size, int) and size >= 0:
        cov["recordCount"] = size
    for obs in doc.get("observations") or []:
        if isinstance(obs, dict) and _text(obs.get("observedNode")):
            cov["population"] = _text(obs["observedNode"])
            if "recordCount" not in cov and isinstance(obs.get("measuredValue"), int):
                cov["recordCount"] = obs["measuredValue"]
            break
    if cov:
        record["coverage"] = cov

    acc: dict = {}
    category = _text(access.get("accessServiceCategory"))
    service = _text(access.get("accessService"))
    if category or service:
        kind = "tre" if re.search(r"TRE|SDE|trusted|secure", f"{category} {service}", re.I) else "direct-request"
        name = category or re.split(r"(?<=[.;])\s", service)[0][:120]
        acc["routes"] = [{"type": kind, "name": name}]
    if rights.startswith(("http://", "https://")):
        acc["applicationUrl"] = rights.split()[0]
    if _text(access.get("deliveryLeadTime")):
        acc["leadTime"] = _text(access["deliveryLeadTime"])
    if acc:
        record["access"] = acc
    variables = _variables(doc.get("structuralMetadata"))
    if variables:
        record["variables"] = variables
    linked = _linked(doc.get("enrichmentAndLinkage") or {})
    if linked:
        record["linkage"] = {"linkedDatasets": linked}
    prov: dict = {}
    collection = [str(c) for c in _list(origin.get("collectionSource") or origin.get("collectionSituation"))]
    if collection:
        prov["collectionMethod"] = ", ".join(collection)
    stds = [str(s) for s in _list(standards.get("conformsTo")) + _list(standards.get("vocabularyEncodingScheme"))]
    if stds:
        prov["standards"] = list(dict.fromkeys(stds))
    if prov:
        record["provenance"] = prov

    unmapped = sorted({".".join(p.split(".")[:3]) for p in _leaves(doc)
                       if not any(p == c or p.startswith(c + ".") for c in CONSUMED_SECTIONS)})
    return Converted(record, version, unmapped, assumed)


def converter(doc: dict, publisher: str | None = None) -> tuple[dict, list[str], str]:
    """For uploads: (record, what could not be mapped, a label of the source)."""
    result = from_hdruk(doc, publisher=publisher)
    return result.record, result.unmapped + result.assumed, f"HDR UK dataset schema {result.schema_version}"
