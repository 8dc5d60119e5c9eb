"""`catalogue serve`: the web UI and JSON API."""
from __future__ import annotations

import click

from web import create_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.pass_obj
def serve(obj, host, port):
    """Serve the web UI and JSON API.

    The search index is caught up with the store on start. Every page has a JSON twin
    (add .json before the query string).

    \b
    Example:
      catalogue serve --port 5000
    """
    app = create_app(obj.settings, catalogue=obj.catalogue)
    click.echo(f"Serving the catalogue at http://{host}:{port}/ (Ctrl+C to stop)")
    app.run(host=host, port=port, threaded=True, debug=False, use_reloader=False)


COMMANDS = [serve]
