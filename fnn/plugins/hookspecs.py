"""The hooks a plugin implements: the plugin author's manual.

A plugin is any module or object with functions named after these hooks and
marked with ``@fnn.hookimpl``. Each hook takes no arguments and returns an
iterable of records (see :mod:`fnn.core.records`); fnn collects them into its
registry, where ``fnn run`` and the Python API find them by name.

A minimal plugin, ``fnn_softsign.py``::

    import numpy as np
    import fnn

    @fnn.hookimpl
    def fnn_activations():
        yield fnn.Activation(
            "softsign",
            forward=lambda x: x / (1 + np.abs(x)),
            backward=lambda x, y, grad_y: grad_y / (1 + np.abs(x)) ** 2,
            description="x / (1 + |x|)",
        )

and in its package's ``pyproject.toml``::

    [project.entry-points.fnn]
    softsign = "fnn_softsign"

After ``pip install`` of that package, ``fnn run --activation softsign`` works.

Rules the registry enforces when it loads a plugin:

* each hook returns an iterable of records of its own type only
  (``fnn_activations`` yields :class:`~fnn.Activation`, and so on);
* a record's name is lowercase letters, digits and underscores, starting with a
  letter (``[a-z][a-z0-9_]*``), because it is typed on the command line and
  split out of comma lists;
* every function of the plugin whose name starts with ``fnn_`` is one of the
  hooks below and is marked with ``@fnn.hookimpl`` (mark a hook this version of
  fnn may lack with ``@fnn.hookimpl(optionalhook=True)``);
* names are unique across all plugins, built-ins included.

A plugin that fails to import, raises in a hook or breaks one of the first
three rules is left out whole with a :class:`~fnn.PluginWarning` (an error with
``FNN_STRICT_PLUGINS=1``); two plugins claiming one name are an error naming
both. Functions in records are pure: they return new arrays and never write
into their arguments. ``fnn.testing`` checks records against their contracts;
``docs/plugins.md`` walks through writing, testing and publishing a plugin.

fnn's own activations, losses, optimizers, datasets, metrics and features are
plugins registered through exactly these hooks (``fnn.builtin.activations``,
``fnn.builtin.losses``, ``fnn.builtin.optimizers``, ``fnn.builtin.datasets``,
``fnn.builtin.metrics``, ``fnn.builtin.features``); read them as worked examples.
"""

from __future__ import annotations

from typing import Iterable

import pluggy

from fnn.core.records import Activation, DatasetSpec, Feature, Loss, Metric, OptimizerSpec

PROJECT = "fnn"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def fnn_activations() -> Iterable[Activation]:
    """Return activations: ``Activation(name, forward, backward, description, backward_uses)``.

    ``forward(z)`` keeps the shape of ``z``, elementwise or row by row over
    the last axis (softmax); ``backward(z, a, grad_a)`` returns dL/dz from
    the pre-activation ``z``, the output ``a`` and dL/da. It must agree with
    central finite differences of ``sum(forward(z) * grad_a)``. ``backward_uses`` says
    which of ``z`` and ``a`` it reads (default both); it is given None for
    the other, and the forward pass need not keep it.
    """


@hookspec
def fnn_losses() -> Iterable[Loss]:
    """Return losses: ``Loss(name, value, grad, description)``.

    ``value(pred, target)`` is a float, a mean over the points (over all
    elements, or of a per-point sum over the outputs as cross_entropy's);
    ``grad(pred, target)`` is its gradient with respect to ``pred``;
    optionally ``value_and_grad`` gives both at once (the same numbers), for
    a loss whose two halves share work. ``stacks=True`` declares that it also
    takes M models' outputs at once, (M, n, k), giving M values (see
    docs/plugins.md); a sweep then trains such runs together.
    """


@hookspec
def fnn_optimizers() -> Iterable[OptimizerSpec]:
    """Return optimizers: ``OptimizerSpec(name, make, defaults, description)``.

    ``make(learning_rate=..., **hyper)`` returns an :class:`~fnn.Optimizer`
    ``(init, update)``; ``learning_rate`` is a number or a function of the
    step count (a schedule), which :func:`fnn.scale_by_learning_rate` takes
    as the last transform of a :func:`fnn.chain`. ``defaults`` lists every
    keyword ``make`` accepts, ``learning_rate`` included, with its default.
    ``stacks=True`` declares that its rule works element by element, so M
    models stacked with per-model learning rates of shape (M, 1, 1) get each
    model's own updates; a sweep then trains such runs together.
    """


@hookspec
def fnn_datasets() -> Iterable[DatasetSpec]:
    """Return datasets: ``DatasetSpec(name, load, description, task=...)``.

    ``load(rng, n=None, noise=0.0)`` returns ``(x, y)``: ``x`` float64 of shape
    (n, d); ``y`` float64 for the record's ``task``: (n, 1) of 0.0 and 1.0
    (``"binary"``, the default), (n, 1) of class indices 0.0 .. k - 1
    (``"multiclass"``), or (n, m) real targets (``"regression"``). A record with
    ``takes_classes=True`` also takes ``classes=K`` (then the labels decide the
    task: binary for K = 2). All randomness comes from ``rng``.
    """


@hookspec
def fnn_metrics() -> Iterable[Metric]:
    """Return metrics: ``Metric(name, fn, higher_is_better, tasks, description)``.

    ``fn(pred, target)`` returns one finite float scoring the network's outputs
    ``pred`` (n, k) against the encoded targets of the same shape (0/1 with
    k = 1 for ``"binary"``, one-hot for ``"multiclass"``, real values for
    ``"regression"``); it does not depend on the order of the points.
    ``higher_is_better`` gives its direction; ``tasks`` is the tuple of the
    tasks it applies to.
    """


@hookspec
def fnn_features() -> Iterable[Feature]:
    """Return input features: ``Feature(name, fn, description, arity=1)``.

    ``fn(*columns)`` takes ``arity`` columns of the data, each a float array of
    shape (n,), and returns one new column of shape (n,), finite wherever its
    inputs are, each point's value from that point alone. ``fnn run --features
    NAME(COLUMN)`` then gives the network that column as an input.
    """


HOOKS: dict[str, str] = {
    "activation": "fnn_activations",
    "loss": "fnn_losses",
    "optimizer": "fnn_optimizers",
    "dataset": "fnn_datasets",
    "metric": "fnn_metrics",
    "feature": "fnn_features",
}
"""The hook that supplies each kind of record."""
