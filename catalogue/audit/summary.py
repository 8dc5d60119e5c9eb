"""Audit runs: record audits grouped per publisher and for the whole catalogue (means, distributions, fill, gaps)."""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable

from catalogue.audit.record import RecordAudit, audit_record, r1
from catalogue.audit.config import AuditConfig
from catalogue.records.schema import readiness_config

# Every score the audit aggregates: (name, label). The names are RecordAudit.score() keys.
METRICS: list[tuple[str, str]] = [
    ("weighted_completeness", "Weighted completeness"),
    ("completeness", "Completeness, all fields"),
    ("mandatory", "Mandatory fields"),
    ("recommended", "Recommended fields"),
    ("optional", "Optional fields"),
    ("readiness", "Linkage readiness"),
    ("quality", "HDR UK-style quality"),
    ("weighted_quality", "HDR UK-style weighted quality"),
    ("mqa", "EU MQA-style points (%)"),
]
METRIC_LABELS = dict(METRICS)
# The same labels inside a sentence: 'weighted completeness', but 'HDR UK-style quality' keeps its capitals.
METRIC_PHRASES = {m: label if label[1:2].isupper() else label[0].lower() + label[1:] for m, label in METRICS}


@dataclass
class MetricSummary:
    mean: float | None
    median: float | None
    min: float | None
    max: float | None
    distribution: list[int]  # counts per bin of AuditConfig.bins

    def to_dict(self) -> dict:
        return {"mean": r1(self.mean), "median": r1(self.median), "min": r1(self.min), "max": r1(self.max),
                "distribution": self.distribution}


@dataclass
class GroupSummary:
    id: str  # publisher id, or '' for the whole catalogue
    name: str
    records: int
    metrics: dict[str, MetricSummary]
    medallions: dict[str, int]
    readiness_bands: dict[str, int]
    mqa_ratings: dict[str, int]
    fields: dict[str, int]  # field path -> records that fill it
    gaps: dict[str, int]  # gap id -> records with the gap
    errors: int
    warnings: int
    records_with_errors: int
    links_checked: int = 0
    links_broken: int = 0

    def mean(self, metric: str) -> float | None:
        return self.metrics[metric].mean

    def fill_pct(self, path: str) -> float | None:
        return 100.0 * self.fields[path] / self.records if self.records else None

    def gap_pct(self, gap: str) -> float | None:
        return 100.0 * self.gaps[gap] / self.records if self.records else None

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "records": self.records,
                "metrics": {k: m.to_dict() for k, m in self.metrics.items()},
                "medallions": self.medallions, "readiness_bands": self.readiness_bands,
                "mqa_ratings": self.mqa_ratings,
                "fields": {p: {"filled": n, "pct": r1(self.fill_pct(p))} for p, n in self.fields.items()},
                "gaps": {g: {"records": n, "pct": r1(self.gap_pct(g))} for g, n in self.gaps.items()},
                "errors": self.errors, "warnings": self.warnings, "records_with_errors": self.records_with_errors,
                "links_checked": self.links_checked, "links_broken": self.links_broken}

    @classmethod
    def from_dict(cls, data: dict) -> "GroupSummary":
        """Rebuild a stored summary (figures as stored, rounded to 0.1)."""
        metrics = {k: MetricSummary(**m) for k, m in data["metrics"].items()}
        return cls(data["id"], data["name"], data["records"], metrics, data["medallions"], data["readiness_bands"],
                   data["mqa_ratings"], {p: v["filled"] for p, v in data["fields"].items()},
                   {g: v["records"] for g, v in data["gaps"].items()}, data["errors"], data["warnings"],
                   data["records_with_errors"], data.get("links_checked", 0), data.get("links_broken", 0))


def bin_counts(values: list[float], bins: list[float]) -> list[int]:
    """Counts per [bins[i], bins[i+1]); the last bin includes its upper edge."""
    counts = [0] * (len(bins) - 1)
    for v in values:
        for i in range(len(counts)):
            if v < bins[i + 1] or i == len(counts) - 1:
                counts[i] += 1
                break
    return counts


def summarise(group_id: str, name: str, audits: list[RecordAudit], cfg: AuditConfig) -> GroupSummary:
    metrics = {}
    for metric, _ in METRICS:
        values = [v for v in (a.score(metric) for a in audits) if v is not None]
        metrics[metric] = MetricSummary(
            statistics.fmean(values) if values else None, statistics.median(values) if values else None,
            min(values) if values else None, max(values) if values else None, bin_counts(values, cfg.bins))
    medallions = {m["id"]: 0 for m in cfg.raw["hdruk"]["medallions"]}
    bands = {b["id"]: 0 for b in readiness_config()["bands"]}
    ratings = {r["id"]: 0 for r in cfg.mqa["ratings"]}
    fields = {f.path: 0 for f in cfg.fields}
    gaps = {g["id"]: 0 for g in cfg.gaps}
    errors = warnings = with_errors = checked = broken = 0
    for a in audits:
        medallions[a.hdruk.medallion] += 1
        bands[a.readiness.band] += 1
        ratings[a.mqa.rating] += 1
        missing = set(a.missing)
        for path in fields:
            fields[path] += path not in missing
        for g in a.gaps:
            gaps[g] += 1
        errors += a.error_count
        warnings += a.warning_count
        with_errors += a.error_count > 0
        checked += len(a.links)
        broken += sum(1 for link in a.links if not link.get("ok"))
    return GroupSummary(group_id, name, len(audits), metrics, medallions, bands, ratings, fields, gaps, errors,
                        warnings, with_errors, checked, broken)


@dataclass
class AuditRun:
    as_of: date
    method: str  # AuditConfig.fingerprint
    links_checked: bool
    records: list[RecordAudit]
    catalogue: GroupSummary
    publishers: list[GroupSummary]
    scope: str = ""  # publisher id when the run covers one publisher
    data_seq: int | None = None  # store revision counter the run saw
    config: AuditConfig | None = field(default=None, repr=False, compare=False)

    def publisher(self, pub_id: str) -> GroupSummary | None:
        return next((p for p in self.publishers if p.id == pub_id), None)

    def records_of(self, pub_id: str | None) -> list[RecordAudit]:
        return [a for a in self.records if pub_id in (None, a.publisher)]

    def to_dict(self, with_records: bool = True) -> dict:
        out = {"as_of": self.as_of.isoformat(), "method": self.method, "links_checked": self.links_checked,
               "scope": self.scope, "data_seq": self.data_seq, "catalogue": self.catalogue.to_dict(),
               "publishers": [p.to_dict() for p in self.publishers]}
        if with_records:
            out["records"] = [a.to_dict() for a in self.records]
        return out


def run_audit(records: Iterable[dict], cfg: AuditConfig, as_of: date, *, publishers: dict[str, str] | None = None,
              scope: str = "", links: dict | None = None, data_seq: int | None = None,
              progress: Callable[[int], None] | None = None, reports: list | None = None) -> AuditRun:
    """Audit records and group them. `publishers` (id -> name) adds publishers that have no records;
    `reports`, if given, holds each record's known validation report (or None) in the same order."""
    audits = []
    for i, record in enumerate(records):
        audits.append(audit_record(record, cfg, as_of, links, reports[i] if reports else None))
        if progress:
            progress(1)
    audits.sort(key=lambda a: a.id)
    names = dict(publishers or {})
    if scope:
        names = {scope: names.get(scope, scope)}
    for a in audits:
        names.setdefault(a.publisher, a.publisher)
    by_pub: dict[str, list[RecordAudit]] = {p: [] for p in names}
    for a in audits:
        by_pub[a.publisher].append(a)
    groups = [summarise(p, names[p], by_pub[p], cfg) for p in sorted(names, key=lambda p: (names[p].lower(), p))]
    whole = summarise("", "Whole catalogue" if not scope else names[scope], audits, cfg)
    return AuditRun(as_of, cfg.fingerprint, links is not None, audits, whole, groups, scope, data_seq, cfg)
