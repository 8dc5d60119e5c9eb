"""Audit results as tables: one shape for the web pages, the CSV and JSON downloads and the CLI."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from catalogue.audit.record import r1
from catalogue.audit.config import AuditConfig
from catalogue.audit.summary import METRICS, AuditRun, GroupSummary


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    numeric: bool = False


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title,
                "columns": [{"key": c.key, "label": c.label, "numeric": c.numeric} for c in self.columns],
                "rows": self.rows}

    def sorted_by(self, key: str, descending: bool = False) -> "Table":
        """Rows sorted by one column; empty values always last."""
        if key not in {c.key for c in self.columns}:
            return self
        present = [r for r in self.rows if r.get(key) not in (None, "")]
        empty = [r for r in self.rows if r.get(key) in (None, "")]
        present.sort(key=lambda r: (r[key].lower() if isinstance(r[key], str) else r[key]), reverse=descending)
        return Table(self.name, self.title, self.columns, present + empty)


METRIC_COLUMNS = [Column(m, label, True) for m, label in METRICS]


def _cell(value) -> str:
    """CSV cell text; text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    if isinstance(value, str) and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def to_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow([_cell(row.get(c.key)) for c in table.columns])
    return out.getvalue()


def to_text(table: Table) -> str:
    """Aligned plain-text table for the terminal."""
    head = [c.label for c in table.columns]
    body = [["" if r.get(c.key) is None else _plain(r.get(c.key)) for c in table.columns] for r in table.rows]
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    lines = []
    for row in [head, ["-" * w for w in widths], *body]:
        cells = [cell.rjust(w) if col.numeric else cell.ljust(w)
                 for cell, w, col in zip(row, widths, table.columns)]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _plain(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def summary_table(group: GroupSummary, cfg: AuditConfig) -> Table:
    bins = cfg.bins
    bin_cols = [Column(f"bin_{i}", f"{bins[i]:g}–{bins[i + 1]:g}", True) for i in range(len(bins) - 1)]
    cols = [Column("metric", "Score"), Column("label", "Label"), Column("mean", "Mean", True),
            Column("median", "Median", True), Column("min", "Lowest", True), Column("max", "Highest", True), *bin_cols]
    rows = []
    for metric, label in METRICS:
        m = group.metrics[metric]
        rows.append({"metric": metric, "label": label, "mean": r1(m.mean), "median": r1(m.median), "min": r1(m.min),
                     "max": r1(m.max), **{f"bin_{i}": n for i, n in enumerate(m.distribution)}})
    return Table("summary", f"Scores: {group.name}", cols, rows)


def publishers_table(run: AuditRun) -> Table:
    cols = [Column("publisher", "Publisher id"), Column("name", "Publisher"), Column("records", "Records", True),
            *METRIC_COLUMNS, Column("errors", "Errors", True), Column("warnings", "Warnings", True),
            *[Column(f"medallion_{m['id']}", m["label"], True) for m in run_cfg(run).raw["hdruk"]["medallions"]],
            *[Column(f"gap_{g['id']}", g["label"], True) for g in run_cfg(run).gaps]]
    rows = []
    for g in run.publishers:
        rows.append({"publisher": g.id, "name": g.name, "records": g.records,
                     **{m: r1(g.mean(m)) for m, _ in METRICS}, "errors": g.errors, "warnings": g.warnings,
                     **{f"medallion_{k}": n for k, n in g.medallions.items()},
                     **{f"gap_{k}": n for k, n in g.gaps.items()}})
    return Table("publishers", "Publishers", cols, rows)


def fields_table(group: GroupSummary, cfg: AuditConfig) -> Table:
    cols = [Column("field", "Field"), Column("obligation", "Obligation"), Column("weight", "Weight", True),
            Column("filled", "Records filling it", True), Column("fill_pct", "Filled (%)", True)]
    rows = [{"field": f.path, "obligation": f.obligation, "weight": f.weight, "filled": group.fields[f.path],
             "fill_pct": r1(group.fill_pct(f.path))} for f in cfg.fields]
    return Table("fields", f"Fields: {group.name}", cols, rows)


def heatmap_table(run: AuditRun, fields: list[str] | None = None) -> Table:
    cfg = run_cfg(run)
    fields = fields or cfg.heatmap_fields
    cols = [Column("publisher", "Publisher id"), Column("name", "Publisher"), Column("records", "Records", True),
            *[Column(f, f, True) for f in fields]]
    rows = [{"publisher": g.id, "name": g.name, "records": g.records, **{f: r1(g.fill_pct(f)) for f in fields}}
            for g in run.publishers]
    return Table("heatmap", "Fields filled, by publisher (%)", cols, rows)


def gaps_table(group: GroupSummary, cfg: AuditConfig) -> Table:
    cols = [Column("gap", "Gap id"), Column("label", "Gap"), Column("records", "Records", True),
            Column("pct", "Records (%)", True), Column("help", "Meaning")]
    rows = [{"gap": g["id"], "label": g["label"], "records": group.gaps[g["id"]], "pct": r1(group.gap_pct(g["id"])),
             "help": g.get("help", "")} for g in cfg.gaps]
    return Table("gaps", f"Key gaps: {group.name}", cols, rows)


def records_table(run: AuditRun, publisher: str | None = None) -> Table:
    """Records worst first by the headline score (ties by id)."""
    cfg = run_cfg(run)
    headline = cfg.headline
    audits = sorted(run.records_of(publisher),
                    key=lambda a: (a.score(headline) or 0, a.id))
    cols = [Column("id", "Dataset id"), Column("title", "Title"), Column("publisher", "Publisher id"),
            *METRIC_COLUMNS, Column("medallion", "Medallion"), Column("mqa_rating", "MQA rating"),
            Column("errors", "Errors", True), Column("warnings", "Warnings", True), Column("gaps", "Gaps"),
            Column("missing", "Fields missing", True)]
    rows = [{"id": a.id, "title": a.title, "publisher": a.publisher,
             **{m: r1(a.score(m)) for m, _ in METRICS},
             "medallion": a.hdruk.medallion_label, "mqa_rating": a.mqa.rating_label, "errors": a.error_count,
             "warnings": a.warning_count, "gaps": a.gaps, "missing": len(a.missing)} for a in audits]
    return Table("records", "Records, worst first", cols, rows)


def fixes_table(run: AuditRun, publisher: str | None = None) -> Table:
    """What to fix: each record's errors and missing fields, with what fixing each adds."""
    cols = [Column("id", "Dataset id"), Column("title", "Title"), Column("field", "Field"),
            Column("obligation", "Obligation"), Column("kind", "Problem"), Column("message", "Detail"),
            Column("weighted_completeness_gain", "Adds to weighted completeness", True),
            Column("quality_gain", "Adds to HDR UK-style quality", True)]
    by_id = {a.id: a for a in run.records}
    rows = []
    for rec in records_table(run, publisher).rows:
        a = by_id[rec["id"]]
        for f in a.fixes:
            rows.append({"id": a.id, "title": a.title, "field": f.field, "obligation": f.obligation, "kind": f.kind,
                         "message": f.message, "weighted_completeness_gain": r1(f.weighted_completeness_gain),
                         "quality_gain": r1(f.quality_gain)})
    return Table("fixes", "What to fix", cols, rows)


KIND_LABELS = {"tres": "Trusted research environment", "gateways": "Legal gateway"}


def unmatched_table(run: AuditRun, publisher: str | None = None) -> Table:
    """TRE names and legal gateway texts that no register entry (schemas/tres.json, legal-gateways.json) names,
    per publisher with the number of records using each: candidates for a register entry or alias, or for fixing."""
    names = {g.id: g.name for g in run.publishers}
    counts: dict[tuple[str, str, str], list[str]] = {}
    for a in run.records_of(publisher):
        for kind, texts in (a.unmatched or {}).items():
            for text in texts:
                counts.setdefault((a.publisher, kind, text), []).append(a.id)
    cols = [Column("publisher", "Publisher id"), Column("name", "Publisher"), Column("kind", "Kind"),
            Column("text", "Name as written"), Column("records", "Records", True), Column("examples", "Datasets")]
    rows = [{"publisher": pub, "name": names.get(pub, pub), "kind": KIND_LABELS.get(kind, kind), "text": text,
             "records": len(ids), "examples": ", ".join(sorted(ids)[:5])}
            for (pub, kind, text), ids in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1], -len(kv[1]),
                                                                                    kv[0][2]))]
    return Table("unmatched", "TRE and gateway names not in the registers", cols, rows)


def trend_table(points) -> Table:
    cols = [Column("snapshot_id", "Snapshot", True), Column("taken_at", "Taken at"), Column("as_of", "As of"),
            Column("records", "Records", True), *METRIC_COLUMNS]
    rows = [{"snapshot_id": p.snapshot_id, "taken_at": p.taken_at.isoformat(timespec="seconds"), "as_of": p.as_of,
             "records": p.records, **p.means} for p in points]
    return Table("trend", "Scores over time (means per snapshot)", cols, rows)


def snapshots_table(infos) -> Table:
    cols = [Column("id", "Snapshot", True), Column("taken_at", "Taken at"), Column("as_of", "As of"),
            Column("scope", "Scope"), Column("records", "Records", True), Column("links_checked", "Links checked"),
            Column("method", "Method"), Column("data_seq", "Store revision", True)]
    rows = [{"id": s.id, "taken_at": s.taken_at.isoformat(timespec="seconds"), "as_of": s.as_of,
             "scope": s.scope or "whole catalogue", "records": s.records, "links_checked": s.links_checked,
             "method": s.method, "data_seq": s.data_seq} for s in infos]
    return Table("snapshots", "Snapshots", cols, rows)


def medallions_table(group: GroupSummary, cfg: AuditConfig) -> Table:
    cols = [Column("medallion", "Medallion id"), Column("label", "Medallion"), Column("above", "Quality above", True),
            Column("records", "Records", True)]
    rows = [{"medallion": m["id"], "label": m["label"], "above": m["above"], "records": group.medallions[m["id"]]}
            for m in cfg.raw["hdruk"]["medallions"]]
    return Table("medallions", f"HDR UK-style medallions: {group.name}", cols, rows)


def hdruk_mapping_table(cfg: AuditConfig) -> Table:
    cols = [Column("field", "HDR UK field"), Column("section", "Section"), Column("weight", "Weight", True),
            Column("ours", "Our fields"), Column("note", "Note")]
    rows = [{"field": f.field, "section": f.section, "weight": f.weight, "ours": list(f.ours), "note": f.note}
            for f in cfg.hdruk_fields]
    return Table("hdruk_mapping", "HDR UK fields and ours", cols, rows)


def mqa_points_table(cfg: AuditConfig) -> Table:
    cols = [Column("indicator", "Indicator"), Column("dimension", "Dimension"), Column("points", "Points", True),
            Column("scored", "Scored"), Column("how", "How")]
    rows = []
    for ind in cfg.mqa["indicators"]:
        where = "share of distributions with " if ind.get("scope") == "distribution" else ""
        how = {"filled": "filled", "in_list": f"in list {ind.get('list')}", "contains": f"matches {ind.get('list')}",
               "vocabulary": "a value of the schema's vocabulary",
               "link": "answers 2xx or 3xx (with --check-links)"}[ind["check"]]
        rows.append({"indicator": ind["id"], "dimension": ind["dimension"], "points": ind["points"], "scored": "yes",
                     "how": f"{where}{' or '.join(ind['fields'])} {how}"})
    for ind in cfg.mqa.get("not_scored", []):
        rows.append({"indicator": ind["id"], "dimension": ind["dimension"], "points": ind["points"], "scored": "no",
                     "how": ind["reason"]})
    return Table("mqa_points", "EU MQA indicators and points", cols, rows)


def run_cfg(run: AuditRun) -> AuditConfig:
    return run.config or AuditConfig.load()


TABLE_NAMES = ("summary", "fields", "gaps", "medallions", "records", "fixes", "publishers", "heatmap", "unmatched")


def run_tables(run: AuditRun, publisher: str | None = None, only=None) -> dict[str, Table]:
    """The tables of a run (or of one publisher in it), by name: all of them, or those named in `only`."""
    cfg = run_cfg(run)
    group = run.publisher(publisher) if publisher else run.catalogue
    if group is None:
        return {}
    build = {"summary": lambda: summary_table(group, cfg), "fields": lambda: fields_table(group, cfg),
             "gaps": lambda: gaps_table(group, cfg), "medallions": lambda: medallions_table(group, cfg),
             "records": lambda: records_table(run, publisher), "fixes": lambda: fixes_table(run, publisher),
             "publishers": lambda: publishers_table(run), "heatmap": lambda: heatmap_table(run),
             "unmatched": lambda: unmatched_table(run, publisher)}
    skip = ("publishers", "heatmap") if publisher else ()  # whole-catalogue tables
    names = [n for n in TABLE_NAMES if n not in skip and (only is None or n in only)]
    return {n: build[n]() for n in names}
