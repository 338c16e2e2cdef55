"""Cheap checks that a record keeps its contract: when its plugin loads, and when a run first uses it.

:mod:`fnn.testing` holds the thorough checks a plugin's own test suite runs
(hundreds of points, 300 optimizer steps). These are the few that cost
microseconds, so fnn can afford them on every load, built-ins included, and
at the start of every run: shapes, dtypes and types of what each function
returns, an activation's backward against finite differences of
``sum(forward(x) * grad_y)`` on a few points (so row-wise activations such
as softmax are checked as well as elementwise ones), a dataset's shapes and
labels (when a run loads it), a metric's one finite number for each task it
declares, a feature's one finite column, and that no function writes into
its (read-only) arguments. Each check raises
:class:`ContractBroken` with one line saying what was wrong; the registry
turns it into a left-out plugin, :func:`fnn.prepare` into a
:class:`~fnn.PluginContractError` naming the plugin.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any, Callable

import numpy as np

from fnn.errors import message_of, one_line
from fnn.core.params import Params, tree_map
from fnn.core.records import Activation, DatasetSpec, Feature, Loss, Metric, Optimizer, OptimizerSpec

class ContractBroken(Exception):
    """What a record did wrong, as one line (without the record's name: the caller adds it)."""


def call(what: str, fn: Callable, *args, keep: tuple[type[BaseException], ...] = ()):
    """``fn(*args)``; anything it raises (SystemExit included; KeyboardInterrupt and ``keep`` excepted)
    becomes :class:`ContractBroken` naming ``what``, and writing into a read-only argument says so."""
    passed_on: tuple[type[BaseException], ...] = (KeyboardInterrupt, *keep)
    try:
        return fn(*args)
    except passed_on:
        raise
    except BaseException as error:  # a plugin's sys.exit must not end fnn without a word
        if isinstance(error, ValueError) and "read-only" in message_of(error):
            raise ContractBroken(f"{what} writes into its arguments, which are read-only; it must return new "
                                 "arrays") from None
        raise ContractBroken(f"{what} raised {one_line(error)}") from None


def _readonly(array: np.ndarray) -> np.ndarray:
    if not array.flags.writeable:
        return array  # nobody can change it: no copy needed
    array = np.array(array, copy=True)
    array.setflags(write=False)
    return array


def _check_number(what: str, result: Any) -> None:
    if not (isinstance(result, numbers.Real) or (isinstance(result, np.ndarray) and result.shape == ())):
        raise ContractBroken(f"{what} returned {type(result).__name__} {getattr(result, 'shape', '')}, "
                             "expected one number")


def _check_array(what: str, result: Any, shape: tuple[int, ...]) -> np.ndarray:
    if not isinstance(result, np.ndarray):
        raise ContractBroken(f"{what} returned {type(result).__name__}, expected a NumPy array of shape {shape}")
    if result.shape != shape:
        raise ContractBroken(f"{what} returned shape {result.shape}, expected {shape}")
    if not np.issubdtype(result.dtype, np.floating):
        raise ContractBroken(f"{what} returned an array of {result.dtype}, expected floating-point numbers")
    return result


# ------------------------------------------------------------------------------------------------ activations

def numerical_gradient(f: Callable[[np.ndarray], float], x, eps: float = 1e-6) -> np.ndarray:
    """The gradient of the scalar function ``f`` at ``x`` by central finite differences, in float64.

    Element ``i`` is ``(f(x + h e_i) - f(x - h e_i)) / 2h`` with the step
    ``h = eps * max(1, |x_i|)``, so that large inputs are not lost to rounding.
    ``f`` is only ever given copies; ``x`` is never written to.
    """
    x = np.array(x, dtype=np.float64)
    plus, minus, width = perturbed(f, x, list(np.ndindex(x.shape)), eps)
    return ((plus - minus) / width).reshape(x.shape)


def perturbed(f: Callable[[np.ndarray], float], x, indices: list[tuple[int, ...]],
              eps: float = 1e-6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``f`` with one element of ``x`` moved each way, for each of ``indices``: ``(f(x + h e_i),
    f(x - h e_i), 2h)`` as three float64 arrays, one value per index, ``h = eps * max(1, |x_i|)``.

    The central difference is ``(plus - minus) / width``; with ``f(x)`` the one-sided ones too
    (:func:`fnn.runs.gradcheck.check_gradients` uses them to find kinks). ``x`` is taken in float64
    and never written to; ``f`` is only ever given copies.
    """
    x = np.array(x, dtype=np.float64)
    plus, minus, width = (np.zeros(len(indices)) for _ in range(3))
    for k, index in enumerate(indices):
        step = eps * max(1.0, abs(x[index]))
        up, down = x.copy(), x.copy()
        up[index] += step
        down[index] -= step
        plus[k], minus[k] = float(f(up)), float(f(down))
        # The step actually taken, which rounding may have changed.
        width[k] = up[index] - down[index]
    return plus, minus, width


_ACTIVATION_POINTS = _readonly(np.array([[-3.0, -1.5, -0.4, -0.1], [0.1, 0.4, 1.5, 3.0]]))  # away from kinks at 0
_ACTIVATION_WEIGHTS = _readonly(np.array([[0.5, 1.5, 1.0, 0.7], [1.2, 0.9, 0.6, 1.4]]))


def check_activation(act: Activation, z: np.ndarray | None = None) -> np.ndarray:
    """``forward`` and ``backward`` keep ``z``'s shape, return floats and write into nothing; returns ``forward(z)``.

    Without ``z``, on a few fixed points away from kinks, also: both are finite there, and
    backward matches central finite differences of ``sum(forward(x) * grad_y)``.
    """
    fixed = z is None
    z = _ACTIVATION_POINTS if z is None else _readonly(z)
    grad = _ACTIVATION_WEIGHTS if fixed else _readonly(np.resize(_ACTIVATION_WEIGHTS, z.shape).astype(z.dtype))
    a = _readonly(_check_array("forward(x)", call("forward(x)", act.forward, z), z.shape))
    grad_z = _check_array("backward(x, y, grad_y)", call_backward(act, z, a, grad), z.shape)
    if not fixed:
        return a  # the run's own pre-activations may lie at a kink or overflow: only shapes are checked
    if not (np.isfinite(a).all() and np.isfinite(grad_z).all()):
        raise ContractBroken(f"forward or backward returned a non-finite value for x in {z.min():g}..{z.max():g}")
    # Finite differences of the scalar sum(forward(x) * grad_y), one point at a time, so that an activation
    # that mixes a row's outputs (softmax) is held to its whole Jacobian, not only the diagonal.
    expected = numerical_gradient(lambda x: np.sum(call("forward(x)", act.forward, x) * grad), z)
    wrong = np.abs(grad_z - expected) > 1e-4 * np.abs(expected) + 1e-6
    if wrong.any():
        i = tuple(int(k) for k in np.argwhere(wrong)[0])
        raise ContractBroken(f"backward does not match finite differences of sum(forward(x) * grad_y): at x{list(i)} "
                             f"= {z[i]:g} it gives {grad_z[i]:.6g}, finite differences give {expected[i]:.6g}")
    return a


def call_backward(act: Activation, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> Any:
    """``act.backward`` as the network calls it: given ``z`` and ``a`` only where ``backward_uses``
    declares them, None in their place otherwise; a backward that fails on such a None reads what
    it does not declare, and :class:`ContractBroken` says so."""
    given_z, given_a = (z if act.reads_z else None), (a if act.reads_a else None)
    try:
        return call("backward(x, y, grad_y)", act.backward, given_z, given_a, grad_a)
    except ContractBroken as error:
        if act.backward_uses == "both":
            raise
        missing = " and ".join(name for name, value in (("z", given_z), ("a", given_a)) if value is None)
        raise ContractBroken(f"{error}, given None for {missing} as backward_uses={act.backward_uses!r} declares; "
                             "declare every input backward reads ('z', 'a' or 'both')") from None


# ----------------------------------------------------------------------------------------------------- losses

_PRED = _readonly(np.array([[0.2], [0.7], [0.4], [0.9]]))
_TARGET = _readonly(np.array([[0.0], [1.0], [1.0], [0.0]]))


def check_loss(loss: Loss, pred: np.ndarray = _PRED, target: np.ndarray = _TARGET) -> None:
    """``value`` is a finite real number, ``grad`` (and ``value_and_grad``) give ``pred``'s shape;
    nothing is written into."""
    pred, target = _readonly(pred), _readonly(target)
    _check_number("value(pred, target)", call("value(pred, target)", loss.value, pred, target))
    _check_array("grad(pred, target)", call("grad(pred, target)", loss.grad, pred, target), pred.shape)
    if loss.value_and_grad is not None:
        both = call("value_and_grad(pred, target)", loss.value_and_grad, pred, target)
        if not (isinstance(both, tuple) and len(both) == 2):
            raise ContractBroken(f"value_and_grad(pred, target) returned {type(both).__name__}, "
                                 "expected a pair (value, grad)")
        _check_array("value_and_grad(pred, target)[1]", both[1], pred.shape)


# ------------------------------------------------------------------------------------------------- optimizers

_PARAMS = Params({"W1": np.array([[0.5, -0.3], [0.2, 0.8]]), "b1": np.array([0.1, -0.1])})


def check_optimizer_spec(spec: OptimizerSpec) -> None:
    """``make`` accepts the defaults, and the optimizer it makes passes :func:`check_optimizer`."""
    check_optimizer(call("make(**defaults)", lambda: spec.make(**spec.defaults)), _PARAMS)


def check_optimizer(optimizer: Any, params: Params) -> None:
    """``init`` and ``update`` run on ``params`` and ``update`` returns ``(mapping like params, state)``;
    the parameters are read-only, so an optimizer that writes into them fails here."""
    if not isinstance(optimizer, Optimizer):
        raise ContractBroken(f"make(...) returned {type(optimizer).__name__}, expected fnn.Optimizer")
    state = call("init(params)", optimizer.init, params)
    grads = tree_map(lambda p: np.full_like(p, 0.01), params)
    what = "update(grads, state, params)"
    result = call(what, optimizer.update, grads, state, params)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise ContractBroken(f"{what} returned {type(result).__name__}, expected a pair (updates, new_state)")
    updates = result[0]
    if not isinstance(updates, Mapping) or set(updates) != set(params):
        got = sorted(updates) if isinstance(updates, Mapping) else type(updates).__name__
        raise ContractBroken(f"{what} must return arrays for the parameters' keys {list(params)}, got {got}")
    for key, value in params.items():
        _check_array(f"{what}[0][{key!r}]", updates[key], value.shape)


# --------------------------------------------------------------------------------------------------- datasets

PROBE_POINTS = 5
def task_of(spec: DatasetSpec, classes: int | None = None) -> str:
    """The task ``spec``'s labels are for: the record's own, or, when ``load`` was given ``classes=K``,
    the labels decide: binary for K = 2, multi-class above."""
    if classes is None:
        return spec.task
    return "binary" if classes == 2 else "multiclass"


def check_data(result: Any, n: int | None, task: str = "binary", k: int | None = None, what: str = ""
               ) -> tuple[np.ndarray, np.ndarray]:
    """A dataset's ``(x, y)`` for ``task``: x (n, d) of finite floats; y (n, 1) of 0 and 1 (binary),
    (n, 1) of class indices 0..k-1 (multi-class; any whole numbers from 0 when ``k`` is None) or
    (n, m) of finite floats (regression); and ``n`` points when ``n`` was asked for. ``what`` names
    the call in messages (default: ``load(rng, n=...)``)."""
    what = what or ("load(...)" if n is None else f"load(rng, n={n})")
    if not (isinstance(result, tuple) and len(result) == 2):
        raise ContractBroken(f"{what} returned {type(result).__name__}, expected a pair (x, y)")
    x, y = result
    for name, array in (("x", x), ("y", y)):
        if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.number):
            raise ContractBroken(f"{what} gave {name} as {type(array).__name__} {getattr(array, 'dtype', '')}, "
                                 "expected a NumPy array of numbers")
    y_shape = "(n, m)" if task == "regression" else "(n, 1)"
    if x.ndim != 2 or y.ndim != 2 or len(y) != len(x) or len(x) == 0 or not (
            y.shape[1] == 1 or (task == "regression" and y.shape[1] > 0)):
        raise ContractBroken(f"{what} gave x of shape {x.shape} and y of shape {y.shape}; expected (n, d) and "
                             f"{y_shape}")
    if n is not None and len(x) != n:
        raise ContractBroken(f"{what} gave {len(x)} points, expected {n}: it must honour n")
    problem = target_problem(y, task, k)
    if problem:
        raise ContractBroken(f"{what} gave {problem}")
    if not np.isfinite(x).all():
        row = np.argwhere(~np.isfinite(x))[0][0] + 1
        raise ContractBroken(f"{what} gave x with non-finite values (first in row {row})")
    return x, y


def target_problem(y: np.ndarray, task: str, k: int | None = None) -> str | None:
    """What is wrong with the targets ``y`` for ``task`` (see :func:`check_data`), or None."""
    if task == "regression":
        if np.isfinite(y).all():
            return None
        return f"targets with non-finite values (first in row {np.argwhere(~np.isfinite(y))[0][0] + 1}); " \
               "regression targets must be finite numbers"
    if task == "binary":
        wrong, allowed = (y != 0) & (y != 1), "labels must be 0 or 1"
    else:
        whole = np.isfinite(y) & (y >= 0) & (y == np.round(y))
        wrong = ~whole if k is None else ~(whole & (y < k))
        allowed = ("multi-class labels must be class indices 0, 1, 2, ..." if k is None else
                   f"multi-class labels must be class indices 0 to {k - 1}")
    if not wrong.any():
        return None
    return f"labels {', '.join(f'{v:g}' for v in np.unique(y[wrong])[:6])}; {allowed}"


# ---------------------------------------------------------------------------------------------------- metrics

_METRIC_PROBES: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "binary": (_PRED, _TARGET),
    "multiclass": (_readonly(np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.3, 0.5], [0.5, 0.4, 0.1]])),
                   _readonly(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]))),
    "regression": (_readonly(np.array([[0.5, -1.0], [1.5, 0.2], [2.0, 0.9], [3.5, 2.1]])),
                   _readonly(np.array([[0.0, -1.2], [1.0, 0.4], [2.5, 1.0], [3.0, 2.0]]))),
}
"""A few points of pred and target for each task, as a metric is given them: (n, k) both."""


def check_metric(metric: Metric) -> None:
    """``fn(pred, target)`` gives one finite real number on a few points of each task the metric
    declares, writing into nothing."""
    for task in metric.tasks:
        what = f"fn(pred, target) on {task} targets"
        value = call(what, metric.fn, *_METRIC_PROBES[task])
        _check_number(what, value)
        if not np.isfinite(float(value)):
            raise ContractBroken(f"{what} returned {value}, expected a finite number")


# ---------------------------------------------------------------------------------------------------- features

_FEATURE_PROBE = _readonly(np.array([-1.5, -0.25, 0.0, 0.5, 2.0]))


def check_feature(feature: Feature) -> None:
    """``fn`` on ``arity`` columns of a few finite values (two for a feature of two or more) gives one finite
    float column of their length, writing into nothing."""
    columns = [_FEATURE_PROBE] * (feature.arity or 2)
    what = f"fn on {len(columns)} column{'s' if len(columns) > 1 else ''} of {len(_FEATURE_PROBE)} values"
    result = call(what, feature.fn, *columns)
    if not isinstance(result, np.ndarray) or result.shape != _FEATURE_PROBE.shape:
        raise ContractBroken(f"{what} returned {type(result).__name__} {getattr(result, 'shape', '')}, expected "
                             f"an array of shape {_FEATURE_PROBE.shape}")
    if result.dtype.kind != "f" or not np.isfinite(result).all():
        raise ContractBroken(f"{what} returned {result.dtype} values {result.tolist()}, expected finite floats")
