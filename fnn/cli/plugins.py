"""``fnn plugins``: every plugin fnn found, its package, hooks, the names it adds, and whether it loaded."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from fnn.plugins.registry import PluginInfo, inspect_plugins
from fnn.io import jsonfile
from fnn.cli._app import command, examples, plugin_settings
from fnn.cli._console import make_console, shown


@command("plugins", epilog=examples(
    ("fnn plugins", "every plugin: package, version, hooks, what it adds, status"),
    ("fnn --disable-plugin swish plugins", "the same without one plugin"),
))
def show_plugins(
    ctx: typer.Context,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List every plugin, built-ins included: package, version, hooks, names it adds, and status."""
    # A report, not a load: broken plugins show up in it rather than as warnings or errors.
    settings = plugin_settings(ctx)
    infos = inspect_plugins(entry_points=settings.entry_points, disabled=settings.disabled)
    if json_output:
        typer.echo(jsonfile.dumps([as_dict(info) for info in infos], indent=2))
        return
    console = make_console()
    table = Table(title="Plugins", title_justify="left")
    for column in ("plugin", "package", "hooks", "adds", "status"):
        table.add_column(column, no_wrap=column in ("plugin", "status"))
    for info in infos:
        adds = "\n".join(f"{kind}: {', '.join(names)}" for kind, names in info.names.items() if names)
        table.add_row(shown(info.name), shown(info.origin), "\n".join(info.hooks), adds, info.status)
    console.print(table)
    for info in infos:
        if info.error:
            console.print(shown(f"{info.describe()}: {info.error}"), soft_wrap=True)


def as_dict(info: PluginInfo) -> dict:
    """The JSON form of one plugin."""
    return {"name": info.name, "package": info.package, "version": info.version, "hooks": list(info.hooks),
            "names": info.names, "status": info.status, "error": info.error}
