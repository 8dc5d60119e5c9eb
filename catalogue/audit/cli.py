"""The `catalogue audit` command: completeness audits in the terminal, as CSV or JSON, with snapshots and gating."""
from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

import click

from catalogue.audit.record import r1
from catalogue.audit.config import AuditConfig
from catalogue.audit.service import audit_catalogue, count_records
from catalogue.audit.summary import METRIC_PHRASES, METRICS
from catalogue.audit.tables import TABLE_NAMES, Table, run_tables, to_csv, to_text
from catalogue.audit.linkcheck import LinkCheckSettings

# The columns a terminal can show; CSV and JSON have them all.
TEXT_COLUMNS = {"publishers": ["name", "records", "weighted_completeness", "mandatory", "recommended", "readiness",
                               "quality", "mqa", "errors"],
                "records": ["id", "weighted_completeness", "mandatory", "recommended", "readiness", "quality",
                            "medallion", "mqa", "errors", "gaps"],
                "summary": ["label", "mean", "median", "min", "max"],
                "fixes": ["id", "field", "kind", "weighted_completeness_gain", "quality_gain"]}


def _narrow(table: Table) -> Table:
    keys = TEXT_COLUMNS.get(table.name)
    if not keys:
        return table
    return Table(table.name, table.title, [c for c in table.columns if c.key in keys], table.rows)


@click.command("audit")
@click.option("--publisher", help="Audit one publisher (its id, e.g. department-for-education).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--table", "table_name", type=click.Choice(TABLE_NAMES),
              help="Which table to print (table and csv formats). Default: publishers, or records with --publisher.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.option("--snapshot", is_flag=True, help="Store the run as a dated snapshot for trends.")
@click.option("--fail-under", type=float, metavar="SCORE",
              help="Exit 1 if the mean score of the catalogue (or of --publisher) is below SCORE.")
@click.option("--metric", type=click.Choice([m for m, _ in METRICS]),
              help="Score used by --fail-under (default: the headline score in schemas/audit.json).")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Date to judge staleness by (default: today).")
@click.option("--revalidate", is_flag=True,
              help="Validate every record against the current schema (default: the report stored when it was saved).")
@click.option("--check-links", is_flag=True, help="Also check distribution URLs (HEAD, then GET). Off by default.")
@click.option("--link-timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds per request.")
@click.option("--link-concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Requests in flight at once.")
@click.option("--link-interval", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between two requests to the same host.")
@click.pass_obj
def audit(obj, publisher, fmt, table_name, output, snapshot, fail_under, metric, as_of, revalidate, check_links,
          link_timeout, link_concurrency, link_interval):
    """Audit the completeness and quality of the published metadata.

    For every record: completeness by obligation, weighted completeness, validation errors and
    warnings, the linkage-readiness score, an HDR UK-style quality score and medallion, and
    EU MQA-style points. Then means, distributions, per-field fill and key gaps per publisher and
    for the whole catalogue. Weights and points live in schemas/audit.json.

    \b
    Examples:
      catalogue audit
      catalogue audit --publisher department-for-education --table fixes --format csv -o dfe-fixes.csv
      catalogue audit --format json --output audit.json --snapshot
      catalogue audit --publisher department-for-education --fail-under 70    # CI gate
    """
    _audit(obj, publisher, fmt, table_name, output, snapshot, fail_under, metric, as_of, revalidate,
                     check_links, LinkCheckSettings(link_timeout, link_concurrency, link_interval))


def _audit(obj, publisher, fmt, table_name, output, snapshot, fail_under, metric, as_of, revalidate, check_links,
           link_settings):
    store = obj.catalogue.store
    if publisher and store.publisher(publisher) is None and not count_records(store, publisher):
        raise click.ClickException(f"There is no publisher with the id '{publisher}'.")
    cfg = AuditConfig.load()
    metric = metric or cfg.headline
    as_of_date = as_of.date() if as_of else date.today()
    total = count_records(store, publisher)
    start = time.perf_counter()
    hidden = not sys.stderr.isatty()
    links = link_settings if check_links else None
    with click.progressbar(length=total, label="Auditing", file=sys.stderr, hidden=hidden) as bar:
        run = audit_catalogue(store, as_of_date, publisher=publisher, cfg=cfg, links=links,
                              progress=bar.update, link_progress=None if hidden else _link_counter(),
                              revalidate=revalidate)
    took = time.perf_counter() - start
    click.echo(f"Audited {run.catalogue.records} records as of {as_of_date.isoformat()} in {took:.1f}s"
               + (f", {run.catalogue.links_checked} links checked" if check_links else "") + ".", err=True)
    tables = run_tables(run, publisher)
    chosen = tables[table_name or ("records" if publisher else "publishers")]
    if fmt == "json":
        text = json.dumps(run.to_dict() if not table_name else chosen.to_dict(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        text = to_csv(chosen)
    else:
        text = _headline(run) + "\n\n" + to_text(_narrow(chosen)) + "\n"
    if output:
        Path(output).write_text(text, encoding="utf-8", newline="")
        click.echo(f"Wrote {output}.", err=True)
    else:
        click.echo(text, nl=False)
    if snapshot:
        from catalogue.audit.snapshots import AuditSnapshots

        click.echo(f"Stored snapshot {AuditSnapshots(store).save(run)}.", err=True)
    if fail_under is not None:
        _gate(run, metric, fail_under)


def _link_counter():
    done = [0]

    def step(n: int) -> None:
        done[0] += n
        click.echo(f"\rChecked {done[0]} links", err=True, nl=False)
    return step


def _headline(run) -> str:
    g = run.catalogue
    lines = [f"{g.name}: {g.records} records as of {run.as_of.isoformat()}"]
    for m, label in METRICS:
        value = r1(g.mean(m))
        lines.append(f"  {label}: {'n/a' if value is None else f'{value:.1f}'}")
    gaps = ", ".join(f"{k} {v}" for k, v in g.gaps.items())
    lines.append(f"  Errors: {g.errors} in {g.records_with_errors} records; warnings: {g.warnings}")
    lines.append(f"  Key gaps (records): {gaps}")
    return "\n".join(lines)


def _gate(run, metric: str, threshold: float) -> None:
    value = r1(run.catalogue.mean(metric))
    who = run.catalogue.name
    label = METRIC_PHRASES[metric]
    if value is None:
        click.echo(f"FAIL: {who} has no records, so its {label} cannot reach {threshold:g}.", err=True)
        sys.exit(1)
    if value < threshold:
        click.echo(f"FAIL: {who} mean {label} is {value:.1f}, below {threshold:g}.", err=True)
        sys.exit(1)
    click.echo(f"OK: {who} mean {label} is {value:.1f}, at least {threshold:g}.", err=True)


COMMANDS = [audit]
