"""Learning-rate schedules: the learning rate of each epoch, as PyTorch's schedulers set it.

A schedule is ``make(learning_rate, epochs, **params) -> rate(epoch)``, with
epochs counted from 1 and ``rate(1) == learning_rate`` (PyTorch's scheduler
steps once per epoch, after it). An optimizer takes its learning rate as a
function of its step count (as in optax): :func:`per_step` turns ``rate``
into one, given the number of updates in an epoch, and the run passes that
to the optimizer's ``make`` in place of the number. Each schedule's
parameters are set with ``--opt KEY=VALUE``.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, NamedTuple

from fnn.errors import ConfigError

Rate = Callable[[int], float]


class Schedule(NamedTuple):
    """A named schedule: its parameters' defaults and its maker."""

    name: str
    defaults: Mapping[str, float]
    make: Callable[..., Rate]
    description: str


def per_step(rate: Callable[[int], Any], steps_per_epoch: int) -> Callable[[int], Any]:
    """``rate(epoch)`` as a function of the step count ``0, 1, 2, ...``: the ``steps_per_epoch``
    updates of epoch ``e`` all take ``rate(e)``."""
    return lambda count: rate(count // steps_per_epoch + 1)


def _constant(learning_rate: float, epochs: int) -> Rate:
    return lambda epoch: learning_rate


def _step(learning_rate: float, epochs: int, step_size: float = 0.0, gamma: float = 0.5) -> Rate:
    if step_size != int(step_size) or step_size < 0:
        raise ConfigError(f"step_size must be a whole number of epochs (0 for a quarter of them), got {step_size:g}")
    _check_gamma(gamma)
    every = int(step_size) or max(1, epochs // 4)
    return lambda epoch: learning_rate * gamma ** ((epoch - 1) // every)


def _exponential(learning_rate: float, epochs: int, gamma: float = 0.999) -> Rate:
    _check_gamma(gamma)
    return lambda epoch: learning_rate * gamma ** (epoch - 1)


def _cosine(learning_rate: float, epochs: int, eta_min: float = 0.0) -> Rate:
    if not 0 <= eta_min <= learning_rate:
        raise ConfigError(f"eta_min must be between 0 and the learning rate {learning_rate:g}, got {eta_min:g}")
    return lambda epoch: eta_min + (learning_rate - eta_min) * (1 + math.cos(math.pi * (epoch - 1) / epochs)) / 2


def _check_gamma(gamma: float) -> None:
    if not 0 < gamma <= 1:
        raise ConfigError(f"gamma must be in (0, 1], got {gamma:g}")


SCHEDULES: dict[str, Schedule] = {
    s.name: s
    for s in (
        Schedule("constant", {}, _constant, "the same rate every epoch"),
        Schedule("step", {"step_size": 0.0, "gamma": 0.5}, _step,
                 "StepLR: multiply by gamma every step_size epochs (0: a quarter of the epochs)"),
        Schedule("exponential", {"gamma": 0.999}, _exponential, "ExponentialLR: multiply by gamma every epoch"),
        Schedule("cosine", {"eta_min": 0.0}, _cosine,
                 "CosineAnnealingLR: from the rate down to eta_min along half a cosine over all epochs"),
    )
}
"""The built-in schedules by name."""
