"""Gradient checks: every array ``backward`` gives against central finite differences of the full loss.

:func:`check_gradients` compares, for each parameter array (``W1, b1, ...``),
the gradient a training step takes (:func:`fnn.runs.training.gradients`:
``backward`` plus the L2 and L1 terms) with central finite differences of the
loss a run minimises (the loss's value plus the L2 and L1 penalties), on all
training points, at the given parameters. :func:`gradcheck` does it for a
prepared run, at its initial parameters or after some epochs of the one
training loop. With dropout, both sides use one fixed set of masks (drawn
from the run's seed): the loss is then a smooth function of the parameters,
the one a training step with those masks descends.

The error of one entry, analytic ``a`` against numerical ``n``, is

    relative error = |a - n| / max(|a|, |n|, FLOOR * max(1, |L|))

the elementwise error cs231n's notes use, with a floor: below it an entry is
judged by its absolute error (``TOLERANCE`` times the floor). Central
differences of a loss ``L`` carry rounding noise of about ``1e-16 |L| / h``
(1e-10 |L| at the step used) whatever the gradient's size, so a true gradient
of 1e-12 would otherwise "fail" at a relative error near 1; the floor grows
with the loss for the same reason. An array passes when its largest relative
error is at most ``TOLERANCE``. ``STEP``, ``FLOOR`` and ``TOLERANCE`` were
chosen by measurement over every built-in activation and loss at depths 1 to
3 on every task, at the initial parameters and after 100 epochs: the largest
relative error seen was 3.0e-7, and without the floor 3e-4 (on gradients of
1e-8). A derivative off by a factor ``1 + e`` gives ``e / (1 + e)``.

Kinks: where the loss is not differentiable within the step (relu at a
pre-activation of exactly 0, as zero-initialised biases give on a point at
the origin), the central difference averages the two one-sided slopes and
need not equal any gradient ``backward`` could give. Such an entry is counted
as a kink and left out of the verdict rather than failed. Kinks are found with
a second step of ``2h``: where the loss is smooth, the central differences at
``h`` and ``2h`` agree to ``O(h^2)`` and the gap between the one-sided
differences doubles with the step (it is about ``h f''``). A kink within ``h``
of the entry breaks one or the other: it moves the central difference at
``2h`` away from the one at ``h``, or (right at the kink) leaves the gap the
jump in slope at both steps. Either, by more than the tolerance allows, marks
the entry. The check finds the kinks of any plugin, not only relu's.

Float32 networks are checked in float64 (parameters and data rounded up):
the check is of the derivative formulas, and float32's finite differences
would be rounding noise.
"""

from __future__ import annotations

import itertools
from typing import Mapping, NamedTuple, Sequence

import numpy as np

from fnn.core.network import dropout_masks, forward_unchecked
from fnn.core.params import Params
from fnn.core.records import Activation, Loss
from fnn.errors import ConfigError
from fnn.plugins.contracts import perturbed
from fnn.runs.training import Experiment, gradients, penalty, run

STEP = 1e-6
"""The finite-difference step, relative: ``h = STEP * max(1, |p|)`` for a parameter ``p``."""
FLOOR = 1e-3
"""Gradients smaller than ``FLOOR * max(1, |loss|)`` are judged by their absolute error, the tolerance times that."""
TOLERANCE = 1e-5
"""An array passes when its largest relative error is at most this."""
ENTRIES = 20
"""How many entries of each array are checked by default (all of a smaller array), drawn at random."""


class ArrayCheck(NamedTuple):
    """One parameter array's check: how many of its entries were compared, the largest errors, and the verdict.

    ``worst`` is the index of the entry with the largest relative error, ``analytic`` and ``numerical``
    its two values (None when every checked entry sat at a kink); ``kinks`` the entries left out because
    the loss has a kink there (see the module). ``passed`` holds when no judged entry's relative error
    is over the tolerance.
    """

    name: str
    layer: int
    shape: tuple[int, ...]
    checked: int
    kinks: int
    max_abs_error: float
    max_rel_error: float
    worst: tuple[int, ...] | None
    analytic: float | None
    numerical: float | None
    passed: bool

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


class GradCheck(NamedTuple):
    """A whole network's check: one :class:`ArrayCheck` per array, at the parameters of ``epoch``."""

    arrays: tuple[ArrayCheck, ...]
    epoch: int
    entries: int
    loss: float
    """The full loss at the checked parameters, which scales the floor."""
    step: float = STEP
    tolerance: float = TOLERANCE
    floor: float = FLOOR

    @property
    def passed(self) -> bool:
        return all(array.passed for array in self.arrays)

    @property
    def failed(self) -> tuple[ArrayCheck, ...]:
        return tuple(array for array in self.arrays if not array.passed)


def check_gradients(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray, *, hidden: Activation,
                    output: Activation, loss: Loss, l2: float = 0.0, entries: int = ENTRIES,
                    rng: np.random.Generator | None = None, step: float = STEP, tolerance: float = TOLERANCE,
                    floor: float = FLOOR, l1: float = 0.0,
                    masks: Sequence[np.ndarray] | None = None) -> tuple[ArrayCheck, ...]:
    """Check the gradient of every array of ``params`` on the points ``x`` and targets ``y``.

    ``masks`` (see :func:`fnn.core.network.dropout_masks`) fix dropout's masks for the analytic gradient
    and every finite difference alike.

    Arrays with more than ``entries`` elements are checked on ``entries`` of them drawn without
    replacement with ``rng`` (by default ``default_rng(0)``); each entry costs four forward passes
    (steps of ``h`` and ``2h`` each way: the second pair finds kinks).
    Everything is computed in float64. Returns one :class:`ArrayCheck` per array, in the parameters' order.
    """
    if entries < 1:
        raise ConfigError(f"entries must be at least 1, got {entries}")
    rng = np.random.default_rng(0) if rng is None else rng
    params = Params({key: np.asarray(value, dtype=np.float64) for key, value in params.items()})
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def total_loss(arrays: Mapping[str, np.ndarray]) -> float:
        return full_loss(arrays, x, y, hidden, output, loss, l2, l1, masks)

    y_hat, cache = forward_unchecked(params, x, hidden, output, masks)
    analytic = gradients(params, cache, loss.grad(y_hat, y), l2, l1=l1)
    at_params = total_loss(params)
    floor = floor * max(1.0, abs(at_params))  # rounding noise grows with the loss (see the module)
    checks = []
    for key, value in params.items():
        picked = np.arange(value.size) if value.size <= entries else np.sort(
            rng.choice(value.size, entries, replace=False))
        indices = [tuple(int(i) for i in np.unravel_index(flat, value.shape)) for flat in picked]

        def moved(v: np.ndarray) -> float:
            return total_loss({**params, key: v})  # noqa: B023 (called at once, for this key)

        near, far = perturbed(moved, value, indices, step), perturbed(moved, value, indices, 2 * step)
        checks.append(_compare(key, int(key[1:]), value.shape, np.array([analytic[key][i] for i in indices]),
                               near, far, at_params, indices, tolerance, floor))
    return tuple(checks)


def full_loss(params: Mapping[str, np.ndarray], x: np.ndarray, y: np.ndarray, hidden: Activation, output: Activation,
              loss: Loss, l2: float, l1: float = 0.0, masks: Sequence[np.ndarray] | None = None) -> float:
    """The loss training minimises: the loss's value on the network's outputs (with dropout's ``masks``, when
    given) plus the L2 and L1 penalties."""
    return float(loss.value(forward_unchecked(params, x, hidden, output, masks)[0], y)) + penalty(params, l2, l1)


_Moved = tuple[np.ndarray, np.ndarray, np.ndarray]
"""What :func:`fnn.plugins.contracts.perturbed` gives: the loss moved up, moved down, and the step's width."""


def _slopes(moved: _Moved, at: float) -> tuple[np.ndarray, np.ndarray]:
    """The central difference, and the forward difference less the backward one (about ``h f''`` where smooth)."""
    plus, minus, width = moved
    return (plus - minus) / width, ((plus - at) - (at - minus)) / (width / 2)


def _compare(key: str, layer: int, shape: tuple[int, ...], a: np.ndarray, near: _Moved, far: _Moved, at: float,
             indices: list[tuple[int, ...]], tolerance: float, floor: float) -> ArrayCheck:
    (n, gap), (n_wide, gap_wide) = _slopes(near, at), _slopes(far, at)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    # See the module's docstring: steps h and 2h disagree, or the one-sided gap does not grow with the step.
    shifted = np.abs(n - n_wide) > tolerance * scale / 4
    flat = (np.abs(gap) > tolerance * scale) & (np.abs(gap_wide - gap) < np.abs(gap) / 2)
    kink = shifted | flat
    judged = ~kink
    abs_error = np.abs(a - n)
    rel_error = abs_error / scale
    if not judged.any():
        return ArrayCheck(key, layer, tuple(shape), 0, int(kink.sum()), 0.0, 0.0, None, None, None, True)
    worst = int(np.flatnonzero(judged)[np.argmax(rel_error[judged])])
    largest = float(rel_error[worst])
    return ArrayCheck(key, layer, tuple(shape), int(judged.sum()), int(kink.sum()), float(abs_error[judged].max()),
                      largest, indices[worst], float(a[worst]), float(n[worst]), largest <= tolerance)


def gradcheck(experiment: Experiment, after: int = 0, entries: int = ENTRIES) -> GradCheck:
    """Check a prepared run's gradients on its training points: at its initial parameters, or after
    ``after`` epochs of :func:`fnn.runs.training.run` (the one loop, with the run's optimizer, schedule
    and batches). Entries are drawn with the run's seed; with dropout, one fixed set of masks is drawn from
    the generator that trains the run (in full batch, the masks of its first step)."""
    epochs = experiment.config.epochs
    if not (isinstance(after, int) and 0 <= after):
        raise ConfigError(f"--after must be a whole number of epochs, 0 or more, got {after}")
    if after > epochs:
        raise ConfigError(f"--after {after} is beyond the run's {epochs} epochs; give --epochs {after} or more")
    if entries < 1:
        raise ConfigError(f"--entries must be at least 1, got {entries}")
    params = experiment.params
    if after:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # divergence is train's to report
            params = next(itertools.islice(run(experiment), after - 1, None)).params
    c = experiment.config
    masks = None if not c.dropout else dropout_masks(np.random.default_rng(experiment.shuffle_seed), params.sizes,
                                                     len(experiment.x), c.dropout)
    arrays = check_gradients(params, experiment.x, experiment.y, hidden=experiment.activation,
                             output=experiment.output, loss=experiment.loss, l2=c.l2, l1=c.l1, masks=masks,
                             entries=entries, rng=np.random.default_rng(c.seed))
    value = full_loss(params, experiment.x, experiment.y, experiment.activation, experiment.output,
                      experiment.loss, c.l2, c.l1, masks)
    return GradCheck(arrays, after, entries, value)
