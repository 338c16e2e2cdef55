"""Built-in optimizers with PyTorch's update rules and defaults, in optax's shape.

Every optimizer is an :class:`~fnn.Optimizer` ``(init, update, step)``:
``init(params) -> state`` and ``update(grads, state, params) -> (updates,
new_state)``, then ``apply_updates(params, updates)`` gives the new parameters;
``step(grads, state, params) -> (new_params, new_state)`` does both at once.
The invariant: for PyTorch's ``torch.optim.X`` with the same hyper-parameters,
``apply_updates(p, update(g, s, p)[0])`` is the parameter PyTorch's ``step()``
leaves (up to rounding). State is a NamedTuple of immutable ``Params``.

Each rule is written once, element by element, and lifted over ``W1, b1, ...``
by :func:`_lift`, which gives both ``update`` and ``step``; on flat-backed
parameters (see :mod:`fnn.params`) it runs once per step on the whole vector.
Weight decay (where offered) adds ``weight_decay * p`` to the gradient first,
as PyTorch does, except in ``adamw`` where it is decoupled.

Default learning rates are fnn's own (PyTorch has none for most): each makes
``fnn run --optimizer NAME`` reach 100% accuracy on the lab's ``xor`` and
``linear`` sets with every other setting at its default.
"""

from __future__ import annotations

import functools
import inspect
from typing import Callable, Mapping, NamedTuple

import numpy as np

from .errors import ConfigError
from .hookspecs import hookimpl
from .params import Params, check_same_structure, elementwise, filled_like, shared_layout
from .records import Optimizer, OptimizerSpec


def apply_updates(params: Mapping[str, np.ndarray], updates: Mapping[str, np.ndarray]) -> Params:
    """New parameters ``params + updates`` (one addition when both are flat-backed alike)."""
    return elementwise(np.add, params, updates)


def _lift(rule: Callable[..., tuple], apply: bool, grads, params, *buffers) -> tuple[Params, ...]:
    """Run ``rule(g, p, *buffers) -> (update, *new_buffers)`` on every array.

    Returns one ``Params`` for the updates, or with ``apply`` for the new
    parameters ``p + update``, and one per buffer. Applying here saves
    building, freezing and checking a mapping of updates every step.

    Rules work element by element, so on flat-backed mappings that share a
    layout (see :mod:`fnn.params`) the rule runs once, on whole vectors.
    """
    found = shared_layout(params, grads, *buffers)
    if found is not None:
        results = rule(grads.flat, params.flat, *[buffer.flat for buffer in buffers])
        if apply:
            results = (params.flat + results[0], *results[1:])
        return tuple([Params._from_flat(result, found) for result in results])
    check_same_structure(params, grads)
    rows = [rule(grads[key], value, *[buffer[key] for buffer in buffers]) for key, value in params.items()]
    if apply:
        rows = [(value + update, *rest) for value, (update, *rest) in zip(params.values(), rows)]
    return tuple([Params._trusted(dict(zip(params, column))) for column in zip(*rows)])


def _optimizer(init: Callable, transform: Callable[..., tuple]) -> Optimizer:
    """An :class:`Optimizer` whose ``update`` and ``step`` are one ``transform(apply, grads, state, params)``."""
    return Optimizer(init, functools.partial(transform, False), functools.partial(transform, True))


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


def _zeros_like(params, fill: float = 0.0) -> Params:
    return filled_like(params, lambda key: fill)


class Empty(NamedTuple):
    """State of a stateless optimizer."""


class Trace(NamedTuple):
    """One running buffer per parameter: momentum's velocity, Adagrad's sum of squares, RMSprop's mean square."""

    buffer: Params


class AdamState(NamedTuple):
    """Adam's step count and first and second moment estimates."""

    count: int  # type: ignore[assignment]  # optax's name; shadows tuple.count, which nothing calls
    mu: Params
    nu: Params


def sgd(learning_rate: float = 1.0, weight_decay: float = 0.0) -> Optimizer:
    """Plain gradient descent: ``p <- p - lr * (g + wd * p)`` (``torch.optim.SGD``)."""
    _check_ranges(weight_decay=weight_decay)

    def rule(g, p):
        return (-learning_rate * (g + weight_decay * p if weight_decay else g),)

    def transform(apply, grads, state, params):
        (result,) = _lift(rule, apply, grads, params)
        return result, state

    return _optimizer(lambda params: Empty(), transform)


def _heavy_ball(learning_rate, mu, weight_decay, nesterov) -> Optimizer:
    _check_ranges(momentum=mu, weight_decay=weight_decay)

    def rule(g, p, buf):
        if weight_decay:
            g = g + weight_decay * p
        buf = mu * buf + g
        step = g + mu * buf if nesterov else buf
        return -learning_rate * step, buf

    def transform(apply, grads, state, params):
        result, buf = _lift(rule, apply, grads, params, state.buffer)
        return result, Trace(buf)

    return _optimizer(lambda params: Trace(_zeros_like(params)), transform)


def momentum(learning_rate: float = 0.2, momentum: float = 0.9, weight_decay: float = 0.0) -> Optimizer:
    """Heavy-ball momentum, PyTorch's form (``torch.optim.SGD(momentum=mu)``)::

        g   <- g + wd * p
        buf <- mu * buf + g          (buf starts at 0, so the first buf is g)
        p   <- p - lr * buf
    """
    return _heavy_ball(learning_rate, momentum, weight_decay, nesterov=False)


def nesterov(learning_rate: float = 0.2, momentum: float = 0.9, weight_decay: float = 0.0) -> Optimizer:
    """Nesterov momentum (``torch.optim.SGD(momentum=mu, nesterov=True)``)::

        g   <- g + wd * p
        buf <- mu * buf + g
        p   <- p - lr * (g + mu * buf)
    """
    return _heavy_ball(learning_rate, momentum, weight_decay, nesterov=True)


def adagrad(learning_rate: float = 0.1, eps: float = 1e-10, weight_decay: float = 0.0,
            initial_accumulator_value: float = 0.0) -> Optimizer:
    """Adagrad (``torch.optim.Adagrad``); eps is outside the root::

        sum <- sum + g^2
        p   <- p - lr * g / (sqrt(sum) + eps)
    """
    _check_ranges(eps=eps, weight_decay=weight_decay, initial_accumulator_value=initial_accumulator_value)

    def rule(g, p, total):
        if weight_decay:
            g = g + weight_decay * p
        total = total + g * g
        return -learning_rate * g / (np.sqrt(total) + eps), total

    def transform(apply, grads, state, params):
        result, total = _lift(rule, apply, grads, params, state.buffer)
        return result, Trace(total)

    return _optimizer(lambda params: Trace(_zeros_like(params, initial_accumulator_value)), transform)


def rmsprop(learning_rate: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
            weight_decay: float = 0.0) -> Optimizer:
    """RMSprop (``torch.optim.RMSprop``, not centred, no momentum)::

        sq <- alpha * sq + (1 - alpha) * g^2
        p  <- p - lr * g / (sqrt(sq) + eps)
    """
    _check_ranges(alpha=alpha, eps=eps, weight_decay=weight_decay)

    def rule(g, p, sq):
        if weight_decay:
            g = g + weight_decay * p
        sq = alpha * sq + (1.0 - alpha) * g * g
        return -learning_rate * g / (np.sqrt(sq) + eps), sq

    def transform(apply, grads, state, params):
        result, sq = _lift(rule, apply, grads, params, state.buffer)
        return result, Trace(sq)

    return _optimizer(lambda params: Trace(_zeros_like(params)), transform)


def _adam(learning_rate, beta1, beta2, eps, weight_decay, decoupled) -> Optimizer:
    _check_ranges(beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay)

    def init(params):
        return AdamState(0, _zeros_like(params), _zeros_like(params))

    def transform(apply, grads, state, params):
        count = state.count + 1
        step_size = learning_rate / (1.0 - beta1**count)
        root_correction = (1.0 - beta2**count) ** 0.5  # a Python float, so float32 stays float32

        def rule(g, p, m, v):
            if weight_decay and not decoupled:
                g = g + weight_decay * p
            m = beta1 * m + (1.0 - beta1) * g
            v = beta2 * v + (1.0 - beta2) * g * g
            step = -step_size * m / (np.sqrt(v) / root_correction + eps)
            if decoupled and weight_decay:
                step = step - learning_rate * weight_decay * p
            return step, m, v

        result, mu, nu = _lift(rule, apply, grads, params, state.mu, state.nu)
        return result, AdamState(count, mu, nu)

    return _optimizer(init, transform)


def adam(learning_rate: float = 0.01, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
         weight_decay: float = 0.0) -> Optimizer:
    """Adam with bias correction (``torch.optim.Adam``); at step t = 1, 2, ...::

        m <- b1 * m + (1 - b1) * g
        v <- b2 * v + (1 - b2) * g^2
        p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    Kingma and Ba, "Adam: A Method for Stochastic Optimization", 2015.
    """
    return _adam(learning_rate, beta1, beta2, eps, weight_decay, decoupled=False)


def adamw(learning_rate: float = 0.01, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 0.01) -> Optimizer:
    """Adam with decoupled weight decay (``torch.optim.AdamW``)::

        p <- p - lr * wd * p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    with m, v as in Adam on the raw gradient. Loshchilov and Hutter,
    "Decoupled Weight Decay Regularization", 2019.
    """
    return _adam(learning_rate, beta1, beta2, eps, weight_decay, decoupled=True)


def _spec(make: Callable[..., Optimizer], summary: str) -> OptimizerSpec:
    """A spec whose defaults are read from ``make``'s signature, so they cannot drift apart."""
    defaults = {name: parameter.default for name, parameter in inspect.signature(make).parameters.items()}
    return OptimizerSpec(make.__name__, make, defaults, summary)


@hookimpl
def fnn_optimizers():
    yield _spec(sgd, "gradient descent: p -= lr * g")
    yield _spec(momentum, "heavy-ball momentum: buf = mu * buf + g; p -= lr * buf")
    yield _spec(nesterov, "Nesterov momentum: p -= lr * (g + mu * buf)")
    yield _spec(adagrad, "Adagrad: p -= lr * g / (sqrt(sum g^2) + eps)")
    yield _spec(rmsprop, "RMSprop: p -= lr * g / (sqrt(running mean g^2) + eps)")
    yield _spec(adam, "Adam: bias-corrected first and second moments")
    yield _spec(adamw, "AdamW: Adam with decoupled weight decay")
