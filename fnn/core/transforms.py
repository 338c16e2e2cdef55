"""Optimizers as optax builds them: small gradient transforms, chained, then ``apply_updates``.

An optimizer is an :class:`~fnn.Optimizer` ``(init, update)`` of two pure
functions: ``init(params) -> state`` and ``update(grads, state, params) ->
(updates, new_state)``; ``apply_updates(params, updates)`` gives the new
parameters. State is a NamedTuple of immutable ``Params`` (a tuple of them for
a :func:`chain`). Each transform is written once, for one array, and mapped
over ``W1, b1, ...`` by :func:`fnn.core.params.tree_map`:

* a rule that turns gradients into a direction (:func:`scale_by_momentum`,
  :func:`scale_by_adagrad`, :func:`scale_by_rms`, :func:`scale_by_adam`);
* :func:`add_decayed_weights`, the weight decay ``g + wd * p``: before the
  rule it is PyTorch's coupled (L2) decay, after it AdamW's decoupled one;
* :func:`scale_by_learning_rate`, the step ``-lr * u``, last. The learning
  rate may be a number (an (M, 1, 1) array of them for stacked models) or a
  function of the step count ``0, 1, 2, ...``, a schedule, as in optax; so a
  schedule applies to any rule, whatever the rule does with its rate.

The built-in optimizers (``fnn.builtin.optimizers``) are chains of these.
"""

from __future__ import annotations

from typing import Callable, Mapping, NamedTuple, Union

import numpy as np

from fnn.core.params import Params, check_same_structure, tree_map
from fnn.core.records import Optimizer
from fnn.errors import ConfigError

LearningRate = Union[float, np.ndarray, Callable[[int], Union[float, np.ndarray]]]
"""A number, an (M, 1, 1) array of numbers (one per stacked model), or a function of the step count."""

Tree = Mapping[str, np.ndarray]
"""Parameters, gradients or updates: ``W1, b1, ...``."""


def apply_updates(params: Mapping[str, np.ndarray], updates: Mapping[str, np.ndarray]) -> Params:
    """New parameters ``params + updates``."""
    return tree_map(np.add, params, updates)


def chain(*transforms: Optimizer) -> Optimizer:
    """The transforms one after another: each one's updates are the next one's gradients.

    The state is the tuple of the transforms' states, in order (optax's ``chain``). Gradients
    that do not match the parameters' keys and shapes are a ``ConfigError`` naming both.
    """

    def init(params):
        return tuple(transform.init(params) for transform in transforms)

    def update(grads, state, params):
        check_same_structure(params, grads)
        states = []
        for transform, inner in zip(transforms, state):
            grads, inner = transform.update(grads, inner, params)
            states.append(inner)
        return grads, tuple(states)

    return Optimizer(init, update)


class Empty(NamedTuple):
    """State of a stateless transform."""


class Count(NamedTuple):
    """How many updates a scheduled learning rate has made: the step count its schedule is called with."""

    count: int  # type: ignore[assignment]  # optax's name; shadows tuple.count, which nothing calls


class Trace(NamedTuple):
    """One running buffer per parameter: momentum's velocity, Adagrad's sum of squares, RMSprop's mean square."""

    buffer: Params


class AdamState(NamedTuple):
    """Adam's step count and first and second moment estimates."""

    count: int  # type: ignore[assignment]  # as in Count
    mu: Params
    nu: Params


def _stateless(update: Callable[[Tree, Tree], Tree]) -> Optimizer:
    """A transform without state, from ``update(grads, params) -> updates``."""
    return Optimizer(lambda params: Empty(), lambda grads, state, params: (update(grads, params), state))


def scale_by_learning_rate(learning_rate: LearningRate) -> Optimizer:
    """The step down the updates: ``u <- -lr * u``, where ``lr`` is ``learning_rate``, or
    ``learning_rate(count)`` at the ``count``-th update (0, 1, 2, ...) when it is a schedule."""
    if not callable(learning_rate):
        return _stateless(lambda updates, params: tree_map(lambda u: -learning_rate * u, updates))

    def update(updates, state, params):
        rate = learning_rate(state.count)
        return tree_map(lambda u: -rate * u, updates), Count(state.count + 1)

    return Optimizer(lambda params: Count(0), update)


def add_decayed_weights(weight_decay: float) -> Optimizer:
    """Weight decay: ``g <- g + wd * p``. Before a rule it is L2 decay through the rule (PyTorch's
    ``weight_decay``); after it, decay decoupled from the rule (AdamW). Nothing at all when ``wd`` is 0."""
    _check_ranges(weight_decay=weight_decay)
    if not weight_decay:
        return _stateless(lambda grads, params: grads)
    return _stateless(lambda grads, params: tree_map(lambda g, p: g + weight_decay * p, grads, params))


def _zeros_like(params, fill: float = 0.0) -> Params:
    return tree_map(lambda p: np.full_like(p, fill), params)


def scale_by_momentum(momentum: float, nesterov: bool = False) -> Optimizer:
    """Heavy-ball momentum, PyTorch's form: ``buf <- mu * buf + g`` (``buf`` starts at 0, so the first
    ``buf`` is ``g``); the direction is ``buf``, or ``g + mu * buf`` with ``nesterov``."""
    _check_ranges(momentum=momentum)

    def update(grads, state, params):
        buf = tree_map(lambda g, b: momentum * b + g, grads, state.buffer)
        direction = tree_map(lambda g, b: g + momentum * b, grads, buf) if nesterov else buf
        return direction, Trace(buf)

    return Optimizer(lambda params: Trace(_zeros_like(params)), update)


def scale_by_adagrad(eps: float, initial_accumulator_value: float = 0.0) -> Optimizer:
    """Adagrad's direction: ``sum <- sum + g^2``, then ``g / (sqrt(sum) + eps)`` (eps outside the root)."""
    _check_ranges(eps=eps, initial_accumulator_value=initial_accumulator_value)

    def update(grads, state, params):
        total = tree_map(lambda g, s: s + g * g, grads, state.buffer)
        return tree_map(lambda g, s: g / (np.sqrt(s) + eps), grads, total), Trace(total)

    return Optimizer(lambda params: Trace(_zeros_like(params, initial_accumulator_value)), update)


def scale_by_rms(alpha: float, eps: float) -> Optimizer:
    """RMSprop's direction: ``sq <- alpha * sq + (1 - alpha) * g^2``, then ``g / (sqrt(sq) + eps)``."""
    _check_ranges(alpha=alpha, eps=eps)

    def update(grads, state, params):
        sq = tree_map(lambda g, s: alpha * s + (1.0 - alpha) * g * g, grads, state.buffer)
        return tree_map(lambda g, s: g / (np.sqrt(s) + eps), grads, sq), Trace(sq)

    return Optimizer(lambda params: Trace(_zeros_like(params)), update)


def scale_by_adam(beta1: float, beta2: float, eps: float) -> Optimizer:
    """Adam's direction at step t = 1, 2, ...: ``m <- b1 * m + (1 - b1) * g``, ``v <- b2 * v + (1 - b2) * g^2``,
    then ``m / (1 - b1^t) / (sqrt(v) / sqrt(1 - b2^t) + eps)``, bias-corrected as PyTorch does it."""
    _check_ranges(beta1=beta1, beta2=beta2, eps=eps)

    def update(grads, state, params):
        count = state.count + 1
        mu = tree_map(lambda g, m: beta1 * m + (1.0 - beta1) * g, grads, state.mu)
        nu = tree_map(lambda g, v: beta2 * v + (1.0 - beta2) * g * g, grads, state.nu)
        # Python floats, so float32 stays float32.
        correction1, root_correction2 = 1.0 - beta1**count, (1.0 - beta2**count) ** 0.5
        direction = tree_map(lambda m, v: m / correction1 / (np.sqrt(v) / root_correction2 + eps), mu, nu)
        return direction, AdamState(count, mu, nu)

    return Optimizer(lambda params: AdamState(0, _zeros_like(params), _zeros_like(params)), update)


_RANGES = {"momentum": (0.0, None), "weight_decay": (0.0, None), "eps": (0.0, None), "alpha": (0.0, None),
           "initial_accumulator_value": (0.0, None), "beta1": (0.0, 1.0), "beta2": (0.0, 1.0)}
"""``(low, high)`` of each hyper-parameter: ``low <= value`` and, if ``high`` is set, ``value < high``,
the ranges ``torch.optim`` accepts (the learning rate is checked where a run is configured)."""


def _check_ranges(**values: float) -> None:
    for name, value in values.items():
        low, high = _RANGES[name]
        if not (low <= value and (high is None or value < high)):
            allowed = f"{low:g} or more" if high is None else f"at least {low:g} and below {high:g}"
            raise ConfigError(f"{name} must be {allowed}, got {value:g}")
