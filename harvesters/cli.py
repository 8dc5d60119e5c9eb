"""`catalogue sources ...` and `catalogue harvest NAME`: manage harvest sources and run harvests from the shell."""
from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import click

from catalogue.provenance import RunInProgress, Source
from catalogue.formats.normalise import SLUG_PATTERN
from catalogue.records.clock import utc_now

from harvesters.http import MAX_BYTES, MEMORY_FACTOR, HttpConfig
from harvesters.registry import SOURCE_TYPES
from harvesters.schedule import EXAMPLES, ScheduleError
from harvesters.schedule import parse as parse_schedule
from harvesters.store import HarvestRepository

EXIT_FAILED, EXIT_PARTIAL = 1, 3
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,199}$")


def _repo(obj) -> HarvestRepository:
    return HarvestRepository(obj.catalogue.store)


@click.group()
def sources():
    """Add, list and remove harvest sources (CKAN portals, DCAT feeds, HDR UK-style APIs)."""


@sources.command("add")
@click.argument("name")
@click.option("--type", "type_", type=click.Choice(SOURCE_TYPES), required=True, help="Kind of source.")
@click.option("--url", required=True, help="CKAN site, DCAT feed (URL, file:// or a local path), or HDR UK list URL.")
@click.option("--publisher", "publishers", multiple=True, metavar="ID",
              help="Publisher id this source may write for (repeatable). With one, it is also the default.")
@click.option("--token-env", default="", metavar="VAR",
              help="NAME of the environment variable holding the API key or token (the secret is never stored).")
@click.option("--auth", type=click.Choice(["bearer", "apikey"]), default="bearer", show_default=True,
              help="How the secret is sent: 'Authorization: Bearer', or an API-key header (CKAN always uses its own).")
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE",
              help="Mapping option: ckan fq=..., rows=N; hdruk item_url=...{id}..., auth_header=NAME.")
@click.option("--schedule", default="", help=f"When `catalogue harvest --due` runs it (UTC): {EXAMPLES}.")
@click.pass_obj
def add(obj, name, type_, url, publishers, token_env, auth, options, schedule):
    """Register a harvest source.

    \b
    Examples:
      catalogue sources add dgu --type ckan --url https://data.gov.uk --publisher department-for-education
      catalogue sources add ons-feed --type dcat --url https://example.org/catalogue.ttl
      catalogue sources add gateway --type hdruk --url https://gw.example.org/api/datasets \\
          --option 'item_url=https://gw.example.org/api/datasets/{id}' --token-env GATEWAY_TOKEN
    """
    if not _NAME.match(name):
        raise click.BadParameter("use letters, digits, '.', '_' and '-' (at most 100)", param_hint="NAME")
    url = url.strip()
    if type_ == "dcat" and not re.match(r"^(https?|file)://", url, re.I):
        if not Path(url).exists():
            raise click.BadParameter(f"{url} is neither an http(s)/file:// URL nor an existing file",
                                     param_hint="--url")
        url = str(Path(url).resolve())
    elif not re.match(r"^https?://", url, re.I) and not (type_ == "dcat" and url.lower().startswith("file://")):
        raise click.BadParameter("must be an http:// or https:// URL", param_hint="--url")
    for pub in publishers:
        if not SLUG_PATTERN.match(pub):
            raise click.BadParameter(f"{pub!r} is not a publisher id (lower-case slug)", param_hint="--publisher")
    if token_env and not _ENV_NAME.match(token_env):
        raise click.BadParameter("give the NAME of an environment variable (e.g. GATEWAY_TOKEN), not the secret",
                                 param_hint="--token-env")
    opts = {}
    for item in options:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--option")
        opts[key.strip()] = value.strip()
    if schedule.strip():
        try:
            parse_schedule(schedule)
        except ScheduleError as exc:
            raise click.BadParameter(str(exc), param_hint="--schedule") from None
    source = Source(name, type_, url, list(publishers), token_env, auth if token_env else "", opts, schedule)
    try:
        _repo(obj).add_source(source)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Added harvest source {name} ({type_}, {url}).")
    if token_env:
        click.echo(f"The secret will be read from ${token_env} when the harvest runs; it is not stored.")


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@click.pass_obj
def list_cmd(obj, as_json):
    """List harvest sources with their last run (secrets are never shown; there are none stored)."""
    repo = _repo(obj)
    rows = []
    for src in repo.sources():
        last = repo.runs(src.name, limit=1)
        rows.append({**src.public(), "last_run": last[0].to_dict() if last else None})
    if as_json:
        click.echo(json.dumps({"sources": rows}, indent=2))
        return
    if not rows:
        click.echo("No harvest sources. Add one with: catalogue sources add NAME --type ckan --url URL")
        return
    for r in rows:
        last = r["last_run"]
        when = f"last run {last['id']}: {last['status']} {last['started_at'][:16]}" if last else "never run"
        pubs = ", ".join(r["publishers"]) or "any publisher"
        click.echo(f"{r['name']:<20} {r['type']:<6} {r['url']}\n{'':<20} writes for {pubs}; credentials "
                   f"{r['credentials']}; {when}")


@sources.command("remove")
@click.argument("name")
@click.pass_obj
def remove(obj, name):
    """Remove a harvest source. Records it harvested and its run history are kept."""
    if not _repo(obj).remove_source(name):
        raise click.ClickException(f"there is no harvest source named {name!r}")
    click.echo(f"Removed harvest source {name}. Its records and run history are kept.")


def _summary(totals: dict) -> str:
    keys = ("created", "updated", "unchanged", "withdrawn", "failed", "duplicate", "skipped")
    text = ", ".join(f"{totals.get(k, 0)} {k}" for k in keys if totals.get(k) or k in keys[:5])
    return text + (f" ({totals['incomplete']} stored flagged incomplete)" if totals.get("incomplete") else "")


@click.command()
@click.argument("name", required=False)
@click.option("--due", is_flag=True,
              help="Run every source whose schedule has come round since its last finished run; skip the others.")
@click.option("--full", is_flag=True, help="Re-read everything, not only what changed since the last complete run.")
@click.option("--allow-empty", is_flag=True,
              help="Accept a listing with no datasets at all and withdraw what this source harvested before.")
@click.option("--json", "as_json", is_flag=True, help="Print the run (totals and outcomes) as one JSON object.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=HttpConfig.read_timeout, show_default=True,
              help="Seconds to wait for the source to answer (each request).")
@click.option("--retries", type=click.IntRange(min=0, max=10), default=HttpConfig.retries, show_default=True,
              help="Extra attempts after a 429/5xx answer or a connection error, with exponential backoff.")
@click.option("--max-mb", type=click.FloatRange(min=0.001, max=1024), default=MAX_BYTES / 2**20, show_default=True,
              help=f"Largest response accepted, in MB. Reading one takes up to about {MEMORY_FACTOR} times its size "
                   "in memory (under 1 GB at the default), so raise it only on a machine that can hold that.")
@click.option("--force", is_flag=True,
              help="Start even if a run of this source is marked running (that run is marked failed). A run whose "
                   "process on this machine has died is cleared without it.")
@click.pass_obj
def harvest(obj, name, due, full, as_json, timeout, retries, allow_empty, max_mb, force):
    """Harvest one source (NAME), or every source that is due (--due), through the normal write path.

    Progress goes to stderr. Exit status: 0 when the run completed, 1 when it failed (nothing withdrawn),
    3 when it was partial (some records failed or the listing was incomplete; nothing withdrawn).
    With --json, stdout is always one JSON object, also when the run could not start.

    With --due, each source's schedule (`sources add --schedule`, e.g. 'daily 02:00', times in UTC) is
    compared with its last finished run; due sources run one after another, the others are skipped, and
    both are listed. The exit status is the worst of the runs. Run it from cron or a systemd timer every
    few minutes: it runs nothing that is not due.

    \b
    Examples:
      catalogue harvest dgu
      catalogue harvest dgu --full --json > run.json
      catalogue harvest --due
    """
    if due == bool(name):
        raise click.UsageError("give a source NAME, or --due to run every source whose schedule has come round")
    if due and (allow_empty or force):
        raise click.UsageError("--allow-empty and --force apply to one named source, not to --due")
    http = HttpConfig(read_timeout=timeout, retries=retries, max_bytes=int(max_mb * 2**20))
    if due:
        _harvest_due(obj, full=full, as_json=as_json, http=http)
        return
    repo = _repo(obj)
    source = repo.source(name)
    if source is None:
        raise click.ClickException(f"there is no harvest source named {name!r}; see: catalogue sources list")
    result = _run_one(obj, repo, source, full=full, as_json=as_json, http=http, allow_empty=allow_empty, force=force)
    run = result.run
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        _print_run(result)
    if run.status == "failed":
        sys.exit(EXIT_FAILED)
    if run.status == "partial":
        sys.exit(EXIT_PARTIAL)


def _run_one(obj, repo, source, *, full, as_json, http, allow_empty=False, force=False):
    """One run with progress on stderr. On a refusal or an unexpected error under --json, prints the one JSON
    object and exits 1."""
    from harvesters.runner import harvest as run_harvest

    name = source.name
    start = time.monotonic()
    click.echo(f"Harvesting {name} ({source.type}, {'full' if full else 'incremental'}) from {source.url}", err=True)

    def progress(_event: str, data: dict) -> None:
        click.echo(f"  {data['processed']} records after {time.monotonic() - start:.1f}s: "
                   f"{_summary(data['totals'])}", err=True)

    try:
        return run_harvest(obj.catalogue, repo, source, full=full, http=http, progress=progress,
                           allow_empty=allow_empty, force=force)
    except RunInProgress as exc:
        message = f"{exc}; try again when it has finished, or use --force if its process has died"
        if as_json:
            click.echo(json.dumps({"source": name, "run": None, "status": "refused", "error": message}, indent=2))
            sys.exit(EXIT_FAILED)
        raise click.ClickException(message) from None
    except Exception as exc:  # the runner has recorded the run as failed; still one JSON object on stdout
        if not as_json or getattr(obj, "debug", False):
            raise
        last = next(iter(repo.runs(name, limit=1)), None)
        mine = last is not None and last.status == "failed" and last.error.startswith("unexpected error")
        click.echo(json.dumps({"source": name, "run": last.id if mine else None, "status": "failed",
                               "error": last.error if mine else f"unexpected error: {type(exc).__name__}"}, indent=2))
        sys.exit(EXIT_FAILED)


def _print_run(result) -> None:
    run = result.run
    for o in [o for o in result.outcomes if o["action"] == "failed"][:20]:
        click.echo(f"  failed {o['remote_id']}: {o['reason']}", err=True)
    click.echo(f"Run {run.id} {run.status} in {run.duration:.1f}s: {_summary(run.totals)}.")
    if run.error:
        click.echo(f"{'Error' if run.status == 'failed' else 'Note'}: {run.error}", err=True)


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _harvest_due(obj, *, full: bool, as_json: bool, http: HttpConfig) -> None:
    """`harvest --due`: run the sources whose schedule has come round, one after another; list the rest."""
    from harvesters.runner import harvest as run_harvest

    repo = _repo(obj)
    ran, skipped = [], []
    for source in repo.sources():
        now = utc_now()
        last = next((r for r in repo.runs(source.name, limit=20) if r.finished_at is not None), None)
        finished = last.finished_at if last else None
        if not source.schedule.strip():
            skipped.append({"source": source.name, "reason": "no schedule", "next_due": None})
            continue
        try:
            schedule = parse_schedule(source.schedule)
        except ScheduleError as exc:
            skipped.append({"source": source.name, "reason": f"schedule not understood: {exc}", "next_due": None})
            continue
        if not schedule.due(now, finished):
            when = schedule.next_due(now, finished)
            skipped.append({"source": source.name, "next_due": when.isoformat(),
                            "reason": f"not due until {_when(when)} (schedule '{source.schedule}', "
                                      f"last run finished {_when(finished)})"})
            continue
        why = f"last run finished {_when(finished)}" if finished else "never run"
        click.echo(f"Harvesting {source.name}: due (schedule '{source.schedule}', {why})", err=True)
        try:
            result = run_harvest(obj.catalogue, repo, source, full=full, http=http)
        except RunInProgress as exc:
            skipped.append({"source": source.name, "reason": f"a run is in progress: {exc}", "next_due": None})
            continue
        except Exception as exc:  # recorded as a failed run by the runner; the other sources still run
            if getattr(obj, "debug", False):
                raise
            ran.append({"source": source.name, "run": None, "status": "failed", "duration": 0.0, "totals": {},
                        "error": f"unexpected error: {type(exc).__name__}"})
            continue
        run = result.run
        ran.append({"source": source.name, "run": run.id, "status": run.status, "duration": run.duration,
                    "totals": run.totals, "error": run.error})
    if as_json:
        click.echo(json.dumps({"ran": ran, "skipped": skipped}, indent=2))
    else:
        for r in ran:
            click.echo(f"Ran {r['source']}: run {r['run']} {r['status']} in {r['duration']:.1f}s: "
                       f"{_summary(r['totals'])}." + (f" {r['error']}" if r["error"] else ""))
        for s in skipped:
            click.echo(f"Skipped {s['source']}: {s['reason']}.")
        click.echo(f"{len(ran)} ran, {len(skipped)} skipped.")
    statuses = {r["status"] for r in ran}
    if "failed" in statuses:
        sys.exit(EXIT_FAILED)
    if "partial" in statuses:
        sys.exit(EXIT_PARTIAL)


COMMANDS = [sources, harvest]
