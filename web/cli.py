"""`catalogue serve` (gunicorn, with the node's indexer beside it) and `catalogue indexer`."""
from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from dataclasses import asdict

import click

from catalogue.records.indexer import POLL, follow, indexer_pid
from catalogue.records.service import Catalogue
from catalogue.records.store import Store


def default_workers() -> int:
    """2 x CPU cores + 1 (gunicorn's advice), at most 8: each worker holds its own searcher."""
    return min(2 * (os.cpu_count() or 1) + 1, 8)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", type=click.IntRange(min=1, max=64),
              help="Worker processes (default: the CATALOGUE_WORKERS setting, else 2 x CPU cores + 1, at most 8).")
@click.option("--timeout", type=click.IntRange(min=1, max=3600),
              help="Seconds a request may take before its worker is replaced (default: CATALOGUE_REQUEST_TIMEOUT).")
@click.option("--debug", "debug_server", is_flag=True,
              help="Werkzeug's development server with Flask's debugger, one process, loopback only.")
@click.pass_obj
def serve(obj, host, port, workers, timeout, debug_server):
    """Serve the web UI and JSON API with gunicorn, and run this node's indexer beside it.

    The search index is caught up with the store first (built if missing). Then gunicorn starts WORKERS
    sync worker processes, which read the index and never write it, and one indexer process, which follows
    the store's revision counter and writes the index: a change made through any node on the same database
    is found in search here within about a second. If an indexer for this index is already running
    (`catalogue indexer`), serve uses it instead of starting one. Every page has a JSON twin (add .json
    before the query string).

    \b
    Examples:
      catalogue serve --port 5000
      CATALOGUE_DATABASE_URL=postgresql+psycopg://... catalogue serve --host 0.0.0.0 --workers 4
      catalogue serve --debug
    """
    settings = obj.settings
    if debug_server:
        if not _loopback(host):
            raise click.UsageError("--debug serves Flask's interactive debugger: use a loopback --host only")
        from web import create_app

        app = create_app(settings, catalogue=Catalogue(settings, index_writer=indexer_pid(settings) is None))
        click.echo(f"Serving the catalogue (debug, Werkzeug) at http://{host}:{port}/ (Ctrl+C to stop)")
        app.run(host=host, port=port, threaded=True, debug=True, use_reloader=False)
        return
    from web.server import Server

    Store(settings.db_url).close()  # every table the app declares, made once here, not by workers racing at boot
    running = indexer_pid(settings)
    if running is None:
        touched = catch_up(settings)
        click.echo(f"Search index caught up with the store ({touched} updated).")
    else:
        click.echo(f"Using the indexer already running for {settings.index_path} (pid {running}).")
    workers = workers or settings.workers or default_workers()
    timeout = timeout or settings.request_timeout
    click.echo(f"Serving the catalogue at http://{host}:{port}/ with {workers} gunicorn worker(s), "
               f"request timeout {timeout}s (Ctrl+C to stop)")
    Server(settings, host=host, port=port, workers=workers, timeout=timeout, indexer=running is None).run()


def catch_up(settings) -> int:
    """Bring the index up to date (building it if missing) in a process of its own, so that gunicorn's master,
    which the workers are forked from, never holds what a rebuild reads."""
    done = subprocess.run([sys.executable, "-m", "catalogue.records.indexer", "--once"], text=True,
                          input=json.dumps(asdict(settings)), stdout=subprocess.PIPE)
    if done.returncode != 0:
        raise click.ClickException("could not bring the search index up to date (see above)")
    return int(done.stdout.strip().splitlines()[-1])


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--interval", type=click.FloatRange(min=0.05, max=60), default=POLL, show_default=True,
              help="Seconds between looks at the store's revision counter.")
@click.pass_obj
def indexer(obj, interval):
    """Run this node's indexer: follow the store's revision counter and write the search index.

    `catalogue serve` starts one itself; run this instead under a process supervisor of your own if you
    prefer (serve then uses it). Only one indexer can write an index folder: a second one stops with an
    error. Stops on SIGTERM or Ctrl+C.

    \b
    Example:
      catalogue indexer
    """
    follow(obj.settings, interval)


COMMANDS = [serve, indexer]
