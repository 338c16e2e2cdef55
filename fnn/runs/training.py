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

import contextlib
import math
import numbers
import os
import time
import warnings
from dataclasses import replace
from types import MappingProxyType
from typing import Any, Callable, Iterator, Mapping, NamedTuple, Sequence

import numpy as np

from fnn.plugins import contracts
from fnn.io.data import Scaler, fit_scaler, folds, held_out, read_csv, split_off
from fnn.errors import (ConfigError, DataError, FnnError, PluginContractError, TrainingDiverged, UnknownNameError,
                        readable_bytes)
from fnn.core.network import (DTYPES, MAX_PARAMETERS, Cache, backward, check_params, dropout_masks,
                              forward_unchecked, init_params, resolve_activation)
from fnn.core.transforms import apply_updates
from fnn.core.features import Inputs, inputs as make_inputs
from fnn.core.params import Params, tree_map
from fnn.core.records import TASKS, Activation, DatasetSpec, Loss, Metric, Optimizer, OptimizerSpec
from fnn.core.tasks import (check_targets, check_task, count_classes, encode_targets, invalid_labels, label_rule,
                             targets_task)
from fnn.builtin import metrics as builtin_metrics
from fnn.plugins.registry import Registry, registry as default_registry
from fnn.builtin.schedules import SCHEDULES, Rate, per_step
from fnn.runs.settings import TASK_DEFAULTS, RunConfig, check_config, plain_settings, validated
from fnn.figures.views import plot_columns


class Epoch(NamedTuple):
    """The state after ``epoch`` epochs: the loss and metrics of ``params`` on the training data
    (and on the held-out data, when there is some).

    ``scores`` maps each metric tracked every epoch to its value: the task's own (accuracy for
    classification, R² for regression) and any a stopping rule watches. ``accuracy`` is
    ``scores["accuracy"]``, kept as a field of its own for the lab's code; None in regression.
    """

    epoch: int
    loss: float
    accuracy: float | None
    params: Params
    state: Any
    test_loss: float | None = None
    test_accuracy: float | None = None
    scores: Mapping[str, Any] = MappingProxyType({})
    test_scores: Mapping[str, Any] = MappingProxyType({})
    val_loss: float | None = None
    val_scores: Mapping[str, Any] = MappingProxyType({})


def accuracy(y_hat: np.ndarray, y: np.ndarray, threshold: float = 0.5) -> float:
    """Fraction of points classified right: with one output, on the right side of ``threshold`` (labels
    0/1); with k outputs and one-hot labels, the largest output is the true class. One per model when
    stacked."""
    if y_hat.shape[-1] > 1:
        return builtin_metrics.accuracy(y_hat, y)
    hits = (y_hat >= threshold) == (y >= threshold)
    if hits.ndim == 2:
        return np.count_nonzero(hits) / hits.size
    return np.add.reduce(hits, axis=(-2, -1)) / (hits.shape[-2] * hits.shape[-1])


def _per_model(metric: Metric, y_hat: np.ndarray, y: np.ndarray) -> Any:
    """``metric.fn(y_hat, y)``, a float; with stacked models (a leading model axis), an array of one per
    model: in one call when the metric declares it stacks, else one call per model."""
    if y_hat.ndim == 2 or metric.stacks:
        return metric.fn(y_hat, y)
    return np.array([metric.fn(one_hat, one_y) for one_hat, one_y in zip(y_hat, y)])


def l2_penalty(params: Mapping[str, np.ndarray], l2: float) -> float:
    """``(l2 / 2) * sum of squared weights`` (biases are not penalised); its gradient is ``l2 * W``."""
    total = sum((value * value).sum(axis=(-2, -1)) for key, value in params.items() if key.startswith("W"))
    return float(0.5 * l2 * total) if np.ndim(total) == 0 else 0.5 * l2 * total


def l1_penalty(params: Mapping[str, np.ndarray], l1: float) -> float:
    """``l1 * sum of absolute weights`` (biases are not penalised); its gradient is ``l1 * sign(W)``."""
    total = sum(np.abs(value).sum(axis=(-2, -1)) for key, value in params.items() if key.startswith("W"))
    return float(l1 * total) if np.ndim(total) == 0 else l1 * total


def penalty(params: Mapping[str, np.ndarray], l2: float = 0.0, l1: float = 0.0) -> Any:
    """The penalties training adds to the loss: :func:`l2_penalty` plus :func:`l1_penalty` (0 without either)."""
    return (l2_penalty(params, l2) if l2 else 0.0) + (l1_penalty(params, l1) if l1 else 0.0)


def train(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray, *, optimizer: Optimizer, epochs: int,
          activation: str | Activation = "sigmoid", output: str | Activation = "sigmoid",
          loss: str | Loss = "mse", state: Any = None, batch_size: int | None = None,
          rng: np.random.Generator | None = None, l2: float = 0.0,
          x_test: np.ndarray | None = None, y_test: np.ndarray | None = None, stop_on_divergence: bool = True,
          rate_scale: Callable[[int], float] | None = None, registry: Registry | None = None,
          task: str | None = None, metrics: Sequence[str | Metric] | None = None,
          x_val: np.ndarray | None = None, y_val: np.ndarray | None = None, l1: float = 0.0,
          dropout: float = 0.0) -> Iterator[Epoch]:
    """Train for ``epochs`` epochs, yielding an :class:`Epoch` after each.

    Full batch by default (one update per epoch, as in the lab). With
    ``batch_size`` below the number of points, each epoch shuffles the points
    with ``rng`` and updates once per mini-batch, the last partial one
    included. ``l2`` adds ``(l2/2) * sum(W^2)`` to the loss (and ``l2 * W`` to
    the gradients), ``l1`` adds ``l1 * sum(|W|)`` (and ``l1 * sign(W)``).
    ``dropout`` is the fraction of each hidden layer's outputs dropped in every
    training step's forward pass (inverted dropout, masks drawn with ``rng``,
    see :func:`fnn.core.network.dropout_masks`); the loss and scores each
    epoch records are of the network without dropout. A learning-rate
    schedule is the optimizer's: give its
    ``make`` a learning rate that is a function of the step count (see
    :func:`fnn.builtin.schedules.per_step`). ``state`` resumes an optimizer. Raises
    :class:`~fnn.errors.TrainingDiverged` at the first epoch whose loss is NaN
    or infinite, unless ``stop_on_divergence`` is false. ``activation``,
    ``output`` and ``loss`` are records, or names in ``registry`` (by default
    the installed plugins', :func:`fnn.registry`).

    ``y`` holds the targets, one column per output: for ``task`` "binary" 0/1
    in one column, for "multiclass" one-hot rows (see
    :func:`fnn.core.tasks.one_hot`), for "regression" any finite numbers,
    trained on as given: standardizing them is :func:`prepare`'s (the
    ``scale_targets`` setting), and the loss and scores are then of the
    targets given here.
    Held-out points, ``x_test`` and ``y_test`` or ``x_val`` and ``y_val`` (validation), are scored every
    epoch into each record's ``test_`` or ``val_`` fields.
    By default the task is read off ``y`` (:func:`targets_task`). ``metrics``
    (records or names) are scored every epoch, into each :class:`Epoch`'s
    ``scores``; by default the task's own (:data:`fnn.runs.settings.TASK_DEFAULTS`).

    Checked once, before the first epoch (a :class:`~fnn.errors.ConfigError`
    naming what is wrong): the parameters' keys and shapes, points (at least
    one, finite) matching them, targets one per output that fit the task,
    ``epochs`` 0 or more, ``batch_size`` 1 or more, ``l2`` and ``l1`` finite and 0 or more, ``dropout``
    0 or more and below 1 (and ``rng`` given when it is above 0).

    With stacked parameters and data (a leading model axis, see
    :func:`fnn.forward`), the same loop trains M networks at once and each
    record's loss and scores are arrays of M values.

    ``rate_scale(epoch)``, which multiplied each epoch's updates, is deprecated:
    it is right only for rules whose updates are proportional to the learning rate.
    """
    hidden, last = resolve_activation(activation, registry), resolve_activation(output, registry)
    loss = loss if isinstance(loss, Loss) else (registry or default_registry()).loss(loss)
    check_params(params)
    task = targets_task(np.asarray(y)) if task is None else task
    _check_training_inputs(params, x, y, x_test, y_test, epochs=epochs, batch_size=batch_size, l2=l2, task=task,
                           x_val=x_val, y_val=y_val, l1=l1, dropout=dropout, rng=rng)
    tracked = tuple(m if isinstance(m, Metric) else (registry or default_registry()).metric(m)
                    for m in (metrics if metrics is not None else (TASK_DEFAULTS[task].metric,)))
    params = Params(params) if not isinstance(params, Params) else params
    batches = _mini_batches(batch_size, len(x), rng)
    if rate_scale is not None:
        warnings.warn("train(rate_scale=...) is deprecated; give the optimizer's make() a learning rate that is a "
                      "function of the step count (fnn.builtin.schedules.per_step)", DeprecationWarning, stacklevel=2)
        optimizer = _scaled_each_epoch(optimizer, rate_scale, steps_per_epoch(len(x), batch_size))
        state = None if state is None else (state, 0)
    state = optimizer.init(params) if state is None else state
    model = _Model(hidden, last, loss, optimizer, l2, weight_mask(params), tracked, l1, dropout)
    train_set = _data(x, y, params["W1"].dtype)
    test_set = None if x_test is None else _data(x_test, y_test, params["W1"].dtype)
    val_set = None if x_val is None else _data(x_val, y_val, params["W1"].dtype)

    # Full batch without dropout: the previous epoch's scoring pass over these points, and its loss gradient,
    # serve as this step's forward pass (one forward pass per epoch instead of two). With dropout the step
    # trains on its own, masked, pass: the scoring pass is of the network without dropout.
    reuse = batches is None and not dropout
    scores = _score(model, params, train_set, with_grad=reuse)
    for epoch in range(1, epochs + 1):
        if reuse:
            params, state = _step(model, params, state, scores.cache, scores.grad_y)
        elif batches is None:
            params, state = _step(model, params, state, *_training_pass(model, params, train_set, rng))
        else:
            params, state = _epoch_of_batches(model, params, state, train_set, *batches)
        del scores  # before the next pass, or both passes' arrays are alive at once (2 GB each at 10^6 points)
        scores = _score(model, params, train_set, with_grad=reuse)
        if stop_on_divergence and not _finite(scores.loss):
            raise TrainingDiverged(epoch, float(np.max(scores.loss)))
        yield _record(model, epoch, params, state, scores, test_set, val_set)


class _Model(NamedTuple):
    """What every step of one call of :func:`train` uses unchanged: the network's activations, the
    loss, the optimizer, the L2 factor with its mask (1 for every weight, 0 for every bias), the metrics,
    the L1 factor and the dropout fraction."""

    hidden: Activation
    output: Activation
    loss: Loss
    optimizer: Optimizer
    l2: float
    weights: Params
    metrics: tuple[Metric, ...]
    l1: float = 0.0
    dropout: float = 0.0


class _Data(NamedTuple):
    """Points in the parameters' dtype, and their targets."""

    x: np.ndarray
    y: np.ndarray


def _data(x, y, dtype: np.dtype) -> _Data:
    return _Data(np.asarray(x, dtype=dtype), np.asarray(y))


def _step(model: _Model, params: Params, state: Any, cache: Cache, grad_y: np.ndarray) -> tuple[Params, Any]:
    """One optimization step: backward, the L2 and L1 terms, the optimizer's update, applied. Returns the new
    parameters and optimizer state."""
    grads = gradients(params, cache, grad_y, model.l2, model.weights, model.l1)
    updates, state = model.optimizer.update(grads, state, params)
    return apply_updates(params, updates), state


def gradients(params: Params, cache: Cache, grad_y: np.ndarray, l2: float = 0.0,
              weights: Params | None = None, l1: float = 0.0) -> Params:
    """The gradient of the training loss for every parameter, as each step takes it: ``backward``'s,
    plus the L2 penalty's ``l2 * W`` and the L1 penalty's ``l1 * sign(W)`` on the weights. ``weights`` is
    the mask (1 for every weight, 0 for every bias) that :func:`train` makes once; without it, it is made
    here."""
    grads = backward(params, cache, grad_y)
    if not (l2 or l1):
        return grads
    mask = weight_mask(params) if weights is None else weights
    if l2:
        # The penalty's gradient, l2 * W, with the mask: one tree_map.
        grads = tree_map(lambda g, p, w: g + l2 * (w * p), grads, params, mask)
    if l1:
        grads = tree_map(lambda g, p, w: g + l1 * (w * np.sign(p)), grads, params, mask)
    return grads


def weight_mask(params: Params) -> Params:
    """1 for every weight, 0 for every bias: where the L2 and L1 penalties apply."""
    return Params({key: np.full_like(value, key.startswith("W")) for key, value in params.items()})


def _mini_batches(batch_size: int | None, n: int,
                  rng: np.random.Generator | None) -> tuple[np.random.Generator, int] | None:
    """``(rng, batch_size)`` when an epoch over ``n`` points is several mini-batches; None in full batch."""
    if batch_size is None or batch_size >= n:
        return None
    if rng is None:
        raise ConfigError("mini-batches need rng, a numpy Generator, to shuffle the points")
    return rng, batch_size


def _epoch_of_batches(model: _Model, params: Params, state: Any, data: _Data, rng: np.random.Generator,
                      batch_size: int) -> tuple[Params, Any]:
    """One epoch of mini-batches: the points shuffled with ``rng``, then a forward pass and a step on each
    batch, the last partial one included."""
    order = rng.permutation(len(data.x))
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        cache, grad_y = _training_pass(model, params, _Data(data.x[batch], data.y[batch]), rng)
        params, state = _step(model, params, state, cache, grad_y)
    return params, state


def _training_pass(model: _Model, params: Params, data: _Data,
                   rng: np.random.Generator | None) -> tuple[Cache, np.ndarray]:
    """The forward pass a step trains on, and the loss gradient on its outputs: with dropout, each hidden
    layer's output masked by masks drawn from ``rng`` (after the batch's order, when there are batches)."""
    masks = None
    if model.dropout:
        assert rng is not None  # train checked it
        masks = dropout_masks(rng, params.sizes, data.x.shape[:-1], model.dropout, data.x.dtype)
    y_hat, cache = forward_unchecked(params, data.x, model.hidden, model.output, masks)
    return cache, model.loss.grad(y_hat, data.y)


class _Scores(NamedTuple):
    """One forward pass over the training points: the loss (L2 and L1 penalties included) and metrics of the
    parameters, and the pass's output, record and loss gradient for a full-batch step to reuse."""

    loss: Any  # a float; an array of M values for M stacked models
    scores: dict[str, Any]
    penalty: Any
    cache: Cache
    grad_y: Any  # the loss gradient, an array; None unless asked for


def _score(model: _Model, params: Params, data: _Data, with_grad: bool) -> _Scores:
    """Score ``params`` on ``data``; ``with_grad`` also gives the loss gradient (in one call where the
    loss can share the work)."""
    y_hat, cache = forward_unchecked(params, data.x, model.hidden, model.output)
    if not with_grad:
        value, grad_y = model.loss.value(y_hat, data.y), None
    elif model.loss.value_and_grad is not None:
        value, grad_y = model.loss.value_and_grad(y_hat, data.y)
    else:
        value, grad_y = model.loss.value(y_hat, data.y), model.loss.grad(y_hat, data.y)
    added = penalty(params, model.l2, model.l1)
    return _Scores(value + added, _metrics(model.metrics, y_hat, data.y), added, cache, grad_y)


def _metrics(metrics: tuple[Metric, ...], y_hat: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    return {metric.name: _per_model(metric, y_hat, y) for metric in metrics}


def _record(model: _Model, epoch: int, params: Params, state: Any, scores: _Scores, test: _Data | None,
            val: _Data | None = None) -> Epoch:
    """The :class:`Epoch` of ``params``: the training scores, and the held-out ones (test, validation) for the
    points there are."""
    record = Epoch(epoch, scores.loss, scores.scores.get("accuracy"), params, state, scores=scores.scores)
    if test is not None:
        test_loss, test_scores = _held_out_scores(model, params, test, scores.penalty)
        record = record._replace(test_loss=test_loss, test_accuracy=test_scores.get("accuracy"),
                                 test_scores=test_scores)
    if val is not None:
        val_loss, val_scores = _held_out_scores(model, params, val, scores.penalty)
        record = record._replace(val_loss=val_loss, val_scores=val_scores)
    return record


def _held_out_scores(model: _Model, params: Params, data: _Data, penalty: Any) -> tuple[Any, dict[str, Any]]:
    """The loss (with the training's ``penalty``, L2 and L1, as the training loss has it) and metrics of
    ``params`` on held-out points."""
    outputs = forward_unchecked(params, data.x, model.hidden, model.output)[0]
    return model.loss.value(outputs, data.y) + penalty, _metrics(model.metrics, outputs, data.y)


def _finite(loss) -> bool:
    """Whether a loss (a float, or one per stacked model) is finite throughout."""
    return math.isfinite(loss) if type(loss) is float else bool(np.isfinite(loss).all())


def steps_per_epoch(n: int, batch_size: int | None) -> int:
    """How many updates :func:`train` makes in an epoch over ``n`` points: one per mini-batch, the last
    partial one included, or one in full batch."""
    return 1 if batch_size is None or batch_size >= n else math.ceil(n / batch_size)


def _scaled_each_epoch(optimizer: Optimizer, rate_scale: Callable[[int], float], steps: int) -> Optimizer:
    """What the deprecated ``train(rate_scale=...)`` did: ``optimizer``'s updates times ``rate_scale(epoch)``."""
    def update(grads, state, params):
        inner, count = state
        updates, inner = optimizer.update(grads, inner, params)
        scale = rate_scale(count // steps + 1)
        return tree_map(lambda u: scale * u, updates), (inner, count + 1)

    return Optimizer(lambda params: (optimizer.init(params), 0), update)


def _check_training_inputs(params: Mapping[str, np.ndarray], x, y, x_test, y_test, *, epochs, batch_size,
                           l2, task: str, x_val=None, y_val=None, l1=0.0, dropout=0.0, rng=None) -> None:
    """What :func:`train` needs of its inputs, checked once so that no epoch has to (see its docstring)."""
    def whole(value, least):
        return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= least

    if not whole(epochs, 0):
        raise ConfigError(f"epochs must be a whole number, 0 or more, got {epochs!r}")
    if batch_size is not None and not whole(batch_size, 1):
        raise ConfigError(f"batch_size must be a whole number, 1 or more (or None for full batch), got {batch_size!r}")
    for name, factor in (("l2", l2), ("l1", l1)):
        if not (isinstance(factor, numbers.Real) and math.isfinite(factor) and float(factor) >= 0):
            raise ConfigError(f"{name} must be a finite number, 0 or more, got {factor!r}")
    if not (isinstance(dropout, numbers.Real) and 0 <= float(dropout) < 1):
        raise ConfigError(f"dropout must be a fraction, 0 or more and below 1, got {dropout!r}")
    if dropout and rng is None:
        raise ConfigError("dropout needs rng, a numpy Generator, to draw its masks")
    last_W = params[f"W{len(params) // 2}"]
    for name, points, labels in (("x", x, y), ("x_test", x_test, y_test), ("x_val", x_val, y_val)):
        if (points is None) != (labels is None):
            raise ConfigError(f"{name} and y{name[1:]} go together: give both or neither")
        if points is None:
            continue
        label_name = "y" + name[1:]
        points, labels = np.asarray(points), np.asarray(labels)
        width = params["W1"].shape[-2]
        expected = (*last_W.shape[:-2], "n", width)
        if points.ndim != len(expected) or points.shape[-1] != width or not np.issubdtype(points.dtype, np.number):
            raise ConfigError(f"{name} must be numbers of shape ({', '.join(map(str, expected))}) for these "
                              "parameters, "
                              f"got {points.dtype} {points.shape}")
        if points.shape[-2] == 0:
            raise ConfigError(f"{name} has no points; training needs at least one")
        if labels.shape != (*points.shape[:-1], last_W.shape[-1]):
            raise ConfigError(f"{label_name} must have shape {(*points.shape[:-1], last_W.shape[-1])} (a label per "
                              f"point and output), got {labels.shape}")
        if not np.isfinite(points).all():
            raise ConfigError(f"{name} holds non-finite values (NaN or infinity) at "
                              f"{tuple(int(i) for i in np.argwhere(~np.isfinite(points))[0])}; "
                              "every value must be finite")
        check_targets(labels, task, label_name)


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
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    scaler: Scaler | None = None
    schedule: Rate | None = None
    shuffle_seed: np.random.SeedSequence | None = None
    features: tuple[str, ...] = ()
    origin: np.ndarray | None = None
    """Where each point of ``x`` came from: its line in the ``--data`` file, or its index in the generated dataset."""
    origin_test: np.ndarray | None = None
    optimizer_spec: OptimizerSpec | None = None
    """The record ``optimizer`` was made from: a sweep makes it again with one learning rate per stacked model."""
    task: str = "binary"
    classes: tuple[str, ...] = ()
    """The class names in label order (classification); empty in regression."""
    scored: tuple[Metric, ...] = ()
    """The metrics scored every epoch: the task's own first, then any a stopping rule watches."""
    metrics: tuple[Metric, ...] = ()
    """Every metric of the run's registry that applies to its task, scored once training ends."""
    labels: tuple[str, ...] = ()
    """The names of the ``--data`` file's label columns (one per output in regression); empty for a dataset."""
    target_scaler: Scaler | None = None
    """Regression with ``scale_targets``: the targets' scaler, fitted on the training targets. ``y`` and
    ``y_test`` are then standardized, as the network trains on them; :meth:`in_data_units` undoes it."""
    inputs: Inputs | None = None
    """With ``--features``: how the data's columns become the network's inputs (``x`` and ``x_test`` are
    the inputs, named by ``features``; ``inputs.columns`` names the data's own columns)."""
    x_columns: np.ndarray | None = None
    """With ``--features``: the training points' original columns, the plane the figures draw over."""
    x_test_columns: np.ndarray | None = None
    x_val: np.ndarray | None = None
    """With ``--val-split``: the validation points, held out of the training points (after the test points),
    scored every epoch; ``y_val``, ``origin_val`` and ``x_val_columns`` are theirs as ``y_test``'s are the test
    points'."""
    y_val: np.ndarray | None = None
    origin_val: np.ndarray | None = None
    x_val_columns: np.ndarray | None = None

    def in_data_units(self, values: np.ndarray) -> np.ndarray:
        """Network outputs, or targets (``y``, ``y_test``), in the data's units: the targets' standardizing
        undone when the run standardized them, else ``values`` as they are."""
        return values if self.target_scaler is None else self.target_scaler.inverse(values)


def prepare(config: RunConfig, registry: Registry | None = None) -> Experiment:
    """Check ``config``, load and split its data, initialise its parameters and build its optimizer.

    Names are looked up in ``registry``, by default the installed plugins' (:func:`fnn.registry`).

    Raises :class:`~fnn.errors.ConfigError` (an ``UnknownNameError`` for names)
    naming what is wrong and what is allowed, and :class:`~fnn.errors.DataError`
    for a data file fnn cannot use.
    """
    reg = registry or default_registry()
    activation, spec = reg.activation(config.activation), reg.optimizer(config.optimizer)
    for kind, name in (("activation", config.output), ("loss", config.loss)):
        if name is not None:
            reg.entry(kind, name)  # an unknown name is an error before the other checks
    for name in config.target:
        reg.metric(name)
    if config.data is None:
        reg.dataset(config.dataset)
    check_config(config)
    if config.dtype not in DTYPES:
        raise UnknownNameError("dtype", config.dtype, DTYPES)
    schedule = SCHEDULES.get(config.schedule)
    if schedule is None:
        raise UnknownNameError("schedule", config.schedule, SCHEDULES)
    hyper, schedule_params = hyperparameters(spec.name, spec.defaults, config.learning_rate, config.options,
                                             schedule.name, schedule.defaults)

    data_seed, init_seed, split_seed, shuffle_seed = np.random.SeedSequence(config.seed).spawn(4)
    if config.data is None and config.n_samples is not None:
        _check_memory(config, (config.n_samples, 1))  # one input at least; the real width is checked below
    if config.data is None:
        dataset = reg.dataset(config.dataset)
        x, y = _load_dataset(reg, reg.entry("dataset", config.dataset), np.random.default_rng(data_seed), config)
        features: tuple[str, ...] = dataset.features
        origin: np.ndarray = np.arange(len(x))
        task, classes = _dataset_task(dataset, config, y), dataset.classes
        labels: tuple[str, ...] = ()
    else:
        table = read_csv(config.data, config.label_column, task=config.task)
        x, y, features, origin = table.x, table.y, table.features, table.lines
        task, classes, labels = table.task, table.classes, table.labels
    _check_memory(config, np.shape(x))
    plot_columns(config.plot_features, features or tuple(f"x{i + 1}" for i in range(np.shape(x)[1])))
    x, y = np.asarray(x, dtype=config.dtype), np.asarray(y, dtype=config.dtype)
    x_test = y_test = scaler = origin_test = x_val = y_val = origin_val = None
    # Split the points' positions, so each point keeps its origin (the split depends only on y and the seed);
    # each class keeps its share, and regression targets are one group. The test points go first, then the
    # validation points come out of what is left, drawn from the same generator.
    split_rng = np.random.default_rng(split_seed)
    if config.test_split is not None:
        held = held_out(_split_groups(y, task), config.test_split, split_rng)
        (x, y, origin), (x_test, y_test, origin_test) = split_off((x, y, origin), held)
    # The validation points: a fraction of each class, or one fold of --cv's (check_config: never both).
    validation = None
    if config.val_split is not None:
        validation = held_out(_split_groups(y, task), config.val_split, split_rng, "--val-split", every_class=False)
    elif config.cv is not None and config.fold is not None:
        validation = folds(y, config.cv, split_rng, task)[config.fold - 1]
    if validation is not None:
        (x, y, origin), (x_val, y_val, origin_val) = split_off((x, y, origin), validation)
    inputs = x_columns = x_test_columns = x_val_columns = None
    if config.feature_spec is not None:
        inputs = make_inputs(config.feature_spec, features or tuple(f"x{i + 1}" for i in range(np.shape(x)[1])),
                             {name: reg.feature(name) for name in reg.names("feature")})
        held_points = sum(0 if part is None else len(part) for part in (x_test, x_val))
        _check_memory(config, (len(x) + held_points, len(inputs.terms)))
        x_columns, x_test_columns, x_val_columns = x, x_test, x_val
        x, x_test = _featured(inputs, x, "training"), None if x_test is None else _featured(inputs, x_test, "test")
        x_val = None if x_val is None else _featured(inputs, x_val, "validation")
        features = inputs.names
    if config.standardize:
        scaler = fit_scaler(x)  # from the training part only, so nothing leaks from the held-out points
        x = scaler(x)
        x_test = None if x_test is None else scaler(x_test)
        x_val = None if x_val is None else scaler(x_val)
    if task != "regression":
        classes = classes or tuple(str(k) for k in range(count_classes(y)))
    else:
        classes = ()
    y = encode_targets(y, task, len(classes)).astype(config.dtype)
    y_test = None if y_test is None else encode_targets(y_test, task, len(classes)).astype(config.dtype)
    y_val = None if y_val is None else encode_targets(y_val, task, len(classes)).astype(config.dtype)
    target_scaler = None
    if task == "regression" and config.scale_targets:
        # As the features' scaler: from the training targets only. The loss's gradient grows with the targets'
        # spread, so on standardized targets one learning rate suits targets of any spread.
        target_scaler = fit_scaler(y)
        y = target_scaler(y)
        y_test = None if y_test is None else target_scaler(y_test)
        y_val = None if y_val is None else target_scaler(y_val)
    defaults = TASK_DEFAULTS[task]
    output, loss = reg.activation(config.output or defaults.output), reg.loss(config.loss or defaults.loss)
    # scale_targets as applied: classification ignores it.
    config = replace(config, task=task, output=output.name, loss=loss.name, scale_targets=target_scaler is not None)
    _check_fit(task, output, loss)
    scored = tuple(reg.metric(name) for name in dict.fromkeys(
        [defaults.metric, *(["accuracy"] if config.target_accuracy is not None else []), *config.target]))
    metrics = task_metrics(reg, task)
    for metric in scored:
        if metric not in metrics:
            raise ConfigError(f"--target {metric.name} does not apply to the {task} task; "
                              f"metrics that do: {', '.join(m.name for m in metrics)}")
    sizes = (x.shape[1], *config.hidden, y.shape[1])
    if sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:])) > MAX_PARAMETERS:
        raise ConfigError(f"a {'-'.join(map(str, sizes))} network has more than {MAX_PARAMETERS:,} parameters; "
                          "use smaller layers")
    params = init_params(sizes, np.random.default_rng(init_seed), config.init, config.dtype)
    if config.learning_rate is None and "learning_rate" not in config.options and defaults.max_learning_rate:
        hyper["learning_rate"] = min(hyper["learning_rate"], defaults.max_learning_rate)
    resolved = replace(config, learning_rate=hyper["learning_rate"])
    rate = None if schedule.name == "constant" else schedule.make(hyper["learning_rate"], config.epochs,
                                                                   **schedule_params)
    # A schedule is the optimizer's learning rate, as a function of its step count.
    steps = steps_per_epoch(len(x), config.batch_size)
    learning_rate = hyper["learning_rate"] if rate is None else per_step(rate, steps)
    optimizer = _probe(reg, config, params, x, y, {**hyper, "learning_rate": learning_rate})
    return Experiment(resolved, x, y, params, optimizer, hyper, activation, output, loss,
                      x_test, y_test, scaler, rate, shuffle_seed, features, origin, origin_test, spec,
                      task, classes, scored, metrics, labels, target_scaler, inputs, x_columns, x_test_columns,
                      x_val, y_val, origin_val, x_val_columns)


def _split_groups(y: np.ndarray, task: str) -> np.ndarray:
    """What a split keeps the shares of: the classes' labels, or one group of regression targets."""
    return y if task != "regression" else np.zeros((len(y), 1))


def _featured(inputs: Inputs, x: np.ndarray, part: str) -> np.ndarray:
    """The network's inputs for ``x``; a term that is not finite on some point (a square's overflow) is a
    :class:`~fnn.errors.DataError` naming it, as a non-finite value of the data is."""
    with np.errstate(all="ignore"):
        made = inputs(x)
    bad = np.argwhere(~np.isfinite(made))
    if len(bad):
        point, term = bad[0]
        raise DataError(f"--features: {inputs.names[term]} is {made[point, term]} on {part} point {point}; "
                        "every input must be a finite number")
    return made


def task_metrics(registry: Registry, task: str) -> tuple[Metric, ...]:
    """Every metric of ``registry`` that applies to ``task``, in the registry's order of names."""
    return tuple(registry.metric(name) for name in registry.names("metric") if task in registry.metric(name).tasks)


def metric_scores(metrics: tuple[Metric, ...], outputs: np.ndarray, targets: np.ndarray) -> dict[str, float]:
    """Each metric's value on a network's ``outputs`` against the encoded ``targets``, by name."""
    return {metric.name: float(metric.fn(outputs, targets)) for metric in metrics}


def _takes_classes(reg: Registry) -> list[str]:
    return [name for name in reg.names("dataset") if reg.dataset(name).takes_classes]


def _dataset_task(spec: DatasetSpec, config: RunConfig, labels: np.ndarray) -> str:
    """The task of a dataset's labels: ``--task`` once the labels are checked to fit it, else the record's
    own, or, with ``--classes K``, binary for K = 2 and multiclass above."""
    if config.task is None:
        return contracts.task_of(spec, config.classes)
    check_task(config.task)
    wrong = invalid_labels(labels, config.task)
    if wrong.any() or (config.task != "regression" and labels.shape[1] != 1):
        found = f"{labels.shape[1]} label columns" if not wrong.any() else f"the label {labels[wrong][0]:g}"
        raise ConfigError(f"--task {config.task} does not fit dataset {config.dataset!r}: it has {found}, and "
                          f"{label_rule(config.task)}")
    return config.task


def _check_fit(task: str, output: Activation, loss: Loss) -> None:
    """Refuse an output activation or loss that declares it does not fit ``task``, naming what does."""
    for kind, flag, record in (("output activation", "--output-activation", output), ("loss", "--loss", loss)):
        fits = getattr(record, "tasks", TASKS)
        if task not in fits:
            default = getattr(TASK_DEFAULTS[task], "output" if kind != "loss" else "loss")
            raise ConfigError(f"{flag} {record.name} fits the {' and '.join(fits)} task"
                              f"{'s' if len(fits) > 1 else ''}, and this data is {task}; "
                              f"use the {task} task's {default}, or another {kind} that fits it")


def _load_dataset(reg: Registry, entry, rng: np.random.Generator, config: RunConfig) -> tuple[np.ndarray, np.ndarray]:
    """The dataset's points, checked against its contract: one line naming the plugin if they break it."""
    if config.classes is not None and not entry.record.takes_classes:
        raise ConfigError(f"--classes applies to the datasets that take it ({', '.join(_takes_classes(reg))}); "
                          f"dataset {config.dataset!r} has its own classes")
    more = {} if config.classes is None else {"classes": config.classes}
    try:
        result = contracts.call("load(rng, n, noise)", lambda: entry.record.load(rng, config.n_samples, config.noise,
                                                                                **more), keep=(FnnError,))
        if config.noise and isinstance(result, tuple) and len(result) == 2 and not np.isfinite(result[0]).all():
            raise ConfigError(f"--noise {config.noise:g} overflows: dataset {config.dataset!r} has points that are no "
                              "longer finite numbers; use a much smaller --noise")
        spec = entry.record
        task = contracts.task_of(spec, config.classes)
        return contracts.check_data(result, config.n_samples, task, config.classes or len(spec.classes) or None)
    except contracts.ContractBroken as error:
        raise PluginContractError(f"{entry.describe()} broke its contract: {error}") from None


PROBE_POINTS = 4


def _probe(reg: Registry, config: RunConfig, params: Params, x: np.ndarray, y: np.ndarray,
           hyper: Mapping[str, Any]) -> Optimizer:
    """The run's optimizer, once every record it uses has run on the run's own shapes and dtype.

    One forward pass over a few points, the loss on its output and one
    optimizer update: a record that breaks its contract (a wrong shape or
    type, a write into its read-only arguments) is a :class:`PluginContractError`
    naming it and its plugin here, before training, and the loop need not check.
    """
    count = len(params) // 2
    entry = reg.entry("optimizer", config.optimizer)
    assert config.output is not None and config.loss is not None  # prepare filled them in from the task
    try:
        # Shapes and types are checked here; overflow on the run's own data is training's to report.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            a = x[:PROBE_POINTS]
            for i in range(1, count + 1):
                name = config.activation if i < count else config.output
                entry = reg.entry("activation", name)
                a = contracts.check_activation(reg.activation(name), a @ params[f"W{i}"] + params[f"b{i}"])
            entry = reg.entry("loss", config.loss)
            contracts.check_loss(reg.loss(config.loss), a, y[:PROBE_POINTS])
            entry = reg.entry("optimizer", config.optimizer)
            spec = reg.optimizer(config.optimizer)
            optimizer = contracts.call("make(...)", lambda: spec.make(**hyper), keep=(FnnError,))
            contracts.check_optimizer(optimizer, params)
    except contracts.ContractBroken as error:
        scheduled = entry.kind == "optimizer" and callable(hyper["learning_rate"])
        hint = ("; with a schedule, make() is given the learning rate as a function of the step count "
                "(see fnn.scale_by_learning_rate)") if scheduled else ""
        raise PluginContractError(f"{entry.describe()} broke its contract: {error}{hint}") from None
    return optimizer


def _check_memory(config: RunConfig, shape: tuple[int, ...]) -> None:
    """Refuse a run on ``shape`` (points, inputs) whose arrays cannot fit in the memory available, before
    they are allocated (the estimate is :func:`run_bytes`)."""
    available = available_memory()
    if available is None or len(shape) != 2:  # a dataset of another shape is refused where it is used
        return
    n, width = shape
    needed = run_bytes(n, (width, *config.hidden, 1), config.dtype)
    if needed > available:
        layers = ",".join(map(str, config.hidden))
        raise ConfigError(f"{n:,} points through hidden layers {layers} need at least {readable_bytes(needed)} "
                          f"of memory for their arrays, and {readable_bytes(available)} is available; "
                          "use fewer points (--n-samples) or smaller layers (--hidden)")


def run_bytes(n: int, sizes: tuple[int, ...], dtype: str | np.dtype) -> int:
    """A lower bound on the bytes a run of ``n`` points through layers ``sizes`` holds while it trains:
    the data; every layer's activations for all points, which the forward pass keeps for the backward
    one (the built-in activations need nothing more, see ``Activation.backward_uses``); two more arrays
    of the widest layer, alive at once while a layer is computed or its gradient taken; and the
    parameters with their gradients and two optimizer buffers. At 10^6 points through 2-64-64-1 in
    float64 this is 2.08 GB; the measured peak was 1.98 GiB (2.08 GB)."""
    parameters = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    widest = max(sizes[1:])
    return np.dtype(dtype).itemsize * (n * (sizes[0] + sizes[-1]) + n * sum(sizes[1:]) + 2 * n * widest
                                       + 4 * parameters)


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux's MemAvailable), or None where it cannot be read."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def hyperparameters(optimizer: str, defaults: Mapping[str, float], learning_rate: float | None,
                    options: Mapping[str, float], schedule: str = "constant",
                    schedule_defaults: Mapping[str, float] | None = None) -> tuple[dict[str, float], dict[str, float]]:
    """Split ``options`` between the optimizer and the schedule, over their defaults.

    Returns ``(optimizer hyper-parameters, schedule parameters)``; an unknown
    key is a ``ConfigError`` listing the keys each one takes.
    """
    schedule_defaults = schedule_defaults or {}
    unknown = sorted(set(options) - set(defaults) - set(schedule_defaults))
    if unknown:
        message = (f"optimizer {optimizer!r} has no hyper-parameter {', '.join(map(repr, unknown))}; "
                   f"its keys are: {', '.join(defaults)}")
        if schedule_defaults:
            message += f"; schedule {schedule!r} takes: {', '.join(schedule_defaults)}"
        owners = sorted(name for name, s in SCHEDULES.items() if set(unknown) & set(s.defaults))
        if owners and not schedule_defaults:
            message += f" ({', '.join(unknown)} belongs to the {' and '.join(owners)} schedule: add --schedule)"
        raise ConfigError(message)
    hyper = {**defaults, **{k: v for k, v in options.items() if k in defaults}}
    if learning_rate is not None:
        hyper["learning_rate"] = learning_rate
    lr = hyper.get("learning_rate")
    if not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ConfigError(f"learning rate must be a positive number, got {lr}")
    schedule_params = {**schedule_defaults, **{k: v for k, v in options.items() if k in schedule_defaults}}
    for key, value in {**hyper, **schedule_params}.items():
        if isinstance(value, (int, float)) and not math.isfinite(value):
            raise ConfigError(f"{key} must be a finite number, got {value}")
    return hyper, schedule_params


class Resume(NamedTuple):
    """Where a saved run's training stood, to continue it (``fnn run --resume``): the epochs it trained, its
    parameters and optimizer state after the last of them, its mini-batch generator's ``bit_generator.state``
    (None in full batch), its history so far and its training time."""

    epochs: int
    params: Params
    state: Any
    rng_state: dict | None
    history: dict[str, np.ndarray]
    seconds: float


def run(experiment: Experiment, resume: Resume | None = None,
        rng: np.random.Generator | None = None) -> Iterator[Epoch]:
    """Train a prepared experiment, yielding every epoch; with ``resume``, from where that run stood, its
    epochs counted on from there (to ``config.epochs`` in all). ``rng`` shuffles the mini-batches (by
    default a generator seeded by the experiment).

    An experiment of M stacked models (data with a leading model axis, as a
    sweep makes them) trains on when some models' loss stops being finite, so
    that the others finish; the caller reports those models as diverged.
    """
    c = experiment.config
    done = 0 if resume is None else resume.epochs
    # With validation points, they are what every epoch is judged on; the test points wait for the end
    # (complete scores them once), so that nothing chosen during training has seen them.
    validated = experiment.x_val is not None
    epochs = train(
        experiment.params if resume is None else resume.params, experiment.x, experiment.y,
        optimizer=experiment.optimizer, epochs=c.epochs - done, state=None if resume is None else resume.state,
        activation=experiment.activation, output=experiment.output, loss=experiment.loss,
        batch_size=c.batch_size, l2=c.l2, l1=c.l1, dropout=c.dropout,
        rng=rng if rng is not None else np.random.default_rng(experiment.shuffle_seed),
        stop_on_divergence=experiment.x.ndim == 2, task=experiment.task, metrics=_scored_in_data_units(experiment),
        x_test=None if validated else experiment.x_test, y_test=None if validated else experiment.y_test,
        x_val=experiment.x_val, y_val=experiment.y_val,
    )
    return epochs if not done else (record._replace(epoch=record.epoch + done) for record in epochs)


def _scored_in_data_units(experiment: Experiment) -> tuple[Metric, ...]:
    """The metrics scored every epoch, as :func:`train` is to score them: on outputs and targets in the
    data's units when the run trains on standardized targets, so that an epoch's MAE or RMSE (and a
    ``--target`` on it) reads as the data's. Each takes a stack of models at once, as the inverse does."""
    if experiment.target_scaler is None:
        return experiment.scored
    inverse = experiment.target_scaler.inverse

    def in_data_units(metric: Metric) -> Metric:
        return replace(metric, fn=lambda y_hat, y: _per_model(metric, inverse(y_hat), inverse(y)), stacks=True)

    return tuple(in_data_units(metric) for metric in experiment.scored)


class FitResult(NamedTuple):
    """A finished run: its experiment, final epoch, per-epoch history, training time and why it stopped.

    ``final`` is the last epoch, or the best one when early stopping restored
    it. Its loss, and the history's, is the loss the optimizer minimized: on the
    standardized targets when the experiment has a ``target_scaler``; the metrics
    are in the data's units either way. ``history`` maps "loss" and each metric
    scored every epoch ("accuracy", or "r2" in regression), and with test points
    "test_loss" and "test_" and the metric's name, to one value per epoch trained.
    With validation points (``val_split``) the history has "val_loss" and "val_" and each metric's name
    instead, and the test points are scored once, on ``final``'s parameters (its ``test_`` fields).
    """

    experiment: Experiment
    final: Epoch
    history: dict[str, np.ndarray]
    seconds: float
    stop_reason: str
    rng_state: dict | None = None
    """The mini-batch generator's ``bit_generator.state`` after the last epoch (None in full batch), saved
    with the model so the run can be resumed."""

    @property
    def loss(self) -> np.ndarray:
        return self.history["loss"]

    @property
    def accuracy(self) -> np.ndarray | None:
        """The accuracy of every epoch; None in regression."""
        return self.history.get("accuracy")

    def metrics(self, test: bool = False, val: bool = False) -> dict[str, float]:
        """Every metric that applies to the run's task (``Experiment.metrics``), of its final parameters on
        the training points (or the test points, or the validation points), by name; empty for held-out
        points the run does not have."""
        e = self.experiment
        x, y = (e.x_test, e.y_test) if test else (e.x_val, e.y_val) if val else (e.x, e.y)
        if x is None or y is None:
            return {}
        outputs = forward_unchecked(self.final.params, x, e.activation, e.output)[0]
        return metric_scores(e.metrics, e.in_data_units(outputs), e.in_data_units(y))

    @property
    def epochs_trained(self) -> int:
        return len(self.history["loss"])

    def summary(self) -> dict:
        """The JSON-ready record of the run (``fnn run --json``, a run folder's ``metrics.json`` and model
        file): every setting by name, as declared in :mod:`fnn.runs.settings` (the learning rate as the
        run used it), then what the run found."""
        from fnn import __version__

        e, final = self.experiment, self.final
        n_test = 0 if e.x_test is None else len(e.x_test)
        n_val = 0 if e.x_val is None else len(e.x_val)
        return {
            **plain_settings(e.config),
            "n_points": len(e.x) + n_test + n_val,
            "n_train": len(e.x),
            "n_test": n_test,
            "n_val": n_val,
            "features": list(e.features) or [f"x{i + 1}" for i in range(e.x.shape[1])],
            "columns": list(e.inputs.columns) if e.inputs is not None else None,
            "sizes": list(e.params.sizes),
            "hyperparameters": dict(e.hyperparameters),
            "scaler": None if e.scaler is None else e.scaler.as_dict(),
            "target_scaler": None if e.target_scaler is None else e.target_scaler.as_dict(),
            "epochs_trained": self.epochs_trained,
            "final_epoch": final.epoch,
            "stop_reason": self.stop_reason,
            "final_loss": final.loss,
            "loss_units": "standardized" if e.target_scaler is not None else "data",
            "accuracy": final.accuracy,
            "test_loss": final.test_loss,
            "test_accuracy": final.test_accuracy,
            "classes": list(e.classes),
            "labels": list(e.labels) or None,
            "metrics": self.metrics(),
            "test_metrics": self.metrics(test=True) if e.x_test is not None else None,
            "val_loss": final.val_loss,
            "val_accuracy": final.val_scores.get("accuracy"),
            "val_metrics": self.metrics(val=True) if e.x_val is not None else None,
            "train_seconds": self.seconds,
            "fnn_version": __version__,
        }


class _Stopper:
    """Early stopping: a target accuracy or loss, or no improvement for ``patience`` epochs."""

    def __init__(self, config: RunConfig, metrics: tuple[Metric, ...]):
        self.config = config
        by_name = {metric.name: metric for metric in metrics}
        self.targets = [(by_name[name], value) for name, value in config.target.items()]
        self.active = bool(self.targets) or any(
            rule is not None for rule in (config.target_accuracy, config.target_loss, config.patience))
        self.best: Epoch | None = None
        self.best_value = math.inf
        self.waited = 0

    def check(self, record: Epoch) -> tuple[str, Epoch] | None:
        """``(why, the epoch to keep)`` if training should stop after ``record``, else None."""
        c = self.config
        if c.target_accuracy is not None and record.scores["accuracy"] >= c.target_accuracy:
            return f"reached the target accuracy {c.target_accuracy:.2%} at epoch {record.epoch}", record
        for metric, value in self.targets:
            score = record.scores[metric.name]
            if score >= value if metric.higher_is_better else score <= value:
                return f"reached the target {metric.name} {value:g} at epoch {record.epoch}", record
        if c.target_loss is not None and record.loss <= c.target_loss:
            return f"reached the target loss {c.target_loss:g} at epoch {record.epoch}", record
        if c.patience is not None:
            # Every epoch has a validation loss with validation points, else a test loss with test points (see
            # run), so which of them is None says which loss is watched.
            monitored, value = _monitored(record)
            if not math.isfinite(value):  # no epoch could count as the best; say why rather than fail later
                points = monitored.removesuffix(" loss")
                raise ConfigError(f"--patience watches the {monitored}, which is {value} at epoch {record.epoch} "
                                  f"(the training loss is {record.loss:.6g}): the {points} points may lie far from "
                                  "the training points (try --standardize), or leave out --patience")
            if self.best is None or value < self.best_value - c.min_delta:
                self.best, self.best_value, self.waited = record, value, 0
            else:
                self.waited += 1
                if self.waited >= c.patience:
                    why = (f"{monitored} did not improve for {c.patience} epochs; "
                           f"stopped at epoch {record.epoch} and restored the best, epoch {self.best.epoch}")
                    return why, self.best
        return None


def selects_on_test(configs: Sequence[RunConfig], sort: str | None = None) -> str | None:
    """Why runs of ``configs`` (a sweep ordered by ``sort``) choose on their test points, as one sentence
    ending in the remedy, or None when they do not: ``--patience`` with a test split and no validation split
    keeps the epoch of the best test loss, and a sort by a ``test_`` key ranks on test data."""
    why = []
    if any(c.patience is not None and c.test_split is not None and not validated(c) for c in configs):
        why.append("--patience keeps the epoch of the best test loss")
    if sort is not None and sort.startswith("test_"):
        why.append(f"--sort {sort} ranks the configurations by their test points")
    if not why:
        return None
    better = f" and sort by val_{sort.removeprefix('test_')}" if sort is not None and sort.startswith("test_") else ""
    return (f"{' and '.join(why)}: that selects on test data, so the test score reads better than it will be; "
            f"hold out validation data with --val-split{better}")


def _monitored(record: Epoch) -> tuple[str, Any]:
    """The loss early stopping watches in ``record``, named: the validation loss, else the test loss, else
    the training loss."""
    if record.val_loss is not None:
        return "validation loss", record.val_loss
    if record.test_loss is not None:
        return "test loss", record.test_loss
    return "loss", record.loss


def complete(experiment: Experiment, on_epoch: Callable[[Epoch], None] | None = None,
             resume: Resume | None = None) -> FitResult:
    """Train a prepared experiment until its epochs run out or an early-stopping rule fires; with ``resume``,
    continue that run to ``config.epochs`` in all, its history and time carried on (the same numbers as one
    run of that length).

    Keeps every epoch's loss and accuracy. ``on_epoch(record)`` is called
    after each epoch (a progress display, a log); the time it takes is not
    counted in ``FitResult.seconds``. A run whose loss stops being finite
    raises :class:`~fnn.errors.TrainingDiverged`; NumPy's overflow warnings
    on the way there are silenced, since that error says it better. A
    stacked experiment (see :func:`run`) trains all its epochs and gives one
    ``FitResult`` whose history holds a column per model.
    """
    scored = [metric.name for metric in experiment.scored]
    names = ["loss", *scored]
    # Held-out points scored every epoch (see run): the validation points, else the test points.
    every_epoch = experiment.x_test if experiment.x_val is None else None
    for prefix, points in (("test_", every_epoch), ("val_", experiment.x_val)):
        if points is not None:
            names += [f"{prefix}loss", *(f"{prefix}{name}" for name in scored)]
    columns: dict[str, list[float]] = {name: [] if resume is None else list(resume.history[name]) for name in names}
    stopper = _Stopper(experiment.config, experiment.scored)
    reason = f"trained all {experiment.config.epochs} epochs"
    # The generator that orders mini-batches and draws dropout's masks: its state is the run's to keep
    # (FitResult.rng_state), so that a resumed run draws what this one would have drawn next.
    draws = experiment.config.batch_size is not None or experiment.config.dropout > 0
    rng = np.random.default_rng(experiment.shuffle_seed) if draws else None
    if rng is not None and resume is not None and resume.rng_state is not None:
        rng.bit_generator.state = resume.rng_state
    outside = 0.0 if resume is None else -resume.seconds
    start = time.perf_counter()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"), _divergence_explained(experiment):
        for record in run(experiment, resume, rng):
            for name, column in columns.items():
                column.append(_value(record, name))
            if on_epoch is not None:
                paused = time.perf_counter()
                on_epoch(record)
                outside += time.perf_counter() - paused
            stop = stopper.check(record) if stopper.active else None
            if stop is not None:
                reason, record = stop
                break
    seconds = time.perf_counter() - start - outside
    history = {name: np.array(column) for name, column in columns.items()}
    if experiment.x_val is not None and experiment.x_test is not None:
        record = _tested_once(experiment, record)
    rng_state = None if rng is None else dict(rng.bit_generator.state)
    return FitResult(experiment, record, history, seconds, reason, rng_state)


def _tested_once(experiment: Experiment, record: Epoch) -> Epoch:
    """``record`` with its test scores: the test points scored once, on the parameters the run keeps, as
    :func:`train` scores held-out points every epoch."""
    c = experiment.config
    model = _Model(experiment.activation, experiment.output, experiment.loss, experiment.optimizer,
                   c.l2, weight_mask(record.params), _scored_in_data_units(experiment), c.l1, c.dropout)
    test = _data(experiment.x_test, experiment.y_test, experiment.x.dtype)
    added = penalty(record.params, c.l2, c.l1)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        loss, scores = _held_out_scores(model, record.params, test, added)
    return record._replace(test_loss=loss, test_accuracy=scores.get("accuracy"), test_scores=scores)


def _value(record: Epoch, name: str) -> Any:
    """A history column's value in ``record``: its loss, a held-out loss, or a metric's score."""
    if name in ("loss", "test_loss", "val_loss"):
        return getattr(record, name)
    if name.startswith(("test_", "val_")):
        part, metric = name.split("_", 1)
        return getattr(record, f"{part}_scores")[metric]
    return record.scores[name]


@contextlib.contextmanager
def _divergence_explained(experiment: Experiment) -> Iterator[None]:
    """Re-raise :class:`TrainingDiverged` with the likely cause this run's settings show."""
    try:
        yield
    except TrainingDiverged as error:
        raise TrainingDiverged(error.epoch, error.loss, hint=divergence_hint(experiment)) from None


LARGE_INPUT = 1e3  # a feature this large saturates sigmoid and makes relu's activations and gradients explode


def divergence_hint(experiment: Experiment) -> str:
    """What most likely made this run's loss non-finite, from its settings and data, as advice."""
    c = experiment.config
    causes = []
    rate = experiment.hyperparameters["learning_rate"]  # the config's, or the optimizer's default if it gave none
    if c.l2:
        with np.errstate(over="ignore", invalid="ignore"):
            penalty = l2_penalty(experiment.params, c.l2)
        if not math.isfinite(penalty):
            causes.append(f"--l2 {c.l2:g} overflows: the penalty (l2/2)·ΣW² is not a finite number")
        elif c.l2 * rate > 2:
            causes.append(f"--l2 {c.l2:g} is too large for the learning rate {rate:g}: the penalty's "
                          f"own step scales the weights by 1 - lr·l2 = {1 - c.l2 * rate:g}, which grows "
                          "without bound (keep lr·l2 below 2)")
    largest = float(np.abs(experiment.x).max())
    if largest > LARGE_INPUT:
        if c.data is None and c.noise:
            causes.append(f"--noise {c.noise:g} spreads the points to values as large as {largest:.3g}; "
                          "use a smaller --noise")
        elif experiment.scaler is None:
            causes.append(f"the data has values as large as {largest:.3g}; try --standardize")
    spread = _target_spread(experiment)
    if spread is not None:
        causes.append(f"the regression targets spread {spread:.3g} (standard deviation), so the loss's gradient is "
                      f"that large too: leave out --no-scale-targets, or try a learning rate about "
                      f"{rate / spread ** 2:.1g} (--lr), or -o adam")
    if causes:
        return "Likely cause: " + "; ".join(causes) + "."
    return f"Try a smaller learning rate (--lr, now {rate:g})."


LARGE_TARGET = 10  # regression targets spread wider than this make the default learning rates overflow


def _target_spread(experiment: Experiment) -> float | None:
    """The widest spread (standard deviation) of a regression run's targets, when it is over LARGE_TARGET
    and the run trains on them as they are (``--no-scale-targets``)."""
    if experiment.task != "regression" or experiment.target_scaler is not None:
        return None
    spread = float(np.std(experiment.y, axis=0).max())
    return spread if spread > LARGE_TARGET else None


SCALE_RATIO = 100  # features whose spreads differ more than this train badly without standardizing


def scale_hint(experiment: Experiment) -> str | None:
    """Advice before training, when the features' spreads differ more than :data:`SCALE_RATIO` times and
    ``--standardize`` is off, or when regression targets trained as they are (``--no-scale-targets``) spread
    so wide that the learning rate may be too large; None otherwise."""
    spread = _target_spread(experiment)
    rate = experiment.hyperparameters["learning_rate"]
    if spread is not None and rate * spread > 1:
        return (f"the targets spread {spread:.3g} (standard deviation); with {experiment.config.optimizer} at "
                f"lr {rate:g} the loss may overflow: leave out --no-scale-targets, or a learning rate about "
                f"{rate / spread ** 2:.1g} (--lr), or -o adam, trains such targets")
    if experiment.scaler is not None or experiment.x.shape[1] < 2:
        return None
    spread = experiment.x.std(axis=0)
    if spread.min() > 0 and spread.max() / spread.min() > SCALE_RATIO:
        names = experiment.features or tuple(f"x{j + 1}" for j in range(experiment.x.shape[1]))
        wide, narrow = names[int(spread.argmax())], names[int(spread.argmin())]
        return (f"the features' spreads differ {spread.max() / spread.min():,.0f} times ({wide} {spread.max():.3g}, "
                f"{narrow} {spread.min():.3g}); --standardize usually trains far better on such data")
    return None


def one_class_hint(result: FitResult) -> str | None:
    """Advice after training, when a classifier ends predicting one class for every training point (it has
    learnt the base rate, not the data); None otherwise."""
    e = result.experiment
    if e.task == "regression" or len(e.x) < 2:
        return None
    out = forward_unchecked(result.final.params, e.x, e.activation, e.output)[0]
    guesses = out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] >= 0.5).astype(int)
    if len(np.unique(guesses)) > 1 or len(np.unique(e.y.argmax(axis=1) if e.y.shape[1] > 1 else e.y)) < 2:
        return None
    name = e.classes[int(guesses[0])] if e.classes else str(int(guesses[0]))
    fixes = ["--standardize" if e.scaler is None else None, "another learning rate (--lr)",
             "another activation (-a tanh or relu)", "more epochs"]
    return (f"the network predicts class {name} for every point: it has learnt only how common each class is; "
            f"try {', '.join(fix for fix in fixes if fix)}")


def fit(config: RunConfig | None = None, registry: Registry | None = None, **settings) -> FitResult:
    """Prepare and train a run to the end; ``fit(dataset="linear", epochs=2000)`` is the notebook shortcut.

    Names are looked up in ``registry``, by default the installed plugins' (:func:`fnn.registry`)."""
    return complete(prepare(replace(config or RunConfig(), **settings), registry))
