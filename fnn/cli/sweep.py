"""``fnn sweep``: train a grid of configurations and compare them in one table."""

from __future__ import annotations

import math
import os
import signal
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..errors import ConfigError, FnnError, Interrupted
from ..network import is_linear
from ..registry import registry
from ..rundir import check_out_dir, write_sweep
from ..sweep import (SETTINGS, SORT_KEYS, Group, SweepRun, check, check_sort, grid, run_sweep, sort_groups,
                     summarize_groups, varied_settings)
from ..training import DEFAULT_EPOCHS, RunConfig
from .. import jsonfile
from ._app import app, signals_interrupt
from ._console import make_console, shown
from ._options import parse_hidden, parse_options, refuse_dataset_with_data
from .run import LINEAR_NOTE

_LIST = "Comma list"
_HEADINGS = {"learning_rate": "lr", "n_samples": "points", "options": "--opt"}
MAX_UNCONFIRMED = 5_000
"""A grid with more configurations than this trains only with --yes: a typo (one more value per flag) can
multiply a sweep's size and hours, and the refusal costs nothing."""
_ALWAYS_SHOWN = {"dataset", "hidden", "activation", "output", "loss", "optimizer", "learning_rate", "epochs"}


def _split(text: str, flag: str) -> list[str]:
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise typer.BadParameter(f"expected a comma list without empty items, got {text!r}", param_hint=flag)
    return items


def _numbers(text: str, flag: str, kind: Callable, positive: bool = False) -> list:
    values = []
    for item in _split(text, flag):
        try:
            value = kind(item)
        except ValueError:
            raise typer.BadParameter(f"{item!r} is not {'an integer' if kind is int else 'a number'}", param_hint=flag) from None
        if positive and not value > 0:
            raise typer.BadParameter(f"values must be positive, got {item}", param_hint=flag)
        values.append(value)
    return values


def _optional(text: str | None, flag: str, kind: Callable) -> list:
    """A list flag whose default is "not set" (None)."""
    return [None] if text is None else _numbers(text, flag, kind)


def _option_grid(pairs: list[str]) -> list[dict[str, float]]:
    """``["momentum=0.5,0.9", "weight_decay=0,0.01"]`` -> every combination as a dict."""
    choices = {}
    for pair in pairs:
        key, sep, values = pair.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected KEY=V1,V2,..., got {pair!r}", param_hint="--opt")
        choices[key.strip()] = [parse_options([f"{key}={value}"])[key.strip()] for value in _split(values, "--opt")]
    combos = [{}]
    for key, values in choices.items():
        combos = [{**combo, key: value} for combo in combos for value in values]
    return combos


@app.command()
def sweep(
    ctx: typer.Context,
    dataset: Annotated[str, typer.Option("--dataset", "-d", help=f"{_LIST} of datasets.")] = "xor",
    activation: Annotated[str, typer.Option("--activation", "-a", help=f"{_LIST} of hidden activations.")] = "sigmoid",
    output_activation: Annotated[str, typer.Option("--output-activation", help=f"{_LIST} of output activations.")] = "sigmoid",
    loss: Annotated[str, typer.Option("--loss", help=f"{_LIST} of losses.")] = "mse",
    optimizer: Annotated[str, typer.Option("--optimizer", "-o", help=f"{_LIST} of optimizers.")] = "sgd",
    lr: Annotated[Optional[str], typer.Option("--lr", help=f"{_LIST} of learning rates.",
                                              show_default="each optimizer's own")] = None,
    opt: Annotated[list[str], typer.Option("--opt", metavar="KEY=V1,V2",
                                           help="Optimizer hyper-parameter values, repeatable.")] = [],
    hidden: Annotated[str, typer.Option("--hidden", help="Hidden layer sizes; several separated by '/', e.g. 2,4/4,8.")] = "4,8",
    epochs: Annotated[str, typer.Option("--epochs", "-e", help=f"{_LIST} of epoch counts.")] = str(DEFAULT_EPOCHS),
    n_samples: Annotated[Optional[str], typer.Option("--n-samples", help=f"{_LIST} of sample counts.",
                                                     show_default="the dataset's own")] = None,
    noise: Annotated[str, typer.Option("--noise", help=f"{_LIST} of noise levels.")] = "0",
    seed: Annotated[str, typer.Option("--seed", help=f"{_LIST} of seeds; results are averaged over seeds.")] = "0",
    init: Annotated[str, typer.Option("--init", help=f"{_LIST} of initialisers.")] = "xavier",
    batch_size: Annotated[Optional[str], typer.Option("--batch-size", help=f"{_LIST} of mini-batch sizes.",
                                                      show_default="full batch")] = None,
    l2: Annotated[str, typer.Option("--l2", help=f"{_LIST} of L2 penalties.")] = "0",
    schedule: Annotated[str, typer.Option("--schedule", help=f"{_LIST} of learning-rate schedules.")] = "constant",
    test_split: Annotated[Optional[str], typer.Option("--test-split", help=f"{_LIST} of held-out fractions.")] = None,
    data: Annotated[Optional[str], typer.Option("--data", help=f"{_LIST} of CSV files (instead of --dataset).")] = None,
    label_column: Annotated[Optional[str], typer.Option("--label-column", help="The label column of --data.")] = None,
    standardize: Annotated[bool, typer.Option("--standardize", help="Standardize features.")] = False,
    target_accuracy: Annotated[Optional[str], typer.Option("--target-accuracy", help=f"{_LIST} of target accuracies.")] = None,
    target_loss: Annotated[Optional[str], typer.Option("--target-loss", help=f"{_LIST} of target losses.")] = None,
    patience: Annotated[Optional[str], typer.Option("--patience", help=f"{_LIST} of patiences (epochs).")] = None,
    min_delta: Annotated[str, typer.Option("--min-delta", help=f"{_LIST} of minimum improvements.")] = "0",
    dtype: Annotated[str, typer.Option("--dtype", help=f"{_LIST} of floating-point types (float64, float32).")] = "float64",
    sort: Annotated[Optional[str], typer.Option("--sort", help="Order rows by loss, accuracy, epoch, time or a setting.",
                                                show_default="grid order")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", "-w", help="Parallel worker processes, at most one "
                                                   "per core.", show_default="number of cores")] = None,
    force_workers: Annotated[bool, typer.Option("--force-workers", help="Start --workers processes even if that is "
                                                "more than the cores.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=f"Train a grid of more than {MAX_UNCONFIRMED:,} "
                                      "configurations.")] = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write results.csv, results.json and overlay figures here.",
                                                file_okay=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an --out folder that fnn wrote (nothing else).")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the results as JSON and nothing else.")] = False,
) -> None:
    """Train every combination of the given settings and compare them."""
    sort = {heading: name for name, heading in _HEADINGS.items()}.get(sort, sort)  # "lr", as the table shows it
    if sort is not None and sort not in SORT_KEYS and sort not in SETTINGS:
        raise typer.BadParameter(f"{sort!r} is not one of: {', '.join([*SORT_KEYS, *SETTINGS])}", param_hint="--sort")
    if workers is not None and workers < 1:
        raise typer.BadParameter(f"must be at least 1, got {workers}", param_hint="--workers")
    refuse_dataset_with_data(ctx, data)
    choices = dict(
        dataset=_split(dataset, "--dataset"), hidden=[parse_hidden(h) for h in hidden.split("/")],
        activation=_split(activation, "--activation"), output=_split(output_activation, "--output-activation"),
        loss=_split(loss, "--loss"), optimizer=_split(optimizer, "--optimizer"),
        learning_rate=[None] if lr is None else _numbers(lr, "--lr", float, positive=True), options=_option_grid(opt),
        epochs=_numbers(epochs, "--epochs", int, positive=True),
        n_samples=[None] if n_samples is None else _numbers(n_samples, "--n-samples", int, positive=True),
        noise=_numbers(noise, "--noise", float), seed=_numbers(seed, "--seed", int), init=_split(init, "--init"),
        batch_size=_optional(batch_size, "--batch-size", int), l2=_numbers(l2, "--l2", float),
        schedule=_split(schedule, "--schedule"), test_split=_optional(test_split, "--test-split", float),
        data=[None] if data is None else _split(data, "--data"), label_column=[label_column],
        standardize=[standardize], target_accuracy=_optional(target_accuracy, "--target-accuracy", float),
        target_loss=_optional(target_loss, "--target-loss", float), patience=_optional(patience, "--patience", int),
        min_delta=_numbers(min_delta, "--min-delta", float), dtype=_split(dtype, "--dtype"),
    )
    count = math.prod(len(values) for values in choices.values())  # before the grid is built: it may be huge
    if count > MAX_UNCONFIRMED and not yes:
        raise ConfigError(f"this sweep would train {count:,} configurations, more than {MAX_UNCONFIRMED:,}; "
                          "add --yes to train them all")
    configs = grid(**choices)
    if sort is not None:
        check_sort(configs, sort)
    if out is not None:
        check_out_dir(out, force, inputs=[config.data for config in configs if config.data])
    configs = check(configs)
    console = make_console()
    runs = _run_with_progress(configs, _worker_count(workers, force_workers), None if json_output else console)
    groups = summarize_groups(runs)
    settings = [name for name in varied_settings(run.config for run in runs) if name != "seed"]
    if sort is not None:
        groups = sort_groups(groups, sort)
    if out is not None:
        write_sweep(out, runs, force=force)
    if json_output:
        typer.echo(jsonfile.dumps({"varied": settings, "groups": [g.as_dict(settings) for g in groups]}))
        return
    console.print(_table(groups, settings, runs))
    for note in _notes(groups):
        console.print(note)
    if out is not None:
        console.print(f"Sweep written to {shown(out)}/", soft_wrap=True)
    _fail_if_any_failed(runs)


def _fail_if_any_failed(runs: list[SweepRun]) -> None:
    """Exit 1 after showing (and writing) everything, when a run failed rather than trained or diverged."""
    failed = [run for run in runs if run.failed]
    if failed:
        reasons = "; ".join(sorted({run.error for run in failed}))
        raise FnnError(f"{len(failed)} of {len(runs)} runs failed ({reasons}); the other results are complete")


def _worker_count(asked: int | None, force: bool) -> int:
    """``--workers``, at most one per core unless forced; more only compete for the cores and memory."""
    cores = _cores()
    if asked is None:
        return cores
    if asked > cores and not force:
        typer.echo(f"note: using {cores} workers, one per core ({asked} asked for; --force-workers starts them all)",
                   err=True)
        return cores
    return asked


def _cores() -> int:
    """The cores this process may run on (fewer than the machine's under taskset or a container's limit)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run_with_progress(configs, workers: int, console: Console | None) -> list[SweepRun]:
    settings = varied_settings(configs)
    live = console is not None and console.is_terminal
    # markup=False: a description holds paths and names from outside (rich would read "[red]" in them).
    progress = Progress(TextColumn("sweep", markup=False), MofNCompleteColumn(), BarColumn(), TimeElapsedColumn(),
                        TextColumn("{task.description}", markup=False), console=console, disable=not live)
    finished = 0

    def on_done(index: int, run: SweepRun) -> None:
        nonlocal finished
        finished += 1
        line = f"{_describe(run.config, settings)}: {_outcome(run)}"
        if live:
            progress.update(task, advance=1, description=line)
        elif console is not None:
            console.print(f"[{finished}/{len(configs)}] {line}")

    with signals_interrupt(), progress:
        task = progress.add_task("", total=len(configs))
        try:
            return run_sweep(configs, workers=workers, on_done=on_done)
        except KeyboardInterrupt as error:
            signum = getattr(error, "signum", signal.SIGINT)
            raise Interrupted(signum, f"interrupted after {finished} of {len(configs)} runs") from None


def _describe(config, settings) -> str:
    return " ".join(f"{_HEADINGS.get(name, name)}={_value(getattr(config, name))}" for name in settings) or "run"


def _outcome(run: SweepRun) -> str:
    if run.failed:
        return f"failed: {run.error}"
    if run.summary is None:
        return f"diverged at epoch {run.diverged_at}"
    return f"loss {run.summary['final_loss']:.4g}, accuracy {run.summary['accuracy']:.2%}"


def _value(value) -> str:
    if value is None:
        return "default"
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    if isinstance(value, dict):
        return ",".join(f"{k}={v:g}" for k, v in value.items()) or "-"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _table(groups: list[Group], settings: list[str], runs: list[SweepRun]) -> Table:
    seeds = len({run.config.seed for run in runs})
    first = runs[0].config
    defaults = RunConfig()
    fixed = [name for name in SETTINGS if name not in settings and name != "seed"
             and (name in _ALWAYS_SHOWN or getattr(first, name) != getattr(defaults, name))]
    tested = any(group.test_accuracy_mean is not None for group in groups)
    table = Table(title=f"Sweep: {len(runs)} runs" + (f", {seeds} seeds each, mean ± std" if seeds > 1 else ""),
                  title_justify="left",
                  caption="fixed: " + ", ".join(f"{_HEADINGS.get(name, name)}={_value(getattr(first, name))}" for name in fixed),
                  caption_justify="left")
    for name in settings:
        table.add_column(_HEADINGS.get(name, name), no_wrap=True, min_width=len(_HEADINGS.get(name, name)))
    headings = ("final loss", "accuracy", *(("test accuracy",) if tested else ()), "100% at epoch", "s/run")
    for heading in headings:
        table.add_column(heading, justify="right")
    for group in groups:
        table.add_row(*(_value(getattr(group.config, name)) for name in settings), *_results(group, seeds > 1, tested))
    return table


def _results(group: Group, spread: bool, tested: bool) -> tuple[str, ...]:
    runs = len(group.runs)
    trained = runs - group.diverged - group.failed
    if not trained:
        if group.failed == runs:
            outcome = "failed: " + "; ".join(sorted({run.error for run in group.runs}))
        else:
            outcome = "diverged" if not group.failed else f"{group.failed} failed, {group.diverged} diverged"
        return (outcome, "-", *(("-",) if tested else ()), "never", "-")
    loss = f"{group.loss_mean:.4g}" + (f" ± {group.loss_std:.2g}" if spread else "")
    accuracy = _percent(group.accuracy_mean, group.accuracy_std, spread)
    test = (_percent(group.test_accuracy_mean, group.test_accuracy_std, spread),) if tested else ()
    if group.first_perfect_median is None:
        first = "never"
    else:
        first = f"{group.first_perfect_median:.0f}" + (f" ({group.reached}/{runs})" if group.reached < runs else "")
    for count, what in ((group.diverged, "diverged"), (group.failed, "failed")):
        if count:
            loss += f" ({count} {what})"
    return (loss, accuracy, *test, first, f"{group.seconds / trained:.2f}")


def _percent(mean: float | None, std: float | None, spread: bool) -> str:
    if mean is None:
        return "-"
    return f"{mean:.2%}" + (f" ± {std:.1%}" if spread else "")


def _notes(groups: list[Group]) -> list[str]:
    linear = sorted({g.config.activation for g in groups if is_linear(registry().activation(g.config.activation))})
    if not linear:
        return []
    return [LINEAR_NOTE.format(activation=", ".join(linear))]
