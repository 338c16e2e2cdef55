"""Built-in losses: mse and bce, means over all elements, as in PyTorch.

Registered through the ``fnn_losses`` hook. Both return the gradient of the
mean, so it shrinks with the number of elements exactly as the value does.
The mean is taken over the last two axes (points and outputs), so stacked
predictions (M, n, 1) of M models give M losses: ``fnn sweep`` relies on it.
"""

from __future__ import annotations

import numpy as np

from fnn.errors import ConfigError
from fnn.plugins.hookspecs import hookimpl
from fnn.core.records import Loss

# PyTorch's BCELoss clamps log(p) at -100 and the gradient's denominator at 1e-12;
# the same clamps keep bce finite when a prediction is exactly 0 or 1.
LOG_FLOOR = -100.0
GRAD_FLOOR = 1e-12


def _mean(values):
    """The mean over the last two axes (points, outputs), their sum over their count: a float, or
    one per model when stacked."""
    # np.add.reduce is np.sum without its Python wrapper, and np.mean's is dearer still: on the
    # lab's tiny nets either costs about a tenth of an epoch.
    total = np.add.reduce(values, axis=(-2, -1))
    return float(total) / _count(values) if values.ndim == 2 else total / _count(values)


def _count(pred) -> int:
    """How many elements each model's mean is over: points times outputs."""
    return pred.shape[-2] * pred.shape[-1]


def mse(pred, target):
    return _mean((pred - target) ** 2)


def mse_grad(pred, target):
    return 2 * (pred - target) / _count(pred)


def mse_value_and_grad(pred, target):
    error = pred - target  # shared by the value and the gradient
    return _mean(error**2), 2 * error / _count(error)


def _check_probabilities(pred) -> None:
    low, high = pred.min(), pred.max()
    if low < 0.0 or high > 1.0:
        raise ConfigError(
            f"bce needs predictions in [0, 1], got values in [{low:.3g}, {high:.3g}]; use a sigmoid output activation"
        )


def bce(pred, target) -> float:
    _check_probabilities(pred)
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(pred), LOG_FLOOR)
        log_q = np.maximum(np.log1p(-pred), LOG_FLOOR)
    return -_mean(target * log_p + (1.0 - target) * log_q)


def bce_grad(pred, target):
    # (pred - target) / (pred (1 - pred)) / n, the denominator floored as in PyTorch
    return (pred - target) / np.maximum(pred * (1.0 - pred), GRAD_FLOOR) / _count(pred)


@hookimpl
def fnn_losses():
    yield Loss("mse", mse, mse_grad, "mean squared error: mean((pred - target)^2)", mse_value_and_grad,
               stacks=True)
    yield Loss("bce", bce, bce_grad, "binary cross-entropy: -mean(target log(pred) + (1 - target) log(1 - pred)); "
                                     "needs outputs in [0, 1]", stacks=True)
