"""``fnn sweep``: train a grid of configurations and compare them in one table."""

from __future__ import annotations

import contextlib
import math
import os
import signal
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Collection, Iterator, Mapping, Optional

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.cells import cell_len
from rich.table import Column, Table

from fnn.errors import ConfigError, FnnError, Interrupted
from fnn.core.network import is_linear
from fnn.plugins.registry import Registry
from fnn.runs.rundir import (PLAN_FILE, check_out_dir, finish_sweep, planned_search, record_run, start_sweep,
                             unfinished_sweep)
from fnn.runs.sweep import (ALWAYS_SHOWN, POOLED, SORT_KEYS, Executor, Group, Spread, SweepRun, check_select,
                            check_sort, classifies, grid, headline, prepare_all, run_sweep, select, selection,
                            sort_groups, summarize_groups, task_metrics, varied_settings, with_folds)
from fnn.runs.search import search, search_record
from fnn.runs.training import selects_on_test
from fnn.runs.settings import BY_NAME, SETTINGS, RunConfig, plain_settings
from fnn.io import jsonfile
from fnn.cli._app import command, examples, plugin_registry, signals_interrupt
from fnn.cli._console import make_console, shown
from fnn.cli._options import given_settings, refuse_dataset_with_data
from fnn.cli._settings import choices_from, distributions_from, with_settings
from fnn.cli.run import LINEAR_NOTE, score_text

SCHEDULER_ENV = "FNN_DASK_SCHEDULER"
"""A Dask scheduler's address for every sweep, as --scheduler gives it (the option wins)."""
MAX_UNCONFIRMED = 5_000
"""A grid with more configurations than this trains only with --yes: a typo (one more value per flag) can
multiply a sweep's size and hours, and the refusal costs nothing."""
_SWEEP, _OUTPUT = "Sweep", "Output"


@command(epilog=examples(
    ("fnn sweep --lr 0.1,0.5,1,2 --seed 1,2,3", "learning rates, each over three seeds"),
    ("fnn sweep -a sigmoid,tanh,relu --hidden 2,4/4,8 --sort accuracy", "activations by hidden sizes, best first"),
    ("fnn sweep -o sgd,momentum,adam --out runs/optimizers", "optimizers, with results.csv and figures"),
    ("fnn sweep --lr loguniform:1e-3,10 --hidden choice:4/8,8 --seed 1,2 --samples 8",
     "random search: 8 drawn configurations, each over two seeds"),
))
@with_settings(sweep=True)
def sweep(
    ctx: typer.Context,
    sort: Annotated[Optional[str], typer.Option(
        "--sort", help="Order rows by loss, a metric of the task (accuracy, f1, r2, mae, ...; test_ and the name "
        "for the test points, val_ for the validation points), epoch (first 100%), time (best first) or by a "
        "setting.", show_default="grid order", rich_help_panel=_SWEEP)] = None,
    select_by: Annotated[Optional[str], typer.Option(
        "--select", help="Choose the best configuration by this metric (or loss) on the validation points, its "
        "mean over the seeds (and the folds of --cv), and report its test score beside it (never used to choose); "
        "needs --val-split or --cv.",
        metavar="METRIC", rich_help_panel=_SWEEP)] = None,
    workers: Annotated[Optional[int], typer.Option(
        "--workers", "-w", help="Worker processes, at most one per core (more are capped, with a note, unless "
        "--force-workers); the results are identical to a serial run.", show_default="number of cores",
        rich_help_panel=_SWEEP)] = None,
    force_workers: Annotated[bool, typer.Option("--force-workers", help="Start --workers processes even if that is "
                                                "more than the cores.", rich_help_panel=_SWEEP)] = False,
    samples: Annotated[Optional[int], typer.Option(
        "--samples", help="Random search: draw this many configurations from the settings given as distributions "
        "(uniform:LOW,HIGH, loguniform:LOW,HIGH, choice:A,B); each is combined with every combination of the "
        "settings given as comma lists.", show_default="no random search", rich_help_panel=_SWEEP)] = None,
    sample_seed: Annotated[int, typer.Option(
        "--sample-seed", help="Seed of the random search's draw (--seed stays the runs' own): the same command "
        "draws the same configurations.", rich_help_panel=_SWEEP)] = 0,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", envvar=SCHEDULER_ENV, help="Train on a Dask cluster: the scheduler's address "
        "(tcp://HOST:8786), or local:N to start N worker processes here. Needs fnn's dask extra (see the "
        "README); not with --workers (the cluster's workers are its own).", show_default="the local process pool",
        show_envvar=True, rich_help_panel=_SWEEP)] = None,
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", help=f"Train a grid of more than {MAX_UNCONFIRMED:,} configurations (without it, such a grid "
        "is refused before anything starts).", rich_help_panel=_SWEEP)] = False,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write results.csv (one row per run as it finishes, "
                                                "with an error column for runs that failed; an interrupted sweep keeps "
                                                "them for --resume), results.json (runs and folded "
                                                "rows), curves.npz (every run's curves, for fnn plot) and "
                                                "loss_by_<setting>.png for every setting that varies.",
                                                file_okay=False, rich_help_panel=_OUTPUT)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an --out folder that fnn wrote (nothing else).",
                                        rich_help_panel=_OUTPUT)] = False,
    resume: Annotated[Optional[Path], typer.Option(
        "--resume", help="Finish the interrupted sweep whose --out folder this is: train only the runs it has no "
        "row for, with the settings it saved (give no grid settings).", file_okay=False,
        rich_help_panel=_OUTPUT)] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the results as JSON and nothing else.",
                                              rich_help_panel=_OUTPUT)] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the results table, no progress.",
                                        rich_help_panel=_OUTPUT)] = False,
    **settings,
) -> None:
    """Train every combination of the given settings and compare them."""
    registry = plugin_registry(ctx)
    if sort is not None:
        sort = {s.heading: s.name for s in SETTINGS}.get(sort, sort)  # "lr", as the table shows it
        metrics = registry.names("metric")
        held = [f"{part}_{name}" for part in ("test", "val") for name in metrics] + ["val_loss"]
        if sort not in [*SORT_KEYS, *BY_NAME, *metrics, *held]:
            raise typer.BadParameter(f"{sort!r} is not one of: {', '.join([*SORT_KEYS, *metrics, *BY_NAME])} "
                                     "(test_ and a metric for the test points, val_ for the validation points)",
                                     param_hint="--sort")
    if workers is not None and workers < 1:
        raise typer.BadParameter(f"must be at least 1, got {workers}", param_hint="--workers")
    if scheduler and (workers is not None or force_workers):
        source = ctx.get_parameter_source("scheduler")  # click's ParameterSource, vendored by typer: by name
        given = f"{SCHEDULER_ENV}={scheduler}" if source is not None and source.name == "ENVIRONMENT" \
            else "--scheduler"
        raise ConfigError(f"--workers and --force-workers are for the local process pool, not with {given}: "
                          "a Dask cluster trains on its own workers (local:N for N of them here)")
    console = make_console()
    done: dict[int, SweepRun] = {}
    if resume is not None:
        if samples is not None or sample_seed != 0:
            raise ConfigError(f"--resume takes the random search from {str(resume)!r}'s plan; leave out "
                              "--samples and --sample-seed")
        resumed = _resumed(ctx, resume, out, force, registry)
        if resumed is None:
            console.print(f"The sweep in {shown(resume)}/ is complete; nothing to resume.", soft_wrap=True)
            return
        configs, done = resumed
        out = resume
        searched = planned_search(resume)
    else:
        refuse_dataset_with_data(ctx, settings["data"])
        choices, distributions = choices_from(settings), distributions_from(settings)
        _check_search(distributions, samples, sample_seed)
        # Counted before the grid is built: it may be huge.
        if settings["fold"] is not None:
            raise ConfigError("--fold picks one fold for fnn run; fnn sweep --cv K trains every fold")
        count = math.prod(len(values) for values in choices.values()) * (samples or 1) * (settings["cv"] or 1)
        if count > MAX_UNCONFIRMED and not yes:
            raise ConfigError(f"this sweep would train {count:,} configurations, more than {MAX_UNCONFIRMED:,}; "
                              "add --yes to train them all")
        configs = search(choices, distributions, samples, np.random.default_rng(sample_seed)) if samples \
            else grid(**choices)
        configs = with_folds(configs)  # each fold of --cv a run of its own
        searched = search_record(distributions, samples, sample_seed) if samples else None
        if sort is not None:  # a setting as given: once prepared, every run has a learning rate, say
            check_sort(configs, sort, registry)
        if out is not None:
            check_out_dir(out, force, inputs=[config.data for config in configs if config.data])
        configs = prepare_all(configs, registry)
    drawn = set((searched or {}).get("distributions") or {})
    metrics = task_metrics(configs, registry)  # one table for the sweep: tasks whose metrics differ are refused
    if sort is not None:  # and the metrics, which the runs' task decides, known once they are prepared
        check_sort(configs, sort, registry)
    if select_by is not None:
        check_select(configs, select_by, registry)
    peeking = selects_on_test(configs, sort)
    if peeking is not None:  # once for the whole sweep, before its progress
        typer.echo(f"note: {peeking}", err=True)
    if out is not None and resume is None:
        start_sweep(out, configs, metrics, force=force, search=searched)
    if done and not (json_output or quiet):
        console.print(f"Resuming {shown(resume)}/: {len(done)} of {len(configs)} runs were finished; training the "
                      f"other {len(configs) - len(done)}", soft_wrap=True)
    with _executor(scheduler) as executor:
        runs = _run_with_progress(configs, _worker_count(workers, force_workers),
                                  None if json_output or quiet else console, registry, done=done,
                                  folder=out, drawn=drawn, executor=executor)
    groups = summarize_groups(runs)
    varied = [name for name in varied_settings(run.config for run in runs) if name not in POOLED]
    if sort is not None:
        groups = sort_groups(groups, sort, registry)
    chosen = selected = None
    if select_by is not None:
        chosen = select(groups, select_by, registry)
        selected = None if chosen is None else selection(chosen, select_by, varied)
    if out is not None:
        finish_sweep(out, runs, selected)
    if json_output:
        typer.echo(jsonfile.dumps({"varied": varied, "groups": [g.as_dict(varied) for g in groups],
                                   **({"search": searched} if searched else {}),
                                   **({} if select_by is None else {"selected": selected})}))
    else:
        _print_results(console, groups, varied, runs, drawn=drawn)
        if select_by is not None:
            console.print(_selected_line(chosen, select_by, varied), soft_wrap=not console.is_terminal)
        for note in _notes(groups, registry):
            console.print(note, soft_wrap=not console.is_terminal)
        if out is not None:
            console.print(f"Sweep written to {shown(out)}/", soft_wrap=True)
    _fail_if_any_failed(runs)  # whatever the output format: a script reading --json sees the failure too


def _check_search(distributions: dict, samples: int | None, sample_seed: int) -> None:
    """A random search needs both its distributions and --samples; one without the other is a usage error."""
    if distributions and samples is None:
        flags = ", ".join(BY_NAME[name].flag for name in distributions)
        raise ConfigError(f"{flags}: a distribution is drawn from only with --samples N (how many configurations)")
    if samples is not None and not distributions:
        raise ConfigError("--samples draws from distributions, and no setting is given as one "
                          "(e.g. --lr loguniform:1e-3,1, --hidden choice:4/8,8)")
    if samples is not None and samples < 1:  # here: 0 would otherwise pass for "no random search"
        raise ConfigError(f"--samples must be at least 1, got {samples}")
    if sample_seed < 0:
        raise ConfigError(f"--sample-seed must be 0 or a positive integer, got {sample_seed}")


def _resumed(ctx: typer.Context, resume: Path, out: Path | None, force: bool,
             registry: Registry) -> tuple[list[RunConfig], dict[int, SweepRun]] | None:
    """The plan of the sweep folder to finish and its finished runs (by index); None when it is complete. Grid settings,
    ``--out`` and ``--force`` are refused: the folder's plan is the sweep."""
    given = given_settings(ctx, BY_NAME)
    if out is not None or force:
        given.append("--out" if out is not None else "--force")
    if given:
        raise ConfigError(f"--resume takes every setting from {str(resume)!r}'s {PLAN_FILE}; leave out "
                          f"{', '.join(given)} (to train another grid, start a new sweep with --out)")
    resumed = unfinished_sweep(resume)
    if resumed is None:
        return None
    _, configs, done = resumed
    prepared = prepare_all(configs, registry)
    changed = [i for i, (saved, now) in enumerate(zip(configs, prepared)) if saved != now]
    if changed:
        saved, now = plain_settings(configs[changed[0]]), plain_settings(prepared[changed[0]])
        what = ", ".join(f"{name} {saved[name]!r} is now {now[name]!r}" for name in saved if saved[name] != now[name])
        raise ConfigError(f"run {changed[0] + 1} of {str(resume)!r} would not train as it was planned ({what}); "
                          "were the plugins changed? Resume it with the plugins it started with")
    return configs, done


def _selected_line(chosen: Group | None, metric: str, settings: list[str]) -> str:
    """The choice of --select in one line: the settings, the validation score it was chosen by, the test score."""
    if chosen is None:
        return f"selected: none (no configuration has a validation {metric}: every run diverged or failed)"
    spread = len(chosen.runs) > 1
    values = _describe(chosen.config, settings) if settings else "the one configuration"
    val, test = (_held_score(metric, chosen.score(metric, **{part: True}), spread) for part in ("val", "test"))
    return f"selected by validation {metric}: {values} (val {metric} {val}; test {metric} {test}, reported only)"


def _held_score(metric: str, score: Spread, spread: bool) -> str:
    """A held-out score as the tables show it (the loss to 4 digits); "-" when there is none."""
    if metric == "loss":
        return "-" if math.isnan(score.mean) else f"{score.mean:.4g}" + (f" ± {score.std:.2g}" if spread else "")
    return _score(metric, score, spread)


def _fail_if_any_failed(runs: list[SweepRun]) -> None:
    """Exit 1 after showing (and writing) everything, when a run failed rather than trained or diverged."""
    errors = [run.error for run in runs if run.error is not None]
    if errors:
        reasons = "; ".join(sorted(set(errors)))
        raise FnnError(f"{len(errors)} of {len(runs)} runs failed ({reasons}); the other results are complete")


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


@contextlib.contextmanager
def _executor(scheduler: str | None) -> Iterator[Executor | None]:
    """A Dask cluster's executor for ``--scheduler`` (dask imported only then); None: the local process pool."""
    if not scheduler:
        yield None
        return
    from fnn.runs.dask_executor import dask_executor
    with dask_executor(scheduler) as executor:
        yield executor


def _cores() -> int:
    """The cores this process may run on (fewer than the machine's under taskset or a container's limit)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run_with_progress(configs, workers: int, console: Console | None, registry: Registry, *,
                       done: Mapping[int, SweepRun] = MappingProxyType({}), folder: Path | None = None,
                       drawn: Collection[str] = (),
                       executor: Executor | None = None) -> list[SweepRun]:
    """Train the configurations not ``done`` (by index), showing progress, in ``workers`` local processes or
    through ``executor``; with ``folder``, each finished run is recorded there as it finishes. Every run, in
    ``configs``' order."""
    settings = varied_settings(configs)
    live = console is not None and console.is_terminal
    # markup=False: a description holds paths and names from outside (rich would read "[red]" in them).
    # The last run's line is cut at the terminal's edge rather than wrapped: it is replaced at the next run.
    fixed = Column(no_wrap=True)
    progress = Progress(TextColumn("sweep", markup=False), MofNCompleteColumn(table_column=fixed),
                        BarColumn(bar_width=20), TimeElapsedColumn(table_column=fixed),
                        TextColumn("{task.description}", markup=False,
                                   table_column=Column(no_wrap=True, overflow="ellipsis", ratio=1)),
                        console=console, disable=not live, expand=True)
    finished = len(done)
    missing = [index for index in range(len(configs)) if index not in done]

    def on_done(position: int, run: SweepRun) -> None:
        nonlocal finished
        if folder is not None:
            record_run(folder, missing[position], run)
        finished += 1
        line = f"{_describe(run.config, settings, drawn)}: {_outcome(run)}"
        if live:
            progress.update(task, advance=1, description=line)
        elif console is not None:
            console.print(f"[{finished}/{len(configs)}] {line}", soft_wrap=True)  # one line per run in a log

    with signals_interrupt(), progress:
        task = progress.add_task("", total=len(configs), completed=len(done))
        try:
            where = {"workers": workers} if executor is None else {"executor": executor}
            trained = run_sweep([configs[index] for index in missing], on_done=on_done, registry=registry, **where)
        except KeyboardInterrupt as error:
            signum = getattr(error, "signum", signal.SIGINT)
            kept = f"; {str(folder)!r} keeps them: finish it with fnn sweep --resume {folder}" \
                if folder is not None else ""
            raise Interrupted(signum, f"interrupted after {finished} of {len(configs)} runs{kept}") from None
    runs = {**done, **dict(zip(missing, trained))}
    return [runs[index] for index in range(len(configs))]


def _describe(config, settings, drawn: Collection[str] = ()) -> str:
    return " ".join(f"{BY_NAME[name].heading}={_setting_text(config, name, drawn)}" for name in settings) or "run"


def _setting_text(config: RunConfig, name: str, drawn: Collection[str]) -> str:
    """A setting's value in the table; a drawn number to 3 significant digits (the files keep every digit)."""
    value = getattr(config, name)
    return f"{value:.3g}" if name in drawn and isinstance(value, float) else _value(value)


def _outcome(run: SweepRun) -> str:
    if run.failed:
        return f"failed: {run.error}"
    if run.summary is None:
        return f"diverged at epoch {run.diverged_at}"
    name = headline(run.config.task)
    return f"loss {run.summary['final_loss']:.4g}, {name} {score_text(name, run.summary['metrics'][name])}"


def _value(value) -> str:
    if value is None:
        return "default"
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, tuple):
        return ",".join(map(str, value)) or "''"  # no hidden layer, as --hidden takes it
    if isinstance(value, dict):
        return ",".join(f"{k}={v:g}" for k, v in value.items()) or "-"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _print_results(console: Console, groups: list[Group], settings: list[str], runs: list[SweepRun],
                   drawn: Collection[str] = ()) -> None:
    """The results as a table that fits the console, leaving out detail while it does not; when even the
    barest table is too wide, one line per configuration. Numbers are never wrapped or cut."""
    seeds = len({run.config.seed for run in runs})
    held = tuple(part for part, there in (("val", any(group.val_scores for group in groups)),
                                          ("test", any(group.test_scores for group in groups))) if there)
    first = runs[0].config
    metric = headline(first.task)  # one for the sweep: tasks whose metrics differ do not sweep together
    epochs = classifies(first.task)
    defaults = RunConfig()
    fixed = "fixed: " + ", ".join(f"{BY_NAME[name].heading}={_value(getattr(first, name))}" for name in BY_NAME
                                  if name not in settings and name not in POOLED
                                  and (name in ALWAYS_SHOWN or getattr(first, name) != getattr(defaults, name)))
    folds = first.cv or 1
    each = " × ".join(f"{count} {what}" for count, what in ((seeds, "seeds"), (folds, "folds")) if count > 1)
    title = f"Sweep: {len(runs)} runs" + (f", {each} each, mean ± std" if each else "")
    fell = any(map(_fell_back, groups))
    notes = ["* reached 100% accuracy, then fell back below it by the last epoch"] if fell else []
    spread = seeds > 1 or folds > 1
    # (spread, seconds per run, headings on two lines): from the whole table to the barest.
    layouts = [(spread, True, False), (spread, True, True), (spread, False, True)] + [(False, False, True)] * spread
    for layout in layouts:
        table = _table(groups, settings, metric, held, epochs, *layout, drawn=drawn)
        if _table_width(table) <= console.width:
            left_out = [what for what, kept in (("s/run", layout[1]), ("± std", layout[0] or not spread)) if not kept]
            if left_out:
                notes.append(f"left out to fit {console.width} columns: {', '.join(left_out)} "
                             "(--json and --out have everything)")
            table.title = title if layout[0] or not spread else title.replace("mean ± std", "mean")
            table.caption = fixed
            console.print(table)
            break
    else:
        console.print(title, soft_wrap=True)
        headings = _headings(metric, held, epochs, False)
        for group in groups:
            *cells, seconds = _results(group, metric, spread, held, epochs, True)
            results = ", ".join(f"{heading} {cell}" for heading, cell in zip(headings, cells))
            # One line per configuration in a pipe; a terminal wraps it between words.
            console.print(f"{_describe(group.config, settings, drawn)}: {results}, {seconds} s/run",
                          soft_wrap=not console.is_terminal)
        console.print(fixed, soft_wrap=not console.is_terminal)
    for note in notes:
        console.print(note, soft_wrap=not console.is_terminal)


def _table(groups: list[Group], settings: list[str], metric: str, held: tuple[str, ...], epochs: bool, spread: bool,
           timed: bool, stacked: bool, drawn: Collection[str] = ()) -> Table:
    """The results table; cells never wrap (``stacked`` puts the long headings on two lines instead)."""
    table = Table(title_justify="left", caption_justify="left")
    for name in settings:  # settings read left to right ...
        table.add_column(BY_NAME[name].heading, no_wrap=True)
    for heading in _headings(metric, held, epochs, stacked) + (["s/run"] if timed else []):
        table.add_column(heading, no_wrap=True, justify="right")  # ... numbers line up on the right
    for group in groups:
        table.add_row(*(_setting_text(group.config, name, drawn) for name in settings),
                      *_results(group, metric, spread, held, epochs, timed))
    return table


def _headings(metric: str, held: tuple[str, ...], epochs: bool, stacked: bool) -> list[str]:
    """The results' headings: the loss, the task's headline ``metric`` (and its twins on the ``held`` out
    points, "val" and "test"), the epoch of 100% accuracy (classification only); ``stacked`` puts the long
    ones on two lines."""
    headings = ["final\nloss", metric, *(f"{part}\n{metric}" for part in held),
                *(["100% at\nepoch"] if epochs else [])]
    return headings if stacked else [heading.replace("\n", " ") for heading in headings]


def _table_width(table: Table) -> int:
    """The width of ``table`` with no cell wrapped: each column's widest line, its padding of 1 either side
    and a rule to its left, and the last rule."""
    widths = [max(cell_len(line) for cell in (column.header, *column.cells) for line in str(cell).split("\n"))
              for column in table.columns]
    return sum(widths) + 3 * len(widths) + 1


def _fell_back(group: Group) -> bool:
    """Whether a run of the group reached 100% accuracy and ended below it (its "100% at epoch" is not its end)."""
    return any(run.first_perfect is not None and run.summary is not None and run.summary["accuracy"] < 1
               for run in group.runs)


def _results(group: Group, metric: str, spread: bool, held: tuple[str, ...], epochs: bool,
             timed: bool) -> list[str]:
    runs = len(group.runs)
    trained = runs - group.diverged - group.failed
    if not trained:
        if group.failed == runs:
            outcome = "failed: " + "; ".join(sorted({run.error for run in group.runs if run.error}))
        else:
            outcome = "diverged" if not group.failed else f"{group.failed} failed, {group.diverged} diverged"
        return [outcome, "-", *(["-"] * len(held)), *(["never"] if epochs else []), *(["-"] if timed else [])]
    loss = f"{group.loss_mean:.4g}" + (f" ± {group.loss_std:.2g}" if spread else "")
    scores = [_score(metric, group.score(metric, test=part == "test", val=part == "val"), spread)
              for part in ("", *held)]
    if group.first_perfect_median is None:
        first = "never"
    else:
        first = f"{group.first_perfect_median:.0f}" + (f" ({group.reached}/{runs})" if group.reached < runs else "")
        first += "*" if _fell_back(group) else ""
    for count, what in ((group.diverged, "diverged"), (group.failed, "failed")):
        if count:
            loss += f" ({count} {what})"
    return [loss, *scores, *([first] if epochs else []), *([f"{group.seconds / trained:.2f}"] if timed else [])]


def _score(metric: str, score: Spread, with_std: bool) -> str:
    """A metric's mean as ``fnn run`` shows it (accuracy in percent, the others to 4 digits), and its spread."""
    if math.isnan(score.mean):
        return "-"
    if not with_std:
        return score_text(metric, score.mean)
    return f"{score_text(metric, score.mean)} ± " + (f"{score.std:.1%}" if metric == "accuracy" else f"{score.std:.2g}")


def _notes(groups: list[Group], registry: Registry) -> list[str]:
    linear = sorted({g.config.activation for g in groups if is_linear(registry.activation(g.config.activation))})
    if not linear:
        return []
    return [LINEAR_NOTE.format(activation=", ".join(linear))]
