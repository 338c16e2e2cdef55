"""``fnn list``: the registered plugins' records and where each came from."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from fnn.core.records import KINDS
from fnn.io import jsonfile
from fnn.cli._app import command, examples, plugin_registry
from fnn.cli._console import make_console, shown

_TITLES = {"activation": "Activations", "loss": "Losses", "optimizer": "Optimizers", "dataset": "Datasets",
           "metric": "Metrics", "feature": "Features"}


@command("list", epilog=examples(
    ("fnn list", "every activation, loss, optimizer, dataset, metric and feature"),
    ("fnn list optimizer --json", "one kind, as JSON"),
))
def list_plugins(
    ctx: typer.Context,
    kind: Annotated[Optional[str], typer.Argument(
        help="activation, loss, optimizer, dataset, metric or feature.", show_default="all")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the registered activations, losses, optimizers, datasets, metrics and features and where each comes
    from."""
    kinds = list(KINDS)
    if kind is not None:
        singular = kind[:-1] if kind.endswith("s") and kind[:-1] in KINDS else kind
        if singular not in KINDS:
            raise typer.BadParameter(f"{kind!r} is not one of: {', '.join(KINDS)}", param_hint="KIND")
        kinds = [singular]
    reg = plugin_registry(ctx)
    if json_output:
        typer.echo(jsonfile.dumps([
            {"kind": e.kind, "name": e.name, "description": e.record.description,
             "plugin": e.plugin, "package": e.package}
            for k in kinds for e in reg.entries(k)
        ], indent=2))
        return
    console = make_console()
    for k in kinds:
        table = Table(title=_TITLES[k], title_justify="left")
        table.add_column("name", style="bold", no_wrap=True)
        table.add_column("description")
        table.add_column("plugin", no_wrap=True)
        for e in reg.entries(k):
            origin = e.plugin if e.package in ("fnn", None) else f"{e.plugin} ({e.package})"
            table.add_row(e.name, shown(e.record.description, one_line=False), shown(origin))
        console.print(table)
