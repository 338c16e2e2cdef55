"""``fnn run``: train one network and show its progress, predictions and result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..network import is_linear, predict
from ..rundir import RUN_FILES, check_out_dir, write_run
from ..training import DEFAULT_EPOCHS, Epoch, Experiment, FitResult, RunConfig, complete, prepare
from ._app import app
from ._options import ActivationOption, DatasetOption, LossOption, OptimizerOption, OutputOption, parse_hidden, parse_options

SMALL_SET = 30
LINEAR_NOTE = ("note: with activation {activation} the hidden layers are linear, so the network draws a single "
               "straight decision boundary: it can fit linear but never xor.")
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
    out: Annotated[Optional[Path], typer.Option("--out", help="Write a run folder: metrics, history, model, figures.",
                                                 file_okay=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing --out folder.")] = False,
) -> None:
    """Train a network and report its loss, accuracy and predictions."""
    if log_every is not None and log_every < 1:
        raise typer.BadParameter(f"must be at least 1, got {log_every}", param_hint="--log-every")
    config = RunConfig(
        dataset=dataset, hidden=parse_hidden(hidden), activation=activation, output=output_activation, loss=loss,
        optimizer=optimizer, learning_rate=lr, options=parse_options(opt), epochs=epochs, n_samples=n_samples,
        noise=noise, seed=seed, init=init,
    )
    if out is not None:
        check_out_dir(out, force)
    experiment = prepare(config)
    console = Console(highlight=False)
    show = not (json_output or quiet)
    if show:
        console.print(_describe(experiment), soft_wrap=True)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), \
            _Monitor(console if show else None, experiment.config.epochs, log_every) as monitor:
        result = complete(experiment, on_epoch=monitor.on_epoch)
    if out is not None:
        write_run(out, result, force=force)
    if json_output:
        typer.echo(json.dumps(result.summary()))
        return
    if quiet:
        console.print(_result_line(result))
    else:
        if console.is_terminal:
            console.print(_epochs_table(monitor.logged))
        console.print(_predictions_table(result, all_predictions))
        console.print(_summary(result))
        if is_linear(experiment.activation) and len(experiment.config.hidden):
            console.print(LINEAR_NOTE.format(activation=experiment.config.activation))
        if console.is_terminal:
            console.print(sparkline(result.loss, "loss", width=min(60, console.width - 30)))
    if out is not None:
        console.print(f"Run written to {out}/: {', '.join(name for name in RUN_FILES if (out / name).exists())}", soft_wrap=True)


class _Monitor:
    """Shows training as it happens: a live progress bar on a terminal, logged rows in a pipe."""

    def __init__(self, console: Console | None, total: int, log_every: int | None):
        self.total, self.every = total, log_every or max(1, total // 10)
        self.logged: list[Epoch] = []
        self.live = console is not None and console.is_terminal
        self.console = console if not self.live else None
        self.refresh = max(1, total // 500)
        self.progress = Progress(
            TextColumn("epoch"), MofNCompleteColumn(), BarColumn(),
            TextColumn("loss {task.fields[loss]}"), TextColumn("accuracy {task.fields[accuracy]}"),
            TimeElapsedColumn(), console=console, disable=not self.live,
        )

    def __enter__(self) -> "_Monitor":
        self.progress.__enter__()
        self.task = self.progress.add_task("train", total=self.total, loss="-", accuracy="-")
        if self.console is not None:
            self.console.print(f"{'epoch':>8}  {'loss':>12}  {'accuracy':>8}")
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def on_epoch(self, record: Epoch) -> None:
        epoch = record.epoch
        if epoch == 1 or epoch % self.every == 0 or epoch == self.total:
            self.logged.append(record)
            if self.console is not None:
                self.console.print(_epoch_row(record))
        if self.live and (epoch % self.refresh == 0 or epoch == self.total):
            self.progress.update(self.task, completed=epoch, loss=f"{record.loss:.6f}", accuracy=f"{record.accuracy:7.2%}")


def sparkline(values: np.ndarray, label: str, width: int = 60) -> Text:
    """A one-line learning curve: ``values`` resampled to ``width`` blocks, log scale when positive."""
    width = max(8, width)
    samples = np.asarray(values, dtype=float)[np.linspace(0, len(values) - 1, min(width, len(values))).astype(int)]
    scaled = np.log10(samples) if np.all(samples > 0) else samples
    low, high = scaled.min(), scaled.max()
    levels = np.zeros(len(scaled), dtype=int) if high == low else np.round((scaled - low) / (high - low) * 7).astype(int)
    line = Text(f"{label} ")
    line.append(f"{samples[0]:.3g} ", style="dim")
    line.append("".join(_BLOCKS[i] for i in levels), style="cyan")
    line.append(f" {samples[-1]:.3g}", style="dim")
    line.append(" (log scale)" if scaled is not samples else "", style="dim")
    return line


_BLOCKS = "▁▂▃▄▅▆▇█"


def _epoch_row(record: Epoch) -> str:
    return f"{record.epoch:>8}  {record.loss:>12.6g}  {record.accuracy:>8.2%}"


def _describe(experiment: Experiment) -> str:
    c = experiment.config
    sizes = "-".join(map(str, experiment.params.sizes))
    return (f"Training a {sizes} net ({c.activation} hidden, {c.output} output) on {c.dataset} "
            f"({len(experiment.x)} points) with {c.optimizer} (lr {c.learning_rate:g}), {c.loss} loss, "
            f"{c.epochs} epoch{'s' if c.epochs != 1 else ''}, seed {c.seed}")


def _epochs_table(logged: list[Epoch]) -> Table:
    table = Table(title="Training log", title_justify="left")
    table.add_column("epoch", justify="right")
    table.add_column("loss", justify="right")
    table.add_column("accuracy", justify="right")
    for record in logged:
        table.add_row(str(record.epoch), f"{record.loss:.6g}", f"{record.accuracy:.2%}")
    return table


def _predictions_table(result: FitResult, show_all: bool) -> Table:
    experiment = result.experiment
    x, y = experiment.x, experiment.y[:, 0]
    prob = predict(result.final.params, x, experiment.activation, experiment.output)[:, 0]
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


def _result_line(result: FitResult) -> str:
    final, n = result.final, len(result.experiment.x)
    hits = round(final.accuracy * n)
    return f"loss {final.loss:.6g}, accuracy {final.accuracy:.2%} ({hits}/{n}) after {final.epoch} epochs"


def _summary(result: FitResult) -> Table:
    experiment, final, seconds = result.experiment, result.final, result.seconds
    c = experiment.config
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("Result", _result_line(result))
    hyper = ", ".join(f"{k}={v:g}" for k, v in experiment.hyperparameters.items())
    grid.add_row("Model", f"{'-'.join(map(str, experiment.params.sizes))}, {c.activation} hidden, "
                          f"{c.output} output, {sum(p.size for p in final.params.values())} parameters, {c.init} init")
    grid.add_row("Training", f"{c.optimizer} ({hyper}), {c.loss} loss, seed {c.seed}")
    grid.add_row("Time", f"{seconds:.2f} s ({final.epoch / seconds:,.0f} epochs/s)")
    return grid
