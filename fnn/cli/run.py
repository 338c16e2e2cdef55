"""``fnn run``: train one network and show its progress, predictions and result."""

from __future__ import annotations

import json
import time
from typing import Annotated, Optional

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..network import predict
from ..training import DEFAULT_EPOCHS, Epoch, Experiment, RunConfig, prepare, run as run_experiment, summarize
from ._app import app
from ._options import ActivationOption, DatasetOption, LossOption, OptimizerOption, OutputOption, parse_hidden, parse_options

SMALL_SET = 30
PREDICTION_ROWS = 20


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
