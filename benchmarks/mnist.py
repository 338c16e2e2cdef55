"""Benchmark 5, MNIST-shaped: one epoch of a 784-128-10 classifier on 60,000 points, against PyTorch and scikit-learn.

The data is synthetic but shaped like MNIST: 60,000 points of 784 features
in [0, 1] and 10 classes, drawn from a seeded generator, each class around
a mean of its own (so one epoch's loss falls). The network is 784-128-10
with relu hidden units, a softmax output and the cross-entropy loss, in
float32, trained for one epoch of mini-batches of 128 (shuffled; the last
one partial) with adam at learning rate 0.001 (PyTorch's and scikit-learn's
default, beta1 0.9, beta2 0.999, eps 1e-8) in every engine:

- fnn: :func:`fnn.train`, the one training loop, with one-hot targets. Its
  epoch ends by scoring the parameters on all the points (loss and accuracy).
- (c) PyTorch: ``nn.Sequential`` of ``Linear``, ``ReLU``, ``Linear``,
  ``F.cross_entropy`` of the logits and ``optim.Adam``, on as many threads as
  BLAS has (one: the benchmarks pin it); it starts from fnn's initial weights,
  takes the batches in fnn's order and ends with the loss of all the points,
  as fnn does, so both must end at the same loss (to float32 rounding).
- scikit-learn's ``MLPClassifier`` with the same settings (its own initial
  weights and order, no L2 penalty, ``max_iter=1``; its warning that one
  epoch did not converge is silenced). Its loss is the mean of its batches'.
- fnn's matrix products alone, the yardstick of the approach: the products
  fnn's epoch makes, with fnn's own product function, in the same loop shape
  and nothing else: per batch the forward ``x @ W1`` and ``h @ W2``, the
  backward ``h^T @ g2``, ``g2 @ W2^T`` and ``x^T @ g1`` (no gradient for the
  inputs, as in PyTorch: five, not six), then the scoring pass's two.

Memory is measured as :mod:`benchmarks.scale` measures it: in a fresh process
per engine (``python -m benchmarks.mnist ENGINE POINTS``), the peak resident
memory while training over the resident memory before (the data made).
A profile of one fnn epoch (:mod:`cProfile`) says where fnn's time goes.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import subprocess
import sys
import warnings
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

import fnn
from fnn.core.network import _matmul
from fnn.core.tasks import one_hot

from .baselines import TORCH
from .harness import ENGINE_LABELS, REPO, guard, interleave, speedup, target
from .scale import PROC_STATUS, _status_kib

NAME = "mnist"
POINTS, SMOKE_POINTS = 60_000, 1_000
SIZES = (784, 128, 10)
BATCH = 128
LEARNING_RATE = 1e-3
NOISE = 0.5  # the spread of each feature around its class's mean, before clipping to [0, 1]
ROUNDS, SMOKE_ROUNDS = 5, 1
SEED = 0
WARMUP_POINTS = 512
LOSS_TOLERANCE = 1e-3  # float32 through 469 adam steps: PyTorch's and fnn's sums round differently
FELL = 0.9  # after one epoch each engine's loss is at most this fraction of the initial loss
ENGINES = ("fnn", "torch", "sklearn", "products")
MEMORY_ENGINES = ("fnn", "torch", "sklearn")


class Data(NamedTuple):
    """The points, their one-hot targets (fnn's) and class indices (PyTorch's and scikit-learn's)."""

    x: np.ndarray
    y: np.ndarray
    labels: np.ndarray


def make_data(n: int, seed: int = SEED) -> Data:
    """``n`` MNIST-shaped points: 784 features in [0, 1], each class's points around a mean of its own."""
    rng = np.random.default_rng(seed)
    features, classes = SIZES[0], SIZES[-1]
    means = rng.random((classes, features), dtype=np.float32)
    labels = rng.integers(0, classes, n)
    x = rng.standard_normal((n, features), dtype=np.float32)
    x *= NOISE
    x += means[labels]
    np.clip(x, 0.0, 1.0, out=x)
    return Data(x, one_hot(labels, classes).astype(np.float32), labels)


def initial_params() -> fnn.Params:
    return fnn.init_params(SIZES, seed=SEED, dtype="float32")


def shuffle_rng() -> np.random.Generator:
    """The generator of fnn's batch order; PyTorch draws its order from a fresh one of the same seed."""
    return np.random.default_rng(SEED + 1)


def measure(smoke: bool) -> dict:
    """Time the engines over interleaved rounds, measure their memory in fresh processes, profile fnn."""
    n, rounds = (SMOKE_POINTS, SMOKE_ROUNDS) if smoke else (POINTS, ROUNDS)
    data, params = make_data(n), initial_params()
    engines = [engine for engine in ENGINES if engine != "torch" or TORCH]
    warm = make_data(WARMUP_POINTS)
    measured = interleave({e: workload(e, data, params) for e in engines}, rounds,
                          {e: workload(e, warm, params) for e in engines})
    # A smoke run measures fnn's memory alone: a fresh process that imports PyTorch or scikit-learn takes
    # seconds on its own, and the smoke run has to stay a few seconds long.
    measured_memory = ("fnn",) if smoke else MEMORY_ENGINES
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        memory = dict(zip(engines, pool.map(lambda e: _peak_memory_mb(e, n) if e in measured_memory else None,
                                            engines)))
    timings = measured.timings
    results = {engine: {"seconds": timing.as_dict(), "fnn_speedup": speedup(timings["fnn"], timing),
                        "peak_memory_mb": memory[engine],
                        "final_loss": None if engine == "products" else float(measured.results[engine])}
               for engine, timing in timings.items()}
    initial = _loss(params, data)
    return {"points": n, "sizes": list(SIZES), "batch_size": BATCH, "learning_rate": LEARNING_RATE,
            "rounds": rounds, "initial_loss": initial, "engines": results, "profile": profile(data, params),
            "notes": _notes(smoke), "targets": _targets(results), "guards": _guards(results, initial)}


def _targets(results: dict) -> list[dict]:
    fnn_result = results["fnn"]
    targets = [target("MNIST-shaped: fnn epoch vs its matrix products alone (time ratio, fnn / products)",
                      fnn_result["seconds"]["median"] / results["products"]["seconds"]["median"], "<", 1.5),
               target("MNIST-shaped: fnn epoch vs scikit-learn MLPClassifier (time ratio, scikit-learn / fnn)",
                      results["sklearn"]["fnn_speedup"]["median"], ">=", 2.0)]
    if "torch" in results:
        torch_memory, fnn_memory = results["torch"]["peak_memory_mb"], fnn_result["peak_memory_mb"]
        targets[:0] = [target("MNIST-shaped: fnn epoch vs (c) PyTorch (time ratio, PyTorch / fnn)",
                              results["torch"]["fnn_speedup"]["median"], ">=", 1.0),
                       target("MNIST-shaped: fnn peak memory vs (c) PyTorch (PyTorch / fnn)",
                              torch_memory / fnn_memory if torch_memory and fnn_memory else None, ">=", 1.0)]
    return targets


def _guards(results: dict, initial: float) -> list[dict]:
    guards = [guard(f"MNIST-shaped: {ENGINE_LABELS[engine]}'s loss after one epoch over the initial loss "
                    f"(it must fall to {FELL:g} of it)", results[engine]["final_loss"] / initial, FELL)
              for engine in results if engine != "products"]
    if "torch" in results:
        guards.append(guard("MNIST-shaped: |(c) PyTorch's final loss - fnn's| (same start, same batches, float32)",
                            abs(results["torch"]["final_loss"] - results["fnn"]["final_loss"]), LOSS_TOLERANCE))
    return guards


def _notes(smoke: bool) -> list[str]:
    notes = ["fnn's and PyTorch's epochs end with the loss of all the points (fnn's also with the accuracy); "
             "scikit-learn's reports the mean of its batches' losses, without that pass.",
             "The profile runs under cProfile, whose cost per Python call inflates the small calls a little; "
             "the shares are of the profiled epoch."]
    if smoke:
        notes.append("Smoke run: only fnn's memory is measured.")
    if not TORCH:
        notes.append("(c) skipped: torch is not installed.")
    if not PROC_STATUS.exists():
        notes.append("Memory not measured: no /proc/self/status on this system.")
    return notes


def _loss(params, data: Data) -> float:
    y_hat = fnn.predict(params, data.x, "relu", "softmax")
    return float(fnn.registry().loss("cross_entropy").value(y_hat, data.y))


def workload(engine: str, data: Data, params) -> Callable[[], float | None]:
    """One epoch of ``engine`` on ``data`` from ``params``, returning its final loss (None for the products)."""
    return {"fnn": _fnn, "torch": _torch, "sklearn": _sklearn, "products": _products}[engine](data, params)


def _fnn(data: Data, params) -> Callable[[], float]:
    def run() -> float:
        optimizer = fnn.registry().optimizer("adam").make(learning_rate=LEARNING_RATE)
        epochs = fnn.train(params, data.x, data.y, optimizer=optimizer, epochs=1, activation="relu",
                           output="softmax", loss="cross_entropy", batch_size=BATCH, rng=shuffle_rng())
        return [epoch.loss for epoch in epochs][-1]
    return run


def _torch(data: Data, params) -> Callable[[], float]:
    import torch

    torch.set_num_threads(1)  # as many as BLAS has: the benchmarks pin it to one (benchmarks/__init__.py)
    x, labels = torch.from_numpy(data.x), torch.from_numpy(data.labels)
    weights = [(torch.from_numpy(params[f"W{i}"].T.copy()), torch.from_numpy(params[f"b{i}"].copy()))
               for i in (1, 2)]

    def run() -> float:
        model = torch.nn.Sequential(torch.nn.Linear(*SIZES[:2]), torch.nn.ReLU(), torch.nn.Linear(*SIZES[1:]))
        with torch.no_grad():
            for layer, (weight, bias) in zip((model[0], model[2]), weights):
                layer.weight.copy_(weight)
                layer.bias.copy_(bias)
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        order = torch.from_numpy(shuffle_rng().permutation(len(x)))
        for batch in order.split(BATCH):
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(model(x[batch]), labels[batch]).backward()
            optimizer.step()
        with torch.no_grad():
            return torch.nn.functional.cross_entropy(model(x), labels).item()
    return run


def _sklearn(data: Data, params) -> Callable[[], float]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def run() -> float:
        model = MLPClassifier(hidden_layer_sizes=SIZES[1:-1], activation="relu", solver="adam", alpha=0.0,
                              batch_size=BATCH, learning_rate_init=LEARNING_RATE, max_iter=1, shuffle=True,
                              early_stopping=False, random_state=SEED)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # one epoch is the point, not convergence
            model.fit(data.x, data.labels)
        return float(model.loss_)
    return run


def _products(data: Data, params) -> Callable[[], None]:
    W1, W2 = params["W1"], params["W2"]
    rng = np.random.default_rng(SEED)
    g2 = rng.standard_normal((BATCH, SIZES[2]), dtype=np.float32)  # stand-ins for the loss's gradient

    def run() -> None:
        for start in range(0, len(data.x), BATCH):
            x = data.x[start:start + BATCH]
            h = _matmul(x, W1)
            _matmul(h, W2)
            g = g2[:len(x)]
            _matmul(h.T, g)
            _matmul(x.T, _matmul(g, W2.T))
        _matmul(_matmul(data.x, W1), W2)
    return run


# Where fnn's time goes: each function's own time, NumPy's Python wrappers' and C functions' time
# counted for whoever called them (the products apart), grouped by fnn's modules.

CATEGORIES = {"fnn/builtin/activations.py": "activations (relu, softmax)",
              "fnn/builtin/losses.py": "loss (cross_entropy)",
              "fnn/builtin/optimizers.py": "optimizer (adam)", "fnn/core/transforms.py": "optimizer (adam)",
              "fnn/core/params.py": "Params building (tree_map, read-only views)",
              "fnn/core/network.py": "forward and backward, around the products (bias adds and sums)",
              "fnn/runs/training.py": "the loop (shuffling, batch gathering, scoring's accuracy, checks)"}
PRODUCTS = "matrix products"
OTHER = "other"


def profile(data: Data, params) -> dict[str, float]:
    """The shares of one profiled fnn epoch's time, by what it was spent on."""
    profiler = cProfile.Profile()
    profiler.runcall(_fnn(data, params))
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]  # the raw table pstats keeps
    shares: dict[str, float] = defaultdict(float)
    for key, (_, _, own, _, _) in stats.items():
        for category, fraction in _owner(key, stats, {}).items():
            shares[category] += own * fraction
    total = sum(shares.values())
    return {category: seconds / total for category, seconds in sorted(shares.items(), key=lambda kv: -kv[1])}


def _owner(key, stats, seen: dict) -> dict[str, float]:
    """What a function's time counts for: its fnn module's category, or its callers' (split by their
    share of its time) when it is a C function or NumPy's."""
    if key in seen:
        return seen[key]
    path, _, name = key
    path = path.replace(os.sep, "/")
    seen[key] = {OTHER: 1.0}  # a cycle resolves to "other"
    if name == "<method 'dot' of 'numpy.ndarray' objects>":  # fnn's products (fnn.core.network._matmul)
        owner = {PRODUCTS: 1.0}
    elif any(path.endswith(module) for module in CATEGORIES):
        owner = {next(c for module, c in CATEGORIES.items() if path.endswith(module)): 1.0}
    elif path == "~" or "/numpy/" in path:
        callers = stats[key][4]
        total = sum(timing[2] for timing in callers.values()) or 1.0
        owner = defaultdict(float)
        for caller, timing in callers.items():
            for category, fraction in _owner(caller, stats, seen).items():
                owner[category] += fraction * (timing[2] or 1e-12) / total
    else:
        owner = {OTHER: 1.0}
    seen[key] = dict(owner)
    return seen[key]


def _peak_memory_mb(engine: str, n: int) -> float | None:
    if not PROC_STATUS.exists():
        return None
    command = [sys.executable, "-m", "benchmarks.mnist", engine, str(n)]
    output = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True).stdout
    return json.loads(output)["peak_bytes"] / 2**20


def _training_peak_bytes(engine: str, n: int) -> int:
    """In this (fresh) process: resident memory added at the peak of one epoch, after the data is made and
    a warm-up epoch on a few points has run (so that one-off start-up allocations are not counted)."""
    data, params = make_data(n), initial_params()
    workload(engine, make_data(WARMUP_POINTS), params)()
    train = workload(engine, data, params)
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = _status_kib("VmRSS")
    train()
    return (_status_kib("VmHWM") - before) * 1024


if __name__ == "__main__":
    print(json.dumps({"peak_bytes": _training_peak_bytes(sys.argv[1], int(sys.argv[2]))}))
