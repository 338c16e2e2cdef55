"""The Lion optimizer: the sign of an interpolated momentum, with decoupled weight decay.

Chen et al., "Symbolic Discovery of Optimization Algorithms", 2023. For every
parameter array ``p`` with gradient ``g`` and momentum ``m`` (starting at 0)::

    c <- b1 * m + (1 - b1) * g
    p <- p - lr * (sign(c) + wd * p)
    m <- b2 * m + (1 - b2) * g

Every coordinate moves by exactly ``lr`` per step (plus the decay), so Lion
wants a learning rate several times smaller than Adam's; the default 0.001 makes
``fnn run --optimizer lion`` reach 100% accuracy on the lab's xor and linear
sets. Written against fnn's public API only: ``fnn.Optimizer``, ``fnn.Params``,
``fnn.OptimizerSpec`` and the transforms ``fnn.chain``,
``fnn.add_decayed_weights`` and ``fnn.scale_by_learning_rate``, which give
the decoupled decay and let the learning rate be a schedule, as for fnn's own
optimizers.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

import fnn

DEFAULTS = {"learning_rate": 0.001, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0}


class LionState(NamedTuple):
    """Lion's momentum, one array per parameter."""

    momentum: fnn.Params


def scale_by_lion(beta1: float, beta2: float) -> fnn.Optimizer:
    """Lion's direction ``sign(b1 * m + (1 - b1) * g)``, and its momentum ``m <- b2 * m + (1 - b2) * g``."""

    def init(params):
        return LionState(fnn.Params({key: np.zeros_like(value) for key, value in params.items()}))

    def update(grads, state, params):
        m = state.momentum
        direction = {key: np.sign(beta1 * m[key] + (1.0 - beta1) * g) for key, g in grads.items()}
        momentum = {key: beta2 * m[key] + (1.0 - beta2) * g for key, g in grads.items()}
        return fnn.Params(direction), LionState(fnn.Params(momentum))

    return fnn.Optimizer(init, update)


def lion(learning_rate=DEFAULTS["learning_rate"], beta1: float = DEFAULTS["beta1"],
         beta2: float = DEFAULTS["beta2"], weight_decay: float = DEFAULTS["weight_decay"]) -> fnn.Optimizer:
    """Lion as an ``fnn.Optimizer``; ``learning_rate`` is a number or a function of the step count.
    Apply its updates with ``fnn.apply_updates``."""
    return fnn.chain(scale_by_lion(beta1, beta2), fnn.add_decayed_weights(weight_decay),
                     fnn.scale_by_learning_rate(learning_rate))


@fnn.hookimpl
def fnn_optimizers():
    # Every step is element by element and the learning rate enters only through scale_by_learning_rate,
    # so a per-model rate of shape (M, 1, 1) broadcasts over stacked parameters: fnn sweep may stack lion.
    yield fnn.OptimizerSpec("lion", lion, dict(DEFAULTS), "Lion: p -= lr * (sign(b1*m + (1-b1)*g) + wd*p)",
                            stacks=True)
