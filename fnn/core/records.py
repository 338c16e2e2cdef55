"""The records plugins hand to fnn: activations, losses, optimizers, datasets, metrics and features.

Each hook in :mod:`fnn.plugins.hookspecs` returns an iterable of one of these. They are
frozen, so a record taken from the registry can be shared freely; the functions
they hold must be pure (never write into their arguments).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple

import numpy as np

from fnn.errors import ConfigError

Array = np.ndarray


TASKS = ("binary", "multiclass", "regression")
"""What a network learns: one of two classes, one of k classes, or real values."""


def _check_tasks(kind: str, name: str, tasks: object) -> None:
    # A bare string would pass as a tuple of its letters; say what is wanted instead.
    if not (isinstance(tasks, tuple) and tasks and all(task in TASKS for task in tasks)):
        raise ConfigError(f"{kind} {name!r}: tasks must be a non-empty tuple of "
                          f"{', '.join(map(repr, TASKS))}, got {tasks!r}")


BACKWARD_USES = ("z", "a", "both", "neither")
"""What an activation's backward may read: the input ``z``, the output ``a``, both, or neither."""


@dataclass(frozen=True)
class Activation:
    """A nonlinearity ``a = f(z)`` and its derivative.

    ``forward(z) -> a`` maps pre-activations to activations, same shape: each
    element on its own (sigmoid, relu), or each row over the last axis
    (softmax), any leading axes being more rows (stacked models, (M, n, k)).
    ``backward(z, a, grad_a) -> grad_z`` returns ``dL/dz``, the Jacobian of
    ``f`` applied to ``grad_a = dL/da`` (``f'(z) * grad_a`` for an elementwise
    ``f``), given the pre-activation ``z`` and the output ``a = forward(z)``.

    ``backward_uses`` declares which of ``z`` and ``a`` backward reads: ``"z"``,
    ``"a"``, ``"both"`` (the default, right for any function) or ``"neither"``.
    The forward pass keeps a layer's ``z`` only when backward reads it, and
    backward is given ``None`` in place of what it does not declare: at 10^6
    points a 64-unit layer's ``z`` is 512 MB in float64. A function whose
    derivative is cheaper from its output (sigmoid ``a(1 - a)``, tanh
    ``1 - a^2``, relu's ``a > 0``) declares ``"a"``, which costs nothing: each
    layer's output is kept anyway, as the next layer's input.

    ``tasks`` names the tasks it fits as the output layer's activation (see
    :data:`TASKS`; default all): a run of another task refuses it, naming
    what fits (softmax declares ``("multiclass",)``: with one output it is 1
    everywhere).
    """

    name: str
    forward: Callable[[Array], Array]
    backward: Callable[[Array | None, Array | None, Array], Array]
    description: str = ""
    backward_uses: str = "both"
    tasks: tuple[str, ...] = TASKS

    def __post_init__(self) -> None:
        _check_tasks("activation", self.name, self.tasks)
        if self.backward_uses not in BACKWARD_USES:
            raise ConfigError(f"activation {self.name!r}: backward_uses must be one of "
                              f"{', '.join(map(repr, BACKWARD_USES))}, got {self.backward_uses!r}")

    @property
    def reads_z(self) -> bool:
        """Whether backward reads the pre-activation ``z`` (else it is given None)."""
        return self.backward_uses in ("z", "both")

    @property
    def reads_a(self) -> bool:
        """Whether backward reads the output ``a`` (else it is given None)."""
        return self.backward_uses in ("a", "both")


@dataclass(frozen=True)
class Loss:
    """A training objective and its gradient.

    ``value(pred, target) -> float`` and ``grad(pred, target) -> dL/dpred``
    (same shape as ``pred``). The value is a mean, so that learning rates do not
    depend on the number of samples.

    ``value_and_grad(pred, target) -> (value, grad)`` is optional: both at
    once, for a loss whose value and gradient share work (mse's ``pred -
    target``). The training loop uses it when it is there; it must give what
    ``value`` and ``grad`` give.

    ``stacks=True`` declares that the loss also takes M models at once (see
    :func:`fnn.forward`): ``pred`` and ``target`` of shape (M, n, k) give M
    values, one per model, and each model's gradient equals its own run's.
    ``fnn sweep`` then trains runs that differ only in learning rate and seed
    as one stacked computation; with the default, False, they train one by one.
    :func:`fnn.testing.check_loss` checks the claim.

    ``tasks`` names the tasks whose targets it fits (default all): a run of
    another task refuses it, naming what fits (bce declares ``("binary",)``).
    """

    name: str
    value: Callable[[Array, Array], float]
    grad: Callable[[Array, Array], Array]
    description: str = ""
    value_and_grad: Callable[[Array, Array], tuple[float, Array]] | None = None
    stacks: bool = False
    tasks: tuple[str, ...] = TASKS

    def __post_init__(self) -> None:
        _check_tasks("loss", self.name, self.tasks)


class Optimizer(NamedTuple):
    """A gradient transformation, as in optax.

    ``init(params) -> state`` and ``update(grads, state, params) ->
    (updates, new_state)``; apply the updates with :func:`fnn.apply_updates`.
    Neither function mutates its arguments; the state is immutable.
    """

    init: Callable[[Mapping[str, Array]], Any]
    update: Callable[[Mapping[str, Array], Any, Mapping[str, Array]], tuple]

    def step(self, grads: Mapping[str, Array], state: Any, params: Mapping[str, Array]) -> tuple:
        """Deprecated: ``update`` then :func:`fnn.apply_updates`, giving ``(new_params, new_state)``."""
        from fnn.core.transforms import apply_updates  # here: fnn.core.transforms imports this module

        warnings.warn("Optimizer.step is deprecated; use update(grads, state, params) then "
                      "fnn.apply_updates(params, updates)", DeprecationWarning, stacklevel=2)
        updates, state = self.update(grads, state, params)
        return apply_updates(params, updates), state


@dataclass(frozen=True)
class OptimizerSpec:
    """A named optimizer family: ``make(learning_rate=..., **hyper) -> Optimizer``.

    ``learning_rate`` is a number, or a function of the step count ``0, 1, 2,
    ...`` (a schedule, as in optax), which the optimizer calls once per update;
    composing :func:`fnn.scale_by_learning_rate` last gives both. ``defaults``
    maps every hyper-parameter ``make`` accepts, ``learning_rate`` included, to
    its default value; the CLI's ``--opt KEY=VALUE`` is checked
    against these keys.

    ``stacks=True`` declares that the optimizer also trains M models at once:
    given stacked parameters (see :func:`fnn.core.params.stacked`) and a
    learning rate of shape (M, 1, 1), one per model, each model's parameters
    follow the same steps as in its own run. ``fnn sweep`` stacks runs only
    then; with the default, False, they train one by one.
    :func:`fnn.testing.check_optimizer` checks the claim.
    """

    name: str
    make: Callable[..., Optimizer]
    defaults: Mapping[str, float] = field(default_factory=dict)
    description: str = ""
    stacks: bool = False


@dataclass(frozen=True)
class DatasetSpec:
    """A named data set: ``load(rng, n=None, noise=0.0) -> (x, y)``.

    ``rng`` is a ``numpy.random.Generator`` (the only source of randomness);
    ``n=None`` means the set's own size. ``x`` is float64 of shape (n, d).
    ``y`` depends on the ``task``:

    * ``"binary"`` (the default): float64 (n, 1) holding 0.0 or 1.0;
    * ``"multiclass"``: float64 (n, 1) holding the class index 0.0, 1.0, ..., k - 1;
    * ``"regression"``: float64 (n, m), the m real-valued targets.

    ``classes`` names the classes in label order (empty: the labels' numbers
    are their names) and ``features`` names x's columns (empty: ``x1``,
    ``x2``, ...). ``takes_classes=True`` declares that ``load`` also accepts
    ``classes=K``, the number of classes to make (``fnn run --classes K``).
    """

    name: str
    load: Callable[..., tuple[Array, Array]]
    description: str = ""
    task: str = "binary"
    classes: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    takes_classes: bool = False

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ConfigError(f"dataset {self.name!r}: task must be one of {', '.join(map(repr, TASKS))}, "
                              f"got {self.task!r}")


@dataclass(frozen=True)
class Metric:
    """A score of a network's predictions: ``fn(pred, target) -> float``.

    ``pred`` is the network's outputs, of shape (n, k), and ``target`` the
    encoded targets of the same shape: 0.0/1.0 with k = 1 for a binary task,
    one-hot rows of k classes for a multi-class one, real values for
    regression. ``higher_is_better`` gives the score's direction (accuracy:
    True, mean absolute error: False); ``tasks`` names the tasks it applies to,
    a non-empty tuple from :data:`TASKS`.

    ``stacks=True`` declares that ``fn`` also takes M models' outputs at once,
    (M, n, k), giving M values, each its own model's; a stacked sweep then
    scores them in one call instead of one call per model.
    :func:`fnn.testing.check_metric` checks the claim.
    """

    name: str
    fn: Callable[[Array, Array], float]
    higher_is_better: bool
    tasks: tuple[str, ...]
    description: str = ""
    stacks: bool = False

    def __post_init__(self) -> None:
        _check_tasks("metric", self.name, self.tasks)


@dataclass(frozen=True)
class Feature:
    """A transformation of the data's columns into one input of the network: ``fn(*columns) -> column``.

    Each column is a float array of shape (n,), and so is the result: the
    value for each point from that point's own values only. ``arity`` is how
    many columns ``fn`` takes (``sin``: 1, as ``--features sin(x1)``), or None
    for two or more (``product``, which ``x1*x2`` and ``poly:3``'s terms use).
    :func:`fnn.testing.check_feature` checks the contract.
    """

    name: str
    fn: Callable[..., Array]
    description: str = ""
    arity: int | None = 1

    def __post_init__(self) -> None:
        if self.arity is not None and not (isinstance(self.arity, int) and self.arity >= 1):
            raise ConfigError(f"feature {self.name!r}: arity must be a positive whole number or None (two or more), "
                              f"got {self.arity!r}")


Record = Activation | Loss | OptimizerSpec | DatasetSpec | Metric | Feature
"""Any one record: what a hook returns an iterable of."""

KINDS: dict[str, type[Record]] = {
    "activation": Activation,
    "loss": Loss,
    "optimizer": OptimizerSpec,
    "dataset": DatasetSpec,
    "metric": Metric,
    "feature": Feature,
}
"""Each kind of record, by the name the registry and CLI use for it."""
