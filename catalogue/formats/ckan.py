"""CKAN package dict <-> our record (pure): core CKAN, extras, and common ckanext-scheming / ckanext-dcat fields.

transform_package (CKAN -> record) is used by the CKAN harvester (harvesters.ckan); package_from_record (record ->
CKAN) by our CKAN-compatible API (web.views.ckan_api). The two round-trip for every field package_from_record
carries. TRANSFORM_VERSION is bumped when the mapping changes, so harvests map unchanged payloads again."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone

from catalogue.formats import normalise as m
from catalogue.formats.ckan_query import Row
from catalogue.formats.result import Mapped, RecordError

TRANSFORM_VERSION = "ckan-2"

# Top-level CKAN keys that carry no metadata of ours (bookkeeping), so are not reported as unmapped.
_IGNORED = {"id", "package_id", "name", "type", "state", "private", "owner_org", "creator_user_id", "revision_id", "num_tags",
            "num_resources", "isopen", "license_id", "relationships_as_object", "relationships_as_subject",
            "metadata_created", "metadata_modified", "organization", "extras", "tags", "resources", "groups",
            "title", "notes", "url", "version", "author", "author_email", "maintainer", "maintainer_email",
            "license_title", "license_url", "tracking_summary", "harvest_object_id", "harvest_source_id",
            "harvest_source_title"}
# Fields we read, whether at the top level (ckanext-scheming) or in extras.
_FIELDS = {
    "access_rights": ("access_rights", "accessRights"),
    "contact_name": ("contact_name", "contact_point_name"),
    "contact_email": ("contact_email", "contact_point_email", "contact_uri"),
    "issued": ("issued",),
    "modified": ("modified",),
    "frequency": ("frequency", "accrual_periodicity", "update_frequency"),
    "temporal_start": ("temporal_start",),
    "temporal_end": ("temporal_end",),
    "spatial_text": ("spatial_text", "spatial_coverage", "geographic_coverage", "spatial_uri"),
    "theme": ("theme",),
    "provenance": ("provenance",),
    "conforms_to": ("conforms_to",),
    "security_classification": ("security_classification",),
}
_SECURITY = {"OFFICIAL", "SECRET", "TOP_SECRET", "NOT_APPLICABLE"}
# Our linkage fields, carried as extras with JSON (objects, lists) or text values: extra key -> (path, kind).
_LINKAGE_EXTRAS = {
    "information_asset_owner": (("informationAssetOwner",), dict),
    "support_inbox": (("supportInbox",), str),
    "access_routes": (("access", "routes"), list),
    "legal_gateways": (("access", "legalGateways"), list),
    "application_url": (("access", "applicationUrl"), str),
}


class _Fields:
    """Look fields up at the top level then in extras, remembering which ones were used."""

    def __init__(self, pkg: dict):
        self.pkg = pkg
        extras = pkg.get("extras") or []
        self.extras = {e["key"]: e.get("value") for e in extras
                       if isinstance(e, dict) and isinstance(e.get("key"), str)}
        self.used: set[str] = set()

    def get(self, name: str):
        for key in _FIELDS[name]:
            for where in (self.pkg, self.extras):
                value = where.get(key)
                if value not in (None, "", []):
                    self.used.add(key)
                    return value
        return None

    def unmapped(self) -> list[str]:
        top = [k for k, v in self.pkg.items() if k not in _IGNORED and k not in self.used and v not in (None, "", [])]
        extra = [f"extras.{k}" for k, v in self.extras.items() if k not in self.used and v not in (None, "", [])]
        return sorted(top) + sorted(extra)


def _contact(pkg: dict, f: _Fields) -> dict | None:
    """One contact point: the maintainer, else a scheming/dcat contact, else the author."""
    for name, mail in ((pkg.get("maintainer"), pkg.get("maintainer_email")),
                       (f.get("contact_name"), f.get("contact_email")),
                       (pkg.get("author"), pkg.get("author_email"))):
        contact = m.clean({"contactName": m.text(name), "email": m.email(mail)})
        if contact:
            return contact
    return None


def _distribution(res: dict, n: int) -> dict:
    link = m.url(res.get("url"))
    access = m.url(res.get("access_url")) or link  # ckanext-dcat's access_url/download_url, when given
    download = m.url(res.get("download_url")) or (link if res.get("url_type") == "upload" else None)
    return m.clean({"title": m.text(res.get("name")) or f"Resource {n}", "description": m.text(res.get("description")),
                    "accessURL": access, "downloadURL": download, "licence": m.text(res.get("license")),
                    "mediaType": m.media_type(res.get("format"), res.get("mimetype")),
                    "byteSize": res["size"] if isinstance(res.get("size"), int) and res["size"] >= 0 else None,
                    "issued": m.date(res.get("created")),
                    "modified": m.date(res.get("last_modified") or res.get("metadata_modified"))})


def _themes(pkg: dict, f: _Fields, unmapped: list[str]) -> list[str]:
    labels = _list(f.get("theme"))
    labels += [g.get("title") or g.get("name") for g in pkg.get("groups") or [] if isinstance(g, dict)]
    found = []
    for label in labels:
        tail = str(label).rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
        t = m.theme(label) or m.theme(tail)
        if t:
            found.append(t)
        else:
            unmapped.append(f"theme {label!r} (not one of our themes)")
    return m.uniq(found)


def _is_geojson(value) -> bool:
    if isinstance(value, dict):
        return True
    try:
        return isinstance(value, str) and isinstance(json.loads(value), dict)
    except ValueError:
        return False


def _list(value) -> list:
    """A list from a list, a JSON array in a string (as extras carry lists), or comma/semicolon-separated text."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return [v for v in parsed if isinstance(v, (str, int, float)) and v not in ("",)]
    return m.as_list(value)


def _linkage_extra(value, kind):
    """One of our linkage extras, read back: JSON for objects and lists, text for text; None if unusable."""
    if kind is str:
        return m.text(value)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    return value if isinstance(value, kind) and value else None


def transform_package(pkg) -> Mapped:
    """Map one CKAN package (as package_show/package_search return it) to our record."""
    if not isinstance(pkg, dict) or not (isinstance(pkg.get("id"), str) or isinstance(pkg.get("name"), str)):
        raise RecordError("not a CKAN dataset (no id or name)")
    f = _Fields(pkg)
    notes: list[str] = []
    org = pkg.get("organization") if isinstance(pkg.get("organization"), dict) else {}
    publisher = m.publisher_slug(org.get("name"))
    extra_unmapped: list[str] = []
    access = m.access_rights(f.get("access_rights"))
    if access is None and pkg.get("isopen") is True and not pkg.get("private"):
        access = "OPEN"
        notes.append("accessRights set to OPEN because the dataset is public under an open licence")
    licence = m.text(pkg.get("license_url")) or m.text(pkg.get("license_title"))
    if not licence and pkg.get("license_id") not in (None, "", "notspecified"):
        licence = m.text(pkg.get("license_id"))
    security = m.text(f.get("security_classification"))
    places = _list(f.get("spatial_text"))
    spatial = pkg.get("spatial") or f.extras.get("spatial")
    if spatial:
        f.used.add("spatial")
        if _is_geojson(spatial):
            extra_unmapped.append("spatial (a GeoJSON geometry; we record nations and area names only)")
        else:
            places += m.as_list(spatial)
    nations, areas = m.nations_and_areas(m.uniq(places))
    resources = [r for r in pkg.get("resources") or [] if isinstance(r, dict) and r.get("state", "active") == "active"]
    tags = [t.get("name") if isinstance(t, dict) else t for t in pkg.get("tags") or []]
    record = m.clean({
        "identifier": m.identifier(pkg.get("name")) or m.identifier(pkg.get("id")),
        "title": m.text(pkg.get("title")),
        "description": m.text(pkg.get("notes")),
        "publisher": publisher,
        "creator": [publisher] if publisher else None,
        "contactPoint": _contact(pkg, f),
        "accessRights": access,
        "securityClassification": security.upper() if security and security.upper() in _SECURITY else None,
        "licence": licence,
        "issued": m.date(f.get("issued")) or m.date(pkg.get("metadata_created")),
        "modified": m.date(f.get("modified")) or m.date(pkg.get("metadata_modified")),
        "version": m.text(pkg.get("version")),
        "updateFrequency": m.frequency(f.get("frequency")),
        "keyword": m.uniq(t.strip()[:100] for t in tags if isinstance(t, str) and t.strip()),
        "theme": _themes(pkg, f, extra_unmapped),
        "landingPage": m.url(pkg.get("url")),
        "distribution": [_distribution(r, n) for n, r in enumerate(resources, 1) if m.url(r.get("url"))],
        "coverage": m.clean({"temporalStart": m.date(f.get("temporal_start")),
                             "temporalEnd": m.date(f.get("temporal_end")), "nations": nations, "areas": areas}),
        "provenance": m.clean({"collectionMethod": m.text(f.get("provenance")),
                               "standards": [str(s) for s in _list(f.get("conforms_to"))]}),
    })
    for key, (path, kind) in _LINKAGE_EXTRAS.items():
        value = _linkage_extra(f.extras.get(key), kind)
        if value is not None:
            f.used.add(key)
            if len(path) == 2:
                record.setdefault(path[0], {})[path[1]] = value
            else:
                record[path[0]] = value
    f.used.update(k for k in _DERIVED_EXTRAS if k in f.extras)
    unmapped = f.unmapped() + extra_unmapped
    if len([r for r in resources if not m.url(r.get("url"))]):
        unmapped.append("resources without an http(s) URL")
    if pkg.get("author") and record.get("contactPoint", {}).get("contactName") != pkg.get("author"):
        unmapped.append("author (we keep one contact point: the maintainer)")
    return Mapped(record, unmapped=unmapped, publisher_name=m.text(org.get("title")) or "", notes=notes)


# record -> CKAN package ---------------------------------------------------------------------------------------------

# Extras we write that are derived from other fields (read back from those, not from the extra).
_DERIVED_EXTRAS = ("linkage_keys", "readiness_score", "readiness_band")
_NAME_OK = re.compile(r"^[a-z0-9_-]{2,100}$")


def ckan_name(identifier: str) -> str:
    """A CKAN-valid package name (2-100 of a-z 0-9 - _) for one of our identifiers: itself when already valid."""
    if _NAME_OK.match(identifier):
        return identifier
    slug = re.sub(r"[^a-z0-9_-]+", "-", identifier.lower()).strip("-")[:91]
    digest = hashlib.sha1(identifier.encode()).hexdigest()[:8]  # keeps names of different identifiers apart
    return f"{slug}-{digest}" if slug else f"ds-{digest}"


def _ckan_time(value: datetime | None) -> str | None:
    """CKAN's metadata_created/modified form: ISO 8601 in UTC without an offset ('2024-05-01T10:11:12.345678')."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def _format(media: str) -> str:
    """A resource's CKAN format from its media type: 'text/csv' -> 'CSV'."""
    return media.rsplit("/", 1)[-1].upper() if media else ""


def _resource(dist: dict, n: int, package_id: str) -> dict:
    url = dist.get("downloadURL") or dist.get("accessURL") or ""
    media = dist.get("mediaType") or ""
    fmt = _format(media)
    return {k: v for k, v in {
        "id": f"{package_id}-resource-{n}", "package_id": package_id, "position": n - 1, "state": "active",
        "name": dist.get("title") or "", "description": dist.get("description") or "", "url": url,
        "access_url": dist.get("accessURL"), "download_url": dist.get("downloadURL"), "license": dist.get("licence"),
        "format": fmt, "mimetype": media or None, "size": dist.get("byteSize"),
        "created": dist.get("issued"), "last_modified": dist.get("modified")}.items() if v is not None}


def _extra(key: str, value) -> dict:
    return {"key": key, "value": value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}


def package_from_record(record: dict, *, publisher_name: str = "", created: datetime | None = None,
                        modified: datetime | None = None, readiness: dict | None = None) -> dict:
    """Our record as a CKAN package dict (as package_show returns it). `created`/`modified` are the store's times
    (CKAN's metadata_created/metadata_modified); `readiness` is the record's score ({"total", "band"})."""
    ident = record["identifier"]
    pub = record.get("publisher") or ""
    contact = record.get("contactPoint") or {}
    coverage = record.get("coverage") or {}
    provenance = record.get("provenance") or {}
    access = record.get("access") or {}
    extras: list[dict] = []

    def add(key, value):
        if value not in (None, "", [], {}):
            extras.append(_extra(key, value))

    add("access_rights", record.get("accessRights"))
    add("security_classification", record.get("securityClassification"))
    add("issued", record.get("issued"))
    add("modified", record.get("modified"))
    add("frequency", record.get("updateFrequency"))
    add("temporal_start", coverage.get("temporalStart"))
    add("temporal_end", coverage.get("temporalEnd"))
    add("spatial_text", (coverage.get("nations") or []) + (coverage.get("areas") or []))
    add("theme", record.get("theme"))
    add("provenance", provenance.get("collectionMethod"))
    add("conforms_to", provenance.get("standards"))
    add("information_asset_owner", record.get("informationAssetOwner"))
    add("support_inbox", record.get("supportInbox"))
    add("access_routes", access.get("routes"))
    add("legal_gateways", access.get("legalGateways"))
    add("application_url", access.get("applicationUrl"))
    add("linkage_keys", sorted({v["linkageRole"] for v in record.get("variables") or []
                                if isinstance(v, dict) and v.get("linkageRole")}))
    if readiness:
        add("readiness_score", str(readiness.get("total")))
        add("readiness_band", readiness.get("band"))
    licence = record.get("licence") or ""
    resources = [_resource(d, n, ident) for n, d in enumerate(record.get("distribution") or [], 1)
                 if isinstance(d, dict)]
    tags = [{"name": k, "display_name": k, "state": "active"} for k in record.get("keyword") or []]
    org = {"id": pub, "name": pub, "title": publisher_name or pub, "type": "organization", "state": "active",
           "is_organization": True, "approval_status": "approved", "description": "", "image_url": ""}
    return {
        "id": ident, "name": ckan_name(ident), "type": "dataset", "state": "active", "private": False,
        "title": record.get("title") or "", "notes": record.get("description") or record.get("summary") or "",
        "url": record.get("landingPage") or "", "version": record.get("version") or "",
        "maintainer": contact.get("contactName") or "", "maintainer_email": contact.get("email") or "",
        "author": "", "author_email": "",
        "license_id": "", "license_title": licence, "license_url": licence if m.is_url(licence) else "",
        "isopen": False, "owner_org": pub, "organization": org if pub else None,
        "metadata_created": _ckan_time(created), "metadata_modified": _ckan_time(modified),
        "tags": tags, "num_tags": len(tags), "groups": [], "resources": resources, "num_resources": len(resources),
        "extras": extras, "relationships_as_object": [], "relationships_as_subject": [],
    }


def package_row(record: dict, *, created: datetime | None = None, modified: datetime | None = None,
                seq: int = 0) -> Row:
    """The Row package_search reads (ckan_query.Row), straight from the record: equal to
    row_of(package_from_record(record, ...)) without building the whole package."""
    ident = record["identifier"]
    created_text, modified_text = _ckan_time(created), _ckan_time(modified)
    formats = {_format(d.get("mediaType") or "") for d in record.get("distribution") or [] if isinstance(d, dict)}
    return Row(id=ident, name=ckan_name(ident), title_key=(record.get("title") or "").lower(),
               org=record.get("publisher") or "", tags=tuple(record.get("keyword") or ()),
               formats=tuple(sorted(formats - {""})), license_id="", created=created_text or "",
               modified=modified_text or "", created_at=_naive(created), modified_at=_naive(modified), seq=seq)


def _naive(value: datetime | None) -> datetime | None:
    """As UTC without an offset, as package_time reads CKAN's times back."""
    if value is not None and value.tzinfo is not None:
        value = value.astimezone(timezone.utc).replace(tzinfo=None)
    return value
