"""The `catalogue` command: a click group that gathers the commands each package registers.

Packages register commands under the entry-point group `catalogue.commands` (see setup.cfg), each naming a
list of click commands, as Flask gathers `flask.commands`. The core imports no other package to do this.
"""
from __future__ import annotations

import traceback
from importlib.metadata import entry_points

import click

from catalogue.errors import CatalogueError
from catalogue.settings import Settings, described

ENTRY_POINTS = "catalogue.commands"


class Ctx:
    """What every command gets: the settings, and the catalogue opened on first use (closed at exit)."""

    def __init__(self, settings: Settings, debug: bool):
        self.settings, self.debug = settings, debug
        self._catalogue = None

    @property
    def catalogue(self):
        if self._catalogue is None:
            from catalogue.records.indexer import indexer_pid
            from catalogue.records.service import Catalogue

            # on a node whose indexer is running, commands only store; the indexer projects their changes
            self._catalogue = Catalogue(self.settings, index_writer=indexer_pid(self.settings) is None)
            click.get_current_context().call_on_close(self._catalogue.close)
        return self._catalogue


class CatalogueGroup(click.Group):
    """The one error guard: any failure is a one-line error (with a traceback under --debug)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except CatalogueError as exc:
            raise click.ClickException(str(exc)) from None
        except Exception as exc:  # noqa: BLE001 - top-level CLI guard
            if isinstance(ctx.obj, Ctx) and ctx.obj.debug:
                traceback.print_exc()
            raise click.ClickException(f"{type(exc).__name__}: {exc}") from None


def _settings_help() -> str:
    return "Settings (environment variables): " + "; ".join(f"{name}: {text}" for name, _, text in described())


@click.group(cls=CatalogueGroup, epilog=_settings_help())
@click.option("--instance", "instance_dir", help="Instance folder (store and index).")
@click.option("--database-url", help="SQLAlchemy URL of the store (default: SQLite in the instance folder).")
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.version_option(package_name="uk-data-catalogue")
@click.pass_context
def main(ctx, instance_dir, database_url, debug):
    """Cross-government metadata catalogue: load, validate, search index, RDF export and web server."""
    ctx.obj = Ctx(Settings.from_env(instance_dir=instance_dir, database_url=database_url), debug)


for _ep in sorted(entry_points(group=ENTRY_POINTS), key=lambda e: e.name):
    for _command in _ep.load():
        main.add_command(_command)
