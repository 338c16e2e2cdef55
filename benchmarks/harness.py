"""The measuring kit every benchmark shares: interleaved timing, targets, guards, machine info.

:func:`interleave` times several workloads against each other in one
process: a warm-up run of each, then rounds in which every workload runs once,
the order reversed every other round, so drift (CPU frequency, a noisy
neighbour) falls on all of them alike. A :class:`Timing` keeps every round's
seconds; benchmarks report its median and range, and ratios of medians.

The garbage collector stays on (fnn's immutable steps make objects, and a
real run pays for collecting them), but after the warm-up the objects that
already exist are frozen out of it: otherwise importing PyTorch would make
every full collection, during every workload, scan PyTorch's modules too.
"""

from __future__ import annotations

import gc
import importlib.metadata
import os
import platform
import statistics
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Mapping, NamedTuple, Sequence

import numpy as np

from . import BLAS_PINNED

REPO = Path(__file__).resolve().parent.parent
ENGINE_LABELS = {"fnn": "fnn", "fnn_float32": "fnn float32", "lab": "(a) lab style", "fused": "(b) fused NumPy",
                 "torch": "(c) PyTorch", "immutable": "(d) fnn's arithmetic alone",
                 "sklearn": "scikit-learn MLPClassifier", "products": "fnn's matrix products alone"}
"""Display names of what the benchmarks time, by their key in the results."""


class Timing(NamedTuple):
    """Seconds of one workload, one sample per round."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def as_dict(self) -> dict:
        return {"median": self.median, "min": min(self.samples), "max": max(self.samples),
                "samples": list(self.samples)}


class Measured(NamedTuple):
    """The timings of interleaved workloads and what each returned on its last run."""

    timings: dict[str, Timing]
    results: dict[str, object]


def interleave(workloads: Mapping[str, Callable[[], object]], rounds: int,
               warmups: Mapping[str, Callable[[], object]] | None = None) -> Measured:
    """Time ``workloads`` against each other: warm up each once (with ``warmups[name]`` if given,
    a cheaper run of the same code), then ``rounds`` rounds of one run each, alternating the order."""
    names = list(workloads)
    for name in names:
        (warmups or workloads)[name]()
    gc.collect()
    gc.freeze()  # what exists now (imported modules: PyTorch's are many) is never scanned again
    samples: dict[str, list[float]] = {name: [] for name in names}
    results: dict[str, object] = {}
    for round_ in range(rounds):
        for name in names if round_ % 2 == 0 else reversed(names):
            gc.collect()
            start = time.perf_counter()
            results[name] = workloads[name]()
            samples[name].append(time.perf_counter() - start)
    gc.unfreeze()
    return Measured({name: Timing(tuple(values)) for name, values in samples.items()}, results)


def speedup(fnn: Timing, other: Timing) -> dict:
    """How many times faster fnn ran than ``other``: the ratio of medians, and its range over the
    rounds (each round's pair ran back to back)."""
    paired = [theirs / ours for ours, theirs in zip(fnn.samples, other.samples)]
    return {"median": other.median / fnn.median, "min": min(paired), "max": max(paired)}


def target(name: str, measured: float | None, op: str, goal: float, unit: str = "x") -> dict:
    """A target of the issues' performance budgets: met when ``measured op goal`` (``op`` is ">=" or "<");
    None when not measured."""
    met = None if measured is None else (measured >= goal if op == ">=" else measured < goal)
    return {"name": name, "measured": measured, "op": op, "goal": goal, "unit": unit, "met": met}


def guard(name: str, value: float, tolerance: float) -> dict:
    """A correctness check printed with the results: ``value`` must be at most ``tolerance``."""
    return {"name": name, "value": value, "tolerance": tolerance, "passed": bool(value <= tolerance)}


def loglog_slope(sizes: Sequence[float], values: Sequence[float]) -> float:
    """The least-squares slope of log(value) against log(size): 1 means the cost grows linearly."""
    return float(np.polyfit(np.log(sizes), np.log(values), 1)[0])


def machine() -> dict:
    """Where the numbers come from: CPU, cores, versions, BLAS and its threads, date, git commit."""
    try:
        torch_version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        torch_version = None

    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas(),
        "blas_threads": "1" if BLAS_PINNED else "default (NumPy was loaded before the benchmarks pinned it)",
        "torch": torch_version,
        "fnn": importlib.metadata.version("fnn"),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **_git(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _blas() -> str:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas.get('version', '')}".strip()
    except Exception:  # older NumPy, or a build that does not say
        return "unknown"


def _git() -> dict:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()

    try:
        return {"git_commit": git("rev-parse", "HEAD"),
                "fnn_uncommitted_changes": bool(git("status", "--porcelain", "--", "fnn"))}
    except (OSError, subprocess.CalledProcessError):  # not a git checkout
        return {"git_commit": None, "fnn_uncommitted_changes": None}
