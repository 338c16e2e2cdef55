"""Benchmark 3, sweeps: 64 configurations of the lab's xor net, as a sweep and one after another.

8 learning rates x 8 seeds, 5,000 epochs each. ``run_sweep(configs,
workers=1)`` is what ``fnn sweep`` runs (with one worker, to measure the
engine rather than the cores); the baseline is ``fnn.fit(config)`` for each
configuration in turn. Both must give the same final losses to 1e-12.
"""

from __future__ import annotations

import math

from fnn import fit
from fnn.runs.sweep import grid, run_sweep

from .harness import guard, interleave, speedup, target

NAME = "sweep"
LEARNING_RATES = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
SEEDS = tuple(range(8))
EPOCHS, SMOKE_EPOCHS = 5_000, 20
ROUNDS, SMOKE_ROUNDS = 3, 1
WARMUP_EPOCHS = 10
GOAL = 10.0
LOSS_TOLERANCE = 1e-12


def measure(smoke: bool) -> dict:
    """Time the sweep against the same runs one by one, interleaved; compare their final losses."""
    rates, seeds, epochs = (LEARNING_RATES[3:5], SEEDS[:2], SMOKE_EPOCHS) if smoke else (LEARNING_RATES, SEEDS, EPOCHS)
    rounds = SMOKE_ROUNDS if smoke else ROUNDS
    configs = grid(learning_rate=rates, seed=seeds, epochs=[epochs])
    warm = grid(learning_rate=rates, seed=seeds, epochs=[WARMUP_EPOCHS])
    measured = interleave(_workloads(configs), rounds, warmups=_workloads(warm))
    swept = [math.inf if run.summary is None else run.summary["final_loss"] for run in measured.results["sweep"]]
    alone = [result.final.loss for result in measured.results["one_by_one"]]
    difference = max(abs(a - b) for a, b in zip(swept, alone))
    sweep_speedup = speedup(measured.timings["sweep"], measured.timings["one_by_one"])
    return {
        "configurations": len(configs), "learning_rates": list(rates), "seeds": list(seeds), "epochs": epochs,
        "rounds": rounds,
        "seconds": {name: timing.as_dict() for name, timing in measured.timings.items()},
        "speedup": sweep_speedup,
        "max_loss_difference": difference,
        "notes": ["sweep: fnn.runs.sweep.run_sweep(configs, workers=1), as fnn sweep with one worker; "
                  "one_by_one: fnn.fit(config) for each configuration in turn."],
        "targets": [target(f"{len(configs)} configurations: sweep vs one by one", sweep_speedup["median"], ">=", GOAL)],
        "guards": [guard("max |final loss of sweep - of fit| over the configurations", difference, LOSS_TOLERANCE)],
    }


def _workloads(configs):
    return {"sweep": lambda: run_sweep(configs, workers=1), "one_by_one": lambda: [fit(config) for config in configs]}
