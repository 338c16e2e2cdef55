"""Checks of the command line that tie options together, shared by ``fnn run`` and ``fnn sweep``."""

from __future__ import annotations

import typer


def refuse_dataset_with_data(ctx: typer.Context, data: object) -> None:
    """``--dataset`` typed together with ``--data``: a usage error, since ``--data`` replaces the dataset."""
    source = ctx.get_parameter_source("dataset")  # click's ParameterSource, vendored by recent typer: by name
    if data is not None and source is not None and source.name != "DEFAULT":
        raise typer.BadParameter("--data trains on your CSV instead of a dataset; give one of --dataset and --data",
                                 param_hint="--dataset")


def given_settings(ctx: typer.Context, names) -> list[str]:
    """The flags of the settings ``names`` that the command line gave (not left at their defaults)."""
    from fnn.runs.settings import BY_NAME

    sources = {BY_NAME[name].flag: ctx.get_parameter_source(name) for name in names}  # click's, by name as above
    return [flag for flag, source in sources.items() if source is not None and source.name != "DEFAULT"]
