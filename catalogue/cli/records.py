"""Core commands: init, load, validate, reindex, export and import."""
from __future__ import annotations

import json
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path

import click

from catalogue.records.files import InputError, read_records
from catalogue.records.validation import validate
from seed_data import SEED_DIR

PROJECTIONS = "catalogue.projections"  # entry points: function(catalogue) -> summary ("SPARQL store: 79 datasets")


@click.command()
@click.option("--seed/--no-seed", default=False, help="Also load the publishers and datasets in seed_data/.")
@click.pass_obj
def init(obj, seed):
    """Create the store and the search index (safe to run again).

    With --seed it also loads seed_data/publishers.json and seed_data/datasets/*.json through the
    normal write path; records already present and unchanged are left alone, so nothing is duplicated.

    \b
    Example:
      catalogue init --seed
    """
    cat = obj.catalogue
    click.echo(f"Store: {obj.settings.db_url}")
    click.echo(f"Index: {obj.settings.index_path}")
    if seed:
        _load_publishers(cat, SEED_DIR / "publishers.json")
        files = sorted((SEED_DIR / "datasets").glob("*.json"))
        if _load(obj, files, author="seed", route="seed", as_json=False):
            sys.exit(1)
    touched = cat.sync_index(force=True)
    click.echo(f"Ready: {cat.store.count()} published datasets, index caught up ({touched} updated).")


def _load_publishers(cat, path: Path) -> None:
    pubs = read_records(path)
    bad = [p for p in pubs if not isinstance(p, dict) or not isinstance(p.get("id"), str)]
    if bad:
        raise click.ClickException(f"{path}: every publisher needs an 'id' (found {len(bad)} without)")
    click.echo(f"Publishers: {cat.load_publishers(pubs)} loaded from {path}")


def _load(obj, files, *, author: str, route: str, as_json: bool) -> bool:
    """Load files through the single write path. Returns True if anything failed."""
    records, failed = [], False
    for f in files:
        try:
            records.extend(read_records(f))
        except InputError as exc:
            click.echo(f"Error: {exc}", err=True)
            failed = True
    if failed:
        click.echo("Nothing loaded: fix the files above first.", err=True)
        return True
    start = time.perf_counter()
    with click.progressbar(length=len(records), label="Loading", file=sys.stderr,
                           hidden=as_json or not sys.stderr.isatty()) as bar:
        results = obj.catalogue.save_many(records, author=author, route=route, progress=lambda _: bar.update(1))
    took = time.perf_counter() - start
    totals: dict[str, int] = {}
    for r in results:
        totals[r.action] = totals.get(r.action, 0) + 1
    if as_json:
        click.echo(json.dumps({"totals": totals, "seconds": round(took, 2),
                               "results": [r.to_dict() for r in results if r.action == "rejected"]}, indent=2))
    else:
        for i, r in enumerate(results):
            if r.action == "rejected":
                click.echo(f"Rejected record {i + 1} ({r.identifier or 'no identifier'}):", err=True)
                for issue in r.report.errors:
                    click.echo(f"  {issue.path}: {issue.message}", err=True)
        summary = ", ".join(f"{v} {k}" for k, v in sorted(totals.items())) or "no records"
        click.echo(f"Loaded {len(results)} records in {took:.1f}s: {summary}.")
    return totals.get("rejected", 0) > 0


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--publishers", "publishers_file", type=click.Path(exists=True, dir_okay=False),
              help="JSON list of publishers ({id, name, ...}) to load first.")
@click.option("--author", default="cli", show_default=True, help="Who is recorded in the revision history.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def load(obj, files, publishers_file, author, as_json):
    """Load records from JSON or JSON Lines files.

    Each record is validated, stored as a new revision and indexed. Invalid records are not stored
    and are listed with their errors; the command then exits 1. Unchanged records make no revision.

    \b
    Examples:
      catalogue load my-datasets.json
      catalogue load --publishers seed_data/publishers.json seed_data/datasets/*.json
    """
    if publishers_file:
        _load_publishers(obj.catalogue, Path(publishers_file))
    if _load(obj, files, author=author, route="cli-load", as_json=as_json):
        sys.exit(1)


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@click.option("--errors-only", is_flag=True, help="Hide warnings about missing recommended fields.")
def validate_cmd(files, as_json, errors_only):
    """Check records in JSON or JSON Lines files against the metadata requirements schema.

    A .json file may hold one record or a list; a .jsonl file one record per line. Errors break a
    mandatory rule; warnings name missing recommended fields. Exits 1 if any record is invalid or
    any file cannot be read. Nothing is stored.

    \b
    Examples:
      catalogue validate seed_data/example-record.json
      catalogue validate --json records.jsonl > report.json
    """
    out, any_invalid = [], False
    for f in files:
        entry: dict = {"file": f, "error": None, "records": []}
        try:
            records = read_records(f)
        except InputError as exc:
            entry["error"] = str(exc)
            any_invalid = True
            out.append(entry)
            if not as_json:
                click.echo(f"Error: {exc}", err=True)
            continue
        for i, rec in enumerate(records):
            report = validate(rec)
            any_invalid |= not report.valid
            ident = rec.get("identifier") if isinstance(rec, dict) else None
            entry["records"].append({"index": i, "identifier": ident, **report.to_dict()})
            if not as_json:
                status = "valid" if report.valid else "INVALID"
                click.echo(f"{f} record {i + 1} ({ident or 'no identifier'}): {status}, "
                           f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)")
                for issue in report.issues:
                    if errors_only and issue.severity != "error":
                        continue
                    click.echo(f"  {issue.severity:7} {issue.path}: {issue.message}")
        out.append(entry)
    if as_json:
        click.echo(json.dumps({"valid": not any_invalid, "files": out}, indent=2))
    sys.exit(1 if any_invalid else 0)


@click.command()
@click.option("--only", type=click.Choice(["search", *sorted(ep.name for ep in entry_points(group=PROJECTIONS))]),
              help="Rebuild only this projection.")
@click.pass_obj
def reindex(obj, only):
    """Rebuild the search index, and every other projection (the SPARQL store), from the store.

    The store is the system of record; the index is derived from it and can be deleted and rebuilt
    at any time. The web app also catches up on start from the revision counter. Other projections
    register a rebuild function under the entry-point group catalogue.projections (setup.cfg).

    \b
    Examples:
      catalogue reindex
      catalogue reindex --only sparql
    """
    if only in (None, "search"):
        start = time.perf_counter()
        n = obj.catalogue.reindex()
        click.echo(f"Indexed {n} datasets in {time.perf_counter() - start:.1f}s.")
    for ep in sorted(entry_points(group=PROJECTIONS), key=lambda e: e.name):
        if only not in (None, ep.name):
            continue
        start = time.perf_counter()
        summary = ep.load()(obj.catalogue)
        click.echo(f"Rebuilt the {summary} in {time.perf_counter() - start:.1f}s.")


@click.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "jsonld", "rdf", "nt"]), default="ttl", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.pass_obj
def export(obj, fmt, output):
    """Export the whole catalogue as DCAT-AP 3 RDF (Turtle, JSON-LD, RDF/XML or N-Triples).

    \b
    Examples:
      catalogue export --format ttl --output catalogue.ttl
      catalogue export --format jsonld > catalogue.jsonld
    """
    from catalogue.formats.export import export_store

    store = obj.catalogue.store
    pieces = export_store(store, fmt, obj.settings.base_url)  # record by record: memory bounded by one record
    if output:
        with open(output, "wb") as out:
            out.writelines(pieces)
        click.echo(f"Exported {store.count()} datasets to {output}.", err=True)
    else:
        click.get_binary_stream("stdout").writelines(pieces)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["ttl", "jsonld", "rdf", "nt"]), help="Default: from the extension.")
@click.option("--author", default="cli", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_obj
def import_cmd(obj, file, fmt, author, as_json):
    """Import DCAT datasets from an RDF file through the normal write path.

    Every dcat:Dataset in the file is mapped to a record, validated and stored. The format comes from
    the file extension (.ttl, .jsonld, .rdf, .nt) unless --format is given. Exits 1 if any record is
    rejected or the file cannot be parsed.

    \b
    Example:
      catalogue import catalogue.ttl
    """
    from catalogue.formats.dcat import graph_to_records
    from catalogue.formats.rdf_io import FORMATS, RDFError, parse_rdf

    try:
        graph = parse_rdf(Path(file).read_bytes(), fmt=FORMATS[fmt][0] if fmt else None, source=file)
    except RDFError as exc:
        raise click.ClickException(str(exc)) from None
    records = graph_to_records(graph)
    if not records:
        raise click.ClickException(f"{file}: no dcat:Dataset found")
    tmp = Path(obj.settings.instance_dir)
    tmp.mkdir(parents=True, exist_ok=True)
    results = obj.catalogue.save_many(records, author=author, route="rdf-import")
    failed = [r for r in results if r.action == "rejected"]
    if as_json:
        click.echo(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        for r in results:
            click.echo(f"{r.identifier or '(no identifier)'}: {r.action}")
            for issue in r.report.errors:
                click.echo(f"  {issue.path}: {issue.message}", err=True)
    sys.exit(1 if failed else 0)


COMMANDS = [init, load, validate_cmd, reindex, export, import_cmd]
