"""CKAN package_search over our packages (pure): parse q/fq/sort/rows/start/facet.field/fl as CKAN takes them,
then filter, sort, facet and page Rows (the few fields of a CKAN package a search reads; row_of).

Text matching (`q`) is the search engine's job: the caller passes the ids it matched, with their order as score."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import chain

from catalogue.errors import CatalogueError

ROWS_MAX = 1000  # CKAN's ckan.search.rows_max
ROWS_DEFAULT = 10
SORT_FIELDS = ("score", "metadata_modified", "metadata_created", "title_string", "name", "id")
FACET_FIELDS = ("organization", "tags", "res_format", "license_id", "groups")
FQ_FIELDS = ("organization", "owner_org", "tags", "res_format", "license_id", "groups", "name", "id",
             "metadata_modified", "metadata_created", "capacity", "dataset_type", "type", "state")
DEFAULT_SORT = "score desc, metadata_modified desc"
MATCH_ALL = ("", "*:*", "*")


class CkanQueryError(CatalogueError):
    """A package_search parameter CKAN would refuse. `kind` is CKAN's error __type; `fields` its per-field messages."""

    code = "ckan-invalid-query"

    def __init__(self, message: str, *, kind: str = "Validation Error", fields: dict | None = None):
        super().__init__(message)
        self.kind = kind
        self.fields = fields or {}


@dataclass
class Clause:
    field: str
    value: str | None = None  # an exact value ('*' = has any value), or None for a range
    low: datetime | None = None
    high: datetime | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True
    negate: bool = False


@dataclass
class SearchParams:
    q: str = ""
    fq: list[Clause] = field(default_factory=list)
    rows: int = ROWS_DEFAULT
    start: int = 0
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    sort_text: str = DEFAULT_SORT
    facet_fields: list[str] = field(default_factory=list)
    facet_limit: int = 50
    fl: list[str] = field(default_factory=list)


def integer(params: dict, name: str, default: int, low: int = 0, high: int | None = None) -> int:
    """A CKAN integer parameter: a non-negative whole number (clamped to `high`); CKAN's 409 otherwise."""
    value = params.get(name)
    if value in (None, ""):
        return default
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str)
                                                                  and re.fullmatch(r"\s*[+-]?\d{1,40}\s*", value))):
        raise CkanQueryError(f"{name}: Invalid integer", fields={name: ["Invalid integer"]})
    number = int(value)
    if number < low:
        raise CkanQueryError(f"{name}: Must be a natural number", fields={name: [f"Must be at least {low}"]})
    return min(number, high) if high is not None else number


def boolean(value, default: bool = False) -> bool:
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def _text(params: dict, name: str) -> str:
    value = params.get(name)
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise CkanQueryError(f"{name}: must be text", fields={name: ["Must be text"]})
    return str(value)


def _string_list(params: dict, name: str) -> list[str]:
    """A list parameter: a JSON list (as ckanapi sends it), a list, or one value (repeated in a query string)."""
    value = params.get(name)
    if value in (None, "", []):
        return []
    if isinstance(value, str) and value.lstrip().startswith("["):
        try:
            value = json.loads(value)
        except ValueError:
            raise CkanQueryError(f"{name}: not a JSON list", fields={name: ["Not a JSON list"]}) from None
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str) for v in values):
        raise CkanQueryError(f"{name}: must be a list of names", fields={name: ["Must be a list of names"]})
    return values


def parse_search(params: dict) -> SearchParams:
    """package_search's parameters (query string or JSON body) as SearchParams; CkanQueryError if CKAN would refuse."""
    p = SearchParams(q=_text(params, "q").strip())
    p.rows = integer(params, "rows", ROWS_DEFAULT, high=ROWS_MAX)
    p.start = integer(params, "start", 0)
    p.fq = parse_fq(_text(params, "fq"))
    p.sort_text = _text(params, "sort").strip() or DEFAULT_SORT
    p.sort = parse_sort(p.sort_text)
    p.facet_fields = _string_list(params, "facet.field")
    bad = [f for f in p.facet_fields if f not in FACET_FIELDS]
    if bad:
        raise CkanQueryError(f"facet.field: cannot facet on {', '.join(bad)[:200]} (we facet on "
                             f"{', '.join(FACET_FIELDS)})", fields={"facet.field": ["Unknown field"]})
    p.facet_limit = integer(params, "facet.limit", 50, low=-1)
    p.fl = [f for f in re.split(r"[\s,]+", _text(params, "fl")) if f]
    return p


def parse_sort(text: str) -> list[tuple[str, bool]]:
    keys = []
    for part in text.split(","):
        words = part.split()
        if len(words) != 2 or words[0] not in SORT_FIELDS or words[1].lower() not in ("asc", "desc"):
            raise CkanQueryError(f"sort: cannot sort by {part.strip()[:100]!r} (we sort by "
                                 f"{', '.join(SORT_FIELDS)}, each asc or desc)", kind="Search Query Error",
                                 fields={"sort": ["Invalid sort"]})
        keys.append((words[0], words[1].lower() == "desc"))
    return keys


_TOKEN = re.compile(r'''\s*(?:(?P<op>AND\b|&&)|(?P<open>[+-]?\()|(?P<close>\))|(?P<all>[+]?\*:\*)|
    (?P<sign>[+-]?)(?P<field>[A-Za-z_]+):(?P<value>"(?:[^"\\]|\\.)*"|[\[{][^\]}]*[\]}]|[^\s()"]+))''', re.X)
_RANGE = re.compile(r"^([\[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])$")


def parse_fq(text: str) -> list[Clause]:
    """fq as CKAN's harvesters and clients send it: `field:value` clauses (optionally +/-, quoted, or a
    `[X TO Y]` date range), ANDed, in optional parentheses. Anything else is CKAN's 409 Search Query Error."""
    clauses, pos, depth, negated = [], 0, 0, []
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise CkanQueryError(f"fq: cannot read {text[pos:pos + 60]!r}", kind="Search Query Error",
                                 fields={"fq": ["Invalid search query"]})
        pos = m.end()
        if m["open"]:
            depth += 1
            negated.append((m["open"].startswith("-"), len(clauses)))
            continue
        if m["close"]:
            depth -= 1
            if depth < 0:
                raise CkanQueryError("fq: unbalanced parentheses", kind="Search Query Error")
            neg, first = negated.pop()
            if neg and len(clauses) - first > 1:  # NOT (a AND b) is an OR, which we do not take
                raise CkanQueryError("fq: -( ) around more than one clause is not supported",
                                     kind="Search Query Error", fields={"fq": ["Unsupported query"]})
            continue
        if m["op"] or m["all"]:
            continue
        clauses.append(_clause(m["field"], m["value"], (m["sign"] == "-") != (sum(n for n, _ in negated) % 2 == 1)))
    if depth:
        raise CkanQueryError("fq: unbalanced parentheses", kind="Search Query Error")
    return clauses


def _clause(name: str, value: str, negate: bool) -> Clause:
    if name not in FQ_FIELDS:
        raise CkanQueryError(f"fq: cannot filter on {name[:60]!r} (we filter on {', '.join(FQ_FIELDS)})",
                             kind="Search Query Error", fields={"fq": ["Unknown field"]})
    rng = _RANGE.match(value)
    if rng:
        if name not in ("metadata_modified", "metadata_created"):
            raise CkanQueryError(f"fq: {name} takes no range", kind="Search Query Error")
        return Clause(name, low=_solr_date(rng[2]), high=_solr_date(rng[3]), low_inclusive=rng[1] == "[",
                      high_inclusive=rng[4] == "]", negate=negate)
    if value.startswith('"'):
        value = re.sub(r"\\(.)", r"\1", value[1:-1])
    if name in ("metadata_modified", "metadata_created") and value != "*":
        when = _solr_date(value)
        return Clause(name, low=when, high=when, negate=negate)
    return Clause(name, value=value, negate=negate)


def _solr_date(text: str) -> datetime | None:
    """A Solr date ('2024-05-01T10:11:12.345Z', a date, or '*' for open) as naive UTC."""
    if text == "*":
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise CkanQueryError(f"fq: {text[:60]!r} is not a date (use 2024-05-01T10:11:12Z or *)",
                             kind="Search Query Error", fields={"fq": ["Invalid date"]}) from None
    return when.astimezone(timezone.utc).replace(tzinfo=None) if when.tzinfo else when


def package_time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Row:
    """What package_search filters, sorts and facets on, for one package: small, so N = 100,000 fit in memory.
    The full package dict is built only for the page of results asked for."""

    id: str
    name: str
    title_key: str  # the title, lower case (title_string)
    org: str  # the organization's name ('' when none)
    tags: tuple[str, ...]
    formats: tuple[str, ...]  # resource formats, sorted, without repeats
    license_id: str
    created: str  # CKAN's metadata_created text ('' when unknown), and the same as a datetime
    modified: str
    created_at: datetime | None
    modified_at: datetime | None
    seq: int = 0  # the store's revision counter at the record's last change (the package cache's key)


def row_of(pkg: dict, seq: int = 0) -> Row:
    """The Row of a CKAN package dict (as catalogue.formats.ckan.package_from_record builds it)."""
    org = pkg.get("organization") or {}
    return Row(id=pkg["id"], name=pkg.get("name") or "", title_key=(pkg.get("title") or "").lower(),
               org=org.get("name") or "", tags=tuple(t["name"] for t in pkg.get("tags") or []),
               formats=tuple(sorted({r["format"] for r in pkg.get("resources") or [] if r.get("format")})),
               license_id=pkg.get("license_id") or "", created=pkg.get("metadata_created") or "",
               modified=pkg.get("metadata_modified") or "", created_at=package_time(pkg.get("metadata_created")),
               modified_at=package_time(pkg.get("metadata_modified")), seq=seq)


def _values(row: Row, name: str) -> tuple[str, ...]:
    """A package's values for a filter or facet field."""
    if name in ("organization", "owner_org"):
        return (row.org,) if row.org else ()
    if name == "tags":
        return row.tags
    if name == "res_format":
        return row.formats
    if name == "groups":
        return ()  # we have no CKAN groups
    if name == "capacity":
        return ("public",)
    if name in ("dataset_type", "type"):
        return ("dataset",)
    if name == "state":
        return ("active",)
    value = {"id": row.id, "name": row.name, "license_id": row.license_id}.get(name)
    return (value,) if value else ()


def _matcher(c: Clause):
    """A test of one fq clause on a Row."""
    if c.value is None:  # a date range (or one date)
        attr = "modified_at" if c.field == "metadata_modified" else "created_at"

        def ok(row: Row) -> bool:
            when = getattr(row, attr)
            return when is not None \
                and (c.low is None or when > c.low or (c.low_inclusive and when == c.low)) \
                and (c.high is None or when < c.high or (c.high_inclusive and when == c.high))
    elif c.value == "*":
        def ok(row: Row) -> bool:
            return bool(_values(row, c.field))
    elif c.field in ("organization", "owner_org"):
        def ok(row: Row) -> bool:
            return row.org == c.value
    elif c.field == "tags":
        def ok(row: Row) -> bool:
            return c.value in row.tags
    elif c.field == "res_format":
        wanted = c.value.lower()

        def ok(row: Row) -> bool:
            return wanted in (v.lower() for v in row.formats)
    else:
        def ok(row: Row) -> bool:
            return c.value in _values(row, c.field)
    return (lambda row: not ok(row)) if c.negate else ok


def _counts(rows: list[Row], name: str) -> Counter:
    """How many of the rows have each value of a facet field."""
    if name in ("organization", "owner_org"):
        return Counter(row.org for row in rows if row.org)
    if name == "tags":
        return Counter(chain.from_iterable(dict.fromkeys(row.tags) for row in rows))
    if name == "res_format":
        return Counter(chain.from_iterable(row.formats for row in rows))
    return Counter(chain.from_iterable(_values(row, name) for row in rows))


_SORT_KEYS = {"metadata_modified": lambda row: row.modified, "metadata_created": lambda row: row.created,
              "title_string": lambda row: row.title_key, "name": lambda row: row.name, "id": lambda row: row.id}


def search(rows: list[Row], p: SearchParams, scores: dict[str, float] | None = None,
           org_titles: dict[str, str] | None = None) -> dict:
    """package_search over Rows: {count, ids (the page asked for), sort, facets, search_facets}. `scores` (id ->
    relevance) are the ids the text query matched; None means no text query (everything matches, scored equally).
    The caller turns `ids` into packages (and applies `fl` with `select_fields`)."""
    tests = [_matcher(c) for c in p.fq]
    if scores is not None or p.q not in MATCH_ALL:
        scores = scores or {}
        rows = [row for row in rows if row.id in scores]
    found = [row for row in rows if all(t(row) for t in tests)] if tests else list(rows)
    for name, desc in reversed(p.sort):  # stable sorts, last key first
        if name == "score":
            if scores:
                found.sort(key=lambda row: scores.get(row.id, 0.0), reverse=desc)
        else:
            found.sort(key=_SORT_KEYS[name], reverse=desc)
    page = found[p.start:p.start + p.rows] if p.start < len(found) else []
    facets, search_facets = {}, {}
    for name in p.facet_fields:
        top = sorted(_counts(found, name).items(), key=lambda kv: (-kv[1], kv[0]))
        top = top if p.facet_limit < 0 else top[:p.facet_limit]
        facets[name] = dict(top)
        titles = org_titles if name == "organization" and org_titles else {}
        search_facets[name] = {"title": name, "items": [{"name": v, "display_name": titles.get(v, v), "count": n}
                                                        for v, n in top]}
    return {"count": len(found), "ids": [row.id for row in page], "sort": p.sort_text, "facets": facets,
            "search_facets": search_facets}


def select_fields(packages: list[dict], fl: list[str]) -> list[dict]:
    """The `fl` parameter: only the named keys of each package ('*' or none: the whole package)."""
    if fl and "*" not in fl:
        return [{k: pkg.get(k) for k in fl} for pkg in packages]
    return packages
