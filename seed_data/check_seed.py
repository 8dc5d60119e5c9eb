#!/usr/bin/env python3
"""Check the seed data: publishers.json and datasets/<publisher-id>.json.

Every record must be valid against schemas/dataset.schema.json (Draft 2020-12 with
format checking). On top of the schema the script checks what the schema cannot:

* identifiers are unique across all files;
* every record's publisher is in publishers.json and matches its file name;
* creator and owner.organisation slugs are known publishers;
* every linkage.linkedDatasets[].identifier names a record in the seed;
* every record has at least 10 variables, with no repeated variable name;
* all dates fall within 2000-01-01 .. 2026-11-01 and 'modified' is not before 'issued';
* every email address uses the example.org domain (the people are fictional);
* the first record of department-for-education.json is example-record.json, unchanged;
* the totals: at least 64 records, 16 publishers with records, and all four UK nations
  in coverage.nations.

It prints a summary and exits 1 if anything is wrong.

    .venv/bin/python seed_data/check_seed.py
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from datetime import date
from pathlib import Path

from jsonschema import Draft202012Validator

SEED_DIR = Path(__file__).resolve().parent
SCHEMA_PATH = SEED_DIR.parent / "schemas" / "dataset.schema.json"

MIN_RECORDS = 64
MIN_PUBLISHERS = 16
MIN_VARIABLES = 10
NATIONS = ("England", "Wales", "Scotland", "Northern Ireland")
PUBLISHER_NATIONS = ("UK",) + NATIONS
EARLIEST, LATEST = date(2000, 1, 1), date(2026, 11, 1)
EMAIL_DOMAIN = "@example.org"
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{1,99}$")
EXAMPLE_PUBLISHER = "department-for-education"
BODY_TYPES = {"health", "adult-social-care"}


def load_json(path: Path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def walk(value, schema: dict, path: str):
    """Yield (path, value, subschema) for every value in a record, guided by the schema."""
    yield path, value, schema
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key, sub in value.items():
            if key in props:
                yield from walk(sub, props[key], f"{path}.{key}" if path else key)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, sub in enumerate(value):
            yield from walk(sub, schema["items"], f"{path}[{i}]")


def check_publishers(publishers, problems: list[str]) -> dict[str, dict]:
    by_id: dict[str, dict] = {}
    if not isinstance(publishers, list):
        problems.append("publishers.json: must be a JSON list")
        return by_id
    for i, pub in enumerate(publishers):
        where = f"publishers.json[{i}]"
        if not isinstance(pub, dict):
            problems.append(f"{where}: not an object")
            continue
        keys = {"id", "name", "abbreviation", "nation", "homepage"}
        optional = {"bodyTypes", "bodyTypesSource"}  # health / adult social care bodies (gateway exclusions)
        if not keys <= set(pub) <= keys | optional:
            problems.append(f"{where}: keys must be {sorted(keys)} (and optionally {sorted(optional)}), got {sorted(pub)}")
        if "bodyTypes" in pub:
            types = pub["bodyTypes"]
            if not isinstance(types, list) or not types or not set(types) <= BODY_TYPES:
                problems.append(f"{where}: bodyTypes must be a non-empty list from {sorted(BODY_TYPES)}")
            if not str(pub.get("bodyTypesSource", "")).startswith(("https://", "http://")):
                problems.append(f"{where}: bodyTypes needs a bodyTypesSource URL")
        pid = pub.get("id", "")
        if not isinstance(pid, str) or not SLUG.match(pid):
            problems.append(f"{where}: id {pid!r} is not a lower-case slug")
        if pid in by_id:
            problems.append(f"{where}: duplicate publisher id {pid!r}")
        for key in ("name", "abbreviation"):
            if not isinstance(pub.get(key), str) or not pub.get(key):
                problems.append(f"{where}: {key} missing or empty")
        if pub.get("nation") not in PUBLISHER_NATIONS:
            problems.append(f"{where}: nation {pub.get('nation')!r} not one of {PUBLISHER_NATIONS}")
        if not str(pub.get("homepage", "")).startswith("https://"):
            problems.append(f"{where}: homepage must be an https:// URL")
        by_id[pid] = pub
    return by_id


def check_record(rec, where: str, validator: Draft202012Validator, schema: dict,
                 problems: list[str]) -> None:
    for err in sorted(validator.iter_errors(rec), key=lambda e: list(e.absolute_path)):
        loc = "/".join(str(p) for p in err.absolute_path) or "(record)"
        problems.append(f"{where}: schema: {loc}: {err.message}")
    if not isinstance(rec, dict):
        return
    variables = rec.get("variables") or []
    if len(variables) < MIN_VARIABLES:
        problems.append(f"{where}: {len(variables)} variables, need at least {MIN_VARIABLES}")
    names = Counter(v.get("name") for v in variables if isinstance(v, dict))
    for name, n in names.items():
        if n > 1:
            problems.append(f"{where}: variable {name!r} appears {n} times")
    dates: dict[str, date] = {}
    for path, value, sub in walk(rec, schema, ""):
        if sub.get("format") == "date" and isinstance(value, str):
            try:
                d = date.fromisoformat(value)
            except ValueError:
                continue  # already reported by the schema check
            dates[path] = d
            if not EARLIEST <= d <= LATEST:
                problems.append(f"{where}: {path} {value} outside {EARLIEST} .. {LATEST}")
        if sub.get("format") == "email" and isinstance(value, str):
            if not value.lower().endswith(EMAIL_DOMAIN):
                problems.append(f"{where}: {path} {value!r} must use the example.org domain")
    if "issued" in dates and "modified" in dates and dates["modified"] < dates["issued"]:
        problems.append(f"{where}: modified {rec['modified']} is before issued {rec['issued']}")
    cov = rec.get("coverage") or {}
    if "coverage.temporalStart" in dates and "coverage.temporalEnd" in dates \
            and dates["coverage.temporalEnd"] < dates["coverage.temporalStart"]:
        problems.append(f"{where}: coverage.temporalEnd {cov.get('temporalEnd')} is before temporalStart")


def profile(rec: dict) -> str:
    """Rough completeness band of a record, for the printed spread (not a score)."""
    variables = [v for v in rec.get("variables") or [] if isinstance(v, dict)]
    keys = [v for v in variables if v.get("linkageRole")]
    documented = all(v.get("description") and v.get("dataType") for v in variables)
    keys_collected = bool(keys) and all(v.get("collectionMethod") for v in keys)
    access = rec.get("access") or {}
    linkage = rec.get("linkage") or {}
    iao = rec.get("informationAssetOwner") or {}
    cov = rec.get("coverage") or {}
    full = all([
        iao.get("name") or iao.get("role"), rec.get("supportInbox"), documented, keys_collected,
        access.get("routes"), access.get("legalGateways"), access.get("leadTime"), access.get("applicationUrl"),
        linkage.get("linkedDatasets"), linkage.get("qualityNotes"), linkage.get("methodDocumentation"),
        cov.get("temporalStart"), cov.get("nations"), cov.get("population"), cov.get("recordCount") is not None,
        (rec.get("provenance") or {}).get("standards"),
    ])
    if full:
        return "exemplary"
    if not iao and not rec.get("supportInbox") and not access and not keys:
        return "poor"
    return "middling"


def main() -> int:
    problems: list[str] = []
    schema = load_json(SCHEMA_PATH)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)

    publishers = check_publishers(load_json(SEED_DIR / "publishers.json"), problems)

    records: list[tuple[str, dict]] = []
    files = sorted((SEED_DIR / "datasets").glob("*.json"))
    if not files:
        problems.append("datasets/: no JSON files")
    for path in files:
        data = load_json(path)
        if not isinstance(data, list):
            problems.append(f"{path.name}: must be a JSON list of records")
            continue
        if not data:
            problems.append(f"{path.name}: empty list")
        if path.stem not in publishers:
            problems.append(f"{path.name}: file name is not a publisher id in publishers.json")
        for i, rec in enumerate(data):
            ident = rec.get("identifier", "?") if isinstance(rec, dict) else "?"
            where = f"{path.name}[{i}] {ident}"
            check_record(rec, where, validator, schema, problems)
            if isinstance(rec, dict):
                if rec.get("publisher") != path.stem:
                    problems.append(f"{where}: publisher {rec.get('publisher')!r} does not match file {path.name}")
                records.append((where, rec))

    # Cross-record checks.
    ids = Counter(rec.get("identifier") for _, rec in records)
    for ident, n in ids.items():
        if n > 1:
            problems.append(f"identifier {ident!r} used by {n} records")
    for where, rec in records:
        if rec.get("publisher") not in publishers:
            problems.append(f"{where}: publisher {rec.get('publisher')!r} not in publishers.json")
        for slug in rec.get("creator") or []:
            if slug not in publishers:
                problems.append(f"{where}: creator {slug!r} not in publishers.json")
        owner = (rec.get("owner") or {}).get("organisation")
        if owner is not None and owner not in publishers:
            problems.append(f"{where}: owner.organisation {owner!r} not in publishers.json")
        for link in (rec.get("linkage") or {}).get("linkedDatasets") or []:
            target = link.get("identifier")
            if target is not None and target not in ids:
                problems.append(f"{where}: linked dataset {target!r} is not a seed record")
            if target == rec.get("identifier"):
                problems.append(f"{where}: links to itself")

    example = load_json(SEED_DIR / "example-record.json")
    dfe_path = SEED_DIR / "datasets" / f"{EXAMPLE_PUBLISHER}.json"
    dfe = load_json(dfe_path) if dfe_path.exists() else []
    if not dfe or dfe[0] != example:
        problems.append(f"{dfe_path.name}: first record must be example-record.json unchanged")

    # Totals.
    by_publisher = Counter(rec.get("publisher") for _, rec in records)
    nations = Counter(n for _, rec in records for n in (rec.get("coverage") or {}).get("nations") or [])
    bands = Counter(profile(rec) for _, rec in records)
    without_records = sorted(set(publishers) - set(by_publisher))
    if len(records) < MIN_RECORDS:
        problems.append(f"only {len(records)} records, need at least {MIN_RECORDS}")
    if len(by_publisher) < MIN_PUBLISHERS:
        problems.append(f"only {len(by_publisher)} publishers with records, need at least {MIN_PUBLISHERS}")
    for nation in NATIONS:
        if not nations.get(nation):
            problems.append(f"no record covers {nation}")
    if without_records:
        problems.append(f"publishers with no records: {', '.join(without_records)}")

    print(f"Records: {len(records)} in {len(files)} files")
    print(f"Publishers: {len(publishers)} listed, {len(by_publisher)} with records")
    for pub, n in sorted(by_publisher.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {n:3d}  {pub}")
    print("Nations covered (records): " + ", ".join(f"{n} {nations.get(n, 0)}" for n in NATIONS))
    print("Completeness spread: " + ", ".join(f"{b} {bands.get(b, 0)}" for b in ("exemplary", "middling", "poor")))
    roles = Counter(v.get("linkageRole") for _, rec in records for v in rec.get("variables") or [] if v.get("linkageRole"))
    print("Linkage roles used: " + ", ".join(f"{r} {n}" for r, n in sorted(roles.items())))
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print(f"  - {p}")
        return 1
    print("\nOK: all checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
