"""CKAN package dict -> our record (pure): core CKAN, extras, and common ckanext-scheming / ckanext-dcat fields.

Used by the CKAN harvester (harvesters.ckan); TRANSFORM_VERSION is bumped when the mapping changes, so harvests map
unchanged payloads again."""
from __future__ import annotations

import json

from catalogue.formats import normalise as m
from catalogue.formats.result import Mapped, RecordError

TRANSFORM_VERSION = "ckan-1"

# Top-level CKAN keys that carry no metadata of ours (bookkeeping), so are not reported as unmapped.
_IGNORED = {"id", "name", "type", "state", "private", "owner_org", "creator_user_id", "revision_id", "num_tags",
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
    return m.clean({"title": m.text(res.get("name")) or f"Resource {n}", "description": m.text(res.get("description")),
                    "accessURL": link, "downloadURL": link if res.get("url_type") == "upload" else None,
                    "mediaType": m.media_type(res.get("format"), res.get("mimetype")),
                    "byteSize": res["size"] if isinstance(res.get("size"), int) and res["size"] >= 0 else None,
                    "issued": m.date(res.get("created")),
                    "modified": m.date(res.get("last_modified") or res.get("metadata_modified"))})


def _themes(pkg: dict, f: _Fields, unmapped: list[str]) -> list[str]:
    labels = m.as_list(f.get("theme"))
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
    places = m.as_list(f.get("spatial_text"))
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
                               "standards": [str(s) for s in m.as_list(f.get("conforms_to"))]}),
    })
    unmapped = f.unmapped() + extra_unmapped
    if len([r for r in resources if not m.url(r.get("url"))]):
        unmapped.append("resources without an http(s) URL")
    if pkg.get("author") and record.get("contactPoint", {}).get("contactName") != pkg.get("author"):
        unmapped.append("author (we keep one contact point: the maintainer)")
    return Mapped(record, unmapped=unmapped, publisher_name=m.text(org.get("title")) or "", notes=notes)
