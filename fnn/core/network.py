"""The network: initialise parameters, run the forward pass, run the backward pass.

A fully connected net with layer widths ``sizes = (d, h1, ..., 1)`` has
parameters ``W1, b1, ..., WL, bL``; ``Wi`` is (fan_in, fan_out), so layer i
computes ``z_i = a_{i-1} @ Wi + bi`` and ``a_i = f(z_i)``, where ``f`` is the
hidden activation and the last layer uses the output activation. ``forward``
keeps what the backward pass needs in a :class:`Cache`; ``backward`` turns
``grad_y = dL/dy_hat`` into a gradient mapping shaped like the parameters.

Dropout is explicit: :func:`dropout_masks` draws one mask per hidden layer from
a generator, ``forward(..., masks=...)`` multiplies each hidden layer's output
by its mask and keeps the masks in the cache, and ``backward`` multiplies the
gradient by the same masks. Without masks the network is the plain one.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Callable, Mapping, NamedTuple, Sequence

import numpy as np

from fnn.errors import ConfigError, UnknownNameError
from fnn.core.params import Params
from fnn.core.records import Activation

if TYPE_CHECKING:
    from fnn.plugins.registry import Registry

InitFn = Callable[[np.random.Generator, int, int], np.ndarray]


def _glorot_uniform(rng, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def _he_normal(rng, fan_in, fan_out):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def _uniform(rng, fan_in, fan_out):
    return rng.uniform(-0.5, 0.5, size=(fan_in, fan_out))


def _normal(rng, fan_in, fan_out):
    return rng.normal(0.0, 1.0, size=(fan_in, fan_out))


INITIALIZERS: dict[str, InitFn] = {
    "xavier": _glorot_uniform,  # Glorot and Bengio 2010: U(-a, a), a = sqrt(6 / (fan_in + fan_out))
    "he": _he_normal,  # He et al. 2015: N(0, 2 / fan_in)
    "uniform": _uniform,  # TensorFlow Playground: U(-0.5, 0.5)
    "normal": _normal,  # N(0, 1), as np.random.randn in the lab
}
"""Weight initialisers by name; biases always start at zero."""

DEFAULT_INIT = "xavier"


DTYPES = ("float64", "float32")
"""The floating-point types a network can use."""
MAX_PARAMETERS = 50_000_000
"""The largest network fnn trains or loads: about 400 MB of float64 per copy (an optimizer holds a few)."""


def init_params(sizes: Sequence[int], seed: int | np.random.Generator = 0, init: str | InitFn = DEFAULT_INIT,
                dtype: str = "float64") -> Params:
    """Fresh parameters for layer widths ``sizes`` such as ``(2, 4, 8, 1)``.

    ``seed`` is an int or a ``numpy.random.Generator``; ``init`` a name from
    :data:`INITIALIZERS` or a function ``(rng, fan_in, fan_out) -> W``. The
    weights are drawn in float64 and then rounded to ``dtype``, so a float32
    network starts from the float64 network's weights, rounded.
    """
    if dtype not in DTYPES:
        raise UnknownNameError("dtype", str(dtype), DTYPES)
    sizes = tuple(sizes)
    if len(sizes) < 2 or any(not isinstance(s, (int, np.integer)) or isinstance(s, bool) or s < 1 for s in sizes):
        raise ConfigError(f"layer sizes must be two or more positive integers, got {sizes}")
    if isinstance(init, str):
        if init not in INITIALIZERS:
            raise UnknownNameError("initialiser", init, INITIALIZERS)
        init = INITIALIZERS[init]
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    arrays = {}
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        arrays[f"W{i}"] = np.asarray(init(rng, fan_in, fan_out), dtype=np.float64).astype(dtype)
        arrays[f"b{i}"] = np.zeros(fan_out, dtype=dtype)
    return Params(arrays)


class Cache(NamedTuple):
    """The forward pass's record, one entry per layer, first to last: each layer's input ``a_prev``,
    pre-activation ``z``, output ``a`` and activation (what the backward pass needs).

    A layer's ``z`` is kept only if its activation's backward reads it (``Activation.reads_z``),
    else its entry is None: the built-ins read only ``a``, which is kept anyway as the next
    layer's input (and the last layer's is ``y_hat``)."""

    a_prev: tuple[np.ndarray, ...]
    z: tuple[np.ndarray | None, ...]
    a: tuple[np.ndarray, ...]
    activations: tuple[Activation, ...]
    masks: tuple[np.ndarray | None, ...] | None = None
    """Each layer's dropout mask (None for the output layer), or None for a pass without dropout. A
    masked layer's ``a`` is its activation's output before the mask; the next layer's ``a_prev`` after it."""


def dropout_masks(rng: np.random.Generator, sizes: Sequence[int], n: int | tuple[int, ...], p: float,
                  dtype: str | np.dtype = "float64") -> tuple[np.ndarray, ...]:
    """Inverted dropout's masks for a network of layer widths ``sizes``: one per hidden layer (none for
    the inputs or the output layer), each ``(n, width)`` (or ``(*n, width)``) of entries ``1 / (1 - p)``
    with probability ``1 - p`` and 0 with probability ``p`` (Srivastava et al. 2014, scaled at training
    time so the network without dropout needs no rescaling). Drawn from ``rng``, first layer first."""
    if not 0 <= p < 1:
        raise ConfigError(f"dropout must be a fraction, 0 or more and below 1, got {p}")
    keep = 1.0 - p
    points = (n,) if isinstance(n, (int, np.integer)) else tuple(n)
    return tuple(((rng.random((*points, width)) < keep) / keep).astype(dtype) for width in tuple(sizes)[1:-1])


def resolve_activation(activation: str | Activation, registry: Registry | None = None) -> Activation:
    """An :class:`Activation` from the record itself, or from its name in ``registry`` (by default
    the installed plugins', :func:`fnn.registry`)."""
    if isinstance(activation, Activation):
        return activation
    from fnn.plugins.registry import registry as default_registry  # the layer above; only when given a name

    return (registry or default_registry()).activation(activation)


def is_linear(activation: str | Activation) -> bool:
    """Whether an activation adds no nonlinearity (it is the identity), judged on sample points.

    A network whose hidden activation is linear collapses to one linear map
    before its output: its decision boundary is a single straight line.
    """
    probe = np.linspace(-3.0, 3.0, 13)
    return bool(np.allclose(resolve_activation(activation).forward(probe), probe))


def forward(params: Mapping[str, np.ndarray], x, activation: str | Activation = "sigmoid",
            output: str | Activation = "sigmoid", *, registry: Registry | None = None,
            masks: Sequence[np.ndarray] | None = None) -> tuple[np.ndarray, Cache]:
    """Run the network on ``x`` (n, d); return ``(y_hat, cache)``.

    Hidden layers use ``activation``, the last layer ``output``; each may be a
    name in ``registry`` (by default the installed plugins') or an
    :class:`Activation`. ``x`` takes the parameters'
    dtype (float64, or float32 for a float32 network). ``masks`` (one per
    hidden layer, see :func:`dropout_masks`) multiply the hidden layers'
    outputs: dropout, for a training pass.

    Every operation also works with a leading model axis: parameters
    ``Wi`` (M, fan_in, fan_out) and ``bi`` (M, 1, fan_out) with ``x`` (M, n, d)
    train M independent networks in one pass (``fnn sweep`` does this).
    """
    hidden, last = resolve_activation(activation, registry), resolve_activation(output, registry)
    check_params(params)
    W1 = params["W1"]
    x = np.asarray(x, dtype=W1.dtype)
    if x.ndim != W1.ndim or x.shape[-1] != W1.shape[-2]:
        raise ConfigError(f"input must have shape (n, {W1.shape[-2]}), got {x.shape}")
    if masks is not None:
        widths = [params[f"W{i}"].shape[-1] for i in range(1, len(params) // 2)]
        if [np.shape(mask) for mask in masks] != [(*x.shape[:-1], width) for width in widths]:
            raise ConfigError(f"masks must be one per hidden layer, shaped {[(*x.shape[:-1], w) for w in widths]}, "
                              f"got {[np.shape(mask) for mask in masks]}")
    return forward_unchecked(params, x, hidden, last, masks)


def check_params(params: Mapping[str, np.ndarray]) -> None:
    """Raise ``ConfigError`` unless ``params`` is ``W1, b1, ..., WL, bL``, each layer's ``Wi``
    (fan_in, fan_out) feeding the next and ``bi`` (fan_out,), all floating point; stacked, every
    ``Wi`` has a leading model axis (M, fan_in, fan_out) and every ``bi`` is (M, 1, fan_out)."""
    if not isinstance(params, Mapping):
        raise ConfigError(f"parameters must be a mapping W1, b1, ..., WL, bL of arrays, got {type(params).__name__}")
    count = (len(params) + 1) // 2  # so that one key short names the missing one
    expected = [key for pair in _layer_keys(count) for key in pair]
    if count < 1 or sorted(params) != sorted(expected):
        missing = [key for key in expected or ["W1", "b1"] if key not in params]
        found = ", ".join(map(str, params)) or "nothing"
        raise ConfigError(f"parameters must be W1, b1, ..., WL, bL; found {found}"
                          + (f" (missing {', '.join(missing)})" if missing else ""))
    W1 = np.asarray(params["W1"])
    lead = W1.shape[:-2] if W1.ndim in (2, 3) else None
    fan_in = W1.shape[-2] if lead is not None else None
    for i, (weight, bias) in enumerate(_layer_keys(count), start=1):
        W, b = np.asarray(params[weight]), np.asarray(params[bias])
        if lead is None or W.shape[:-2] != lead or W.ndim != W1.ndim or W.shape[-2] != fan_in:
            want = "(fan_in, fan_out)" if lead is None else f"({', '.join(map(str, (*lead, fan_in)))}, fan_out)"
            raise ConfigError(f"parameter {weight} has shape {W.shape}; expected {want}, "
                              f"after {'the input' if i == 1 else f'W{i - 1}'}")
        fan_in = W.shape[-1]
        allowed = [(*lead, 1, fan_in)] + ([] if lead else [(fan_in,)])
        if b.shape not in allowed:
            raise ConfigError(f"parameter {bias} has shape {b.shape}; expected {' or '.join(map(str, allowed))}, "
                              f"to match {weight} {W.shape}")
        if not (np.issubdtype(W.dtype, np.floating) and np.issubdtype(b.dtype, np.floating)):
            raise ConfigError(f"parameters {weight} and {bias} must hold floating-point numbers, "
                              f"got {W.dtype} and {b.dtype}")


def forward_unchecked(params: Mapping[str, np.ndarray], x: np.ndarray, hidden: Activation,
                      last: Activation, masks: Sequence[np.ndarray] | None = None) -> tuple[np.ndarray, Cache]:
    """:func:`forward` for inputs already checked: the training loop checks them once, not every epoch."""
    keys = _layer_keys(len(params) // 2)
    activations = (hidden,) * (len(keys) - 1) + (last,)
    layer_masks = None if masks is None else (*masks, None)
    a_prev, z, a = [], [], []
    layer_input = x
    for i, ((weight, bias), activation) in enumerate(zip(keys, activations)):
        pre_activation = _matmul(layer_input, params[weight])
        pre_activation += params[bias]  # into the product's own array: on large inputs new arrays cost most
        a_prev.append(layer_input)
        z.append(pre_activation if activation.reads_z else None)
        layer_input = activation.forward(pre_activation)
        del pre_activation  # before the next layer's is made: at 10^6 points each is 512 MB
        a.append(layer_input)
        if layer_masks is not None and layer_masks[i] is not None:
            layer_input = layer_input * layer_masks[i]  # dropout: a_i = f(z_i) * m_i
    return layer_input, Cache(tuple(a_prev), tuple(z), tuple(a), activations,
                              None if layer_masks is None else tuple(layer_masks))


def backward(params: Mapping[str, np.ndarray], cache: Cache, grad_y) -> Params:
    """Gradients of the loss for every parameter, given ``grad_y = dL/dy_hat``, in the parameters' order.

    Walks the layers last to first, with ``grad_a = grad_y`` at the output:
    ``grad_a = grad_a * m`` where the forward pass masked the layer's output with ``m`` (dropout),
    ``grad_z = f'(z) * grad_a`` (the activation's backward), ``dWi = a_{i-1}^T @ grad_z``,
    ``dbi = sum(grad_z)`` over the points, and ``grad_a_{i-1} = grad_z @ Wi^T``. ``.mT``
    transposes the last two axes and the sum runs over the points' axis, so a leading
    model axis (stacked networks) passes through.
    """
    grad_a = np.asarray(grad_y)
    if grad_a.shape != cache.a[-1].shape:
        # Broadcasting would otherwise turn an (n,) gradient into (n, n) and give wrong shapes silently.
        raise ConfigError(f"grad_y must have the output's shape {cache.a[-1].shape}, got {grad_a.shape}")
    keys = _layer_keys(len(cache.z))
    stacked = grad_a.ndim > 2  # then each bi is (M, 1, fan_out): the sum keeps the points' axis
    grads = {}
    for i in reversed(range(len(keys))):
        weight, bias = keys[i]
        activation = cache.activations[i]
        if cache.masks is not None and cache.masks[i] is not None:
            grad_a = grad_a * cache.masks[i]  # dropout: a dropped unit passes no gradient back
        grad_z = activation.backward(cache.z[i], cache.a[i] if activation.reads_a else None, grad_a)
        del grad_a  # used: let it go before the next layer's is made (at 10^6 points each is large)
        grads[weight] = _matmul(cache.a_prev[i].mT, grad_z)  # a_prev^T @ grad_z
        grads[bias] = _sum_over_points(grad_z, stacked)
        if i:
            # grad_z @ W^T (ruff misses its use in the next turn, after the del)
            grad_a = _matmul(grad_z, params[weight].mT)  # noqa: F841
        del grad_z
    # In the parameters' order and dtype (a plugin's activation may compute in another).
    return Params({key: grads[key] for key in params}, like=params)


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b``, as ``ndarray.dot`` for 2-D arrays: it skips matmul's broadcasting machinery, and whole
    runs of ``fnn run`` (sgd, 2000 epochs, interleaved with ``@``, medians of 7 to 9) gained 8% on
    linear and 13% and 21% on xor (two sessions); stacked (3-D) arrays need matmul."""
    return a.dot(b) if a.ndim == 2 == b.ndim else a @ b


def _sum_over_points(grad_z: np.ndarray, stacked: bool) -> np.ndarray:
    """``grad_z.sum(axis=-2, keepdims=stacked)``, called as the ufunc ``np.add.reduce`` that ``sum``
    runs, without ``ndarray.sum``'s Python wrapper: whole xor runs (sgd, 3000 epochs, CPU time,
    medians of 7, interleaved) gained 22% over ``.sum``. A product with a cached row of ones, the
    old way, gained 19%: no better, so it is gone."""
    return np.add.reduce(grad_z, axis=-2, keepdims=stacked)  # type: ignore[call-overload]  # stubs want a literal


@functools.cache
def _layer_keys(count: int) -> tuple[tuple[str, str], ...]:
    """``(("W1", "b1"), ..., ("WL", "bL"))``, built once per depth."""
    return tuple((f"W{i}", f"b{i}") for i in range(1, count + 1))


def predict(params: Mapping[str, np.ndarray], x, activation: str | Activation = "sigmoid",
            output: str | Activation = "sigmoid", *, registry: Registry | None = None) -> np.ndarray:
    """The network's outputs for ``x``: ``forward`` without the cache."""
    return forward(params, x, activation, output, registry=registry)[0]
