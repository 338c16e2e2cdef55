"""Sweeps: train every configuration of a grid and compare them.

:func:`grid` expands lists of settings into :class:`~fnn.RunConfig` s,
:func:`run_sweep` trains them (in worker processes if asked; every run is
seeded, so the results do not depend on the number of workers), and
:func:`summarize_groups` folds runs that differ only in their seed into one
row with the mean and spread. Each run goes through ``prepare`` and
``complete``, the same path as ``fnn run``.
"""

from __future__ import annotations

import itertools
import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, fields, replace
from typing import Callable, Iterable, NamedTuple, Sequence

import numpy as np

from .errors import TrainingDiverged
from .training import RunConfig, complete, prepare

SETTINGS = tuple(f.name for f in fields(RunConfig))
"""Every setting a sweep can vary, in ``RunConfig`` order."""


class SweepRun(NamedTuple):
    """One trained configuration of a sweep."""

    config: RunConfig
    summary: dict | None  # ``FitResult.summary()``; None when training diverged
    loss: np.ndarray
    accuracy: np.ndarray
    first_perfect: int | None  # first epoch with 100% accuracy, None if never
    diverged_at: int | None


def grid(**choices: Sequence) -> list[RunConfig]:
    """Every combination of ``choices`` (lists of values for ``RunConfig`` fields), in nested order.

    ``grid(learning_rate=[0.1, 1], seed=[1, 2])`` gives four configs; fields
    not named keep their defaults.
    """
    unknown = set(choices) - set(SETTINGS)
    if unknown:
        raise ValueError(f"unknown sweep settings {sorted(unknown)}; choose from {', '.join(SETTINGS)}")
    names = [name for name in SETTINGS if name in choices]
    return [replace(RunConfig(), **dict(zip(names, values))) for values in itertools.product(*(choices[n] for n in names))]


def check(configs: Sequence[RunConfig]) -> None:
    """Raise the first ``ConfigError`` among ``configs`` before any training starts."""
    for config in configs:
        prepare(config)


def train_one(config: RunConfig) -> SweepRun:
    """Train one configuration; a diverging run is recorded, not raised, so the sweep goes on."""
    experiment = prepare(config)
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            result = complete(experiment)
    except TrainingDiverged as error:
        return SweepRun(experiment.config, None, np.array([]), np.array([]), None, error.epoch)
    reached = np.flatnonzero(result.accuracy >= 1.0)
    first = int(reached[0]) + 1 if len(reached) else None
    return SweepRun(experiment.config, result.summary(), result.loss, result.accuracy, first, None)


def run_sweep(configs: Sequence[RunConfig], workers: int = 1,
              on_done: Callable[[int, SweepRun], None] | None = None) -> list[SweepRun]:
    """Train ``configs``, in ``workers`` processes when more than one; results keep the configs' order.

    ``on_done(index, run)`` is called as each run finishes (in completion order).
    """
    results: list[SweepRun | None] = [None] * len(configs)

    def done(index: int, result: SweepRun) -> None:
        results[index] = result
        if on_done is not None:
            on_done(index, result)

    if workers <= 1 or len(configs) <= 1:
        for index, config in enumerate(configs):
            done(index, train_one(config))
    else:
        # One BLAS thread per worker: workers that each start a thread per core fight over the cores
        # and run many times slower. Fresh ("spawn") workers read these variables when NumPy loads.
        saved = {name: os.environ.get(name) for name in _BLAS_THREADS}
        os.environ.update(dict.fromkeys(_BLAS_THREADS, "1"))
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
                futures = {pool.submit(train_one, config): index for index, config in enumerate(configs)}
                for future in as_completed(futures):
                    done(futures[future], future.result())
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
    return results  # type: ignore[return-value]


_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def varied_settings(configs: Iterable[RunConfig]) -> list[str]:
    """The settings that take more than one value across ``configs``, in ``RunConfig`` order."""
    configs = list(configs)
    return [name for name in SETTINGS if len({_key(getattr(c, name)) for c in configs}) > 1]


class Group(NamedTuple):
    """Runs that share every setting but the seed, with statistics across seeds."""

    config: RunConfig
    runs: tuple[SweepRun, ...]
    loss_mean: float
    loss_std: float
    accuracy_mean: float
    accuracy_std: float
    test_accuracy_mean: float | None  # None without a test split
    test_accuracy_std: float | None
    first_perfect_median: float | None  # over the runs that reached 100%
    reached: int  # how many runs reached 100% accuracy
    diverged: int
    seconds: float  # total training time of the group

    def as_dict(self, settings: Sequence[str]) -> dict:
        row = {name: _plain(getattr(self.config, name)) for name in settings}
        row.update(
            runs=len(self.runs), seeds=[r.config.seed for r in self.runs],
            final_loss_mean=_finite_or_none(self.loss_mean), final_loss_std=_finite_or_none(self.loss_std),
            accuracy_mean=_finite_or_none(self.accuracy_mean), accuracy_std=_finite_or_none(self.accuracy_std),
            test_accuracy_mean=self.test_accuracy_mean, test_accuracy_std=self.test_accuracy_std,
            first_100_epoch_median=self.first_perfect_median, reached_100=self.reached, diverged=self.diverged,
            train_seconds=self.seconds,
        )
        return row


def summarize_groups(runs: Sequence[SweepRun]) -> list[Group]:
    """Fold runs that differ only in their seed; groups keep the order of their first run."""
    buckets: dict[tuple, list[SweepRun]] = {}
    for run in runs:
        key = tuple(_key(getattr(run.config, name)) for name in SETTINGS if name != "seed")
        buckets.setdefault(key, []).append(run)
    groups = []
    for members in buckets.values():
        ok = [r for r in members if r.summary is not None]
        losses = np.array([r.summary["final_loss"] for r in ok]) if ok else np.array([math.nan])
        accuracies = np.array([r.summary["accuracy"] for r in ok]) if ok else np.array([math.nan])
        tests = [r.summary["test_accuracy"] for r in ok if r.summary["test_accuracy"] is not None]
        firsts = [r.first_perfect for r in ok if r.first_perfect is not None]
        groups.append(Group(
            config=members[0].config, runs=tuple(members),
            loss_mean=float(losses.mean()), loss_std=float(losses.std()),
            accuracy_mean=float(accuracies.mean()), accuracy_std=float(accuracies.std()),
            test_accuracy_mean=float(np.mean(tests)) if tests else None,
            test_accuracy_std=float(np.std(tests)) if tests else None,
            first_perfect_median=float(np.median(firsts)) if firsts else None, reached=len(firsts),
            diverged=len(members) - len(ok), seconds=float(sum(r.summary["train_seconds"] for r in ok)),
        ))
    return groups


SORT_KEYS = {
    "loss": lambda g: (math.isnan(g.loss_mean), g.loss_mean),
    "accuracy": lambda g: (math.isnan(g.accuracy_mean), -g.accuracy_mean),
    "test_accuracy": lambda g: (g.test_accuracy_mean is None, -(g.test_accuracy_mean or 0.0)),
    "epoch": lambda g: (g.first_perfect_median is None, g.first_perfect_median or 0.0),
    "time": lambda g: g.seconds,
}
"""How ``--sort`` orders groups: best first (lowest loss, highest accuracy, earliest 100%, fastest)."""


def sort_groups(groups: Sequence[Group], key: str) -> list[Group]:
    """Groups ordered by a :data:`SORT_KEYS` name or by a setting's value."""
    if key in SORT_KEYS:
        return sorted(groups, key=SORT_KEYS[key])
    if key in SETTINGS:
        return sorted(groups, key=lambda g: _key(getattr(g.config, key)))
    raise ValueError(f"cannot sort by {key!r}; choose from {', '.join([*SORT_KEYS, *SETTINGS])}")


def _key(value):
    """A hashable, orderable stand-in for a setting's value (options are dicts)."""
    return tuple(sorted(value.items())) if isinstance(value, dict) else value


def _plain(value):
    return list(value) if isinstance(value, tuple) else value


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def config_dict(config: RunConfig) -> dict:
    """A run's settings as plain JSON-ready values."""
    return {name: _plain(value) for name, value in asdict(config).items()}
