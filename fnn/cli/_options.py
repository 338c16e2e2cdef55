"""Option types and parsers shared by every command."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from ..registry import registry


def _completer(kind: str):
    def complete(incomplete: str) -> list[str]:
        return [name for name in registry().names(kind) if name.startswith(incomplete)]

    return complete


def parse_hidden(text: str) -> tuple[int, ...]:
    """``"4,8"`` -> ``(4, 8)``; anything but a comma list of positive integers is a usage error."""
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or any(size < 1 for size in sizes):
        raise typer.BadParameter(
            f"hidden sizes must be a comma list of positive integers such as 4,8; got {text!r}", param_hint="--hidden"
        )
    return sizes


def parse_options(pairs: list[str]) -> dict[str, float]:
    """``["momentum=0.95"]`` -> ``{"momentum": 0.95}``; every value a finite number."""
    options = {}
    for pair in pairs:
        key, sep, value = (part.strip() for part in pair.partition("="))
        if not sep or not key:
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--opt")
        try:
            number = float(value)
        except ValueError:
            raise typer.BadParameter(f"{key}: {value!r} is not a number", param_hint="--opt") from None
        if not math.isfinite(number):
            raise typer.BadParameter(f"{key}: {value!r} is not finite", param_hint="--opt")
        options[key] = number
    return options


def refuse_dataset_with_data(ctx: typer.Context, data: object) -> None:
    """``--dataset`` typed together with ``--data``: a usage error, since ``--data`` replaces the dataset."""
    source = ctx.get_parameter_source("dataset")  # click's ParameterSource, vendored by recent typer: by name
    if data is not None and source is not None and source.name != "DEFAULT":
        raise typer.BadParameter("--data trains on your CSV instead of a dataset; give one of --dataset and --data",
                                 param_hint="--dataset")


DatasetOption = Annotated[str, typer.Option("--dataset", "-d", help="Dataset name (see 'fnn list dataset').",
                                            autocompletion=_completer("dataset"), rich_help_panel="Data")]
ActivationOption = Annotated[str, typer.Option("--activation", "-a", help="Hidden-layer activation.",
                                               autocompletion=_completer("activation"), rich_help_panel="Model")]
OutputOption = Annotated[str, typer.Option("--output-activation", help="Output-layer activation.",
                                           autocompletion=_completer("activation"), rich_help_panel="Model")]
LossOption = Annotated[str, typer.Option("--loss", help="Loss name.", autocompletion=_completer("loss"),
                                         rich_help_panel="Training")]
OptimizerOption = Annotated[str, typer.Option("--optimizer", "-o", help="Optimizer name.",
                                              autocompletion=_completer("optimizer"), rich_help_panel="Training")]
