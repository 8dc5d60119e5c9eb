"""Pure source -> record helpers shared by every mapping (upload and harvest): slugs, dates, nations, frequencies,
media types, themes."""
from __future__ import annotations

import re
import unicodedata

from catalogue.formats.codes import ACCESS_RIGHT, ACCESS_RIGHTS, EU_FREQ, EU_FREQ_CODES, FREQ
from catalogue.records.schema import dataset_schema

_FIELDS = dataset_schema()["properties"]
# The schema's patterns, compiled once for every mapping (and for account emails).
ID_PATTERN = re.compile(_FIELDS["identifier"]["pattern"])
SLUG_PATTERN = re.compile(_FIELDS["publisher"]["pattern"])
EMAIL = re.compile(_FIELDS["contactPoint"]["properties"]["email"]["pattern"])
MEDIA_TYPE = re.compile(_FIELDS["distribution"]["items"]["properties"]["mediaType"]["pattern"])
DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
NATIONS = ("England", "Wales", "Scotland", "Northern Ireland")
_GROUPS = {"united kingdom": NATIONS, "uk": NATIONS, "gb": NATIONS[:3], "great britain": NATIONS[:3],
           "england and wales": NATIONS[:2]}

_FREQ_WORDS = {
    "daily": "daily", "day": "daily", "weekly": "weekly", "week": "weekly", "monthly": "monthly", "month": "monthly",
    "quarterly": "quarterly", "yearly": "annual", "annual": "annual", "annually": "annual", "year": "annual",
    "biennial": "biennial", "triennial": "triennial", "biweekly": "biweekly", "fortnightly": "biweekly",
    "bimonthly": "bimonthly", "biannual": "semiannual", "semiannual": "semiannual", "six-monthly": "semiannual",
    "twice a year": "semiannual", "semiweekly": "semiweekly", "twice a week": "semiweekly",
    "continuous": "continuous", "continuously": "continuous", "real-time": "continuous", "realtime": "continuous",
    "irregular": "irregular", "irregularly": "irregular", "ad hoc": "irregular", "adhoc": "irregular",
    "never": "never", "static": "never", "not updated": "never", "one-off": "never",
}

MEDIA_TYPES = {
    "csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/json",
    "geojson": "application/geo+json", "xml": "application/xml", "rdf": "application/rdf+xml",
    "ttl": "text/turtle", "turtle": "text/turtle", "jsonld": "application/ld+json", "json-ld": "application/ld+json",
    "pdf": "application/pdf", "zip": "application/zip", "html": "text/html", "txt": "text/plain",
    "xls": "application/vnd.ms-excel", "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "parquet": "application/vnd.apache.parquet", "sql": "application/sql", "shp": "application/x-shapefile",
    "kml": "application/vnd.google-earth.kml+xml", "api": None, "wms": None, "wfs": None,
}


def slugify(text: str, keep: str = "-") -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower().replace("&", " and ")
    return re.sub(rf"[^a-z0-9{re.escape(keep)}]+", "-", text).strip("-._")


def is_url(text: str) -> bool:
    """An http(s) address (any case)."""
    return text.lower().startswith(("http://", "https://"))


def publisher_slug(text: str | None) -> str | None:
    """An organisation slug (publisher, creator, owner) or None if nothing usable is left."""
    if not text:
        return None
    slug = slugify(text)[:100].rstrip("-")
    return slug if SLUG_PATTERN.match(slug) else None


def identifier(text: str | None) -> str | None:
    """A dataset identifier as our schema wants it, or None."""
    if not text:
        return None
    text = str(text).strip()
    if ID_PATTERN.match(text):
        return text
    return identifier_slug(text)


def identifier_slug(text: str) -> str | None:
    """text slugified into a dataset identifier, or None if nothing usable is left."""
    slug = slugify(text, keep="._-")[:128].rstrip("-._")
    return slug if ID_PATTERN.match(slug) else None


def fallback_identifier(source_name: str, remote_id: str) -> str:
    """The identifier for a record that brings none: the source's slug and the remote id."""
    import hashlib
    base = slugify(source_name) or "harvest"
    rest = slugify(remote_id, keep="._-") or hashlib.sha1(remote_id.encode()).hexdigest()[:12]
    ident = f"{base}-{rest}"
    if len(ident) > 128:  # keep it unique: shorten the readable part, keep a hash of the whole
        ident = f"{ident[:110].rstrip('-._')}-{hashlib.sha1(remote_id.encode()).hexdigest()[:12]}"
    return ident


def date(value) -> str | None:
    """YYYY-MM-DD from a date or date-time string."""
    if not isinstance(value, str):
        return None
    found = DATE.match(value.strip())
    return found.group(1) if found else None


def text(value) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def short_text(value, limit: int = 1000) -> str | None:
    """Text cut at a sentence end (or with an ellipsis) to fit `limit` characters."""
    value = text(value)
    if not value or len(value) <= limit:
        return value
    cut = value[:limit]
    return cut[:cut.rfind(". ") + 1] if ". " in cut else cut[:limit - 3].rstrip() + "..."


def email(value) -> str | None:
    value = text(value)
    if value and value.lower().startswith("mailto:"):
        value = value[7:]
    return value if value and EMAIL.match(value) else None


def url(value) -> str | None:
    value = text(value)
    return value if value and is_url(value) else None


def as_list(value) -> list:
    """A list from a list, a comma/semicolon-separated string, or a single value."""
    if value is None:
        return []
    if isinstance(value, list):
        return [v for v in value if v not in (None, "")]
    if isinstance(value, str):
        return [p.strip() for p in re.split(r"[;,]", value) if p.strip()]
    return [value]


def nations_and_areas(values) -> tuple[list[str], list[str]]:
    """Split place names into UK nations and other areas."""
    nations: list[str] = []
    areas: list[str] = []
    for v in values:
        label = str(v).strip()
        key = label.lower()
        if is_url(key):
            tail = label.rstrip("/").rsplit("/", 1)[-1].replace("-", " ").replace("_", " ").lower()
            key = tail if tail in _GROUPS or tail.title() in NATIONS else key
        match = [n for n in NATIONS if key == n.lower()] or list(_GROUPS.get(key, ()))
        if match:
            nations += [n for n in match if n not in nations]
        elif label and label not in areas:
            areas.append(label)
    return nations, areas


def frequency(value) -> str | None:
    """Our updateFrequency (freq:...) from a Dublin Core / EU frequency IRI or a plain word."""
    value = text(value)
    if not value:
        return None
    if value.startswith((str(FREQ), str(EU_FREQ), "freq:")):
        return frequency_code(value)
    word = _FREQ_WORDS.get(value.lower().replace("_", " "))
    return frequency_code(f"freq:{word}") if word else None


def frequency_code(value: str) -> str | None:
    """Our updateFrequency from a Dublin Core or EU frequency IRI or one of our freq: codes, exactly as given."""
    enum = _FIELDS["updateFrequency"]["enum"]
    if value.startswith(str(FREQ)):
        value = "freq:" + value[len(str(FREQ)):]
    elif value.startswith(str(EU_FREQ)):
        value = "freq:" + EU_FREQ_CODES.get(value[len(str(EU_FREQ)):], "")
    return value if value in enum else None


def access_rights(value) -> str | None:
    """CDDO access rights (OPEN, INTERNAL, COMMERCIAL) from a CDDO value or an EU access-right IRI / code."""
    value = text(value)
    if not value:
        return None
    if value.upper() in ACCESS_RIGHTS:
        return value.upper()
    code = value.rstrip("/").rsplit("/", 1)[-1].upper()
    for cddo, eu in ACCESS_RIGHTS.items():
        if code == eu or value == str(ACCESS_RIGHT[eu]):
            return cddo
    return None


def access_rights_iri(iri: str) -> str | None:
    """CDDO access rights from an EU access-right IRI, exactly as given."""
    for cddo, eu in ACCESS_RIGHTS.items():
        if iri == str(ACCESS_RIGHT[eu]):
            return cddo
    return None


def media_type(fmt: str | None, mimetype: str | None = None) -> str | None:
    if mimetype and MEDIA_TYPE.match(mimetype.strip()):
        return mimetype.strip()
    fmt = (fmt or "").strip()
    if MEDIA_TYPE.match(fmt):
        return fmt
    return MEDIA_TYPES.get(fmt.lower().lstrip("."))


def theme(label) -> str | None:
    """One of our theme labels, matched case-insensitively."""
    label = text(label)
    if not label:
        return None
    for t in _FIELDS["theme"]["items"]["enum"]:
        if t.lower() == label.lower():
            return t
    return None


def clean(d: dict) -> dict:
    """Drop None values and empty containers (our schema has no use for them)."""
    return {k: v for k, v in d.items() if v is not None and v != [] and v != {}}


def uniq(values) -> list:
    out = []
    for v in values:
        if v not in out:
            out.append(v)
    return out
