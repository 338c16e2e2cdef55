"""Sweeps: train every configuration of a grid and compare them.

:func:`grid` expands lists of settings into :class:`~fnn.RunConfig` s,
:func:`run_sweep` trains them (in worker processes if asked; every run is
seeded, so the results do not depend on the number of workers), and
:func:`summarize_groups` folds runs that differ only in their seed into one
row with the mean and spread. Each run goes through ``prepare`` and
``complete``, the same path as ``fnn run``.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from typing import Callable, Iterable, Iterator, NamedTuple, Protocol, Sequence

import numpy as np

from fnn._environ import environment
from fnn.errors import ConfigError, FnnError, PluginWarning, TrainingDiverged, one_line
from fnn.core.transforms import LearningRate
from fnn.core.params import stacked, unstacked
from fnn.io.data import Scaler
from fnn.plugins.registry import PluginSettings, Registry, registry as default_registry
from fnn.builtin.schedules import per_step
from fnn.runs.settings import BY_NAME, TASK_DEFAULTS, plain_settings, validated
from fnn.runs.training import Epoch, Experiment, FitResult, RunConfig, complete, prepare, run_bytes


class SweepRun(NamedTuple):
    """One trained configuration of a sweep."""

    config: RunConfig
    summary: dict | None  # ``FitResult.summary()``; None when training diverged
    loss: np.ndarray
    accuracy: np.ndarray | None  # None in regression
    first_perfect: int | None  # first epoch with 100% accuracy, None if never
    diverged_at: int | None
    error: str | None = None  # why the run failed (an exception, a worker that died); None if it trained
    score: np.ndarray | None = None  # the task's headline metric every epoch (accuracy, or r2 in regression)

    @property
    def failed(self) -> bool:
        return self.error is not None


def grid(**choices: Sequence) -> list[RunConfig]:
    """Every combination of ``choices`` (lists of values for ``RunConfig`` fields), in nested order.

    ``grid(learning_rate=[0.1, 1], seed=[1, 2])`` gives four configs; fields
    not named keep their defaults.
    """
    unknown = set(choices) - set(BY_NAME)
    if unknown:
        raise ConfigError(f"unknown sweep settings {sorted(unknown)}; choose from {', '.join(BY_NAME)}")
    names = [name for name in BY_NAME if name in choices]
    return [replace(RunConfig(), **dict(zip(names, values)))
            for values in itertools.product(*(choices[n] for n in names))]


def with_folds(configs: Sequence[RunConfig]) -> list[RunConfig]:
    """Each configuration with ``cv`` K as K configurations, folds 1 to K in turn (the rest as they are):
    every fold is a run of its own, planned, stacked, resumed and sent to workers as any run is."""
    return [replace(config, fold=fold) for config in configs
            for fold in (range(1, config.cv + 1) if config.cv is not None and config.fold is None else [config.fold])]


POOLED = ("seed", "fold")
"""The settings a group pools its runs over (:func:`summarize_groups`): its statistics are over seeds and folds."""


def prepare_all(configs: Sequence[RunConfig], registry: Registry | None = None) -> list[RunConfig]:
    """Prepare every configuration, raising the first ``ConfigError`` among them before any training starts.

    Returns the configs as their runs record them (the optimizer's default
    learning rate filled in), so a run that fails is grouped with its seeds.
    Names are looked up in ``registry``, by default the installed plugins'.
    """
    return [prepare(config, registry).config for config in configs]


def train_one(config: RunConfig, registry: Registry | None = None) -> SweepRun:
    """Train one configuration alone; a diverging run is recorded, not raised, so the sweep goes on.
    Names are looked up in ``registry``, by default the installed plugins'."""
    return _train_stack([prepare(config, registry)])[0]


def _failed(config: RunConfig, error: str) -> SweepRun:
    return SweepRun(config, None, np.array([]), np.array([]), None, None, error)


def _diverged(config: RunConfig, epoch: int) -> SweepRun:
    return SweepRun(config, None, np.array([]), np.array([]), None, epoch)


ALWAYS_SHOWN = frozenset({"dataset", "hidden", "activation", "output", "loss", "optimizer", "learning_rate",
                          "epochs"})
"""The settings a sweep's table and figures name as held fixed even at their defaults; others only when
changed."""

WORKER_DIED = "worker died"
"""The error of runs whose worker process ended without a result (killed, crashed)."""


def _train_task(configs: Sequence[RunConfig], plugins: Registry | PluginSettings) -> list[SweepRun]:
    """:func:`train_group`, but an exception (a plugin's, say) fails only the run that raised it.

    ``plugins`` is the registry, or in a worker process the settings that build it (once per
    process: :func:`fnn.registry` keeps it), sent with each task rather than through the environment.
    """
    registry = plugins if isinstance(plugins, Registry) else default_registry(plugins)
    try:
        return train_group(configs, registry)
    except (Exception, SystemExit):
        return [_train_or_fail(config, registry) for config in configs]


def _train_or_fail(config: RunConfig, registry: Registry) -> SweepRun:
    try:
        return train_one(config, registry)
    except (Exception, SystemExit) as error:  # SystemExit: a plugin that calls sys.exit must not end the sweep
        return _failed(config, _reason(error))


def _reason(error: BaseException) -> str:
    """fnn's own errors by their message (one line already); anything else with its type."""
    return str(error) if isinstance(error, FnnError) else one_line(error)


def stack_key(config: RunConfig) -> tuple | None:
    """Configurations with equal keys can train as one stacked computation; None: train alone.

    Everything but the learning rate and the seed must agree. Mini-batches
    (their order differs per seed), early stopping (runs would stop at
    different epochs) and dropout train alone: a lone run draws its masks from
    its own seed's generator, and a stack trains from one generator, so its
    members' masks would differ from their lone runs' and so would the numbers.
    """
    if config.batch_size is not None or config.patience is not None or config.target_accuracy is not None \
            or config.target_loss is not None or config.dropout:
        return None
    return tuple(_key(getattr(config, name)) for name in BY_NAME if name not in ("learning_rate", "seed"))


STACK_BYTES = 256 * 2**20
"""The memory one stacked computation may hold (:func:`fnn.runs.training.run_bytes` per run): beyond it,
runs stack in further groups, prepared one group at a time. Stacking pays for small networks, whose
arrays are too small to keep NumPy busy; a sweep of large runs would only multiply its memory."""


def train_group(configs: Sequence[RunConfig], registry: Registry | None = None) -> list[SweepRun]:
    """Train configurations, stacking those that share a :func:`stack_key`, their data shapes and a loss
    and optimizer that declare ``stacks``; the others train alone. At most :data:`STACK_BYTES` of them
    are prepared at a time. Results equal separate runs (to rounding, 1e-12). Names are looked up in
    ``registry``, by default the installed plugins'."""
    registry = registry or default_registry()
    runs: list[SweepRun] = []
    while len(runs) < len(configs):
        first = prepare(configs[len(runs)], registry)
        fit = max(1, STACK_BYTES // run_bytes(len(first.x), first.params.sizes, first.config.dtype))
        experiments = [first, *(prepare(config, registry) for config in configs[len(runs) + 1:len(runs) + fit])]
        trained: dict[int, SweepRun] = {}
        for indices in _stacks(experiments):
            for index, run in zip(indices, _train_stack([experiments[i] for i in indices])):
                trained[index] = run
        runs += [trained[index] for index in range(len(experiments))]
    return runs


def _stacks(experiments: Sequence[Experiment]) -> list[list[int]]:
    """Indices of ``experiments`` grouped into stacks, each of experiments that can train as one."""
    stacks: dict[object, list[int]] = {}
    for index, e in enumerate(experiments):
        # Whether the records stack is their own declaration, never a guess from their names or behaviour.
        stackable = e.loss.stacks and e.optimizer_spec is not None and e.optimizer_spec.stacks
        key = stack_key(e.config) if stackable else None
        shapes = tuple(None if part is None else part.shape for part in (e.x, e.x_test, e.x_val))
        stacks.setdefault(("alone", index) if key is None else (key, shapes), []).append(index)
    return list(stacks.values())


def _train_stack(members: Sequence[Experiment]) -> list[SweepRun]:
    """Train ``members`` as one stacked experiment (a single one as itself) through :func:`complete`,
    the loop and bookkeeping of ``fnn run``, then split the result per model."""
    if len(members) == 1:
        try:
            return [_as_run(complete(members[0]))]
        except TrainingDiverged as error:
            return [_diverged(members[0].config, error.epoch)]
    return [_as_run(result) for result in _split(complete(_stacked_experiment(members)), members)]


def _as_run(result: FitResult) -> SweepRun:
    not_finite = np.flatnonzero(~np.isfinite(result.loss))
    if len(not_finite):  # a stacked model trained on past its divergence, so that the others could finish
        return _diverged(result.experiment.config, int(not_finite[0]) + 1)
    reached = np.array([]) if result.accuracy is None else np.flatnonzero(result.accuracy >= 1.0)
    first = int(reached[0]) + 1 if len(reached) else None
    score = result.history.get(headline(result.experiment.config.task))
    return SweepRun(result.experiment.config, result.summary(), result.loss, result.accuracy, first, None,
                    score=score)


def _stacked_experiment(members: Sequence[Experiment]) -> Experiment:
    """One experiment of M models: ``members``' parameters and data stacked along a leading model axis,
    and their optimizer made with one learning rate (or schedule) per model, shape (M, 1, 1). The other
    settings are the first member's, which every member shares (:func:`stack_key`)."""
    first, count = members[0], len(members)
    dtype = first.x.dtype
    rates: LearningRate = np.array([e.config.learning_rate for e in members], dtype=dtype).reshape(count, 1, 1)
    schedules = [e.schedule for e in members if e.schedule is not None]
    if schedules:  # one rate per model and epoch; full batch, so one update per epoch
        rates = per_step(lambda epoch: np.array([rate(epoch) for rate in schedules], dtype=dtype)
                         .reshape(count, 1, 1), 1)
    assert first.optimizer_spec is not None  # _stacks stacks only experiments that have one
    optimizer = first.optimizer_spec.make(**{**first.hyperparameters, "learning_rate": rates})

    def stack(part: str) -> np.ndarray | None:  # a held-out part every member has, or none has (same settings)
        return None if getattr(first, part) is None else np.stack([getattr(e, part) for e in members])

    # Each model's targets standardized by its own scaler (its seed may draw other points): means and
    # scales of shape (M, 1, k), which undo a stack of outputs (M, n, k) model by model.
    target_scaler = None if first.target_scaler is None else Scaler(
        *(np.stack([getattr(e.target_scaler, part) for e in members])[:, None, :] for part in ("mean", "std")))
    return first._replace(
        x=np.stack([e.x for e in members]), y=np.stack([e.y for e in members]),
        params=stacked([e.params for e in members]), optimizer=optimizer,
        x_test=stack("x_test"), y_test=stack("y_test"), x_val=stack("x_val"), y_val=stack("y_val"),
        scaler=None, schedule=None, origin=None, origin_test=None, origin_val=None, target_scaler=target_scaler)


def _split(result: FitResult, members: Sequence[Experiment]) -> list[FitResult]:
    """Each model's own ``FitResult`` from a stacked one: its column of the history, its slice of the
    final parameters and an equal share of the time. A model whose loss went non-finite says so."""
    final, count = result.final, len(members)
    models = unstacked(final.params)
    results = []
    for m, experiment in enumerate(members):
        history = {name: values[:, m].copy() for name, values in result.history.items()}
        params = models[m]
        scores = {name: float(values[m]) for name, values in final.scores.items()}
        test_scores = {name: float(values[m]) for name, values in final.test_scores.items()}
        test_loss = None if final.test_loss is None else float(np.asarray(final.test_loss)[m])
        val_scores = {name: float(values[m]) for name, values in final.val_scores.items()}
        val_loss = None if final.val_loss is None else float(np.asarray(final.val_loss)[m])
        not_finite = np.flatnonzero(~np.isfinite(history["loss"]))
        reason = (f"diverged at epoch {not_finite[0] + 1}; trained on with its stack" if len(not_finite)
                  else result.stop_reason)
        epoch = Epoch(final.epoch, float(np.asarray(final.loss)[m]), scores.get("accuracy"), params, None, test_loss,
                      test_scores.get("accuracy"), scores, test_scores, val_loss, val_scores)
        results.append(FitResult(experiment, epoch, history, result.seconds / count, reason))
    return results


def plan(configs: Sequence[RunConfig], workers: int) -> list[list[int]]:
    """Indices of ``configs`` grouped into tasks: stackable configurations together, split so
    that every worker gets a share."""
    groups: dict[object, list[int]] = {}
    for index, config in enumerate(configs):
        key = stack_key(config)
        groups.setdefault(("alone", index) if key is None else key, []).append(index)
    tasks = []
    for indices in groups.values():
        size = max(1, math.ceil(len(indices) / workers))
        tasks += [indices[i:i + size] for i in range(0, len(indices), size)]
    return tasks


class Executor(Protocol):
    """Where a sweep's tasks train (see :func:`run_sweep`): :class:`LocalPool` by default, or a Dask
    cluster (:func:`fnn.runs.dask_executor.dask_executor`).

    ``train`` trains every task (a list of indices into ``configs``, one unit of work: a stack of
    configurations, or one) with :func:`_train_task`, calls ``done(task, runs)`` as each finishes, in
    any order, and returns when all have. A task that cannot finish (its worker died) gives failed runs;
    on ``KeyboardInterrupt`` (or an exception from ``done``) it stops the work in flight and re-raises.
    """

    @property
    def workers(self) -> int:
        """How many tasks train at once: :func:`plan` splits stacks so that each worker gets a share."""
        ...

    def train(self, configs: Sequence[RunConfig], tasks: list[list[int]],
              done: Callable[[list[int], list[SweepRun]], None], registry: Registry) -> None: ...


class LocalPool(NamedTuple):
    """The default executor: ``workers`` processes on this machine, or with one, this process itself."""

    workers: int = 1

    def train(self, configs: Sequence[RunConfig], tasks: list[list[int]],
              done: Callable[[list[int], list[SweepRun]], None], registry: Registry) -> None:
        if self.workers <= 1 or len(tasks) <= 1:
            for task in tasks:
                done(task, _train_task([configs[i] for i in task], registry))
            return
        plugins = worker_plugins(registry, f"{self.workers} workers", "use one worker")
        # One BLAS thread per worker: workers that each start a thread per core fight over the cores
        # and run many times slower. Fresh ("spawn") workers read these variables when NumPy loads.
        # This is about NumPy, not fnn: plugin settings go to the workers with each task.
        with environment(dict.fromkeys(_BLAS_THREADS, "1")):
            _in_workers(configs, tasks, self.workers, done, plugins)


def worker_plugins(registry: Registry, who: str, instead: str) -> PluginSettings:
    """The settings from which other processes (``who``) build ``registry``; a registry of plugins given
    in code cannot be rebuilt there: ``ConfigError``, suggesting what to do ``instead``."""
    if registry.settings is None:
        raise ConfigError(f"{who} cannot load plugins given in code (make_registry(plugins=...)) "
                          f"or a registry without the built-ins; {instead}, or install the plugin")
    return registry.settings


def run_sweep(configs: Sequence[RunConfig], workers: int = 1,
              on_done: Callable[[int, SweepRun], None] | None = None, *,
              registry: Registry | None = None, executor: Executor | None = None) -> list[SweepRun]:
    """Train ``configs``, in ``workers`` processes when more than one; results keep the configs' order.

    Configurations that differ only in learning rate and seed train as one
    stacked computation (see :func:`train_group`). ``on_done(index, run)`` is
    called as each run finishes (in completion order). A run that raises, or
    whose worker process dies, is returned failed (its ``error`` says why);
    the others are kept. On ``KeyboardInterrupt`` (or any exception in
    ``on_done``) the workers are ended at once and the exception goes on.

    ``executor`` trains the tasks elsewhere instead (a Dask cluster:
    :func:`fnn.runs.dask_executor.dask_executor`); its number of workers
    replaces ``workers``, which must then stay 1. The same number of workers
    gives the same tasks, and so the same numbers, wherever they train.

    Names are looked up in ``registry``, by default the installed plugins'.
    Worker processes build the same registry from its :class:`PluginSettings`,
    sent with each task; a registry of plugins given in code cannot be rebuilt
    there (a ``ConfigError`` says so).
    """
    if executor is not None and workers != 1:
        raise ConfigError(f"run_sweep takes workers={workers} or an executor, not both: the executor's workers "
                          "are its own")
    registry = registry or default_registry()
    results: dict[int, SweepRun] = {}  # by position in configs: tasks finish in any order

    def done(task: list[int], runs: list[SweepRun]) -> None:
        for index, run in zip(task, runs):
            results[index] = run
            if on_done is not None:
                on_done(index, run)

    pool = executor or LocalPool(workers)
    pool.train(configs, plan(configs, pool.workers), done, registry)
    return [results[index] for index in range(len(configs))]


def _in_workers(configs: Sequence[RunConfig], tasks: list[list[int]], workers: int,
                done: Callable[[list[int], list[SweepRun]], None], plugins: PluginSettings) -> None:
    """Train ``tasks`` in worker processes; a worker that dies fails only its own task.

    A dead worker breaks its whole pool, and every task then in flight fails
    with it. Those are set aside while a fresh pool trains the rest; then they
    run again one at a time, so the one that kills its worker is found and failed.
    """
    pending, suspects = tasks, []
    while pending:
        crashed, pending = _pool_pass(configs, pending, workers, done, plugins)
        suspects += crashed
    while suspects:  # one worker: a task that breaks the pool was the only one running
        crashed, suspects = _pool_pass(configs, suspects, 1, done, plugins)
        for task in crashed:
            done(task, [_failed(configs[i], WORKER_DIED) for i in task])


def _pool_pass(configs: Sequence[RunConfig], tasks: list[list[int]], workers: int,
               done: Callable[[list[int], list[SweepRun]], None],
               plugins: PluginSettings) -> tuple[list[list[int]], list[list[int]]]:
    """Train ``tasks`` in one pool until all are done or a worker dies: (tasks in flight when it
    died, tasks not started). At most ``workers`` tasks are in flight, so those are the suspects."""
    queue, crashed = tasks[::-1], []
    in_flight: dict[Future, list[int]] = {}
    size = min(workers, len(tasks))
    pool = ProcessPoolExecutor(max_workers=size, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(os.getpid(),))
    broken, submitted = False, 0
    try:
        while (queue and not broken) or in_flight:
            while queue and not broken and len(in_flight) < workers:
                try:
                    # The pool starts a worker with each of its first submits, and only then.
                    with _workers_ignore_sigint() if submitted < size else contextlib.nullcontext():
                        future = pool.submit(_train_task, [configs[i] for i in queue[-1]], plugins)
                    submitted += 1
                except BrokenProcessPool:  # a worker died since the last wait
                    broken = True
                    break
                in_flight[future] = queue.pop()
            if not in_flight:
                break
            # Once a worker has died, every task in flight fails at once; collect them all.
            finished, _ = wait(in_flight, return_when=ALL_COMPLETED if broken else FIRST_COMPLETED)
            for future in finished:
                task = in_flight.pop(future)
                try:
                    runs = future.result()
                except BrokenProcessPool:
                    broken = True
                    crashed.append(task)
                    continue
                except Exception as error:  # a result that cannot come back (unpicklable, say)
                    runs = [_failed(configs[i], _reason(error)) for i in task]
                done(task, runs)
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    return crashed, queue[::-1]


def _stop(pool: ProcessPoolExecutor) -> None:
    """End a pool now: cancel what has not started and terminate the workers rather than wait for them."""
    # ``_processes`` is private, but before Python 3.14's terminate_workers() it is the only way to
    # reach the workers; shutdown() alone would let each finish its task first.
    processes = list((pool._processes or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=1)
        if process.is_alive():
            process.kill()
            process.join()  # reaped, so that no worker lingers as a child of this process


@contextlib.contextmanager
def _workers_ignore_sigint() -> Iterator[None]:
    """Ignore SIGINT while workers are started, so they inherit that from the first instruction.

    The parent decides what Ctrl-C does; a worker that got it while still
    importing would print a traceback. A caught signal is reset on exec, an
    ignored one is kept, and Python keeps it ignored at start-up. The parent
    itself misses a Ctrl-C only in the milliseconds of starting a process.
    """
    if threading.current_thread() is not threading.main_thread():  # signals are set from the main thread only
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _start_worker(parent: int) -> None:
    """Set up a worker process: it leaves Ctrl-C to its parent and ends when its parent does."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Workers rebuild the registry; the main process has already reported broken plugins.
    warnings.simplefilter("ignore", PluginWarning)
    if not _end_with_parent():
        threading.Thread(target=_watch_parent, args=(parent,), name="fnn-watch-parent", daemon=True).start()
    if os.getppid() != parent:  # the parent died before we could ask to follow it
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _end_with_parent() -> bool:
    """Ask Linux to send this process SIGTERM when its parent dies, even by SIGKILL; False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    """Where the system cannot signal a parent's death: poll for it, and end the worker when it comes."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def varied_settings(configs: Iterable[RunConfig]) -> list[str]:
    """The settings that take more than one value across ``configs``, in ``RunConfig`` order."""
    configs = list(configs)
    return [name for name in BY_NAME if len({_key(getattr(c, name)) for c in configs}) > 1]


class Spread(NamedTuple):
    """A result's mean and standard deviation across a group's seeds (NaN when no run trained)."""

    mean: float
    std: float


class Group(NamedTuple):
    """Runs that share every setting but the seed (and, with ``--cv``, the fold), with statistics across them."""

    config: RunConfig
    runs: tuple[SweepRun, ...]
    loss_mean: float
    loss_std: float
    scores: dict[str, Spread]  # every metric of the task at the end (``FitResult.metrics()``), by name
    test_scores: dict[str, Spread]  # the same on the test points; empty without a test split
    first_perfect_median: float | None  # over the runs that reached 100% accuracy; None in regression
    reached: int  # how many runs reached 100% accuracy
    diverged: int
    failed: int  # runs that raised or whose worker died (see ``SweepRun.error``)
    seconds: float  # total training time of the group
    val_scores: dict[str, Spread] = {}  # every metric on the validation points; empty without a validation split
    val_loss: Spread = Spread(math.nan, math.nan)  # the final loss on the validation points
    test_loss: Spread = Spread(math.nan, math.nan)  # the final loss on the test points

    @property
    def headline(self) -> str:
        """The task's headline metric (accuracy, or r2 in regression), shown beside the loss."""
        return headline(self.config.task)

    def score(self, name: str, test: bool = False, val: bool = False) -> Spread:
        """A metric's spread, or the final loss's (``name`` "loss"), on the training points (or the test points,
        or the validation points); NaN when no run trained, or the run has no such points."""
        if name == "loss":
            return self.test_loss if test else self.val_loss if val else Spread(self.loss_mean, self.loss_std)
        return (self.test_scores if test else self.val_scores if val else self.scores).get(name, Spread(math.nan,
                                                                                                        math.nan))

    def as_dict(self, settings: Sequence[str]) -> dict:
        """The JSON-ready row: the settings, the loss, the headline metric (training and test), the epoch of
        100% accuracy (classification), the counts and time, then the task's other metrics (test too)."""
        plain = plain_settings(self.config)
        row = {name: plain[name] for name in settings}
        row.update(runs=len(self.runs), seeds=[r.config.seed for r in self.runs],
                   **({"folds": [r.config.fold for r in self.runs]} if self.config.cv is not None else {}),
                   final_loss_mean=_finite_or_none(self.loss_mean), final_loss_std=_finite_or_none(self.loss_std))
        row.update(_spread_items(self.headline, self.score(self.headline)))
        row.update(_spread_items(f"test_{self.headline}", self.score(self.headline, test=True)))  # None: no split
        if classifies(self.config.task):
            row.update(first_100_epoch_median=self.first_perfect_median, reached_100=self.reached)
        row.update(
            diverged=self.diverged, failed=self.failed,
            errors=sorted({r.error for r in self.runs if r.error is not None}), train_seconds=self.seconds,
        )
        others = [name for name in self.scores if name != self.headline]
        for name in others:
            row.update(_spread_items(name, self.scores[name]))
        for name in others if self.test_scores else ():
            row.update(_spread_items(f"test_{name}", self.test_scores[name]))
        if self.val_scores:  # after the rest, so that a row without a validation split is as it was
            for name in ("loss", self.headline, *others):
                row.update(_spread_items(f"val_{name}", self.score(name, val=True)))
            row.update(_spread_items("test_loss", self.test_loss))
        return row


def _spread_items(name: str, spread: Spread) -> dict:
    return {f"{name}_mean": _finite_or_none(spread.mean), f"{name}_std": _finite_or_none(spread.std)}


def headline(task: str | None) -> str:
    """The metric a task is judged by first (:data:`~fnn.runs.settings.TASK_DEFAULTS`): accuracy or r2.
    A configuration not yet prepared has no task: binary, the default for 0/1 labels."""
    return TASK_DEFAULTS[task or "binary"].metric


def classifies(task: str | None) -> bool:
    """Whether runs of ``task`` have an accuracy, and so an epoch at which it reached 100%."""
    return task != "regression"


def summarize_groups(runs: Sequence[SweepRun]) -> list[Group]:
    """Fold runs that differ only in their seed and fold (:data:`POOLED`); groups keep the order of their first
    run."""
    buckets: dict[tuple, list[SweepRun]] = {}
    for run in runs:
        key = tuple(_key(getattr(run.config, name)) for name in BY_NAME if name not in POOLED)
        buckets.setdefault(key, []).append(run)
    groups = []
    for members in buckets.values():
        summaries = [r.summary for r in members if r.summary is not None]
        losses = np.array([s["final_loss"] for s in summaries]) if summaries else np.array([math.nan])
        firsts = [r.first_perfect for r in members if r.summary is not None and r.first_perfect is not None]
        groups.append(Group(
            config=members[0].config, runs=tuple(members),
            loss_mean=float(losses.mean()), loss_std=float(losses.std()),
            scores=_spreads([s["metrics"] for s in summaries]),
            test_scores=_spreads([s["test_metrics"] for s in summaries if s["test_metrics"] is not None]),
            first_perfect_median=float(np.median(firsts)) if firsts else None, reached=len(firsts),
            diverged=sum(r.diverged_at is not None for r in members), failed=sum(r.failed for r in members),
            seconds=float(sum(s["train_seconds"] for s in summaries)),
            val_scores=_spreads([s["val_metrics"] for s in summaries if s.get("val_metrics") is not None]),
            val_loss=_spread([s["val_loss"] for s in summaries if s.get("val_loss") is not None]),
            test_loss=_spread([s["test_loss"] for s in summaries if s.get("test_loss") is not None]),
        ))
    return groups


def _spread(values: Sequence[float]) -> Spread:
    return Spread(float(np.mean(values)), float(np.std(values))) if len(values) else Spread(math.nan, math.nan)


def _spreads(scores: Sequence[dict[str, float]]) -> dict[str, Spread]:
    """Each metric's mean and spread over the runs' final scores (metric name to value)."""
    spreads = {}
    for name in dict.fromkeys(name for run in scores for name in run):
        spreads[name] = _spread([run[name] for run in scores if name in run])
    return spreads


def task_metrics(configs: Iterable[RunConfig], registry: Registry | None = None) -> list[str]:
    """The metrics of the configurations' task, the headline first, then in the registry's order.

    Configurations of tasks with different metrics (binary xor and regression sine) cannot share a
    table, a sort or ``results.csv``'s columns: ``ConfigError``. Binary and multi-class runs share
    theirs. Configurations not yet prepared (no task) are left out; with none prepared, every metric.
    """
    registry = registry or default_registry()
    by_task: dict[str, list[str]] = {}
    examples: dict[str, RunConfig] = {}
    for config in configs:
        task = config.task
        if task is not None and task not in by_task:
            rest = [name for name in registry.names("metric")
                    if task in registry.metric(name).tasks and name != headline(task)]
            by_task[task], examples[task] = [headline(task), *rest], config
    if not by_task:
        return registry.names("metric")
    (first, metrics), *others = by_task.items()
    for task, names in others:
        if names != metrics:
            raise ConfigError(f"this sweep mixes {first} runs ({_data_of(examples[first])}) and {task} runs "
                              f"({_data_of(examples[task])}), whose metrics differ; sweep each task separately")
    return metrics


def _data_of(config: RunConfig) -> str:
    return config.data or config.dataset


def _by_loss(group: Group) -> tuple:
    return (math.isnan(group.loss_mean), group.loss_mean)


SORT_KEYS = {
    "loss": _by_loss,
    "epoch": lambda g: (g.first_perfect_median is None, g.first_perfect_median or 0.0, *_by_loss(g)),
    "time": lambda g: g.seconds,
}
"""How ``--sort`` orders groups by a result other than a metric: best first (lowest loss, earliest 100%,
fastest). ``epoch`` applies to classification only. Metrics (:func:`sort_keys`) sort best first too."""


def sort_keys(configs: Sequence[RunConfig], registry: Registry | None = None) -> list[str]:
    """Every result ``configs`` can be sorted by: the loss, each metric of their task (:func:`task_metrics`),
    with ``test_`` before it when a run has a test split, the loss and each metric with ``val_`` before it
    when a run has a validation split, the epoch of 100% accuracy (classification) and the time. The
    settings come on top of these (:func:`check_sort`)."""
    metrics = task_metrics(configs, registry)
    tested = any(config.test_split is not None for config in configs)
    any_validated = any(map(validated, configs))
    tasks = {config.task for config in configs}
    return ["loss", *metrics, *([f"test_{name}" for name in metrics] if tested else []),
            *([f"val_{name}" for name in ["loss", *metrics]] if any_validated else []),
            *(["epoch"] if any(map(classifies, tasks)) else []), "time"]


def check_sort(configs: Sequence[RunConfig], key: str, registry: Registry | None = None) -> None:
    """Raise ``ConfigError`` before training if ``configs`` cannot be ordered by ``key``: an unknown key, a
    metric of another task, a test metric without a test split, or a setting that some runs leave unset.
    Configurations are best checked prepared (:func:`prepare_all`): their task is known then."""
    registry = registry or default_registry()
    allowed = sort_keys(configs, registry)
    if key in allowed or key in BY_NAME:
        setting = None if key in allowed else key
    elif key.startswith("test_") and key.removeprefix("test_") in allowed:
        setting = "test_split"
    elif key.startswith("val_") and key.removeprefix("val_") in allowed:
        setting = None if all(map(validated, configs)) else "val_split"  # --cv's folds validate too
    else:
        if _held_out_key(key)[1] in [*registry.names("metric"), "epoch"]:
            tasks = sorted({config.task for config in configs if config.task is not None})
            reason = f"does not apply to the {' and '.join(tasks)} task{'s' if len(tasks) > 1 else ''}"
        else:
            reason = "is not a result or a setting"
        choices = ", ".join(dict.fromkeys([*allowed, *BY_NAME]))  # "loss" is a result and a setting
        raise ConfigError(f"cannot sort by {key!r}: it {reason}; choose from {choices}")
    # A result key needs no setting (the loss is the final loss, not the --loss setting), but the test split's.
    if setting is not None and any(getattr(config, setting) is None for config in configs):
        every = all(getattr(config, setting) is None for config in configs)
        raise ConfigError(f"cannot sort by {key}: {'no run sets' if every else 'some runs leave unset'} {setting}"
                          f"; give {setting} a value for every run or sort by something else")


def sort_groups(groups: Sequence[Group], key: str, registry: Registry | None = None) -> list[Group]:
    """Groups ordered by a result, a metric (``test_`` for the test points) or a setting's value, best first
    (see :func:`check_sort`); ties in a result go to the lower loss. A group with no value for the key
    (every run diverged, no test split) comes last. Metrics are looked up in ``registry``, for which way
    is better, by default the installed plugins'."""
    registry = registry or default_registry()
    check_sort([group.config for group in groups], key, registry)
    if key in SORT_KEYS:
        return sorted(groups, key=SORT_KEYS[key])
    if key in BY_NAME:
        return sorted(groups, key=lambda g: _key(getattr(g.config, key)))
    part, name = _held_out_key(key)
    return sorted(groups, key=_by_score(name, part, registry))


def _held_out_key(key: str) -> tuple[str, str]:
    """A sort key's points and result: ``("val", "accuracy")`` for val_accuracy, ``("", "f1")`` for f1."""
    part, _, name = key.partition("_")
    return (part, name) if part in ("test", "val") and name else ("", key)


def _by_score(name: str, part: str, registry: Registry) -> Callable[[Group], tuple]:
    """The sort key of groups by a metric (or ``name`` "loss") on the points of ``part`` ("", "test" or
    "val"), best first; ties go to the lower training loss, a group without a value comes last."""
    sign = 1.0 if name == "loss" or not registry.metric(name).higher_is_better else -1.0

    def by_score(group: Group) -> tuple:
        value = group.score(name, test=part == "test", val=part == "val").mean
        return (math.isnan(value), sign * value if not math.isnan(value) else 0.0, *_by_loss(group))
    return by_score


def check_select(configs: Sequence[RunConfig], metric: str, registry: Registry | None = None) -> None:
    """Raise ``ConfigError`` before training if ``configs`` cannot be chosen among by ``metric`` on their
    validation points (:func:`select`): a run without validation points (``val_split`` or ``cv``), or a metric
    not of their task."""
    registry = registry or default_registry()
    missing = sum(not validated(config) for config in configs)
    if missing:
        which = "no run has any" if missing == len(configs) else f"{missing} of {len(configs)} runs have none"
        raise ConfigError(f"--select chooses on validation data, and {which}: add --val-split (e.g. --val-split 0.2) "
                          "or --cv (e.g. --cv 5)")
    allowed = ["loss", *task_metrics(configs, registry)]
    if metric not in allowed:
        raise ConfigError(f"cannot select by {metric!r}: choose from {', '.join(allowed)}")


def select(groups: Sequence[Group], metric: str, registry: Registry | None = None) -> Group | None:
    """The group with the best mean over its seeds of ``metric`` (or "loss": the lowest) on the validation
    points; None when no group has a value. The test points play no part in the choice."""
    registry = registry or default_registry()
    best = min(groups, key=_by_score(metric, "val", registry), default=None)
    return None if best is None or math.isnan(best.score(metric, val=True).mean) else best


def selection(group: Group, metric: str, settings: Sequence[str]) -> dict:
    """The JSON-ready record of a :func:`select` choice: the metric, the chosen settings (those that vary),
    the validation score it was chosen by and the test score, reported only."""
    plain = plain_settings(group.config)
    return {"by": metric, "on": "validation", "settings": {name: plain[name] for name in settings},
            **_spread_items(f"val_{metric}", group.score(metric, val=True)),
            **_spread_items(f"test_{metric}", group.score(metric, test=True)), "runs": len(group.runs)}


def _key(value):
    """A hashable, orderable stand-in for a setting's value (options are dicts)."""
    return tuple(sorted(value.items())) if isinstance(value, dict) else value


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None

