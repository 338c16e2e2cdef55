"""Smooth, non-monotonic activations: swish (SiLU), gelu (tanh approximation) and mish.

Each is a pair of NumPy functions, ``forward(x)`` and ``backward(x, y, grad_y)``,
written so that no step overflows or warns for any finite ``x``: the sigmoid
and softplus inside them go through ``np.logaddexp``.
"""

from __future__ import annotations

import numpy as np

import fnn

GELU_C = np.sqrt(2.0 / np.pi)
GELU_A = 0.044715


def _sigmoid(x):
    # 1 / (1 + e^-x) without overflow: e^-x is never formed for large negative x.
    return np.exp(-np.logaddexp(0.0, -x))


def swish(x):
    """x * sigmoid(x) (Ramachandran et al. 2017, with beta = 1; also called SiLU)."""
    return x * _sigmoid(x)


def swish_backward(x, y, grad_y):
    # d/dx x s(x) = s + x s (1 - s)
    s = _sigmoid(x)
    return grad_y * s * (1.0 + x * (1.0 - s))


def gelu(x):
    """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): Hendrycks and Gimpel's tanh approximation."""
    return 0.5 * x * (1.0 + np.tanh(GELU_C * (x + GELU_A * x**3)))


def gelu_backward(x, y, grad_y):
    t = np.tanh(GELU_C * (x + GELU_A * x**3))
    # (1 - t^2) is exactly 0 wherever the tanh saturates, so the large x^2 factor cannot make inf * 0.
    return grad_y * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * GELU_A * x**2))


def mish(x):
    """x * tanh(softplus(x)) (Misra 2019); softplus(x) = log(1 + e^x) via logaddexp, so no overflow."""
    return x * np.tanh(np.logaddexp(0.0, x))


def mish_backward(x, y, grad_y):
    # d/dx x tanh(sp(x)) = tanh(sp) + x (1 - tanh(sp)^2) sigmoid(x), since sp'(x) = sigmoid(x).
    t = np.tanh(np.logaddexp(0.0, x))
    return grad_y * (t + x * (1.0 - t * t) * _sigmoid(x))


@fnn.hookimpl
def fnn_activations():
    yield fnn.Activation("swish", swish, swish_backward, "x * sigmoid(x) (SiLU)")
    yield fnn.Activation("gelu", gelu, gelu_backward, "GELU, tanh approximation: 0.5x(1 + tanh(c(x + 0.044715x^3)))")
    yield fnn.Activation("mish", mish, mish_backward, "x * tanh(softplus(x))")
