"""Built-in activations: sigmoid, tanh, relu, leaky_relu and identity (alias none).

Each is a pair of elementwise NumPy functions registered through the
``fnn_activations`` hook, like any third-party plugin's. Sigmoid and tanh take
their derivative from the saved output ``y``, so nothing is recomputed in the
backward pass.
"""

from __future__ import annotations

import numpy as np

from .hookspecs import hookimpl
from .records import Activation

LEAKY_SLOPE = 0.01


# The most negative x whose e^-x is finite, per dtype: clipping there keeps e^-x from overflowing
# (and warning) while sigmoid(x) is already below 1e-300 (1e-37 in float32), as good as 0.
_SIGMOID_FLOOR = {np.dtype(np.float64): -708.0, np.dtype(np.float32): -87.0}


def sigmoid(x):
    # The direct formula is accurate to an ulp or two on both sides and costs one exp,
    # several times cheaper than the log-sum-exp form on large arrays.
    return 1.0 / (1.0 + np.exp(-np.maximum(x, _SIGMOID_FLOOR.get(x.dtype, -708.0))))


def sigmoid_backward(x, y, grad_y):
    return grad_y * y * (1.0 - y)


def tanh_backward(x, y, grad_y):
    return grad_y * (1.0 - y * y)


def relu(x):
    return np.maximum(x, 0.0)


def relu_backward(x, y, grad_y):
    # The derivative at exactly 0 is taken as 0, as in PyTorch.
    return grad_y * (x > 0.0)


def leaky_relu(x):
    return np.where(x > 0.0, x, LEAKY_SLOPE * x)


def leaky_relu_backward(x, y, grad_y):
    return np.where(x > 0.0, grad_y, LEAKY_SLOPE * grad_y)


def identity(x):
    return x


def identity_backward(x, y, grad_y):
    return grad_y


@hookimpl
def fnn_activations():
    yield Activation("sigmoid", sigmoid, sigmoid_backward, "1 / (1 + e^-x); derivative y(1 - y)")
    yield Activation("tanh", np.tanh, tanh_backward, "hyperbolic tangent; derivative 1 - y^2")
    yield Activation("relu", relu, relu_backward, "max(x, 0); derivative 0 at x <= 0")
    yield Activation("leaky_relu", leaky_relu, leaky_relu_backward, f"x if x > 0 else {LEAKY_SLOPE}x")
    yield Activation("identity", identity, identity_backward, "no nonlinearity: y = x")
    yield Activation("none", identity, identity_backward, "same as identity: no nonlinearity")
