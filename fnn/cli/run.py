"""``fnn run``: train one network and show its progress, predictions and result."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated, Callable, Mapping, Optional

import numpy as np
import typer
from rich.console import Console, JustifyMethod
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TextColumn
from rich.table import Column, Table
from rich.text import Text

from fnn.builtin.metrics import confusion_matrix, per_class_precision, per_class_recall
from fnn.core.network import is_linear, predict
from fnn.runs.frames import FrameKeeper
from fnn.runs.rundir import RUN_FILES, check_out_dir, resume_run, write_run
from fnn.runs.training import (Epoch, Experiment, FitResult, Resume, complete, one_class_hint, prepare, scale_hint,
                               selects_on_test)
from fnn.errors import ConfigError
from fnn.io import jsonfile
from fnn.runs.settings import BY_NAME
from fnn.cli._app import command, examples, plugin_registry
from fnn.cli._console import make_console, net_words, shown
from fnn.cli._options import given_settings, refuse_dataset_with_data
from fnn.cli._settings import config_from, with_settings

SMALL_SET = 30
LINEAR_NOTE = ("note: with activation {activation} the hidden layers are linear, so the network draws a single "
               "straight decision boundary: it can fit linear but never xor.")
PREDICTION_ROWS = 20
FEATURE_WIDTH = 10  # the room a feature's column takes at least: a number to 4 digits, its padding and border


_OUTPUT = "Output"


@command(epilog=examples(
    ("fnn run", "the lab's xor net: 2-4-8-1, sigmoid, MSE, plain gradient descent"),
    ("fnn run -d linear -a tanh -o adam --lr 0.01", "another dataset, activation and optimizer"),
    ("fnn run --data my.csv --test-split 0.25 --out runs/mine", "your own data, a test split, a run folder"),
))
@with_settings(sweep=False)
def run(
    ctx: typer.Context,
    log_every: Annotated[Optional[int], typer.Option(
        "--log-every", help="Log every N epochs (epoch 1 and the last are always logged).",
        show_default="epochs / 10", rich_help_panel=_OUTPUT)] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout and nothing else.",
                                              rich_help_panel=_OUTPUT)] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the final result line (with --out, the "
                                        "same line says where the run was written).",
                                        rich_help_panel=_OUTPUT)] = False,
    all_predictions: Annotated[bool, typer.Option(
        "--all-predictions", help="List every point in the predictions table, not a subset.",
        rich_help_panel=_OUTPUT)] = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write a run folder: metrics, history, model, figures.",
                                                file_okay=False, rich_help_panel=_OUTPUT)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an --out folder that fnn wrote (nothing else).",
                                        rich_help_panel=_OUTPUT)] = False,
    resume: Annotated[Optional[Path], typer.Option(
        "--resume", help="Continue the run in this run folder for --epochs MORE epochs, from its saved parameters, "
        "optimizer state and mini-batch order (the numbers of one run of the total length); written back into "
        "the folder, or to --out.", file_okay=False, rich_help_panel=_OUTPUT)] = None,
    **settings,
) -> None:
    """Train a network and report its loss, accuracy and predictions."""
    if log_every is not None and log_every < 1:
        raise typer.BadParameter(f"must be at least 1, got {log_every}", param_hint="--log-every")
    resumed = None
    if resume is not None:
        experiment, resumed = _resumed(ctx, resume, out, force, settings)
        config = experiment.config
        out, force = (resume, True) if out is None else (out, force)  # the run's own folder, written again
    else:
        refuse_dataset_with_data(ctx, settings["data"])
        config = config_from(settings)
    if config.animate and out is None:
        raise typer.BadParameter("--animate writes training.gif into the run folder; give --out too",
                                 param_hint="--animate")
    if out is not None:
        check_out_dir(out, force, inputs=[config.data] if config.data is not None else [])
    if resumed is None:
        experiment = prepare(config, plugin_registry(ctx))
    peeking = selects_on_test([experiment.config])
    if peeking is not None:
        typer.echo(f"note: {peeking}", err=True)
    console = make_console()
    show = not (json_output or quiet)
    if show:
        # A pipe gets one line per record; a terminal gets the line wrapped between words.
        console.print(_describe(experiment), soft_wrap=not console.is_terminal)
        if resumed is not None:
            console.print(f"Continuing {shown(resume)}/ from epoch {resumed.epochs}", soft_wrap=True)
        if experiment.target_scaler is not None:
            console.print(_targets_note(experiment), soft_wrap=not console.is_terminal, markup=False)
        _hint(console, scale_hint(experiment))
    keeper = FrameKeeper(config.epochs) if config.animate else None

    def on_epoch(record: Epoch) -> None:
        monitor.on_epoch(record)
        if keeper is not None:
            keeper(record)

    with _Monitor(console if show else None, experiment, log_every) as monitor:
        result = complete(experiment, on_epoch=on_epoch, resume=resumed)
    if out is not None:
        write_run(out, result, force=force, frames=None if keeper is None else keeper.frames(result.final))
    if json_output:
        typer.echo(jsonfile.dumps(result.summary()))
        return
    if quiet:
        written = f"; run written to {shown(out)}/" if out is not None else ""
        console.print(_result_line(result) + written, soft_wrap=not console.is_terminal)
        return
    if console.is_terminal:
        console.print(monitor.table())
    console.print(_predictions_table(result, all_predictions, console.width))
    if experiment.task != "regression":
        console.print(_confusion_table(result, console.width))
    _print_summary(console, _summary(result))
    _hint(console, one_class_hint(result))
    if is_linear(experiment.activation) and len(experiment.config.hidden):
        console.print(LINEAR_NOTE.format(activation=experiment.config.activation), soft_wrap=not console.is_terminal)
    if console.is_terminal:
        console.print(sparkline(result.loss, "loss", width=min(60, console.width - _SPARKLINE_TEXT)))
    if out is not None:
        console.print(f"Run written to {shown(out)}/: {', '.join(name for name in RUN_FILES if (out / name).exists())}",
                      soft_wrap=True)


def _resumed(ctx: typer.Context, folder: Path, out: Path | None, force: bool,
             settings: dict) -> tuple[Experiment, Resume]:
    """The run of ``folder`` to continue for ``--epochs`` more epochs, and where it stood. Settings other than
    ``--epochs`` are refused: the run's are the folder's. Its animation is not made again (the frames of its
    first epochs are gone)."""
    given = given_settings(ctx, [name for name in BY_NAME if name != "epochs"])
    if given:
        raise ConfigError(f"--resume continues the run with the settings {str(folder)!r} saved; leave out "
                          f"{', '.join(given)} (only --epochs, how many more, is given)")
    if not given_settings(ctx, ["epochs"]):
        raise ConfigError("--resume needs --epochs N: how many more epochs to train")
    experiment, resumed = resume_run(folder, settings["epochs"], plugin_registry(ctx))
    return experiment._replace(config=replace(experiment.config, animate=False)), resumed


def _hint(console: Console, hint: str | None) -> None:
    if hint is not None:
        console.print(f"hint: {hint}", soft_wrap=not console.is_terminal, markup=False, style="yellow")


def _columns(experiment: Experiment) -> list[tuple[str, Callable[[Epoch], str], int]]:
    """The logged columns (heading, render, width in a pipe): epoch, loss and the metrics scored every epoch
    (accuracy, or R² in regression), and their validation twins with a validation split, else their test
    twins with a test split."""
    def score(name: str, part: str = "") -> Callable[[Epoch], str]:
        return lambda r: score_text(name, getattr(r, f"{part}_scores" if part else "scores")[name])

    scored = [metric.name for metric in experiment.scored]
    columns = [("epoch", lambda r: str(r.epoch), max(5, len(str(experiment.config.epochs)))),
               ("loss", lambda r: f"{r.loss:.6g}", 12)]
    columns += [(name, score(name), max(8, len(name))) for name in scored]
    if experiment.x_val is not None:  # validation is scored every epoch; the test points only at the end
        columns += [("val loss", lambda r: f"{r.val_loss:.6g}", 12)]
        columns += [(f"val {name}", score(name, "val"), len(f"val {name}")) for name in scored]
    elif experiment.x_test is not None:
        columns += [("test loss", lambda r: f"{r.test_loss:.6g}", 12)]
        columns += [(f"test {name}", score(name, "test"), len(f"test {name}")) for name in scored]
    return columns


def score_text(name: str, value: float) -> str:
    """A metric's value as tables show it: accuracy as a percentage, the others to four significant digits."""
    return f"{value:.2%}" if name == "accuracy" else f"{value:.4g}"


class _Monitor:
    """Shows training as it happens: a live progress bar on a terminal, logged rows in a pipe."""

    def __init__(self, console: Console | None, experiment: Experiment, log_every: int | None):
        self.total = experiment.config.epochs
        self.every = log_every or max(1, self.total // 10)
        self.columns = _columns(experiment)
        self.headline = experiment.scored[0].name
        self.logged: list[Epoch] = []
        self.live = console is not None and console.is_terminal
        self.console = console if not self.live else None
        self.refresh = max(1, self.total // 500)
        self.progress = Progress(
            # Words and numbers never wrap: the bar gives way when the line is short.
            TextColumn("epoch", markup=False), MofNCompleteColumn(table_column=Column(no_wrap=True)),
            BarColumn(bar_width=None),
            TextColumn("loss {task.fields[loss]}", markup=False, table_column=Column(no_wrap=True)),
            TextColumn(experiment.scored[0].name + " {task.fields[score]}", markup=False,
                       table_column=Column(no_wrap=True)),
            _TimeColumn(table_column=Column(no_wrap=True)),
            console=console, disable=not self.live,
        )

    def __enter__(self) -> "_Monitor":
        self.progress.__enter__()
        self.task = self.progress.add_task("train", total=self.total, loss="-", score="-")
        if self.console is not None:
            self.console.print(self._line([heading for heading, _, _ in self.columns]))
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def _line(self, cells: list[str]) -> str:
        return "  ".join(f"{cell:>{width}}" for cell, (_, _, width) in zip(cells, self.columns))

    def on_epoch(self, record: Epoch) -> None:
        epoch = record.epoch
        if epoch == 1 or epoch % self.every == 0 or epoch == self.total:
            self.logged.append(record)
            if self.console is not None:
                self.console.print(self._line([render(record) for _, render, _ in self.columns]))
        if self.live and (epoch % self.refresh == 0 or epoch == self.total):
            # Significant digits: a loss of 1e-10 must not read 0.000000.
            self.progress.update(self.task, completed=epoch, loss=f"{record.loss:<9.4g}",
                                 score=f"{score_text(self.headline, record.scores[self.headline]):>7}")

    def table(self) -> Table:
        table = Table(title="Training log", title_justify="left")
        for heading, _, _ in self.columns:
            table.add_column(heading, justify="right")
        for record in self.logged:
            table.add_row(*(render(record) for _, render, _ in self.columns))
        return table


class _TimeColumn(ProgressColumn):
    """The time taken and, until the end, an estimate of the time left: ``0:12, ~0:28 left``."""

    def render(self, task: Task) -> Text:
        elapsed = _clock(task.finished_time if task.finished else task.elapsed)
        left = task.time_remaining
        return Text(elapsed if task.finished or left is None else f"{elapsed}, ~{_clock(left)} left")


def _clock(seconds: float | None) -> str:
    """``1:02:03``, ``2:03`` or ``0:03``: hours only when there are some."""
    minutes, second = divmod(int(seconds or 0), 60)
    hours, minute = divmod(minutes, 60)
    return f"{hours}:{minute:02d}:{second:02d}" if hours else f"{minute}:{second:02d}"


def sparkline(values: np.ndarray, label: str, width: int = 60) -> Text:
    """A one-line learning curve: ``values`` resampled to ``width`` blocks, log scale when positive."""
    width = max(8, width)
    samples = np.asarray(values, dtype=float)[np.linspace(0, len(values) - 1, min(width, len(values))).astype(int)]
    scaled = np.log10(samples) if np.all(samples > 0) else samples
    low, high = scaled.min(), scaled.max()
    if high == low:
        levels = np.zeros(len(scaled), dtype=int)
    else:
        levels = np.round((scaled - low) / (high - low) * 7).astype(int)
    line = Text(f"{label} ")
    line.append(f"{samples[0]:.3g} ", style="dim")
    line.append("".join(_BLOCKS[i] for i in levels), style="cyan")
    line.append(f" {samples[-1]:.3g}", style="dim")
    line.append(" (log scale)" if scaled is not samples else "", style="dim")
    return line


_BLOCKS = "▁▂▃▄▅▆▇█"
_SPARKLINE_TEXT = len("loss 1.23e-10  1.23e-10 (log scale)") + 1
"""The most room a sparkline's words and numbers take: the blocks get the rest of the line, so it never wraps."""


def _data_name(experiment: Experiment) -> str:
    c = experiment.config
    name = c.dataset if c.data is None else shown(c.data)
    if experiment.inputs is not None:  # --features: the network's inputs are not the data's columns
        name += f" (inputs {shown(', '.join(experiment.features))})"
    return name


def _points(experiment: Experiment) -> str:
    held = "" if experiment.x_test is None else f", {len(experiment.x_test)} more held out for testing"
    if experiment.x_val is not None:
        held = f", {len(experiment.x_val)} held out for validation" + held.replace(" more", "")
    return f"{len(experiment.x)} points{held}"


def _describe(experiment: Experiment) -> str:
    c = experiment.config
    return (f"Training a {net_words(experiment.params.sizes, c.activation, c.output)} on {_data_name(experiment)} "
            f"({_points(experiment)}) with {c.optimizer} (lr {c.learning_rate:g}), {c.loss} loss, "
            f"{c.epochs} epoch{'s' if c.epochs != 1 else ''}, seed {c.seed}")


def _targets_note(experiment: Experiment) -> str:
    """What standardizing the targets means for the numbers that follow: which are in which units."""
    scaler = experiment.target_scaler
    assert scaler is not None
    fitted = (f"mean {scaler.mean[0]:.4g}, standard deviation {scaler.std[0]:.4g}" if len(scaler.mean) == 1
              else f"each of its {len(scaler.mean)} columns by its own mean and standard deviation")
    return (f"note: the network trains on the targets standardized ({fitted}, from the training points), so the "
            "loss is in standardized units; the metrics and predictions are in the data's")


def _predictions_table(result: FitResult, show_all: bool, width: int = 80) -> Table:
    experiment = result.experiment
    # (set, points, targets, origins): Experiment types y_test optional, though prepare() sets it with x_test.
    parts: list[tuple[str, np.ndarray, np.ndarray | None, np.ndarray | None]] = [
        ("train", experiment.x, experiment.y, experiment.origin)]
    if experiment.x_val is not None:
        parts.append(("val", experiment.x_val, experiment.y_val, experiment.origin_val))
    if experiment.x_test is not None:
        parts.append(("test", experiment.x_test, experiment.y_test, experiment.origin_test))
    x = np.concatenate([p[1] for p in parts])
    y = np.concatenate([p[2] for p in parts])
    origin = np.concatenate([p[3] for p in parts])
    sets = np.concatenate([[p[0]] * len(p[1]) for p in parts])
    # The file's values, not the standardized ones the network saw: what a student can find in the data.
    out = experiment.in_data_units(predict(result.final.params, x, experiment.activation, experiment.output))
    y = experiment.in_data_units(y)
    values = x if experiment.scaler is None else experiment.scaler.inverse(x)
    headings, cells, priority, worth = _TASK_COLUMNS[experiment.task](experiment, out, y)
    rows = np.argsort(origin, kind="stable")
    if not show_all and len(x) > SMALL_SET:
        order = np.lexsort(priority)
        rows = order[:PREDICTION_ROWS][np.argsort(origin[order[:PREDICTION_ROWS]], kind="stable")]
    table = Table(title="Predictions", title_justify="left")
    from_file = experiment.config.data is not None
    # The point's place, its set and what the network made of it are never cut or wrapped; the features
    # give way: as many of the first three as the width leaves room for.
    fixed: list[tuple[str, list[str], JustifyMethod]] = [
        ("line" if from_file else "index", [str(origin[i]) for i in rows], "right")]
    if len(parts) > 1:
        fixed.append(("set", [str(sets[i]) for i in rows], "left"))
    rendered = [[cell.plain if isinstance(cell, Text) else cell for cell in cells(i)] for i in rows]
    task_columns: list[tuple[str, list[str], JustifyMethod]] = [
        (heading, [row[j] for row in rendered], "center" if heading == "correct" else "right")
        for j, heading in enumerate(headings)]
    widths = [max(len(heading), *map(len, column)) for heading, column, _ in [*fixed, *task_columns]]
    room = width - sum(widths) - 3 * len(widths) - 1
    visible = max(0, min(x.shape[1], 3, room // FEATURE_WIDTH))
    whole = room >= 0  # else even without features the cells do not fit: long class names wrap, never cut
    for heading, column, justify in fixed:
        table.add_column(heading, justify=justify, no_wrap=True, min_width=max(len(heading), *map(len, column)))
    names = experiment.features or tuple(f"x{j + 1}" for j in range(x.shape[1]))
    for name in names[:visible]:
        table.add_column(shown(name), justify="right")
    for heading, column, justify in task_columns:
        table.add_column(heading, justify=justify, no_wrap=whole, overflow="fold",
                         min_width=max(len(heading), *map(len, column)) if whole else None)
    for i in rows:
        first = [str(origin[i])] + ([sets[i]] if len(parts) > 1 else []) + [f"{v:.4g}" for v in values[i, :visible]]
        table.add_row(*first, *cells(i))
    notes = []
    if len(rows) < len(x):
        notes.append(f"{len(rows)} of {len(x)} points: {worth} (--all-predictions lists all)")
    if visible < x.shape[1]:
        notes.append(f"first {visible} of {x.shape[1]} features shown" if visible else "features not shown: "
                     "no room at this width")
    if experiment.scaler is not None:
        notes.append("values as in the file (the network sees them standardized)")
    table.caption = "; ".join(notes) or None
    table.caption_justify = "left"
    return table


Cells = Callable[[int], list]
"""A point's cells after its features, by its row."""


def _binary_columns(experiment: Experiment, out: np.ndarray, y: np.ndarray):
    prob, truth = out[:, 0], y[:, 0]
    correct = (prob >= 0.5) == (truth >= 0.5)
    named = experiment.classes not in ((), ("0", "1"))

    def cells(i: int) -> list:
        label = shown(experiment.classes[int(truth[i])]) if named else f"{truth[i]:g}"
        return [label, f"{prob[i]:.5f}", _mark(correct[i])]

    # The points worth reading: every misclassified one, then the least confident.
    return (["truth", "prediction", "correct"], cells, (np.abs(prob - 0.5), correct),
            "the misclassified, then the least confident")


def _multiclass_columns(experiment: Experiment, out: np.ndarray, y: np.ndarray):
    truth, guess = y.argmax(axis=1), out.argmax(axis=1)
    confidence = out[np.arange(len(out)), guess]
    correct = truth == guess
    names = experiment.classes

    def cells(i: int) -> list:
        return [shown(names[truth[i]]), shown(names[guess[i]]), f"{confidence[i]:.3f}", _mark(correct[i])]

    return (["truth", "prediction", "probability", "correct"], cells, (confidence, correct),
            "the misclassified, then the least confident")


def _regression_columns(experiment: Experiment, out: np.ndarray, y: np.ndarray):
    error = out - y
    one = y.shape[1] == 1
    headings = []
    for j in range(y.shape[1]):
        suffix = "" if one else f" {j + 1}"
        headings += [f"target{suffix}", f"prediction{suffix}", f"error{suffix}"]

    def cells(i: int) -> list:
        return [f"{v:.4g}" for j in range(y.shape[1]) for v in (y[i, j], out[i, j], error[i, j])]

    return headings, cells, (-np.abs(error).max(axis=1),), "the largest errors"


def _mark(correct: bool) -> Text:
    return Text("yes", style="green") if correct else Text("NO", style="bold red")


_TASK_COLUMNS = {"binary": _binary_columns, "multiclass": _multiclass_columns, "regression": _regression_columns}


def _result_line(result: FitResult) -> str:
    final, experiment = result.final, result.experiment
    units = " (standardized targets)" if experiment.target_scaler is not None else ""
    line = f"loss {final.loss:.6g}{units}, {_scores_text(final.scores, len(experiment.x))}"
    if final.val_loss is not None and experiment.x_val is not None:
        line += f"; val loss {final.val_loss:.6g}, val {_scores_text(final.val_scores, len(experiment.x_val))}"
    if final.test_loss is not None and experiment.x_test is not None:  # one is None only with the other
        line += f"; test loss {final.test_loss:.6g}, test {_scores_text(final.test_scores, len(experiment.x_test))}"
    return f"{line} after {final.epoch} epoch{'s' if final.epoch != 1 else ''}"


def _scores_text(scores: Mapping[str, float], n: int) -> str:
    """``accuracy 95.24% (20/21)``, ``r2 0.9812``: each score, with the count of points right for accuracy."""
    return ", ".join(f"{name} {score_text(name, value)}" + (f" ({round(value * n)}/{n})" if name == "accuracy" else "")
                     for name, value in scores.items())


def _metrics_row(result: FitResult) -> tuple[str, str]:
    """Every metric of the task on the final parameters, training and test."""
    text = ", ".join(f"{name} {score_text(name, value)}" for name, value in result.metrics().items())
    for part in ("val", "test"):
        held = result.metrics(**{part: True})
        if held:
            text += f"; {part} " + ", ".join(f"{name} {score_text(name, value)}" for name, value in held.items())
    return "Metrics", text


def _confusion_table(result: FitResult, width: int = 80) -> Table:
    """The confusion matrix on the test points when there are some, else on the training points."""
    e = result.experiment
    test = e.x_test is not None and e.y_test is not None
    x, y = (e.x_test, e.y_test) if test else (e.x, e.y)
    assert x is not None and y is not None
    return confusion_table(e.classes, predict(result.final.params, x, e.activation, e.output), y,
                           f"Confusion matrix, {'test' if test else 'training'} points", width)


def confusion_table(classes: tuple[str, ...], outputs: np.ndarray, targets: np.ndarray, title: str,
                    width: int = 80) -> Table:
    """Rows the true class, columns the class predicted from a classifier's ``outputs`` (n, k) for the
    encoded ``targets`` (by number when the names do not fit ``width``); on a terminal the diagonal is
    green and the rest red where it is not 0. Then each class's precision and recall."""
    counts = confusion_matrix(outputs, targets)
    precision, recall = per_class_precision(counts), per_class_recall(counts)
    table = Table(title=title, title_justify="left", caption_justify="left")
    # Columns named by class where the names fit the width, else by number, the rows saying which is which.
    numbered = sum(max(len(name), 5) + 3 for name in classes) + max(map(len, classes)) + 25 > width
    table.caption = f"rows: the true class; columns: the predicted class{', by number' if numbered else ''}"
    table.add_column("true class", no_wrap=True)
    for k, name in enumerate(classes):
        table.add_column(str(k) if numbered else shown(name), justify="right")
    table.add_column("recall", justify="right")
    for i, name in enumerate(classes):
        cells = [Text(str(count), style=("green" if i == j else "red") if count else "dim")
                 for j, count in enumerate(counts[i])]
        label = Text(f"{i} {name}" if numbered else name, style="bold")
        table.add_row(label, *cells, f"{recall[i]:.3f}")
    table.add_row(Text("precision", style="bold"), *(f"{p:.3f}" for p in precision), "")
    return table


def _summary(result: FitResult) -> list[tuple[str, str]]:
    experiment, final, seconds = result.experiment, result.final, result.seconds
    c = experiment.config
    hyper = ", ".join(f"{k}={v:g}" for k, v in experiment.hyperparameters.items())
    extras = [f"batch size {c.batch_size}" if c.batch_size else "full batch"]
    extras += [f"l2 {c.l2:g}"] if c.l2 else []
    extras += [f"l1 {c.l1:g}"] if c.l1 else []
    extras += [f"dropout {c.dropout:g}"] if c.dropout else []
    extras += [f"{c.schedule} schedule"] if c.schedule != "constant" else []
    return [
        ("Result", _result_line(result)),
        _metrics_row(result),
        ("Stopped", result.stop_reason),
        ("Model", f"{net_words(experiment.params.sizes, c.activation, c.output)}, "
                  f"{sum(p.size for p in final.params.values())} parameters, {c.init} init"
                  + (f", {c.dtype}" if c.dtype != "float64" else "")),
        ("Training", f"{c.optimizer} ({hyper}), {c.loss} loss, {', '.join(extras)}, seed {c.seed}"),
        ("Data", f"{_data_name(experiment)}: {_points(experiment)}"
                 + (", standardized" if experiment.scaler is not None else "")
                 + (", targets standardized" if experiment.target_scaler is not None else "")),
        ("Time", f"{seconds:.3g} s ({result.epochs_trained / seconds:,.0f} epochs/s)"),
    ]


def _print_summary(console: Console, rows: list[tuple[str, str]]) -> None:
    """The summary as a grid with hanging indents on a terminal; in a pipe, one line per row, never wrapped."""
    if not console.is_terminal:
        for key, value in rows:
            console.print(f"{key:<8}  {value}", soft_wrap=True)
        return
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    for row in rows:
        grid.add_row(*row)
    console.print(grid)
