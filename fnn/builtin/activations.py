"""Built-in activations: sigmoid, tanh, relu, leaky_relu and identity (alias none).

Each is a pair of elementwise NumPy functions registered through the
``fnn_activations`` hook, like any third-party plugin's. Sigmoid and tanh take
their derivative from the saved output ``y``, so nothing is recomputed in the
backward pass, and do their arithmetic in place in an array of their own
(never in their inputs): on large inputs a fresh array costs more in page
faults than the arithmetic in it (one is 500 MB for 10^6 points x 64 units).
"""

from __future__ import annotations

import numpy as np

from fnn.plugins.hookspecs import hookimpl
from fnn.core.records import Activation

LEAKY_SLOPE = 0.01


def _per_dtype(value) -> dict[np.dtype, np.ndarray]:
    """``value(dtype)`` as a read-only 0-d array of each float dtype.

    NumPy takes a 0-d array about 0.15 µs faster than a Python float, which it converts on every
    call: on the lab's tiny arrays that is a third of an operation's cost. It must be the other
    operand's dtype: unlike a Python float, a 0-d array takes part in type promotion, so a float64
    one would turn a float32 network's arrays into float64.
    """
    constants = {}
    for dtype in map(np.dtype, (np.float16, np.float32, np.float64)):
        constants[dtype] = np.array(value(dtype), dtype=dtype)
        constants[dtype].setflags(write=False)
    return constants


_ONE = _per_dtype(lambda dtype: 1.0)  # the 1 in 1 + e^x and 1 - y; .get(dtype, 1.0) for any other dtype
# The largest whole x whose e^x is finite (709 in float64, 88 in float32): clipping there keeps
# e^x from overflowing (and warning) while sigmoid(x) already rounds to 1.
_SIGMOID_CEILING = _per_dtype(lambda dtype: np.floor(np.log(np.finfo(dtype).max)))


def sigmoid(x):
    # e^x / (1 + e^x): accurate to 2 ulp everywhere, like 1 / (1 + e^-x) but keeping its relative
    # accuracy far into the negative tail, and one NumPy call fewer, which is what costs on tiny arrays.
    e = np.exp(np.minimum(x, _SIGMOID_CEILING.get(x.dtype, 709.0)))
    e /= _ONE.get(e.dtype, 1.0) + e
    return e


def sigmoid_backward(x, y, grad_y):
    grad_x = _ONE.get(y.dtype, 1.0) - y
    grad_x *= y
    grad_x *= grad_y
    return grad_x


def tanh_backward(x, y, grad_y):
    grad_x = _ONE.get(y.dtype, 1.0) - y * y
    grad_x *= grad_y
    return grad_x


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
