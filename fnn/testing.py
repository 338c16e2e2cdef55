"""Conformance checks for fnn plugins: run them in a plugin's own test suite.

fnn's built-in activations, losses, optimizers, datasets, metrics and features pass every check
here; a third-party record should too before it is published. Each check takes
one record and returns nothing when it conforms; otherwise it raises
``AssertionError`` saying which check failed, on which input, and what was
expected against what was got. :func:`check` picks the check for a record's
kind, and :func:`parametrize_records` runs it over every record a plugin
yields. In a plugin's tests::

    import fnn.testing
    import fnn_softsign

    @fnn.testing.parametrize_records(fnn_softsign)
    def test_conforms(record):
        fnn.testing.check(record)

NumPy only: nothing here imports pytest until :func:`parametrize_records` is
called. The fixtures ``fnn_registry`` and ``fnn_cli`` come with fnn's pytest
plugin, :mod:`fnn.pytest_plugin`.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import warnings
from collections.abc import Mapping
from typing import Any, Callable, Iterator

import numpy as np

from fnn.core.params import Params, stacked, tree_map
from fnn.core.records import KINDS, Activation, DatasetSpec, Feature, Loss, Metric, OptimizerSpec, Record
from fnn.plugins.contracts import ContractBroken, call_backward, numerical_gradient, target_problem, task_of
from fnn.plugins.registry import make_registry

__all__ = ["check", "check_activation", "check_dataset", "check_feature", "check_loss", "check_metric",
           "check_optimizer",
           "numerical_gradient", "parametrize_records", "record_id", "records"]


def records(*plugins: object) -> list:
    """Every record the given plugins (modules, classes or instances) yield, loaded as fnn loads them.

    The plugins go through fnn's own loading checks, strictly: a misspelt or
    unmarked hook, a hook that raises, a record of the wrong type or with a
    malformed name, or a name used twice raises :class:`~fnn.PluginError`.
    Records come sorted by kind (activation, loss, optimizer, dataset, metric, feature), then name.
    """
    # Without the registry's cheap record checks: the ones here say more about what is wrong.
    registry = make_registry(plugins, builtins=False, entry_points=False, disabled=(), strict=True,
                             check_records=False)
    return [entry.record for kind in KINDS for entry in registry.entries(kind)]


def record_id(record: Record) -> str:
    """``activation:swish``: a readable test id for a record."""
    kind = next(kind for kind, record_type in KINDS.items() if isinstance(record, record_type))
    return f"{kind}:{record.name}"


def check(record: object) -> None:
    """Run the check for ``record``'s kind: :func:`check_activation`, :func:`check_loss`, and so on."""
    checks: dict[type, Callable[[Any], None]] = {Activation: check_activation, Loss: check_loss,
                                                 OptimizerSpec: check_optimizer, DatasetSpec: check_dataset,
                                                 Metric: check_metric, Feature: check_feature}
    for record_type, check_record in checks.items():
        if isinstance(record, record_type):
            return check_record(record)
    raise TypeError(f"expected an fnn record (Activation, Loss, OptimizerSpec, DatasetSpec, Metric or Feature), "
                    f"got {type(record).__name__}")


def parametrize_records(*plugins: object, argname: str = "record"):
    """``pytest.mark.parametrize`` over :func:`records` of ``plugins``, with ids like ``activation:swish``."""
    import pytest  # here, not at the top: fnn.testing is for notebooks too, where pytest may be missing

    found = records(*plugins)
    return pytest.mark.parametrize(argname, found, ids=[record_id(record) for record in found])


# ---------------------------------------------------------------- activations

def check_activation(act: Activation) -> None:
    """Check an :class:`~fnn.Activation` against the contract fnn relies on.

    * ``forward`` and ``backward`` keep the input's shape;
    * ``backward(x, y, grad_y)`` equals central finite differences of
      ``sum(forward(x) * grad_y)`` at float64, for |x| from 0.01 to 1e4 (x = 0
      is left out of this one check, where relu-like functions have a kink);
    * no overflow, NaN or division warnings and only finite outputs, up to |x| = 1e4;
    * neither function writes into its arguments, and both accept read-only arrays;
    * backward reads only what ``backward_uses`` declares: it is given None in
      place of the rest, as in fnn's backward pass.
    """
    what = f"activation {act.name!r}"
    for shape in [(7,), (4, 3)]:
        x = np.linspace(-3.0, 3.0, int(np.prod(shape))).reshape(shape)  # includes x = 0 for odd sizes
        y = _pure_call(f"{what}: forward(x)", act.forward, x=x)
        _check_shape(f"{what}: forward(x)", y, x.shape)
        grad_x = _call_backward(what, act, x, y, np.ones(shape))
        _check_shape(f"{what}: backward(x, y, grad_y)", grad_x, x.shape)
    for label, x in _activation_inputs().items():
        _check_activation_gradient(f"{what} (inputs {label})", act, x)


def _call_backward(what: str, act: Activation, x: np.ndarray, y: np.ndarray, grad_y: np.ndarray) -> Any:
    """``backward`` as fnn's backward pass calls it, given None for what ``backward_uses`` leaves out,
    and checked for purity; a backward that reads what it does not declare fails with a clear message."""
    if act.backward_uses != "both":
        try:  # on copies, with warnings off: writes and warnings are _pure_call's to report
            with np.errstate(all="ignore"):
                call_backward(act, *(_copy(value, writeable=True) for value in (x, y, grad_y)))
        except ContractBroken as error:
            raise AssertionError(f"{what}: {error}") from None
    return _pure_call(f"{what}: backward(x, y, grad_y)", act.backward, x=x if act.reads_z else None,
                      y=y if act.reads_a else None, grad_y=grad_y)


def _activation_inputs() -> dict[str, np.ndarray]:
    """Points on both sides of 0, never closer than 0.01, as (rows, 4) arrays by magnitude."""
    rng = np.random.default_rng(0)
    moderate = np.concatenate([np.geomspace(0.01, 20.0, 24), rng.uniform(0.01, 5.0, 8)])
    large = np.geomspace(20.0, 1e4, 16)
    # Magnitudes are kept apart so that rounding in the large sums cannot swamp the small slopes.
    return {label: rng.permutation(np.concatenate([m, -m])).reshape(-1, 4)
            for label, m in (("0.01 <= |x| <= 20", moderate), ("20 <= |x| <= 1e4", large))}


def _check_activation_gradient(what: str, act: Activation, x: np.ndarray) -> None:
    grad_y = np.random.default_rng(1).uniform(0.5, 1.5, x.shape) * np.resize([1.0, -1.0, 1.0], x.shape)
    y = _pure_call(f"{what}: forward(x)", act.forward, x=x)
    _check_finite(f"{what}: forward(x)", y, {"x": x})
    got = _call_backward(what, act, x, y, grad_y)
    _check_finite(f"{what}: backward(x, y, grad_y)", got, {"x": x})

    def weighted_sum(points):
        with _strict(f"{what}: forward(x)"):
            return float(np.sum(act.forward(points) * grad_y))

    expected = numerical_gradient(weighted_sum, x)
    _assert_close(f"{what}: backward(x, y, grad_y) against finite differences of sum(forward(x) * grad_y)",
                  got, expected, {"x": x, "grad_y": grad_y}, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------- losses

def check_loss(loss: Loss) -> None:
    """Check a :class:`~fnn.Loss` against the contract fnn relies on.

    * ``value(pred, target)`` is a finite real scalar, and a mean: repeating
      the batch does not change it;
    * ``grad(pred, target)`` has ``pred``'s shape and equals central finite
      differences of ``value`` for predictions strictly inside (0, 1);
    * at predictions of exactly 0 and 1 (a saturated sigmoid) both stay finite
      and raise no warnings;
    * neither function writes into its arguments, and both accept read-only arrays;
    * ``value_and_grad``, if given, is pure too and gives what ``value`` and ``grad`` give;
    * with ``stacks=True``, two models stacked (shape (2, n, k)) give each
      model's own value and gradient (to 1e-12), as ``fnn sweep`` relies on.
    """
    what = f"loss {loss.name!r}"
    rng = np.random.default_rng(0)
    for shape in [(8, 1), (5, 3)]:
        pred = rng.uniform(0.05, 0.95, shape)
        target = (rng.uniform(size=shape) < 0.5).astype(np.float64)
        value = _loss_value(what, loss, pred, target)
        got = _pure_call(f"{what}: grad(pred, target)", loss.grad, pred=pred, target=target)
        if loss.value_and_grad is not None:
            _check_value_and_grad(what, loss.value_and_grad, pred, target, value, got)
        _check_shape(f"{what}: grad(pred, target)", got, pred.shape)
        # numerical_gradient calls the lambda at once, in this iteration, so its `target` is this iteration's.
        expected = numerical_gradient(lambda p: _loss_value(what, loss, p, target), pred)  # noqa: B023
        _assert_close(f"{what}: grad(pred, target) against finite differences of value(pred, target)",
                      got, expected, {"pred": pred, "target": target}, rtol=1e-5, atol=1e-8)
        doubled = _loss_value(what, loss, np.concatenate([pred, pred]), np.concatenate([target, target]))
        if not np.isclose(doubled, value, rtol=1e-9, atol=1e-12):
            raise AssertionError(f"{what}: value must be a mean over points, but repeating the batch twice "
                                 f"changed it from {value!r} to {doubled!r}")
    edges = {"pred": np.array([[0.0], [1.0], [0.0], [1.0]]), "target": np.array([[0.0], [1.0], [1.0], [0.0]])}
    _loss_value(f"{what} (predictions exactly 0 and 1)", loss, **edges)
    got = _pure_call(f"{what}: grad(pred, target) at predictions exactly 0 and 1", loss.grad, **edges)
    _check_finite(f"{what}: grad(pred, target) at predictions exactly 0 and 1", got, edges)
    if loss.stacks:
        _check_loss_stacks(what, loss)


STACKS = "declares stacks=True, so fnn sweep trains several models through it at once, but"
"""How a failed stacking check starts, after the record's name."""


def _check_loss_stacks(what: str, loss: Loss) -> None:
    """Two models stacked along a leading axis must give what each gives alone."""
    rng = np.random.default_rng(1)
    pred = rng.uniform(0.05, 0.95, (2, 5, 1))
    target = (rng.uniform(size=pred.shape) < 0.5).astype(np.float64)
    pairs = {"value": (loss.value, lambda v: v), "grad": (loss.grad, lambda g: g)}
    if loss.value_and_grad is not None:
        pairs["value_and_grad"] = (loss.value_and_grad, lambda both: both[0])
        pairs["value_and_grad[1]"] = (loss.value_and_grad, lambda both: both[1])
    for name, (fn, part) in pairs.items():
        call = f"{name.split('[')[0]}(pred, target)"
        try:
            together = np.asarray(part(fn(pred, target)))
            alone = np.stack([np.asarray(part(fn(p, t))) for p, t in zip(pred, target)])
        except Exception as error:
            raise AssertionError(f"{what} {STACKS} {call} on pred of shape {pred.shape} raised "
                                 f"{type(error).__name__}: {error}") from error
        if together.shape != alone.shape:
            raise AssertionError(f"{what} {STACKS} {name} on pred of shape {pred.shape} returned shape "
                                 f"{together.shape}, expected {alone.shape} (one per model)")
        _assert_close(f"{what} {STACKS} {name} of two stacked models against each alone", together, alone,
                      {}, rtol=1e-12, atol=0.0)


def _check_value_and_grad(what: str, value_and_grad: Callable[..., Any], pred: np.ndarray, target: np.ndarray,
                          value: float, grad: np.ndarray) -> None:
    both = _pure_call(f"{what}: value_and_grad(pred, target)", value_and_grad, pred=pred, target=target)
    if not (isinstance(both, tuple) and len(both) == 2):
        raise AssertionError(f"{what}: value_and_grad(pred, target) must return a (value, grad) pair, got {both!r}")
    if not np.isclose(both[0], value, rtol=1e-12, atol=0.0):
        raise AssertionError(f"{what}: value_and_grad(pred, target) gave the value {both[0]!r}, "
                             f"but value(pred, target) gives {value!r}")
    _check_shape(f"{what}: value_and_grad(pred, target)[1]", both[1], pred.shape)
    _assert_close(f"{what}: value_and_grad(pred, target)[1] against grad(pred, target)",
                  both[1], grad, {"pred": pred, "target": target}, rtol=1e-12, atol=0.0)


def _loss_value(what: str, loss: Loss, pred: np.ndarray, target: np.ndarray) -> float:
    value = _pure_call(f"{what}: value(pred, target)", loss.value, pred=pred, target=target)
    return _finite_float(f"{what}: value(pred, target)", value, pred, target)


def _finite_float(what: str, value: Any, pred: np.ndarray, target: np.ndarray) -> float:
    """``value``, which ``what`` returned for ``pred`` and ``target``, as a float if it is a finite real number."""
    if not isinstance(value, numbers.Real):
        raise AssertionError(f"{what} must return a float, got {type(value).__name__} {value!r}")
    if not math.isfinite(value):
        raise AssertionError(f"{what} returned {value!r} for pred={pred.ravel()!r}, "
                             f"target={target.ravel()!r}; expected a finite float")
    return float(value)


# ----------------------------------------------------------------- optimizers

def check_optimizer(spec: OptimizerSpec, steps: int = 300) -> None:
    """Check an :class:`~fnn.OptimizerSpec` against the contract fnn relies on.

    * ``defaults`` names ``learning_rate``, and ``make`` accepts every key of
      ``defaults``, one at a time and all together;
    * ``init`` and ``update`` write into none of their arguments, and
      ``update`` returns ``(updates, state)`` with updates shaped like the parameters;
    * ``make`` takes the learning rate as a function of the step count too (a
      schedule, as in optax): a constant one gives the same updates (to 1e-12);
    * ``steps`` updates with the defaults reduce the quadratic ``0.5 * |p - c|^2``;
    * with ``stacks=True``, two models stacked, each with its own learning
      rate (shape (2, 1, 1)), follow the steps each takes alone (to 1e-12).
    """
    what = f"optimizer {spec.name!r}"
    if "learning_rate" not in spec.defaults:
        raise AssertionError(f"{what}: defaults must include 'learning_rate', got keys {sorted(spec.defaults)}")
    for key, value in spec.defaults.items():
        try:
            spec.make(**{key: value})
        except TypeError as error:
            raise AssertionError(f"{what}: make({key}={value!r}) raised {error}; make must accept every key of "
                                 "defaults") from error
    optimizer = spec.make(**spec.defaults)
    rng = np.random.default_rng(0)
    params = Params({"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=2),
                     "W2": rng.normal(size=(2, 1)), "b2": rng.normal(size=1)})
    centre = tree_map(lambda p: np.full_like(p, 0.5), params)
    start = _quadratic(params, centre)
    rate = spec.defaults["learning_rate"]
    try:
        scheduled = spec.make(**{**spec.defaults, "learning_rate": lambda count: rate})
    except (TypeError, ValueError) as error:
        raise AssertionError(f"{what}: make(learning_rate=lambda count: {rate!r}) raised {type(error).__name__}: "
                             f"{error}; the learning rate may be a function of the step count (a schedule)") from error
    state = _pure_call(f"{what}: init(params)", optimizer.init, params=params)
    scheduled_state = scheduled.init(params)
    for step in range(1, steps + 1):
        grads = tree_map(np.subtract, params, centre)
        updates, new_state = _pure_update(f"{what}: update(grads, state, params) at step {step}",
                                          optimizer, grads, state, params)
        if step <= SCHEDULED_STEPS:
            scheduled_state = _check_scheduled(f"{what}, made with learning_rate=lambda count: {rate!r}, at step "
                                               f"{step}", scheduled, grads, scheduled_state, params, updates)
        params, state = tree_map(np.add, params, updates), new_state
    end = _quadratic(params, centre)
    if not end < start:
        raise AssertionError(f"{what}: {steps} steps with the defaults {dict(spec.defaults)} did not reduce "
                             f"0.5 * |p - c|^2: it went from {start:.6g} to {end:.6g}")
    if spec.stacks:
        _check_optimizer_stacks(what, spec)


def _check_optimizer_stacks(what: str, spec: OptimizerSpec, steps: int = 3) -> None:
    """Two models stacked, each with its own learning rate, must take the steps each takes alone."""
    rng = np.random.default_rng(2)
    rate = spec.defaults["learning_rate"]
    rates = (rate, 3 * rate)
    models = [Params({"W1": rng.normal(size=(2, 3)), "b1": rng.normal(size=3)}) for _ in rates]
    grads = [[Params({key: rng.normal(size=value.shape) for key, value in p.items()}) for p in models]
             for _ in range(steps)]

    def descend(optimizer, params, grads_of_step):
        state = optimizer.init(params)
        for step_grads in grads_of_step:
            updates, state = optimizer.update(step_grads, state, params)
            params = Params({key: params[key] + updates[key] for key in params})
        return params

    alone = [descend(spec.make(**{**spec.defaults, "learning_rate": r}), p, [g[m] for g in grads])
             for m, (r, p) in enumerate(zip(rates, models))]
    try:
        together = descend(spec.make(**{**spec.defaults, "learning_rate": np.array(rates).reshape(2, 1, 1)}),
                           stacked(models), [stacked(g) for g in grads])
    except Exception as error:
        raise AssertionError(f"{what} {STACKS} {steps} steps on two stacked models with learning rates {rates} "
                             f"(shape (2, 1, 1)) raised {type(error).__name__}: {error}") from error
    for m, own in enumerate(alone):
        for key in own:
            _assert_close(f"{what} {STACKS} after {steps} steps {key} of stacked model {m} (learning rate "
                          f"{rates[m]:g}) against the same model alone",
                          np.reshape(together[key][m], own[key].shape), own[key], {}, rtol=1e-12, atol=1e-15)


def _quadratic(params: Mapping[str, np.ndarray], centre: Mapping[str, np.ndarray]) -> float:
    return 0.5 * sum(float(np.sum((params[key] - centre[key]) ** 2)) for key in params)


def _pure_update(what: str, optimizer, grads, state, params):
    updates, new_state = _pure_transform(what, optimizer.update, "updates", grads, state, params)
    for key in params:
        _check_finite(f"{what}: updates[{key!r}]", updates[key], {"grads": grads[key]})
    return updates, new_state


def _pure_transform(what: str, fn: Callable, name: str, grads, state, params):
    """``fn(grads, state, params)``, checked to be pure and to return ``(mapping like params, new_state)``."""
    result = _pure_call(what, fn, grads=grads, state=state, params=params)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise AssertionError(f"{what} must return ({name}, new_state), got {type(result).__name__}")
    mapping, new_state = result
    if not isinstance(mapping, Mapping) or set(mapping) != set(params):
        keys = sorted(mapping) if isinstance(mapping, Mapping) else type(mapping).__name__
        raise AssertionError(f"{what}: {name} must have the parameters' keys {sorted(params)}, got {keys}")
    for key in params:
        _check_shape(f"{what}: {name}[{key!r}]", mapping[key], params[key].shape)
    return mapping, new_state


def _arrays_in(tree: Any) -> Iterator[np.ndarray]:
    """Every array inside nested tuples, lists and mappings (an optimizer state), in a fixed order."""
    if isinstance(tree, np.ndarray):
        yield tree
    elif isinstance(tree, Mapping):
        for key in tree:
            yield from _arrays_in(tree[key])
    elif isinstance(tree, (tuple, list)):
        for item in tree:
            yield from _arrays_in(item)


SCHEDULED_STEPS = 5
"""How many of :func:`check_optimizer`'s steps compare a constant schedule with the plain number."""


def _check_scheduled(what: str, scheduled, grads, state, params, expected):
    """The scheduled optimizer's updates must equal ``expected``, the plain one's; returns its new state."""
    try:
        updates, state = _pure_transform(f"{what}: update(grads, state, params)", scheduled.update, "updates",
                                         grads, state, params)
    except (TypeError, ValueError) as error:  # what arithmetic on a function raises
        raise AssertionError(f"{what}: update(grads, state, params) raised {type(error).__name__}: {error}; the "
                             "learning rate may be a function of the step count (a schedule): end the optimizer "
                             "with fnn.scale_by_learning_rate(learning_rate)") from error
    for key in params:
        _assert_close(f"{what}: updates[{key!r}] against the same learning rate as a number", updates[key],
                      expected[key], {"grads": grads[key]}, rtol=1e-12, atol=0.0)
    return state


# ------------------------------------------------------------------- datasets

def check_dataset(spec: DatasetSpec) -> None:
    """Check a :class:`~fnn.DatasetSpec` against the contract fnn relies on.

    * ``load(rng)`` gives ``x`` float64 (n, d) and ``y`` float64 fit for the
      record's ``task``: (n, 1) of 0.0 and 1.0 (binary); (n, 1) of class
      indices 0.0 .. k - 1 with at least two classes present, k the number of
      ``classes`` names when the record gives them, and every index present
      when it does not (multi-class); (n, m) of
      finite numbers (regression);
    * ``n`` is honoured; the same seed gives the same data;
    * ``noise`` changes the data (jitters ``x``, flips labels as TensorFlow
      Playground's circle does, or moves regression targets), drawing from
      ``rng``: another seed, other data;
    * with ``takes_classes``, ``load(rng, classes=K)`` for K = 3 and 4 gives
      labels 0.0 .. K - 1, every one of them present.
    """
    what = f"dataset {spec.name!r}"
    x, y = _load(what, spec, 0)
    again = _load(what, spec, 0)
    if not (_identical(x, again[0]) and _identical(y, again[1])):
        raise AssertionError(f"{what}: two loads with the same seed gave different data; draw all randomness "
                             "from the rng argument")
    labels = np.unique(y)
    if spec.task == "multiclass" and len(labels) < 2:
        raise AssertionError(f"{what}: load(default_rng(0)) gave the single class {y[0, 0]:g}; a multi-class "
                             "set needs labels of at least two classes")
    if spec.task == "multiclass" and not spec.classes and len(labels) != labels[-1] + 1:
        raise AssertionError(f"{what}: load(default_rng(0)) gave the labels {labels.tolist()}; without class names "
                             f"every class index 0.0 to {labels[-1]:g} must occur")
    for n in (1, 7, 50):
        x_n, _ = _load(what, spec, 0, n=n)
        if len(x_n) != n:
            raise AssertionError(f"{what}: load(rng, n={n}) gave {len(x_n)} points, expected {n}")
    noisy = _load(what, spec, 0, noise=0.1)
    other = _load(what, spec, 1, noise=0.1)
    if noisy[0].shape != x.shape or _same_data(noisy, (x, y)):
        raise AssertionError(f"{what}: load(rng, noise=0.1) must jitter x or change y (keeping x's shape "
                             f"{x.shape}), but it gave the data of noise=0")
    if _same_data(noisy, other):
        raise AssertionError(f"{what}: seeds 0 and 1 with noise=0.1 gave the same data; draw the noise from rng")
    for k in (3, 4) if spec.takes_classes else ():
        labels = np.unique(_load(what, spec, 0, classes=k)[1])
        if len(labels) != k:
            raise AssertionError(f"{what}: load(rng, classes={k}) gave the labels {labels.tolist()}; expected "
                                 f"all {k} classes 0.0 to {k - 1:.1f}")


def _same_data(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> bool:
    return np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def _load(what: str, spec: DatasetSpec, seed: int, **kwargs) -> tuple[np.ndarray, np.ndarray]:
    call = f"{what}: load(default_rng({seed}){''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
    with _strict(call):
        result = spec.load(np.random.default_rng(seed), **kwargs)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise AssertionError(f"{call} must return a pair (x, y), got {type(result).__name__}")
    x, y = result
    for name, array in (("x", x), ("y", y)):
        if not isinstance(array, np.ndarray) or array.dtype != np.float64:
            raise AssertionError(f"{call}: {name} must be a float64 ndarray, got "
                                 f"{type(array).__name__} {getattr(array, 'dtype', '')}")
    task = task_of(spec, kwargs.get("classes"))
    columns = y.shape[1] if task == "regression" and y.ndim == 2 and y.shape[1] > 0 else 1
    if x.ndim != 2 or y.shape != (len(x), columns):
        raise AssertionError(f"{call}: expected x of shape (n, d) and y of shape "
                             f"{'(n, m)' if task == 'regression' else '(n, 1)'}, got {x.shape} and {y.shape}")
    _check_finite(f"{call}: x", x, {})
    problem = target_problem(y, task, kwargs.get("classes") or len(spec.classes) or None)
    if problem:
        raise AssertionError(f"{call} gave {problem} (task {task!r})")
    return x, y


# -------------------------------------------------------------------- metrics

def check_metric(metric: Metric) -> None:
    """Check a :class:`~fnn.Metric` against the contract fnn relies on, for each task in ``metric.tasks``.

    On random valid inputs (0/1 targets with one output for binary, one-hot
    targets of 2 and 3 classes for multi-class, 1 and 3 real outputs for
    regression):

    * ``fn(pred, target)`` returns a finite real number, raises no
      floating-point warning, writes into neither argument and accepts
      read-only ones;
    * it does not depend on the order of the points: permuting the rows of
      both gives the same value (to 1e-9);
    * the perfect prediction (``pred = target``) scores at least as well as a
      random one, in the direction ``higher_is_better`` declares.
    """
    what = f"metric {metric.name!r}"
    rng = np.random.default_rng(0)
    for task in metric.tasks:
        for k in _METRIC_OUTPUTS[task]:
            pred, target = _metric_inputs(task, rng, 20, k)
            on = f"{what} on {task} targets with {k} output{'s' * (k > 1)}"
            value = _metric_value(on, metric, pred, target)
            order = rng.permutation(len(pred))
            permuted = _metric_value(f"{on} (points permuted)", metric, pred[order], target[order])
            if not np.isclose(permuted, value, rtol=1e-9, atol=1e-12):
                raise AssertionError(f"{on}: permuting the points changed fn(pred, target) from {value!r} to "
                                     f"{permuted!r}; a metric must not depend on the order of the points")
            if metric.stacks:
                _check_metric_stacks(on, metric, pred, target, rng)
            perfect = _metric_value(f"{on} (pred = target)", metric, target, target)
            worse = perfect < value if metric.higher_is_better else perfect > value
            if worse and not np.isclose(perfect, value, rtol=1e-12, atol=1e-12):
                direction = "higher" if metric.higher_is_better else "lower"
                raise AssertionError(f"{on}: the perfect prediction (pred = target) scored {perfect!r} and a random "
                                     f"one {value!r}, but higher_is_better={metric.higher_is_better} says "
                                     f"{direction} is better; the perfect prediction must score at least as well")


def _check_metric_stacks(on: str, metric: Metric, pred: np.ndarray, target: np.ndarray,
                         rng: np.random.Generator) -> None:
    """``stacks=True``: three models' (3, n, k) give each model's own value."""
    preds = np.stack([pred, pred[rng.permutation(len(pred))], target])
    targets = np.stack([target, target, target])
    with _strict(f"{on}, stacked"):
        values = np.asarray(metric.fn(_copy(preds, writeable=False), _copy(targets, writeable=False)))
    alone = [metric.fn(p, t) for p, t in zip(preds, targets)]
    if values.shape != (3,) or not np.allclose(values, alone, rtol=1e-12, atol=1e-12):
        raise AssertionError(f"{on}: stacks=True, but fn on 3 stacked models gave {values.tolist()!r}, and on "
                             f"each alone {alone!r}; give one value per model, each its own model's")


_METRIC_OUTPUTS = {"binary": (1,), "multiclass": (2, 3), "regression": (1, 3)}
"""The output widths each task's metric is tried on."""


def _metric_inputs(task: str, rng: np.random.Generator, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Random ``(pred, target)`` of shape (n, k) as a network of ``task`` gives them; every class occurs."""
    if task == "regression":
        return rng.normal(size=(n, k)), rng.normal(size=(n, k))
    if task == "binary":
        return rng.uniform(size=(n, 1)), rng.permutation(np.arange(n) % 2).astype(np.float64)[:, None]
    scores = rng.uniform(0.05, 1.0, (n, k))
    return scores / scores.sum(axis=1, keepdims=True), np.eye(k)[rng.permutation(np.arange(n) % k)]


def _metric_value(what: str, metric: Metric, pred: np.ndarray, target: np.ndarray) -> float:
    try:
        value = _pure_call(f"{what}: fn(pred, target)", metric.fn, pred=pred, target=target)
    except AssertionError:
        raise
    except Exception as error:  # said with the task and shape it failed on: a metric may handle only some
        raise AssertionError(f"{what}: fn(pred, target) raised {type(error).__name__}: {error}") from error
    return _finite_float(f"{what}: fn(pred, target)", value, pred, target)


# -------------------------------------------------------------------- features

def check_feature(feature: Feature) -> None:
    """Check a :class:`~fnn.Feature` against the contract fnn relies on.

    On ``arity`` columns (2 and 3 for a feature of two or more) of 50 random
    values in [-3, 3], and on one point:

    * ``fn(*columns)`` returns one float column of their shape (n,), finite,
      without floating-point warnings; it writes into no column and accepts
      read-only ones;
    * each point's value is its own: permuting the points permutes the
      result, and the first point alone gives its value in the column.
    """
    what = f"feature {feature.name!r}"
    rng = np.random.default_rng(0)
    for count in (feature.arity,) if feature.arity is not None else (2, 3):
        columns = {f"column{j + 1}": rng.uniform(-3.0, 3.0, 50) for j in range(count)}
        on = f"{what} on {count} column{'s' * (count > 1)}"
        value = _feature_value(on, feature, columns)
        order = rng.permutation(50)
        permuted = _feature_value(f"{on} (points permuted)", feature, {k: c[order] for k, c in columns.items()})
        alone = _feature_value(f"{on} (the first point alone)", feature, {k: c[:1] for k, c in columns.items()})
        if not (np.allclose(permuted, value[order], rtol=1e-12, atol=1e-12)
                and np.allclose(alone, value[:1], rtol=1e-12, atol=1e-12)):
            raise AssertionError(f"{on}: a point's value depends on the other points (permuted or alone it "
                                 "changed); each point's value must come from its own columns only")


def _feature_value(what: str, feature: Feature, columns: dict[str, np.ndarray]) -> np.ndarray:
    n = len(next(iter(columns.values())))
    value = _pure_call(f"{what}: fn(*columns)", feature.fn, **columns)
    if not isinstance(value, np.ndarray) or value.shape != (n,) or value.dtype.kind != "f":
        raise AssertionError(f"{what}: fn(*columns) returned {type(value).__name__} of shape {np.shape(value)} "
                             f"and dtype {getattr(value, 'dtype', None)}; expected a float array of shape ({n},)")
    _check_finite(f"{what}: fn(*columns)", value, columns)
    return value


# -------------------------------------------------------------------- helpers

@contextlib.contextmanager
def _strict(what: str) -> Iterator[None]:
    """Turn overflow, invalid-value and division warnings into an ``AssertionError`` naming ``what``.

    Underflow is allowed: exp(-1e4) is rightly 0.
    """
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"), warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            yield
    except (FloatingPointError, RuntimeWarning) as error:
        raise AssertionError(f"{what}: {error}; results must stay finite, with no floating-point warnings") from error


def _pure_call(what: str, fn: Callable, **args):
    """``fn(*args)``, checking that it writes into no argument and accepts read-only ones.

    Called once on writable copies, compared afterwards, then once on read-only
    copies, whose result is returned.
    """
    writable = {name: _copy(value, writeable=True) for name, value in args.items()}
    with _strict(what):
        fn(*writable.values())
    for name, value in writable.items():
        for index, (after, before) in enumerate(zip(_arrays_in(value), _arrays_in(args[name]))):
            if not _identical(after, before):
                where = _first(~_same_bits(after, before))
                raise AssertionError(f"{what} wrote into its argument {name} (array {index}): at index {where} "
                                     f"it was {before[where]} and is now {after[where]}; return a new array instead")
    readonly = {name: _copy(value, writeable=False) for name, value in args.items()}
    try:
        with _strict(what):
            return fn(*readonly.values())
    except ValueError as error:
        if "read-only" not in str(error):
            raise
        raise AssertionError(f"{what} fails on read-only arguments ({', '.join(args)}), as fnn passes them: "
                             f"{error}; it must not write into its inputs") from error


def _copy(value: Any, writeable: bool) -> Any:
    """A deep copy of the arrays in ``value``; Params and other mappings become dicts."""
    if isinstance(value, np.ndarray):
        copy = np.array(value, copy=True)
        copy.flags.writeable = writeable
        return copy
    if isinstance(value, Mapping):
        items = {key: _copy(item, writeable) for key, item in value.items()}
        return Params(items) if isinstance(value, Params) and not writeable else items
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_copy(item, writeable) for item in value))
    if isinstance(value, (tuple, list)):
        return type(value)(_copy(item, writeable) for item in value)
    return value


def _first(mask: np.ndarray) -> tuple[int, ...]:
    """The index of the first True in ``mask``."""
    return tuple(int(i) for i in np.unravel_index(np.argmax(mask), mask.shape))


def _same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind in "fc" else a == b


def _identical(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def _check_shape(what: str, array: Any, shape: tuple[int, ...]) -> None:
    if np.shape(array) != shape:
        raise AssertionError(f"{what} returned shape {np.shape(array)}, expected {shape} (the input's shape)")


def _check_finite(what: str, array: Any, inputs: dict[str, np.ndarray]) -> None:
    array = np.asarray(array, dtype=np.float64)
    bad = ~np.isfinite(array)
    if bad.any():
        index = _first(bad)
        raise AssertionError(f"{what} returned {array[index]} at {_describe(index, inputs)}; "
                             "expected a finite number")


def _assert_close(what: str, got: Any, expected: np.ndarray, inputs: dict[str, np.ndarray], rtol: float,
                  atol: float) -> None:
    got = np.asarray(got, dtype=np.float64)
    error = np.abs(got - expected)
    excess = error - (atol + rtol * np.abs(expected))
    if (excess > 0).any():
        index = tuple(int(i) for i in np.unravel_index(np.argmax(excess), expected.shape))
        raise AssertionError(
            f"{what}: at {_describe(index, inputs)} expected {expected[index]:.10g} but got {got[index]:.10g}; "
            f"max abs error {error.max():.3g}, {(excess > 0).sum()} of {excess.size} elements outside "
            f"{atol:g} + {rtol:g} * |expected|"
        )


def _describe(index: tuple, inputs: dict[str, np.ndarray]) -> str:
    if not inputs:
        return f"index {index}"
    return ", ".join(f"{name}[{', '.join(map(str, index))}] = {float(np.asarray(array)[index]):.10g}"
                     for name, array in inputs.items() if np.ndim(array) == len(index))
