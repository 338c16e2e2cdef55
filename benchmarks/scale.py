"""Benchmark 2, scale: seconds per epoch and peak memory against the number of points.

The lab's linear set with 10^3 to 10^6 points, a 2-64-64-1 sigmoid net, MSE
and full-batch gradient descent, for fnn in float64 and float32 (the float32
run is skipped when ``RunConfig`` has no ``dtype``), (b) the fused NumPy loop
and (c) PyTorch, all in float64 except fnn's float32 run, on one thread. Each
size trains for a few epochs (more at small sizes, so that there is something
to time); the log-log slope of seconds per epoch against n says whether the
cost grows linearly.

Memory is measured apart from time, in a fresh process per engine and size
(``python -m benchmarks.scale ENGINE N EPOCHS``): the peak resident memory
while training minus the resident memory just before (Linux's VmHWM, reset
through ``/proc/self/clear_refs`` once the data is ready). Resident memory
counts PyTorch's buffers as well as NumPy's arrays, which ``tracemalloc``
would not, and a fresh process keeps one engine's cached memory from hiding
another's peak. These processes run once the size's timing is done, as many
at a time as there are cores. Where ``/proc`` is missing, memory is not
measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import fields, replace
from pathlib import Path
from typing import Callable, Sequence

from fnn.runs.training import Experiment, RunConfig, complete, prepare

from .baselines import TORCH, fused, torch_sgd
from .harness import REPO, guard, interleave, loglog_slope, speedup, target

NAME = "scale"
SIZES, SMOKE_SIZES = (10**3, 10**4, 10**5, 10**6), (10**3, 10**4)
HIDDEN = (64, 64)
ROUNDS, SMOKE_ROUNDS = 5, 1
LARGE = 10**6
FLOAT32_GOAL, LINEAR_SLOPE = 1.5, 1.15
LOSS_TOLERANCE = 1e-9
ENGINES = ("fnn", "fnn_float32", "fused", "torch")
HAS_DTYPE = "dtype" in {f.name for f in fields(RunConfig)}
PROC_STATUS = Path("/proc/self/status")


def epochs_for(n: int) -> int:
    """A few epochs at large n, enough at small n for about 10^5 point-epochs."""
    return max(2, 10**5 // n)


def measure(smoke: bool) -> dict:
    """Time every engine at every size (interleaved), then measure each one's memory in a fresh process."""
    sizes = SMOKE_SIZES if smoke else SIZES
    engines = [engine for engine in ENGINES
               if (engine != "fnn_float32" or HAS_DTYPE) and (engine != "torch" or TORCH)]
    # A smoke run measures fnn's memory alone: each fresh process of a baseline imports PyTorch, seconds each.
    measured_memory = ("fnn",) if smoke else engines
    points = [_measure_size(n, 2 if smoke else epochs_for(n), engines, SMOKE_ROUNDS if smoke else ROUNDS,
                            measured_memory)
              for n in sizes]
    slopes = {engine: _slopes(sizes, [p["engines"][engine]["seconds_per_epoch"] for p in points]) for engine in engines}
    largest = points[-1]
    float32 = largest["float32_speedup"]
    targets = [
        target(f"fnn float32 epoch vs float64 at n = {LARGE:,}",
               float32["median"] if float32 and largest["n"] == LARGE else None, ">=", FLOAT32_GOAL),
        target(f"fnn float64 cost linear in n: log-log slope {sizes[-2]:,} to {sizes[-1]:,} (fastest rounds)",
               slopes["fnn"]["top_decade_fastest"], "<", LINEAR_SLOPE, unit=""),
    ]
    if "torch" in engines and largest["n"] == LARGE:  # issue 14: at scale fnn is no slower and no larger
        torch = largest["engines"]["torch"]
        fnn_memory, torch_memory = largest["engines"]["fnn"]["peak_memory_mb"], torch["peak_memory_mb"]
        targets += [
            target(f"fnn float64 epoch vs (c) PyTorch at n = {LARGE:,} (time ratio, PyTorch / fnn)",
                   torch["fnn_speedup"]["median"], ">=", 1.0),
            target(f"fnn float64 peak memory vs (c) PyTorch at n = {LARGE:,} (PyTorch / fnn)",
                   torch_memory / fnn_memory if fnn_memory and torch_memory else None, ">=", 1.0),
        ]
    guards = [guard(f"n = {p['n']:,}: |final loss - fnn float64's| of the float64 baselines", p["max_loss_difference"],
                    LOSS_TOLERANCE) for p in points]
    return {"hidden": list(HIDDEN), "sizes": list(sizes), "notes": _notes(smoke), "points": points, "slopes": slopes,
            "targets": targets, "guards": guards}


def _slopes(sizes, timings) -> dict:
    """Log-log slopes of seconds per epoch against n: over all sizes and over the top decade, of the
    medians, and of the top decade's fastest rounds, which judges linearity (see the notes)."""
    medians, fastest = [t["median"] for t in timings], [t["min"] for t in timings]
    return {"all_sizes": loglog_slope(sizes, medians), "top_decade": loglog_slope(sizes[-2:], medians[-2:]),
            "top_decade_fastest": loglog_slope(sizes[-2:], fastest[-2:])}


def _notes(smoke: bool) -> list[str]:
    notes = ["Memory: peak resident memory while training minus resident memory before it, in a fresh process.",
             "From 10^5 points a 64-wide layer's array (51 MB in float64) is above glibc's largest mmap threshold "
             "(32 MB): every fresh array is page-faulted in from the kernel, so engines that allocate more arrays per "
             "epoch pay more, and their times vary with how many huge pages the kernel grants (the ranges).",
             "Linearity is judged on the top decade (below 10^5 the arrays stay in the allocator's heap and the "
             "caches, so the slope over all sizes mixes in that step), and on each size's fastest round: that "
             "interference is bimodal on a shared machine (a round is either fast or about twice as slow, in "
             "every float64 engine alike) and only ever adds time, so medians of 5 rounds swing the slope by 0.3."]
    if smoke:
        notes.append("Smoke run: only fnn's memory is measured.")
    if not HAS_DTYPE:
        notes.append("fnn float32 skipped: RunConfig has no dtype field.")
    if not TORCH:
        notes.append("(c) skipped: torch is not installed.")
    if not PROC_STATUS.exists():
        notes.append("Memory not measured: no /proc/self/status on this system.")
    return notes


def _experiment(engine: str, n: int, epochs: int) -> Experiment:
    config = RunConfig(dataset="linear", n_samples=n, hidden=HIDDEN, epochs=epochs)
    return prepare(replace(config, dtype="float32") if engine == "fnn_float32" else config)


def _workload(engine: str, experiment: Experiment) -> Callable[[], float]:
    if engine in ("fnn", "fnn_float32"):
        return lambda: complete(experiment).final.loss
    train = {"fused": fused, "torch": torch_sgd}[engine]
    c = experiment.config
    return lambda: train(experiment.params, experiment.x, experiment.y, c.epochs, c.learning_rate)


def _measure_size(n: int, epochs: int, engines: list[str], rounds: int, measured_memory: Sequence[str]) -> dict:
    workloads = {engine: _workload(engine, _experiment(engine, n, epochs)) for engine in engines}
    warmups = {engine: _workload(engine, _experiment(engine, SIZES[0], 1)) for engine in engines}
    measured = interleave(workloads, rounds, warmups)
    per_epoch = {engine: timing._replace(samples=tuple(s / epochs for s in timing.samples))
                 for engine, timing in measured.timings.items()}
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        memory = dict(zip(engines, pool.map(
            lambda engine: _peak_memory_mb(engine, n, epochs) if engine in measured_memory else None, engines)))
    results = {
        engine: {
            "seconds_per_epoch": timing.as_dict(),
            "fnn_speedup": speedup(per_epoch["fnn"], timing),
            "peak_memory_mb": memory[engine],
            "final_loss": float(measured.results[engine]),
        }
        for engine, timing in per_epoch.items()
    }
    float64 = [results[engine]["final_loss"] for engine in engines if engine != "fnn_float32"]
    return {"n": n, "epochs": epochs, "engines": results,
            "float32_speedup": (speedup(per_epoch["fnn_float32"], per_epoch["fnn"])
                                if "fnn_float32" in per_epoch else None),
            "max_loss_difference": max(abs(loss - float64[0]) for loss in float64)}


def _peak_memory_mb(engine: str, n: int, epochs: int) -> float | None:
    if not PROC_STATUS.exists():
        return None
    command = [sys.executable, "-m", "benchmarks.scale", engine, str(n), str(epochs)]
    output = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout
    return json.loads(output)["peak_bytes"] / 2**20


def _status_kib(field: str) -> int:
    for line in PROC_STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in {PROC_STATUS}")


def _training_peak_bytes(engine: str, n: int, epochs: int) -> int:
    """In this (fresh) process: resident memory added at the peak of one training run, after a
    small warm-up run (so that one-off start-up allocations, such as PyTorch's, are not counted)."""
    _workload(engine, _experiment(engine, SIZES[0], 1))()
    train = _workload(engine, _experiment(engine, n, epochs))
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = _status_kib("VmRSS")
    train()
    return (_status_kib("VmHWM") - before) * 1024


if __name__ == "__main__":
    engine_name, size, epoch_count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    print(json.dumps({"peak_bytes": _training_peak_bytes(engine_name, size, epoch_count)}))
