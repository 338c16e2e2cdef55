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
    """The mean over the last two axes (points, outputs): a float, or one per model when stacked."""
    if values.ndim == 2:
        return float(np.add.reduce(values, axis=None)) / values.size  # what np.mean does, minus its overhead
    return np.add.reduce(values, axis=(-2, -1)) / _count(values)


def _count(pred) -> int:
    return pred.shape[-2] * pred.shape[-1]


def mse(pred, target) -> float:
    return _mean_of_squares(pred - target)


def _mean_of_squares(values):
    """The mean of squares over the last two axes, the sum as one BLAS dot product per model: one
    NumPy call where squaring and summing take two, and for stacked (M, n, k) values the same numbers,
    bit for bit, as for each model's (n, k) values alone."""
    if values.ndim == 2:
        row = values.ravel()
        return float(row.dot(row)) / row.size
    rows = values.reshape(*values.shape[:-2], 1, -1)
    return (rows @ rows.mT)[..., 0, 0] / _count(values)


def mse_grad(pred, target):
    return (2.0 / _count(pred)) * (pred - target)


def mse_value_and_grad(pred, target):
    error = pred - target
    value = _mean_of_squares(error)
    error *= 2.0 / _count(error)  # the gradient, in error's own array
    return value, error


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
    return (pred - target) / np.maximum(pred * (1.0 - pred), GRAD_FLOOR) / _count(pred)


@hookimpl
def fnn_losses():
    yield Loss("mse", mse, mse_grad, "mean squared error: mean((pred - target)^2)", mse_value_and_grad,
               stacks=True)
    yield Loss("bce", bce, bce_grad, "binary cross-entropy, mean over elements; needs outputs in [0, 1]", stacks=True)
