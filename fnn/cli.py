"""The ``fnn`` command line: parse, call the library, render.

Every command is thin: it turns flags into a :class:`fnn.RunConfig` (or a
registry query), calls the library, and draws the result with rich. Errors the
library raises on purpose become one line on stderr: exit code 2 for bad usage
(unknown names, bad sizes, bad numbers), 1 for failures (a diverging loss).
``FNN_DEBUG=1`` shows the traceback instead.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Annotated, Optional

import numpy as np
import typer
import typer.core
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .errors import ConfigError, FnnError
from .records import KINDS
from .registry import registry
from .training import DEFAULT_EPOCHS, Epoch, Experiment, RunConfig, prepare, run as run_experiment, summarize

DEBUG_ENV = "FNN_DEBUG"
SMALL_SET = 30
PREDICTION_ROWS = 20


# typer's click-derived exceptions: vendored in recent typer, plain click in older releases.
_CLICK_ERROR = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException")


class _OneLineErrors(typer.core.TyperGroup):
    """Render usage errors and fnn's own errors as one line, without a traceback."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _CLICK_ERROR as error:  # bad usage: unknown option or command, a value of the wrong type
            command = getattr(getattr(error, "ctx", None), "command_path", None)
            message = f"{command}: {error.format_message()} (see '{command} --help')" if command else error.format_message()
            code = _fail(message, error.exit_code)
        except typer.Abort:
            code = _fail("aborted", 1)
        except FnnError as error:
            if os.environ.get(DEBUG_ENV):
                raise
            code = _fail(str(error), 2 if isinstance(error, ConfigError) else 1)
        if not standalone_mode:
            return code
        sys.exit(code or 0)


def _fail(message: str, code: int) -> int:
    typer.echo(f"Error: {message}", err=True)
    return code


app = typer.Typer(
    cls=_OneLineErrors,
    help="fnn: train small neural networks with backpropagation you can read.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"fnn {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """fnn: train small neural networks with backpropagation you can read."""


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
    """``["momentum=0.95"]`` -> ``{"momentum": 0.95}``."""
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--opt")
        try:
            options[key.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(f"{key}: {value!r} is not a number", param_hint="--opt") from None
    return options


DatasetOption = Annotated[str, typer.Option("--dataset", "-d", help="Dataset name (see 'fnn list dataset').",
                                            autocompletion=_completer("dataset"))]
ActivationOption = Annotated[str, typer.Option("--activation", "-a", help="Hidden-layer activation.",
                                               autocompletion=_completer("activation"))]
OutputOption = Annotated[str, typer.Option("--output-activation", help="Output-layer activation.",
                                           autocompletion=_completer("activation"))]
LossOption = Annotated[str, typer.Option("--loss", help="Loss name.", autocompletion=_completer("loss"))]
OptimizerOption = Annotated[str, typer.Option("--optimizer", "-o", help="Optimizer name.",
                                              autocompletion=_completer("optimizer"))]


@app.command()
def run(
    dataset: DatasetOption = "xor",
    activation: ActivationOption = "sigmoid",
    output_activation: OutputOption = "sigmoid",
    loss: LossOption = "mse",
    optimizer: OptimizerOption = "sgd",
    lr: Annotated[Optional[float], typer.Option("--lr", help="Learning rate.", show_default="the optimizer's own")] = None,
    opt: Annotated[list[str], typer.Option("--opt", metavar="KEY=VALUE",
                                           help="Optimizer hyper-parameter, repeatable (e.g. momentum=0.95).")] = [],
    hidden: Annotated[str, typer.Option("--hidden", help="Hidden layer sizes, comma separated, any depth.")] = "4,8",
    epochs: Annotated[int, typer.Option("--epochs", "-e", help="Training epochs (full-batch updates).")] = DEFAULT_EPOCHS,
    n_samples: Annotated[Optional[int], typer.Option("--n-samples", help="Number of points.", show_default="the dataset's own")] = None,
    noise: Annotated[float, typer.Option("--noise", help="Gaussian jitter added to the points.")] = 0.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed for the data and the initial weights.")] = 0,
    init: Annotated[str, typer.Option("--init", help="Weight initialiser: xavier, he, uniform or normal.")] = "xavier",
    log_every: Annotated[Optional[int], typer.Option("--log-every", help="Log every N epochs.", show_default="epochs / 10")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object and nothing else.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the final result.")] = False,
    all_predictions: Annotated[bool, typer.Option("--all-predictions", help="List every point, not a subset.")] = False,
) -> None:
    """Train a network and report its loss, accuracy and predictions."""
    if log_every is not None and log_every < 1:
        raise typer.BadParameter(f"must be at least 1, got {log_every}", param_hint="--log-every")
    config = RunConfig(
        dataset=dataset, hidden=parse_hidden(hidden), activation=activation, output=output_activation, loss=loss,
        optimizer=optimizer, learning_rate=lr, options=parse_options(opt), epochs=epochs, n_samples=n_samples,
        noise=noise, seed=seed, init=init,
    )
    experiment = prepare(config)
    console = Console(highlight=False)
    every = log_every or max(1, experiment.config.epochs // 10)
    show = not (json_output or quiet)
    if show:
        console.print(_describe(experiment))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        final, logged, seconds = _train(experiment, console if show else None, every)
    if json_output:
        typer.echo(json.dumps(summarize(experiment, final, seconds)))
        return
    if quiet:
        console.print(_result_line(experiment, final))
        return
    if console.is_terminal:
        console.print(_epochs_table(logged))
    console.print(_predictions_table(experiment, final, all_predictions))
    console.print(_summary(experiment, final, seconds))


def _train(experiment: Experiment, console: Console | None, every: int) -> tuple[Epoch, list[Epoch], float]:
    """Consume the training loop, showing progress on a terminal or streaming logged rows to a pipe."""
    total = experiment.config.epochs
    logged: list[Epoch] = []
    live = console is not None and console.is_terminal
    stream = console is not None and not live
    refresh = max(1, total // 500)
    progress = Progress(
        TextColumn("epoch"), MofNCompleteColumn(), BarColumn(),
        TextColumn("loss {task.fields[loss]}"), TextColumn("accuracy {task.fields[accuracy]}"),
        TimeElapsedColumn(), console=console, disable=not live,
    )
    if stream:
        console.print(f"{'epoch':>8}  {'loss':>12}  {'accuracy':>8}")
    start = time.perf_counter()
    with progress:
        task = progress.add_task("train", total=total, loss="-", accuracy="-")
        for record in run_experiment(experiment):
            if record.epoch == 1 or record.epoch % every == 0 or record.epoch == total:
                logged.append(record)
                if stream:
                    console.print(_epoch_row(record))
            if live and (record.epoch % refresh == 0 or record.epoch == total):
                progress.update(task, completed=record.epoch, loss=f"{record.loss:.6f}",
                                accuracy=f"{record.accuracy:7.2%}")
    return record, logged, time.perf_counter() - start


def _epoch_row(record: Epoch) -> str:
    return f"{record.epoch:>8}  {record.loss:>12.6g}  {record.accuracy:>8.2%}"


def _describe(experiment: Experiment) -> str:
    c = experiment.config
    sizes = "-".join(map(str, experiment.params.sizes))
    return (f"Training a {sizes} net ({c.activation} hidden, {c.output} output) on {c.dataset} "
            f"({len(experiment.x)} points) with {c.optimizer} (lr {c.learning_rate:g}), {c.loss} loss, "
            f"{c.epochs} epochs, seed {c.seed}")


def _epochs_table(logged: list[Epoch]) -> Table:
    table = Table(title="Training log", title_justify="left")
    table.add_column("epoch", justify="right")
    table.add_column("loss", justify="right")
    table.add_column("accuracy", justify="right")
    for record in logged:
        table.add_row(str(record.epoch), f"{record.loss:.6g}", f"{record.accuracy:.2%}")
    return table


def _predictions_table(experiment: Experiment, final: Epoch, show_all: bool) -> Table:
    from .network import predict

    x, y = experiment.x, experiment.y[:, 0]
    prob = predict(final.params, x, experiment.activation, experiment.output)[:, 0]
    correct = (prob >= 0.5) == (y >= 0.5)
    rows = np.arange(len(x))
    if not show_all and len(x) > SMALL_SET:
        # The points worth reading: every misclassified one, then the least confident.
        priority = np.lexsort((np.abs(prob - 0.5), correct))
        rows = np.sort(priority[:PREDICTION_ROWS])
    table = Table(title="Predictions", title_justify="left")
    table.add_column("#", justify="right")
    features = min(x.shape[1], 3)
    for j in range(features):
        table.add_column(f"x{j + 1}", justify="right")
    table.add_column("truth", justify="right")
    table.add_column("prediction", justify="right")
    table.add_column("correct", justify="center")
    for i in rows:
        mark = "[green]yes[/]" if correct[i] else "[bold red]NO[/]"
        table.add_row(str(i), *(f"{v:.3f}" for v in x[i, :features]), f"{y[i]:g}", f"{prob[i]:.5f}", mark)
    if len(rows) < len(x):
        table.caption = (f"{len(rows)} of {len(x)} points: the misclassified, then the least confident "
                         "(--all-predictions lists all)")
    return table


def _result_line(experiment: Experiment, final: Epoch) -> str:
    n = len(experiment.x)
    hits = round(final.accuracy * n)
    return f"loss {final.loss:.6g}, accuracy {final.accuracy:.2%} ({hits}/{n}) after {final.epoch} epochs"


def _summary(experiment: Experiment, final: Epoch, seconds: float) -> Table:
    c = experiment.config
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Result", _result_line(experiment, final))
    hyper = ", ".join(f"{k}={v:g}" for k, v in experiment.hyperparameters.items())
    grid.add_row("Model", f"{'-'.join(map(str, experiment.params.sizes))}, {c.activation} hidden, "
                          f"{c.output} output, {sum(p.size for p in final.params.values())} parameters, {c.init} init")
    grid.add_row("Training", f"{c.optimizer} ({hyper}), {c.loss} loss, seed {c.seed}")
    grid.add_row("Time", f"{seconds:.2f} s ({final.epoch / seconds:,.0f} epochs/s)")
    return grid


@app.command("list")
def list_plugins(
    kind: Annotated[Optional[str], typer.Argument(help="activation, loss, optimizer or dataset.", show_default="all")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List the registered activations, losses, optimizers and datasets and where each comes from."""
    kinds = list(KINDS)
    if kind is not None:
        singular = kind[:-1] if kind.endswith("s") and kind[:-1] in KINDS else kind
        if singular not in KINDS:
            raise typer.BadParameter(f"{kind!r} is not one of: {', '.join(KINDS)}", param_hint="KIND")
        kinds = [singular]
    reg = registry()
    if json_output:
        typer.echo(json.dumps([
            {"kind": e.kind, "name": e.name, "description": e.record.description, "plugin": e.plugin, "package": e.package}
            for k in kinds for e in reg.entries(k)
        ], indent=2))
        return
    console = Console(highlight=False)
    for k in kinds:
        table = Table(title=f"{k.capitalize()}s", title_justify="left")
        table.add_column("name", style="bold", no_wrap=True)
        table.add_column("description")
        table.add_column("plugin", no_wrap=True)
        for e in reg.entries(k):
            table.add_row(e.name, e.record.description, e.plugin if e.package == "fnn" else f"{e.plugin} ({e.package})")
        console.print(table)


def main() -> None:
    """Console-script entry point."""
    app()
