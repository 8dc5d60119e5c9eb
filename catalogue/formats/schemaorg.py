"""Our record as a schema.org `Dataset` (JSON-LD) for search engines, and that JSON made safe inside <script>.

The input is the record shaped to the schema (every value of its schema type, or absent), so every lookup here
only guards against a missing field. Google's Dataset guidance requires name and description and recommends the
rest of what is written here (identifier, keywords, creator, license, temporal and spatial coverage, variables,
distribution, isAccessibleForFree)."""
from __future__ import annotations

import json
import re
from typing import Callable, Mapping

CONTEXT = "https://schema.org/"
_HTTP = re.compile(r"^https?://\S+$", re.IGNORECASE)
_FREE_ROUTES = {"open-download", "api"}
_ROUTE_KINDS = {"tre": "trusted research environment", "open-download": "open download", "api": "API",
                "direct-request": "request to the publisher"}
_SCRIPT_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def dataset_jsonld(record: dict, url: str, organisations: Mapping[str, str] | None = None,
                   organisation_url: Callable[[str], str] | None = None,
                   catalog: dict | None = None) -> dict:
    """The schema.org Dataset for a shaped record published at `url` (its page; also its @id, as in the DCAT).

    organisations maps organisation slugs to names; organisation_url gives an organisation's page;
    catalog ({"name", "url"}) is the catalogue the dataset is listed in."""
    names = organisations or {}
    org = lambda slug: _organisation(slug, names, organisation_url)  # noqa: E731
    out: dict = {"@context": CONTEXT, "@type": "Dataset", "@id": url, "url": url}
    ident = record.get("identifier")
    _put(out, "name", record.get("title") or ident)
    _put(out, "description", record.get("description") or record.get("summary"))
    _put(out, "identifier", ident)
    _put(out, "alternateName", record.get("alternativeTitle"))
    _put(out, "keywords", _unique([*record.get("keyword", []), *record.get("theme", [])]))
    _put(out, "creator", [org(s) for s in record.get("creator", [])])
    if record.get("publisher"):
        out["publisher"] = org(record["publisher"])
    _put(out, "license", _licence(record.get("licence")))
    _put(out, "version", record.get("version"))
    _put(out, "datePublished", record.get("issued"))
    _put(out, "dateModified", record.get("modified"))
    _put(out, "dateCreated", record.get("created"))
    if _HTTP.match(record.get("landingPage", "")):
        out["sameAs"] = record["landingPage"]
    coverage = record.get("coverage", {})
    _put(out, "temporalCoverage", temporal_coverage(coverage.get("temporalStart"), coverage.get("temporalEnd")))
    _put(out, "spatialCoverage", [{"@type": "Place", "name": p}
                                  for p in _unique([*coverage.get("nations", []), *coverage.get("areas", [])])])
    _put(out, "variableMeasured", [_variable(v) for v in record.get("variables", []) if v.get("name")])
    _put(out, "distribution", [_distribution(d) for d in record.get("distribution", [])])
    free = accessible_for_free(record)
    if free is not None:
        out["isAccessibleForFree"] = free
    _put(out, "conditionsOfAccess", conditions_of_access(record))
    if catalog:
        out["includedInDataCatalog"] = {"@type": "DataCatalog", **catalog}
    return out


def temporal_coverage(start: str | None, end: str | None) -> str | None:
    """An ISO 8601 interval: 'start/end', 'start/..' while ongoing, '../end' if only the end is known."""
    if not start and not end:
        return None
    return f"{start or '..'}/{end or '..'}"


def accessible_for_free(record: dict) -> bool | None:
    """True for OPEN data, False for INTERNAL or COMMERCIAL; without accessRights, from the access routes
    (free only if every route is an open download or API); None if nothing says."""
    rights = record.get("accessRights")
    if rights:
        return rights == "OPEN"
    routes = [r.get("type") for r in record.get("access", {}).get("routes", [])]
    return all(t in _FREE_ROUTES for t in routes) if routes else None


def conditions_of_access(record: dict) -> str | None:
    """One plain-English paragraph from the access section: routes, where to apply, legal gateways, lead time."""
    access = record.get("access", {})
    parts = []
    routes = [r for r in access.get("routes", []) if r.get("name")]
    if routes:
        parts.append("Access through " + "; ".join(
            r["name"] + (f" ({_ROUTE_KINDS[r['type']]})" if r.get("type") in _ROUTE_KINDS else "")
            + (f", {r['url']}" if r.get("url") else "") for r in routes) + ".")
    if access.get("applicationUrl"):
        parts.append(f"How to apply: {access['applicationUrl']}.")
    if access.get("legalGateways"):
        parts.append("Legal gateways: " + "; ".join(access["legalGateways"]) + ".")
    if access.get("leadTime"):
        parts.append(f"Typical time to access: {access['leadTime']}.")
    if access.get("preApprovedUses"):
        parts.append("Pre-approved uses: " + "; ".join(access["preApprovedUses"]) + ".")
    return " ".join(parts) or None


def script_json(data) -> str:
    """JSON for inside <script>: '<', '>', '&' (and U+2028/9) as \\u escapes, so no text can close the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _SCRIPT_UNSAFE[m.group()], text)


def _organisation(slug: str, names: Mapping[str, str], url_of: Callable[[str], str] | None) -> dict:
    org = {"@type": "Organization", "name": names.get(slug) or slug}
    if url_of:
        org["url"] = url_of(slug)
    return org


def _licence(text: str | None):
    """A licence URL as is; the name of an agreement as a CreativeWork (schema:license takes a URL or one)."""
    if not text:
        return None
    return text if _HTTP.match(text) else {"@type": "CreativeWork", "name": text}


def _variable(v: dict) -> dict:
    out = {"@type": "PropertyValue", "name": v["name"]}
    _put(out, "alternateName", v.get("label"))
    _put(out, "description", v.get("description"))
    return out


def _distribution(d: dict) -> dict:
    out = {"@type": "DataDownload"}
    _put(out, "name", d.get("title"))
    _put(out, "description", d.get("description"))
    if _HTTP.match(d.get("downloadURL", "")):
        out["contentUrl"] = d["downloadURL"]
    if _HTTP.match(d.get("accessURL", "")):
        out["url"] = d["accessURL"]
    _put(out, "encodingFormat", d.get("mediaType"))
    if d.get("byteSize") is not None:
        out["contentSize"] = f"{d['byteSize']} B"
    _put(out, "license", _licence(d.get("licence")))
    _put(out, "datePublished", d.get("issued"))
    _put(out, "dateModified", d.get("modified"))
    return out


def _unique(values: list) -> list:
    return list(dict.fromkeys(v for v in values if v))


def _put(out: dict, key: str, value) -> None:
    if value not in (None, "", [], {}):
        out[key] = value
