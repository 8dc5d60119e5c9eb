"""Completeness audit of one record: completeness by obligation, errors, readiness, HDR UK and MQA scores, gaps.

All weights, mappings and points come from schemas/ through AuditConfig. No Flask here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from catalogue.audit.config import AuditConfig
from catalogue.records.references import resolve_access
from catalogue.records.schema import OBLIGATIONS, enum_values
from catalogue.records.scoring import Score, readiness
from catalogue.records.validation import Report
from catalogue.records.values import filled

LEVELS = (*OBLIGATIONS, "all")


def values_at(node, parts) -> tuple[list, bool]:
    """Values found along a split path, and whether the path went through a list."""
    for i, (name, is_list) in enumerate(parts):
        node = node.get(name) if isinstance(node, dict) else None
        if is_list:
            out: list = []
            for item in node if isinstance(node, list) else []:
                out.extend(values_at(item, parts[i + 1:])[0])
            return out, True
    return [node], False


def _walk(node, parts):
    for name, _ in parts:
        node = node.get(name) if isinstance(node, dict) else None
    return node


def field_filled(record: dict, f) -> bool:
    """Is the field filled? Inside a list: in every item (rule 'all') or in at least one ('any')."""
    parts = f.parts
    node = record
    for i, (name, is_list) in enumerate(parts):
        node = node.get(name) if isinstance(node, dict) else None
        if is_list:
            rest = parts[i + 1:]
            if any(lst for _, lst in rest):  # lists within lists: the general walk
                values = values_at(record, parts)[0]
            else:
                values = [_walk(item, rest) for item in node] if isinstance(node, list) else []
            if f.rule == "any":
                return any(filled(v) for v in values)
            return bool(values) and all(filled(v) for v in values)
    return filled(node)


def record_fills(record: dict, cfg: AuditConfig) -> dict[str, bool]:
    """field_filled() for every field, walking each list (e.g. the 30 variables) once for all its fields."""
    fills = {}
    for head, members in cfg.list_groups.items():
        items = _walk(record, head)
        items = [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []
        counts = [0] * len(members)
        for item in items:
            for k, f in enumerate(members):
                if filled(item.get(f.parts[-1][0])):
                    counts[k] += 1
        for k, f in enumerate(members):
            fills[f.path] = counts[k] > 0 if f.rule == "any" else bool(items) and counts[k] == len(items)
    for f in cfg.fields:
        if f.path not in fills:
            fills[f.path] = field_filled(record, f)
    return {f.path: fills[f.path] for f in cfg.fields}  # in schema order


def issue_field(path: str) -> str:
    """'$.variables[3].dataType' -> 'variables[].dataType'; '$' -> ''."""
    return re.sub(r"\[(\d+|\*)\]", "[]", path).removeprefix("$").removeprefix(".")


def fields_hit(issue: str, paths) -> list[str]:
    """Leaf fields an issue at `issue` (a field path) is about: itself, its children or its parent."""
    if not issue:
        return []
    return [p for p in paths if p == issue or p.startswith(issue + ".") or p.startswith(issue + "[]")
            or issue.startswith(p + ".") or issue.startswith(p + "[]")]


def pct(part: float, whole: float) -> float | None:
    return None if not whole else 100.0 * part / whole


def r1(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass
class HdrukScore:
    completeness: float | None
    weighted_completeness: float | None
    error_pct: float | None
    weighted_error_pct: float | None
    quality: float | None
    weighted_quality: float | None
    medallion: str
    medallion_label: str
    filled: int
    scored: int
    with_errors: int

    def to_dict(self) -> dict:
        return {k: r1(v) if isinstance(v, float) else v for k, v in self.__dict__.items()}


@dataclass
class MqaScore:
    points: float
    max_points: float
    percent: float | None
    rating: str
    rating_label: str
    dimensions: dict[str, float]
    indicators: dict[str, float]

    def to_dict(self) -> dict:
        return {"points": r1(self.points), "max_points": self.max_points, "percent": r1(self.percent),
                "rating": self.rating, "rating_label": self.rating_label,
                "dimensions": {k: r1(v) for k, v in self.dimensions.items()},
                "indicators": {k: r1(v) for k, v in self.indicators.items()}}


@dataclass
class Fix:
    field: str
    obligation: str
    kind: str  # missing or error
    message: str
    weighted_completeness_gain: float
    quality_gain: float
    weighted_quality_gain: float

    def to_dict(self) -> dict:
        return {"field": self.field, "obligation": self.obligation, "kind": self.kind, "message": self.message,
                "weighted_completeness_gain": r1(self.weighted_completeness_gain),
                "quality_gain": r1(self.quality_gain), "weighted_quality_gain": r1(self.weighted_quality_gain)}


@dataclass
class RecordAudit:
    id: str
    publisher: str
    title: str
    modified: str
    completeness: dict[str, float | None]  # mandatory, recommended, optional, all
    weighted_completeness: float | None
    missing: list[str]
    error_count: int
    warning_count: int
    error_fields: list[str]
    readiness: Score
    hdruk: HdrukScore
    mqa: MqaScore
    gaps: list[str]
    fixes: list[Fix]
    links: list[dict] = field(default_factory=list)
    unmatched: dict[str, list[str]] = field(default_factory=dict)  # TRE names and gateway texts no register entry names

    def score(self, metric: str) -> float | None:
        """One named score (see METRICS in audit_summary); 'completeness' is all fields."""
        if metric == "completeness":
            metric = "all"
        if metric in LEVELS:
            return self.completeness[metric]
        return {"weighted_completeness": self.weighted_completeness, "readiness": self.readiness.total,
                "quality": self.hdruk.quality, "weighted_quality": self.hdruk.weighted_quality,
                "mqa": self.mqa.percent}[metric]

    def to_dict(self) -> dict:
        return {"id": self.id, "publisher": self.publisher, "title": self.title, "modified": self.modified,
                "completeness": {k: r1(v) for k, v in self.completeness.items()},
                "weighted_completeness": r1(self.weighted_completeness),
                "errors": self.error_count, "warnings": self.warning_count, "error_fields": self.error_fields,
                "readiness": {"total": self.readiness.total, "band": self.readiness.band,
                              "components": {c.id: c.points for c in self.readiness.components}},
                "hdruk": self.hdruk.to_dict(), "mqa": self.mqa.to_dict(), "gaps": self.gaps,
                "missing": self.missing, "fixes": [f.to_dict() for f in self.fixes], "links": self.links,
                "unmatched": self.unmatched}


def medallion(quality: float | None, bands: list[dict]) -> dict:
    """HDR UK band: the first whose lower bound the score is above (bounds exclusive, as published)."""
    shown = r1(quality)  # band what people see: a score shown as 90.0 is never Platinum
    for band in bands:
        if band["above"] is None or (shown is not None and shown > band["above"]):
            return band
    return bands[-1]


def is_stale(record: dict, as_of: date, staleness: dict) -> bool:
    period = staleness["period_days"].get(record.get("updateFrequency"))
    if period is None:
        return False
    try:
        modified = date.fromisoformat(record.get("modified"))
    except (TypeError, ValueError):
        return True
    return (as_of - modified).days > period + staleness.get("grace_days", 0)


def _hdruk(cfg: AuditConfig, fills: dict[str, bool], error_fields: set[str]) -> tuple[HdrukScore, dict]:
    scored, weight = cfg.hdruk_scored, cfg.hdruk_weight
    hit = [f for f in scored if any(fills[o] for o in f.ours)]
    bad = [f for f in scored if any(o in error_fields for o in f.ours)]
    comp, wcomp = pct(len(hit), len(scored)), pct(sum(f.weight for f in hit), weight)
    err, werr = pct(len(bad), len(scored)), pct(sum(f.weight for f in bad), weight)
    quality = None if comp is None else (comp + 100 - err) / 2
    wquality = None if wcomp is None else (wcomp + 100 - werr) / 2
    band = medallion(quality, cfg.raw["hdruk"]["medallions"])
    score = HdrukScore(comp, wcomp, err, werr, quality, wquality, band["id"], band["label"], len(hit), len(scored),
                       len(bad))
    return score, {"scored": scored, "weight": weight, "hit": {f.field for f in hit}, "bad": {f.field for f in bad}}


def _mqa(cfg: AuditConfig, record: dict, links: dict | None) -> MqaScore:
    mqa = cfg.mqa
    lists = {k: {v.lower() for v in vals} for k, vals in mqa.get("lists", {}).items()}
    dists = [d for d in record.get("distribution") or [] if isinstance(d, dict)]
    dims = {d["id"]: 0.0 for d in mqa["dimensions"]}
    indicators: dict[str, float] = {}
    max_points = 0.0

    def passes(ind: dict, node: dict) -> bool:
        check = ind["check"]
        for name in ind["fields"]:
            value = values_at(node, tuple((p, False) for p in name.split(".")))[0][0]
            if check == "filled" and filled(value):
                return True
            if isinstance(value, str) and (
                    (check == "in_list" and value.lower() in lists[ind["list"]])
                    or (check == "contains" and any(s in value.lower() for s in lists[ind["list"]]))
                    or (check == "vocabulary" and value in enum_values(name, cfg.schema))
                    or (check == "link" and links is not None and links.get(value, {}).get("ok"))):
                return True
        return False

    for ind in mqa["indicators"]:
        if ind["check"] == "link" and links is None:
            continue  # not assessed: left out of the maximum too
        max_points += ind["points"]
        if ind.get("scope") == "distribution":
            pool = dists
            if ind["check"] == "link":
                pool = [d for d in dists if any(filled(d.get(n)) for n in ind["fields"])]
            share = sum(passes(ind, d) for d in pool) / len(pool) if pool else 0.0
        else:
            share = 1.0 if passes(ind, record) else 0.0
        indicators[ind["id"]] = ind["points"] * share
        dims[ind["dimension"]] += ind["points"] * share
    points = sum(indicators.values())
    rating = mqa["ratings"][-1]
    for band in mqa["ratings"]:  # points / max >= band / 405, in integers where possible
        if max_points and points * mqa["max_points"] >= band["min"] * max_points - 1e-9:
            rating = band
            break
    return MqaScore(points, max_points, pct(points, max_points), rating["id"], rating["label"], dims, indicators)


def stored_report(data: dict | None) -> Report | None:
    """A validation report as the store keeps it (Report.to_dict()), or None if there is none. Reports stored
    before problems had codes load with code ""."""
    return Report.from_dict(data)


def audit_record(record: dict, cfg: AuditConfig, as_of: date, links: dict | None = None,
                 report: Report | None = None) -> RecordAudit:
    """Audit one record as of a date. `links` maps URL -> {'ok', 'status', ...} when links were checked;
    `report` is the record's validation report if already known (otherwise it is validated now)."""
    rec = record if isinstance(record, dict) else {}
    fills = record_fills(rec, cfg)
    completeness = {level: pct(sum(fills[f.path] for f in fs), len(fs)) for level, fs in cfg.by_level.items()}
    completeness["all"] = pct(sum(fills.values()), len(fills))
    weighted = pct(sum(f.weight for f in cfg.fields if fills[f.path]), cfg.total_weight)

    report = report if report is not None else cfg.validator(record)
    errors = report.errors
    error_fields: dict[str, str] = {}
    for issue in errors:
        for p in fields_hit(issue_field(issue.path), cfg.by_path):
            error_fields.setdefault(p, issue.message)
    hdruk, h = _hdruk(cfg, fills, set(error_fields))

    gaps = []
    for gap in cfg.gaps:
        if gap.get("check") == "stale":
            if is_stale(rec, as_of, cfg.raw["staleness"]):
                gaps.append(gap["id"])
        elif not fills[gap["field"]]:
            gaps.append(gap["id"])

    missing = [f.path for f in cfg.fields if not fills[f.path]]
    return RecordAudit(
        id=str(rec.get("identifier", "")), publisher=str(rec.get("publisher", "")), title=str(rec.get("title", "")),
        modified=str(rec.get("modified", "")), completeness=completeness, weighted_completeness=weighted,
        missing=missing, error_count=len(errors), warning_count=len(report.warnings),
        error_fields=sorted(error_fields), readiness=readiness(rec), hdruk=hdruk, mqa=_mqa(cfg, rec, links),
        gaps=gaps, fixes=_fixes(cfg, fills, error_fields, h), links=_checked_links(rec, links),
        unmatched=_unmatched(rec))


def _unmatched(record: dict) -> dict[str, list[str]]:
    """The record's TRE route names and legal gateway texts that no register entry in schemas/ names."""
    refs = resolve_access(record)
    return {kind: [text for text, entry in pairs if entry is None] for kind, pairs in refs.items()}


def _fixes(cfg: AuditConfig, fills: dict[str, bool], error_fields: dict[str, str], h: dict) -> list[Fix]:
    """Errors first, then missing fields weighted at least fix_report_min_weight, each with what fixing it adds."""
    def gains(path: str, now_missing: bool) -> tuple[float, float, float]:
        n, w = len(h["scored"]), h["weight"]
        mapped = cfg.hdruk_by_ours.get(path, [])
        if now_missing:  # filling it fills the HDR UK fields it maps to that are still empty
            newly = [f for f in mapped if f.field not in h["hit"]]
        else:  # fixing the error clears the HDR UK fields whose only errors are here
            newly = [f for f in mapped if f.field in h["bad"]
                     and not any(o in error_fields for o in f.ours if o != path)]
        wc = 100.0 * cfg.by_path[path].weight / cfg.total_weight if now_missing and cfg.total_weight else 0.0
        q = 50.0 * len(newly) / n if n else 0.0
        wq = 50.0 * sum(f.weight for f in newly) / w if w else 0.0
        return wc, q, wq

    fixes = [Fix(p, cfg.by_path[p].obligation, "error", msg, *gains(p, False)) for p, msg in error_fields.items()]
    fixes += [Fix(f.path, f.obligation, "missing", "", *gains(f.path, True)) for f in cfg.fields
              if not fills[f.path] and f.weight >= cfg.fix_min_weight]
    fixes.sort(key=lambda x: (x.kind != "error", -x.weighted_completeness_gain, -x.quality_gain, x.field))
    return fixes


def _checked_links(record: dict, links: dict | None) -> list[dict]:
    """The link-check result of each distribution URL of the record (empty when links were not checked)."""
    out: list[dict] = []
    for d in (record.get("distribution") or []) if links is not None else []:
        for name in ("accessURL", "downloadURL"):
            url = d.get(name) if isinstance(d, dict) else None
            if isinstance(url, str) and url in links:
                out.append({"field": f"distribution[].{name}", "url": url, **links[url]})
    return out
