"""Training: the one loop, and a run described by a :class:`RunConfig`.

:func:`train` is the loop every caller shares (``fnn run``, notebooks, tests):
forward, loss gradient, backward, optimizer update, then yield one
:class:`Epoch` whose loss and accuracy describe the parameters it carries. It
never prints; callers render what they need.

:func:`prepare` turns a :class:`RunConfig` (names and numbers, as the CLI takes
them) into data, initial parameters and resolved plugins; :func:`run` and
:func:`fit` train it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterator, Mapping, NamedTuple

import numpy as np

from .errors import ConfigError, TrainingDiverged
from .network import DEFAULT_INIT, backward, forward, init_params, resolve_activation
from .optimizers import apply_updates
from .params import Params
from .records import Activation, Loss, Optimizer
from .registry import Registry, registry as default_registry

DEFAULT_EPOCHS = 10000


class Epoch(NamedTuple):
    """The state after ``epoch`` updates: loss and accuracy of ``params`` on the training data."""

    epoch: int
    loss: float
    accuracy: float
    params: Params
    state: Any


def accuracy(y_hat: np.ndarray, y: np.ndarray, threshold: float = 0.5) -> float:
    """Fraction of outputs on the right side of ``threshold`` (labels are 0/1)."""
    return float(np.mean((y_hat >= threshold) == (y >= threshold)))


def train(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray, *, optimizer: Optimizer, epochs: int,
          activation: str | Activation = "sigmoid", output: str | Activation = "sigmoid",
          loss: str | Loss = "mse", state: Any = None) -> Iterator[Epoch]:
    """Full-batch training for ``epochs`` epochs, yielding an :class:`Epoch` after each update.

    ``state`` resumes an optimizer (default: ``optimizer.init(params)``).
    Raises :class:`~fnn.errors.TrainingDiverged` at the first epoch whose loss
    is NaN or infinite.
    """
    hidden, last = resolve_activation(activation), resolve_activation(output)
    loss = loss if isinstance(loss, Loss) else default_registry().loss(loss)
    params = Params(params) if not isinstance(params, Params) else params
    state = optimizer.init(params) if state is None else state
    y_hat, cache = forward(params, x, hidden, last)
    for epoch in range(1, epochs + 1):
        grads = backward(params, cache, loss.grad(y_hat, y))
        updates, state = optimizer.update(grads, state, params)
        params = apply_updates(params, updates)
        # This forward pass both scores the new parameters and starts the next epoch.
        y_hat, cache = forward(params, x, hidden, last)
        value = loss.value(y_hat, y)
        if not math.isfinite(value):
            raise TrainingDiverged(epoch, value)
        yield Epoch(epoch, value, accuracy(y_hat, y), params, state)


@dataclass(frozen=True)
class RunConfig:
    """Everything that defines a run, by name, as ``fnn run`` takes it.

    ``learning_rate=None`` uses the optimizer's default; ``options`` sets the
    optimizer's other hyper-parameters. One ``seed`` fixes the data, the
    initial weights and everything else random.
    """

    dataset: str = "xor"
    hidden: tuple[int, ...] = (4, 8)
    activation: str = "sigmoid"
    output: str = "sigmoid"
    loss: str = "mse"
    optimizer: str = "sgd"
    learning_rate: float | None = None
    options: Mapping[str, float] = field(default_factory=dict)
    epochs: int = DEFAULT_EPOCHS
    n_samples: int | None = None
    noise: float = 0.0
    seed: int = 0
    init: str = DEFAULT_INIT


class Experiment(NamedTuple):
    """A run ready to train: its config with every default filled in, data, and resolved plugins."""

    config: RunConfig
    x: np.ndarray
    y: np.ndarray
    params: Params
    optimizer: Optimizer
    hyperparameters: dict[str, float]
    activation: Activation
    output: Activation
    loss: Loss


def prepare(config: RunConfig, registry: Registry | None = None) -> Experiment:
    """Check ``config``, load its data, initialise its parameters and build its optimizer.

    Raises :class:`~fnn.errors.ConfigError` (an ``UnknownNameError`` for names)
    naming what is wrong and what is allowed.
    """
    reg = registry or default_registry()
    activation, output = reg.activation(config.activation), reg.activation(config.output)
    loss, spec, dataset = reg.loss(config.loss), reg.optimizer(config.optimizer), reg.dataset(config.dataset)
    _check_settings(config)
    hyper = hyperparameters(spec.name, spec.defaults, config.learning_rate, config.options)

    data_rng, init_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(config.seed).spawn(2))
    x, y = dataset.load(data_rng, n=config.n_samples, noise=config.noise)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    sizes = (x.shape[1], *config.hidden, y.shape[1])
    if sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])) > MAX_PARAMETERS:
        raise ConfigError(f"a {'-'.join(map(str, sizes))} network has more than {MAX_PARAMETERS:,} parameters; "
                          "use smaller layers")
    params = init_params(sizes, init_rng, config.init)
    resolved = replace(config, learning_rate=hyper["learning_rate"])
    return Experiment(resolved, x, y, params, spec.make(**hyper), hyper, activation, output, loss)


MAX_LAYER_WIDTH = 100_000
MAX_PARAMETERS = 50_000_000  # about 400 MB of float64 per copy; the optimizer holds a few copies


def _check_settings(config: RunConfig) -> None:
    hidden = ",".join(map(str, config.hidden))
    if any(size < 1 for size in config.hidden):
        raise ConfigError(f"hidden layer sizes must be positive integers, got {hidden}")
    if any(size > MAX_LAYER_WIDTH for size in config.hidden):
        raise ConfigError(f"hidden layer sizes must be at most {MAX_LAYER_WIDTH:,}, got {hidden}")
    if config.epochs < 1:
        raise ConfigError(f"epochs must be at least 1, got {config.epochs}")
    if config.n_samples is not None and config.n_samples < 1:
        raise ConfigError(f"n-samples must be at least 1, got {config.n_samples}")
    if not (math.isfinite(config.noise) and config.noise >= 0):
        raise ConfigError(f"noise must be 0 or more (a finite number), got {config.noise}")
    if config.seed < 0:
        raise ConfigError(f"seed must be 0 or a positive integer, got {config.seed}")


def hyperparameters(optimizer: str, defaults: Mapping[str, float], learning_rate: float | None,
                    options: Mapping[str, float]) -> dict[str, float]:
    """An optimizer's hyper-parameters: its defaults, overridden by ``options`` and ``learning_rate``."""
    unknown = sorted(set(options) - set(defaults))
    if unknown:
        raise ConfigError(
            f"optimizer {optimizer!r} has no hyper-parameter {', '.join(map(repr, unknown))}; "
            f"its keys are: {', '.join(defaults)}"
        )
    hyper = {**defaults, **options}
    if learning_rate is not None:
        hyper["learning_rate"] = learning_rate
    lr = hyper.get("learning_rate")
    if not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ConfigError(f"learning rate must be a positive number, got {lr}")
    for key, value in hyper.items():
        if isinstance(value, (int, float)) and not math.isfinite(value):
            raise ConfigError(f"optimizer {optimizer!r}: {key} must be a finite number, got {value}")
    return hyper


def run(experiment: Experiment) -> Iterator[Epoch]:
    """Train a prepared experiment, yielding every epoch."""
    return train(
        experiment.params, experiment.x, experiment.y, optimizer=experiment.optimizer,
        epochs=experiment.config.epochs, activation=experiment.activation,
        output=experiment.output, loss=experiment.loss,
    )


class FitResult(NamedTuple):
    """A finished run: its experiment, final epoch, loss and accuracy of every epoch, and training time."""

    experiment: Experiment
    final: Epoch
    loss: np.ndarray
    accuracy: np.ndarray
    seconds: float

    def summary(self) -> dict:
        """The JSON-ready record ``fnn run --json`` prints: settings, final loss and accuracy, time."""
        from . import __version__

        c, final = self.experiment.config, self.final
        return {
            "dataset": c.dataset,
            "n_samples": len(self.experiment.x),
            "hidden": list(c.hidden),
            "sizes": list(self.experiment.params.sizes),
            "activation": c.activation,
            "output": c.output,
            "loss": c.loss,
            "optimizer": c.optimizer,
            "learning_rate": c.learning_rate,
            "hyperparameters": dict(self.experiment.hyperparameters),
            "init": c.init,
            "epochs": final.epoch,
            "seed": c.seed,
            "noise": c.noise,
            "final_loss": final.loss,
            "accuracy": final.accuracy,
            "train_seconds": self.seconds,
            "fnn_version": __version__,
        }


def complete(experiment: Experiment, on_epoch: Callable[[Epoch], None] | None = None) -> FitResult:
    """Train a prepared experiment to the end, keeping the loss and accuracy of every epoch.

    ``on_epoch(record)`` is called after each epoch (a progress display, a
    log); the time it takes is not counted in ``FitResult.seconds``.
    """
    losses, accuracies = [], []
    outside = 0.0
    start = time.perf_counter()
    for record in run(experiment):
        losses.append(record.loss)
        accuracies.append(record.accuracy)
        if on_epoch is not None:
            paused = time.perf_counter()
            on_epoch(record)
            outside += time.perf_counter() - paused
    seconds = time.perf_counter() - start - outside
    return FitResult(experiment, record, np.array(losses), np.array(accuracies), seconds)


def fit(config: RunConfig | None = None, registry: Registry | None = None, **settings) -> FitResult:
    """Prepare and train a run to the end; ``fit(dataset="linear", epochs=2000)`` is the notebook shortcut."""
    return complete(prepare(replace(config or RunConfig(), **settings), registry))
