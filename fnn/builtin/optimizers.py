"""Built-in optimizers with PyTorch's update rules and defaults, each a chain of transforms.

The invariant: for PyTorch's ``torch.optim.X`` with the same hyper-parameters,
``apply_updates(p, update(g, s, p)[0])`` is the parameter PyTorch's ``step()``
leaves (up to rounding). Each rule is a :func:`~fnn.core.transforms.chain` of
the transforms in :mod:`fnn.core.transforms`, ending with
:func:`~fnn.core.transforms.scale_by_learning_rate`.

Default learning rates are fnn's own (PyTorch has none for most): each makes
``fnn run --optimizer NAME`` reach 100% accuracy on the lab's ``xor`` and
``linear`` sets with every other setting at its default.
"""

from __future__ import annotations

import inspect
from typing import Callable

from fnn.core.records import Optimizer, OptimizerSpec
from fnn.core.transforms import (LearningRate, add_decayed_weights, apply_updates, chain, scale_by_adagrad,
                                 scale_by_adam, scale_by_learning_rate, scale_by_momentum, scale_by_rms)
from fnn.plugins.hookspecs import hookimpl

__all__ = ["adagrad", "adam", "adamw", "apply_updates", "fnn_optimizers", "momentum", "nesterov", "rmsprop", "sgd"]


# The built-ins. ``learning_rate`` is a LearningRate throughout; the defaults are numbers.

def sgd(learning_rate: LearningRate = 1.0, weight_decay: float = 0.0) -> Optimizer:
    """Plain gradient descent: ``p <- p - lr * (g + wd * p)`` (``torch.optim.SGD``)."""
    return chain(add_decayed_weights(weight_decay), scale_by_learning_rate(learning_rate))


def momentum(learning_rate: LearningRate = 0.2, momentum: float = 0.9, weight_decay: float = 0.0) -> Optimizer:
    """Heavy-ball momentum, PyTorch's form (``torch.optim.SGD(momentum=mu)``)::

        g   <- g + wd * p
        buf <- mu * buf + g          (buf starts at 0, so the first buf is g)
        p   <- p - lr * buf
    """
    return chain(add_decayed_weights(weight_decay), scale_by_momentum(momentum),
                 scale_by_learning_rate(learning_rate))


def nesterov(learning_rate: LearningRate = 0.2, momentum: float = 0.9, weight_decay: float = 0.0) -> Optimizer:
    """Nesterov momentum (``torch.optim.SGD(momentum=mu, nesterov=True)``)::

        g   <- g + wd * p
        buf <- mu * buf + g
        p   <- p - lr * (g + mu * buf)
    """
    return chain(add_decayed_weights(weight_decay), scale_by_momentum(momentum, nesterov=True),
                 scale_by_learning_rate(learning_rate))


def adagrad(learning_rate: LearningRate = 0.1, eps: float = 1e-10, weight_decay: float = 0.0,
            initial_accumulator_value: float = 0.0) -> Optimizer:
    """Adagrad (``torch.optim.Adagrad``); eps is outside the root::

        g   <- g + wd * p
        sum <- sum + g^2
        p   <- p - lr * g / (sqrt(sum) + eps)
    """
    return chain(add_decayed_weights(weight_decay), scale_by_adagrad(eps, initial_accumulator_value),
                 scale_by_learning_rate(learning_rate))


def rmsprop(learning_rate: LearningRate = 0.01, alpha: float = 0.99, eps: float = 1e-8,
            weight_decay: float = 0.0) -> Optimizer:
    """RMSprop (``torch.optim.RMSprop``, not centred, no momentum)::

        g  <- g + wd * p
        sq <- alpha * sq + (1 - alpha) * g^2
        p  <- p - lr * g / (sqrt(sq) + eps)
    """
    return chain(add_decayed_weights(weight_decay), scale_by_rms(alpha, eps), scale_by_learning_rate(learning_rate))


def adam(learning_rate: LearningRate = 0.01, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
         weight_decay: float = 0.0) -> Optimizer:
    """Adam with bias correction (``torch.optim.Adam``); at step t = 1, 2, ...::

        g <- g + wd * p
        m <- b1 * m + (1 - b1) * g
        v <- b2 * v + (1 - b2) * g^2
        p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    Kingma and Ba, "Adam: A Method for Stochastic Optimization", 2015.
    """
    return chain(add_decayed_weights(weight_decay), scale_by_adam(beta1, beta2, eps),
                 scale_by_learning_rate(learning_rate))


def adamw(learning_rate: LearningRate = 0.01, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
          weight_decay: float = 0.01) -> Optimizer:
    """Adam with decoupled weight decay (``torch.optim.AdamW``)::

        p <- p - lr * wd * p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)

    with m, v as in Adam on the raw gradient. Loshchilov and Hutter,
    "Decoupled Weight Decay Regularization", 2019.
    """
    return chain(scale_by_adam(beta1, beta2, eps), add_decayed_weights(weight_decay),
                 scale_by_learning_rate(learning_rate))


def _spec(make: Callable[..., Optimizer], summary: str) -> OptimizerSpec:
    """A spec whose defaults are read from ``make``'s signature, so they cannot drift apart."""
    defaults = {name: parameter.default for name, parameter in inspect.signature(make).parameters.items()}
    return OptimizerSpec(make.__name__, make, defaults, summary, stacks=True)


@hookimpl
def fnn_optimizers():
    yield _spec(sgd, "gradient descent: p -= lr * g")
    yield _spec(momentum, "heavy-ball momentum: buf = mu * buf + g; p -= lr * buf")
    yield _spec(nesterov, "Nesterov momentum: p -= lr * (g + mu * buf)")
    yield _spec(adagrad, "Adagrad: p -= lr * g / (sqrt(sum g^2) + eps)")
    yield _spec(rmsprop, "RMSprop: p -= lr * g / (sqrt(running mean g^2) + eps)")
    yield _spec(adam, "Adam: bias-corrected first and second moments")
    yield _spec(adamw, "AdamW: Adam with decoupled weight decay")
