"""Built-in activations: sigmoid, tanh, relu, leaky_relu, identity (alias none) and softmax.

Each is a pair of NumPy functions registered through the ``fnn_activations``
hook, like any third-party plugin's: ``forward(z) -> a`` and
``backward(z, a, grad_a) -> grad_z``, each the formula in its description.
All are elementwise but softmax, which works row by row over the last axis.
Every derivative here is read from the output ``a`` (``backward_uses="a"``),
so the forward pass keeps no pre-activation ``z`` for them. Two speed tricks
earn their place: the registered sigmoid is :func:`_sigmoid_in_place` and
:func:`_sigmoid_backward_in_place`, tested against :func:`sigmoid` and
:func:`sigmoid_backward`, the formulas.
"""

from __future__ import annotations

import functools

import numpy as np

from fnn.plugins.hookspecs import hookimpl
from fnn.core.records import Activation

LEAKY_SLOPE = 0.01


@functools.cache
def _exp_limit(dtype: np.dtype) -> float:
    """The largest whole ``t`` whose ``e^t`` and ``e^-t`` are normal numbers of ``dtype``:
    708 in float64, 87 in float32."""
    return float(np.floor(-np.log(np.finfo(dtype).tiny)))


def sigmoid(z):
    # 1 / (1 + e^-z), with z clipped to ±708 (±87 in float32) so that e^-z neither overflows nor
    # underflows: beyond, sigmoid is already 1 to the last digit, or below e^-708, far under what
    # bce's log floor of -100 can tell from it. np.minimum and np.maximum rather than np.clip, whose
    # Python wrapper costs about a tenth of a tiny-net epoch.
    limit = _exp_limit(z.dtype)
    return 1 / (1 + np.exp(-np.minimum(np.maximum(z, -limit), limit)))


def _sigmoid_in_place(z):
    """:func:`sigmoid` in fewer and cheaper NumPy calls: the same numbers to 2 ulp (tested), and the
    forward that fnn registers. ``e^z / (1 + e^z)`` with z clipped as in :func:`sigmoid`, divided in
    e's own array, its constants 0-d arrays of z's dtype (NumPy converts a Python float on every
    call). On the tiny nets (2-4-8-1 on xor) sigmoid's NumPy calls are most of the forward pass:
    this takes about 10% off an epoch (0.90 times sigmoid's, the median of 15 rounds alternated
    in one process)."""
    constants = _sigmoid_constants(z.dtype) if isinstance(z, np.ndarray) else None
    if constants is None:
        return sigmoid(z)
    one, low, high = constants
    e = np.exp(np.minimum(np.maximum(z, low), high))
    e /= one + e
    return e


@functools.cache
def _sigmoid_constants(dtype: np.dtype) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """1, -limit and limit as read-only 0-d arrays of a float dtype (None for any other)."""
    if not np.issubdtype(dtype, np.floating):
        return None
    constants = tuple(np.array(value, dtype=dtype) for value in (1.0, -_exp_limit(dtype), _exp_limit(dtype)))
    for constant in constants:
        constant.setflags(write=False)
    return constants  # type: ignore[return-value]


def sigmoid_backward(z, a, grad_a):
    return a * (1 - a) * grad_a


def _sigmoid_backward_in_place(z, a, grad_a):
    """:func:`sigmoid_backward` in cheaper NumPy calls, the same numbers (tested; products commute
    exactly), and the backward that fnn registers: ``(1 - a) * a * grad_a`` multiplied in the one new
    array ``1 - a``, its 1 the 0-d array of :func:`_sigmoid_in_place`. On the tiny nets (2-4-8-1 on
    xor, whole runs of ``complete``) this takes about 6% off an epoch (1.069 times the epochs per second
    of the formula, the median of 11 rounds alternated in one process)."""
    constants = _sigmoid_constants(a.dtype) if isinstance(a, np.ndarray) else None
    if constants is None or not isinstance(grad_a, np.ndarray) or grad_a.shape != a.shape or grad_a.dtype != a.dtype:
        return sigmoid_backward(z, a, grad_a)  # anything else: the formula, with NumPy's broadcasting and casting
    grad_z = constants[0] - a
    grad_z *= a
    grad_z *= grad_a
    return grad_z


def tanh_backward(z, a, grad_a):
    return (1 - a**2) * grad_a


def relu(z):
    return np.maximum(z, 0.0)


def relu_backward(z, a, grad_a):
    # 1 where z > 0, that is where a > 0; 0 at z = 0, as in PyTorch.
    return (a > 0) * grad_a


def leaky_relu(z):
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def leaky_relu_backward(z, a, grad_a):
    # a > 0 exactly where z > 0, since the slope is positive.
    return np.where(a > 0, grad_a, LEAKY_SLOPE * grad_a)


def identity(z):
    return z


def identity_backward(z, a, grad_a):
    return grad_a


def softmax(z):
    # e^(z - max z) / sum(e^(z - max z)) over the last axis: subtracting the row's max changes nothing
    # in the quotient but keeps every power at most e^0 = 1, so nothing overflows and the sum is >= 1.
    # Only the subtraction itself can overflow, for logits such as 1e308 beside -1e308: it rounds to
    # -inf, whose e^-inf = 0 is the right answer, so that one warning is silenced.
    with np.errstate(over="ignore"):
        e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_backward(z, a, grad_a):
    # The Jacobian-vector product: da_i/dz_j = a_i (δ_ij - a_j), so
    # dL/dz_j = sum_i grad_a_i a_i (δ_ij - a_j) = a_j (grad_a_j - sum_i grad_a_i a_i), per row.
    return a * (grad_a - np.sum(grad_a * a, axis=-1, keepdims=True))


@hookimpl
def fnn_activations():
    yield Activation("sigmoid", _sigmoid_in_place, _sigmoid_backward_in_place,
                     "1 / (1 + e^-z); derivative a(1 - a)", "a")
    yield Activation("tanh", np.tanh, tanh_backward, "hyperbolic tangent; derivative 1 - a^2", "a")
    yield Activation("relu", relu, relu_backward, "max(z, 0); derivative 1 where z > 0, else 0", "a")
    yield Activation("leaky_relu", leaky_relu, leaky_relu_backward,
                     f"z if z > 0 else {LEAKY_SLOPE}z; derivative 1 or {LEAKY_SLOPE}", "a")
    yield Activation("identity", identity, identity_backward, "no nonlinearity: a = z", "neither")
    yield Activation("none", identity, identity_backward, "same as identity: no nonlinearity", "neither")
    yield Activation("softmax", softmax, softmax_backward,
                     "e^z / sum(e^z) over each point's outputs (row-wise); backward a(grad_a - sum(grad_a a))",
                     "a", tasks=("multiclass",))
