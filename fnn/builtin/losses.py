"""Built-in losses: mse, mae, huber and bce, means over all elements, and cross_entropy, a mean over points.

Registered through the ``fnn_losses`` hook. mse, mae, huber and bce are
PyTorch's MSELoss, L1Loss, HuberLoss and BCELoss (``reduction="mean"``);
cross_entropy is its NLLLoss of log(pred) for one-hot targets (its
cross_entropy of the logits when pred is their softmax). Each returns the
gradient of its mean, so it shrinks with the number of points exactly as the
value does. The sums are taken over the last two axes (points and outputs), so
stacked predictions (M, n, k) of M models give M losses: ``fnn sweep`` relies
on it.
"""

from __future__ import annotations

import numpy as np

from fnn.errors import ConfigError
from fnn.plugins.hookspecs import hookimpl
from fnn.core.records import Loss

# PyTorch's BCELoss clamps log(p) at -100 and the gradient's denominator at 1e-12;
# the same clamps keep bce and cross_entropy finite when a prediction is exactly 0 or 1.
LOG_FLOOR = -100.0
GRAD_FLOOR = 1e-12
HUBER_DELTA = 1.0


def _mean(values, count: int | None = None):
    """The sum over the last two axes (points, outputs) divided by ``count``, by default their number
    of elements: a float, or one per model when stacked."""
    # np.add.reduce is np.sum without its Python wrapper, and np.mean's is dearer still: on the
    # lab's tiny nets either costs about a tenth of an epoch.
    total = np.add.reduce(values, axis=(-2, -1))
    count = _count(values) if count is None else count
    return float(total) / count if values.ndim == 2 else total / count


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


def _points(pred) -> int:
    """How many points each model's mean is over."""
    return pred.shape[-2]


def mae(pred, target):
    return _mean(np.abs(pred - target))


def mae_grad(pred, target):
    # sign(pred - target) / n: the subgradient 0 where pred == target, as in PyTorch's l1_loss.
    return np.sign(pred - target) / _count(pred)


def huber(pred, target):
    # PyTorch's HuberLoss with delta 1, which is also its SmoothL1Loss with beta 1: 0.5 d^2 where
    # |d| < delta, else delta (|d| - 0.5 delta); the two pieces meet with equal slopes at |d| = delta.
    error = np.abs(pred - target)
    return _mean(np.where(error < HUBER_DELTA, 0.5 * error**2, HUBER_DELTA * (error - 0.5 * HUBER_DELTA)))


def huber_grad(pred, target):
    # d where |d| <= delta, else delta sign(d): d clipped to [-delta, delta].
    return np.clip(pred - target, -HUBER_DELTA, HUBER_DELTA) / _count(pred)


def _check_probabilities(pred, loss: str, activation: str) -> None:
    low, high = pred.min(), pred.max()
    if low < 0.0 or high > 1.0:
        raise ConfigError(f"{loss} needs predictions in [0, 1], got values in [{low:.3g}, {high:.3g}]; "
                          f"use a {activation} output activation")


def _clamped_log(log, values):
    """``log(values)`` clamped at LOG_FLOOR, and silent where it is log(0) = -inf."""
    with np.errstate(divide="ignore"):
        return np.maximum(log(values), LOG_FLOOR)


def bce(pred, target) -> float:
    _check_probabilities(pred, "bce", "sigmoid")
    log_p = _clamped_log(np.log, pred)
    log_q = _clamped_log(np.log1p, -pred)
    return -_mean(target * log_p + (1.0 - target) * log_q)


def bce_grad(pred, target):
    # (pred - target) / (pred (1 - pred)) / n, the denominator floored as in PyTorch
    return (pred - target) / np.maximum(pred * (1.0 - pred), GRAD_FLOOR) / _count(pred)


def cross_entropy(pred, target):
    """Categorical cross-entropy of probabilities ``pred`` against one-hot ``target``, both (n, k).

    ``-sum(target * log(pred)) / n``: per point the sum over its k classes,
    then the mean over the n points (not over the n k elements). ``log(pred)``
    is clamped at -100, as PyTorch's BCELoss clamps it, so the loss is finite
    at predictions of exactly 0. The gradient
    with respect to ``pred`` is ``-target / pred / n``.

    After a softmax output, ``pred = softmax(z)``, the two gradients combine
    to ``(pred - target) / n`` with respect to the logits ``z`` (each one-hot
    row sums to 1), and the value is PyTorch's ``cross_entropy`` of the
    logits, to rounding. The clamps part them only in the extreme: where the
    true class's probability is below e^-100 (the value) or 1e-12 (the
    gradient, then scaled down by pred / 1e-12).
    """
    _check_probabilities(pred, "cross_entropy", "softmax")
    return -_mean(target * _clamped_log(np.log, pred), _points(pred))


def cross_entropy_grad(pred, target):
    # The denominator floored at GRAD_FLOOR, as bce's is, so a 0 prediction gives a finite gradient.
    return -target / np.maximum(pred, GRAD_FLOOR) / _points(pred)


@hookimpl
def fnn_losses():
    yield Loss("mse", mse, mse_grad, "mean squared error: mean((pred - target)^2)", mse_value_and_grad,
               stacks=True)
    yield Loss("bce", bce, bce_grad, "binary cross-entropy: -mean(target log(pred) + (1 - target) log(1 - pred)); "
                                     "needs outputs in [0, 1]", stacks=True)
    yield Loss("cross_entropy", cross_entropy, cross_entropy_grad,
               "categorical cross-entropy: -sum(target log(pred)) / points, target one-hot; needs outputs in "
               "[0, 1]; after softmax its gradient wrt the logits is (pred - target) / points", stacks=True)
    yield Loss("mae", mae, mae_grad, "mean absolute error: mean(|pred - target|)", stacks=True)
    yield Loss("huber", huber, huber_grad, f"Huber loss, delta {HUBER_DELTA:g} (PyTorch's HuberLoss and SmoothL1Loss): "
                                           "mean of 0.5 d^2 where |d| < 1, else |d| - 0.5", stacks=True)
