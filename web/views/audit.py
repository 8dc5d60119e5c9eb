"""Completeness audits for data stewards: dashboard, publisher drill-down, downloads and the method page."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, request, url_for
from markupsafe import Markup

from web import charts
from catalogue.audit.record import r1
from catalogue.audit.cache import RunCache
from catalogue.audit.config import AuditConfig
from catalogue.audit.snapshots import AuditSnapshots
from catalogue.audit.summary import METRIC_LABELS, METRIC_PHRASES, METRICS, AuditRun
from catalogue.publishing.accounts import STEWARDS
from catalogue.records.clock import utc_now
from catalogue.audit.tables import (Table, hdruk_mapping_table, mqa_points_table, records_table, run_tables,
                                    snapshots_table, to_csv, trend_table)

from web.auth import role_required
from web.common import catalogue, not_found, respond, wants_json
from web.services import services

bp = Blueprint("audit", __name__)
FORMATS = ("csv", "json")
TREND_METRICS = ("weighted_completeness", "readiness", "quality", "mqa")
WORST_IN_DETAIL = 20  # records whose fixes are listed on the drill-down page (all are in the report)


def config() -> AuditConfig:
    return services().audit_config


def cache() -> RunCache:
    return services().run_cache


def snapshots() -> AuditSnapshots:
    return services().snapshots


def _headline(cfg: AuditConfig) -> dict:
    return {"headline": cfg.headline, "headline_label": METRIC_LABELS[cfg.headline],
            "headline_phrase": METRIC_PHRASES[cfg.headline]}


def as_of() -> date:
    try:
        return date.fromisoformat(request.args.get("as_of", ""))
    except ValueError:
        return utc_now().date()


def _split(name: str) -> tuple[str, str | None]:
    base, dot, ext = name.rpartition(".")
    return (base, ext) if dot and ext in (*FORMATS, "html") else (name, None)


def download(table: Table, fmt: str, filename: str):
    if fmt == "csv":
        return Response(to_csv(table), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})
    return respond("", table.to_dict(), True)


def _links(names, publisher: str | None = None) -> dict:
    """Download links per table and format: the whole audit's, or one publisher's."""
    def link(name: str) -> str:
        if publisher is None:
            return url_for("audit.table_download", name=name)
        return url_for("audit.publisher_download", ident=publisher, name=name)
    return {n: {fmt: link(f"{n}.{fmt}") for fmt in FORMATS} for n in names}


def _with_query(**changes) -> str:
    args = {**request.args.to_dict(), **changes}
    return "?" + urlencode({k: v for k, v in args.items() if v not in (None, "")})


def _sort_links(table: Table, key: str, descending: bool) -> dict:
    """Per column: the link that sorts by it (toggling the order of the current column) and its aria-sort."""
    out = {}
    for col in table.columns:
        active = col.key == key
        order = ("asc" if descending else "desc") if active else ("desc" if col.numeric else "asc")
        out[col.key] = {"url": _with_query(sort=col.key, order=order),
                        "aria": ("descending" if descending else "ascending") if active else "none"}
    return out


def _trend_data(publisher: str | None) -> tuple[Table, str]:
    points = snapshots().trend(publisher)
    table = trend_table(points)
    labels = [p.taken_at.strftime("%-d %b %Y") for p in points]
    svg = charts.line_chart(f"trend-{publisher or 'all'}", "Mean scores over time", labels,
                            {METRIC_LABELS[m]: [p.means[m] for p in points] for m in TREND_METRICS})
    return table, svg


@bp.route("/audit")
@bp.route("/audit.json", endpoint="dashboard_json")
@role_required(*STEWARDS)
def dashboard():
    as_json = wants_json()
    run = cache().get(as_of())
    cfg = config()
    tables = run_tables(run, only=("summary", "fields", "gaps", "medallions", "publishers", "heatmap"))
    key = request.args.get("sort", "name")
    descending = request.args.get("order", "asc") == "desc"
    tables["publishers"] = tables["publishers"].sorted_by(key, descending)
    trend, trend_svg = _trend_data(None)
    tables["trend"] = trend
    data = {"as_of": run.as_of.isoformat(), "method": run.method, **_headline(cfg), "records": run.catalogue.records,
            "catalogue": run.catalogue.to_dict(), "sort": {"key": key, "order": "desc" if descending else "asc"},
            "snapshots": [s.to_dict() for s in snapshots().list()],
            "snapshot_taken": request.args.get("snapshot", type=int),
            "tables": {n: t.to_dict() for n, t in tables.items()},
            "downloads": _links([*tables, "records", "fixes", "unmatched", "snapshots"])}
    if as_json:
        return respond("", data, True)
    heat = tables["heatmap"]
    fields = [c.key for c in heat.columns[3:]]
    main = tables["summary"].rows[[m for m, _ in METRICS].index(cfg.headline)]
    data.update(
        sort_links=_sort_links(tables["publishers"], key, descending),
        charts={"trend": Markup(trend_svg),
                "heatmap": Markup(charts.heatmap("heatmap", "Fields filled, by publisher (%)",
                                                 [r["name"] for r in heat.rows], fields,
                                                 [[r[f] for f in fields] for r in heat.rows])),
                "distribution": Markup(charts.bar_chart(
                    "distribution", f"Records by {METRIC_PHRASES[cfg.headline]}",
                    [c.label for c in tables["summary"].columns[6:]],
                    [main[c.key] for c in tables["summary"].columns[6:]]))},
        heatmap_fields=fields)
    return respond("audit/dashboard.html", data, False)


@bp.route("/audit/<name>")
@role_required(*STEWARDS)
def table_download(name: str):
    table_name, fmt = _split(name)
    if fmt not in FORMATS:
        not_found(f"Audit tables are downloads: add .csv or .json to '{name}'.")
    if table_name == "trend":
        table = _trend_data(None)[0]
    elif table_name == "snapshots":
        table = snapshots_table(snapshots().list())
    else:
        table = run_tables(cache().get(as_of()), only=(table_name,)).get(table_name)
    if table is None:
        not_found(f"There is no audit table called '{table_name}'.")
    return download(table, fmt, f"audit-{table_name}")


def _publisher_or_404(ident: str) -> dict:
    cat = catalogue()
    pub = cat.publisher(ident)
    if pub is None and not cat.publisher_counts().get(ident):
        not_found(f"There is no publisher with the identifier '{ident}'.")
    return pub or {"id": ident, "name": ident}


def _record_details(run: AuditRun, publisher: str, limit: int | None) -> list[dict]:
    order = [r["id"] for r in records_table(run, publisher).rows]
    by_id = {a.id: a for a in run.records}
    out = []
    for ident in order[:limit]:
        a = by_id[ident]
        out.append({**a.to_dict(), "headline": r1(a.score(config().headline)),
                    "advice": [c.advice for c in a.readiness.components if c.advice]})
    return out


@bp.route("/audit/publishers/<name>")
@role_required(*STEWARDS)
def publisher(name: str):
    ident, fmt = _split(name)
    if fmt == "csv":
        not_found("Download a table of this publisher, e.g. /audit/publishers/<id>/records.csv.")
    pub = _publisher_or_404(ident)
    run = cache().get(as_of(), ident)
    cfg = config()
    group = run.publisher(ident)
    tables = run_tables(run, ident, only=("summary", "fields", "gaps", "medallions", "records"))
    trend, trend_svg = _trend_data(ident)
    tables["trend"] = trend
    data = {"publisher": pub, "as_of": run.as_of.isoformat(), "method": run.method, **_headline(cfg),
            "summary": group.to_dict(), "tables": {n: t.to_dict() for n, t in tables.items()},
            "worst": _record_details(run, ident, WORST_IN_DETAIL),
            "downloads": _links([*tables, "fixes"], ident)}
    if wants_json():
        return respond("", data, True)
    data.update(charts={"trend": Markup(trend_svg)}, gap_labels={g["id"]: g["label"] for g in cfg.gaps})
    return respond("audit/publisher.html", data, False)


@bp.route("/audit/publishers/<ident>/<name>")
@role_required(*STEWARDS)
def publisher_download(ident: str, name: str):
    pub = _publisher_or_404(ident)
    table_name, fmt = _split(name)
    run = cache().get(as_of(), ident)
    if table_name == "fix" and fmt in (None, "html"):
        cfg = config()
        data = {"publisher": pub, "as_of": run.as_of.isoformat(), "summary": run.publisher(ident).to_dict(),
                "records": _record_details(run, ident, None), **_headline(cfg),
                "gap_labels": {g["id"]: g["label"] for g in cfg.gaps}}
        return respond("audit/fix.html", data, False)
    table_name = "fixes" if table_name == "fix" else table_name
    if fmt not in FORMATS:
        not_found(f"Audit tables are downloads: add .csv or .json to '{name}'.")
    table = _trend_data(ident)[0] if table_name == "trend" else run_tables(run, ident, (table_name,)).get(table_name)
    if table is None:
        not_found(f"There is no audit table called '{table_name}'.")
    return download(table, fmt, f"audit-{ident}-{table_name}")


@bp.route("/audit/snapshots", methods=["POST"])
@role_required(*STEWARDS)
def take_snapshot():
    run = cache().get(as_of())
    snap_id = snapshots().save(run)
    return redirect(url_for("audit.dashboard", snapshot=snap_id, _anchor="trend"), code=303)


@bp.route("/audit/method")
@bp.route("/audit/method.json", endpoint="method_json")
def method():
    """How every audit figure is worked out (public: the scores on publisher pages are public)."""
    cfg = config()
    counts = {ob: len(fields) for ob, fields in cfg.by_level.items()}
    data = {**_headline(cfg), "fingerprint": cfg.fingerprint,
            "field_counts": counts, "total_weight": cfg.total_weight,
            "obligation_weights": cfg.raw["completeness"]["obligation_weights"],
            "field_weights": cfg.raw["completeness"].get("field_weights", {}),
            "list_items": cfg.raw["completeness"].get("list_items", {}),
            "completeness_help": cfg.raw["completeness"].get("help", ""),
            "gaps": cfg.gaps, "staleness": cfg.raw["staleness"], "medallions": cfg.raw["hdruk"]["medallions"],
            "hdruk_source": cfg.raw["hdruk"]["source"], "hdruk_help": cfg.raw["hdruk"]["help"],
            "mqa_source": cfg.mqa["source"], "mqa_help": cfg.mqa["help"], "mqa_ratings": cfg.mqa["ratings"],
            "mqa_max_points": cfg.mqa["max_points"],
            "tables": {t.name: t.to_dict() for t in (hdruk_mapping_table(cfg), mqa_points_table(cfg))}}
    return respond("audit/method.html", data)
