"""Labels of every task: the task they imply, and their conversions to the network's targets and back.

Pure NumPy, no I/O. Labels come in the form a :class:`~fnn.core.records.DatasetSpec`
gives them (and :func:`fnn.io.data.read_csv` returns): one column of 0/1 for
``"binary"``, one column of class indices 0, 1, ..., k - 1 for
``"multiclass"``, one column per output of real numbers for ``"regression"``.
The network's targets differ only for multi-class, which it learns one-hot
(k outputs, one per class).
"""

from __future__ import annotations

import numpy as np

from fnn.core.records import TASKS
from fnn.errors import ConfigError

MAX_CLASSES = 1000
"""The most classes a classifier has: k outputs wide, its last layer and one-hot targets grow with k
(a column of ids or counts read as class indices would otherwise make a network as wide as the file is long)."""


def label_rule(task: str, k: int | None = None) -> str:
    """What ``task``'s labels may hold, as error messages end (with ``k`` classes, when known)."""
    if task == "binary":
        return "labels must be 0 or 1"
    if task == "multiclass":
        return "class indices must be whole numbers from 0" + ("" if k is None else f" to {k - 1}")
    return "targets must be finite numbers"


def infer_task(labels) -> str:
    """The task ``labels`` imply: one of :data:`~fnn.core.records.TASKS`.

    * only 0 and 1 → ``"binary"``;
    * the whole numbers 0, 1, ..., k - 1 with k >= 3, each present → ``"multiclass"``;
    * text (an array of strings or objects: class names) → ``"multiclass"``, even for two names;
    * any other numbers → ``"regression"``.

    Edge cases, decided by the kind of the values rather than their count:
    a single value 0 or 1 throughout is still ``"binary"`` (a classifier then
    lacks a class: the caller says so); floats that are whole, such as 2.0,
    count as whole numbers (a CSV's ``2`` and ``2.0`` are one value);
    integers that skip a class (0, 1, 3), start elsewhere (1, 2, 3) or are
    negative are ``"regression"``, as they look like counts or scores, not
    class indices (force ``"multiclass"`` to take them as classes); two
    columns or more are always ``"regression"`` targets: class labels come in
    one column. Non-finite numbers are ``"regression"`` too; refusing them is
    the caller's job.
    """
    labels = np.asarray(labels)
    if labels.size == 0:
        raise ConfigError("there are no labels to tell the task from; give at least one")
    if labels.ndim == 2 and labels.shape[1] > 1:
        return "regression"
    if labels.dtype.kind in "USO":
        return "multiclass"
    if np.isin(labels, (0, 1)).all():
        return "binary"
    present = np.unique(labels)
    if len(present) >= 3 and np.array_equal(present, np.arange(len(present))):
        return "multiclass"
    return "regression"


def check_task(task: str) -> None:
    """Raise a :class:`~fnn.errors.ConfigError` unless ``task`` is one of :data:`~fnn.core.records.TASKS`."""
    if task not in TASKS:
        raise ConfigError(f"task must be one of {', '.join(TASKS)}, got {task!r}")


def invalid_labels(labels, task: str, k: int | None = None) -> np.ndarray:
    """Where ``labels`` break the ``task``'s rule (:func:`label_rule`): a boolean array of their shape.

    Multi-class labels must be whole numbers from 0, and below ``k`` when it is given.
    """
    check_task(task)
    labels = np.asarray(labels, dtype=np.float64)
    if task == "binary":
        return (labels != 0) & (labels != 1)
    if task == "multiclass":
        wrong = ~np.isfinite(labels) | (labels < 0) | (labels != np.round(labels))
        return wrong if k is None else wrong | (labels >= k)
    return ~np.isfinite(labels)


def count_classes(labels, classes: tuple[str, ...] = ()) -> int:
    """k, the number of classes of classification ``labels`` (0/1 or class indices): as many as
    ``classes`` names, or else one more than the largest index (a class may have no point)."""
    return len(classes) or int(np.max(labels)) + 1


def one_hot(class_indices, k: int) -> np.ndarray:
    """Float64 (n, k): row i is 1 in column ``class_indices[i]`` and 0 elsewhere.

    ``class_indices`` has shape (n,) or (n, 1) and holds whole numbers 0 to k - 1.
    """
    indices = np.asarray(class_indices).reshape(-1)
    _refuse(indices, "multiclass", k)
    return (indices[:, None] == np.arange(k)).astype(np.float64)


def class_indices(targets) -> np.ndarray:
    """Int (n,): each row's class, for one-hot targets or a classifier's outputs alike.

    With k columns, the column holding the largest value (the first on a tie);
    with one column (binary), 1 where the value is at least 0.5, else 0. The
    inverse of :func:`one_hot`, and of :func:`encode_targets` for the two
    classification tasks.
    """
    targets = np.asarray(targets)
    if targets.ndim < 2:
        raise ConfigError(f"targets must have shape (n, k), got {targets.shape}")
    if targets.shape[-1] == 1:  # (..., n, k): a leading axis of stacked models passes through
        return (targets[..., 0] >= 0.5).astype(np.int64)
    return np.argmax(targets, axis=-1)


def encode_targets(labels, task: str, k: int | None = None) -> np.ndarray:
    """The network's float64 targets for ``labels`` of ``task``: (n, 1) of 0/1 for ``"binary"``,
    :func:`one_hot` (n, k) for ``"multiclass"`` (``k`` is needed: a subset may lack a class), and
    (n, m) for ``"regression"``.

    ``labels`` of shape (n,) are taken as one column. A label the task cannot
    take is a :class:`~fnn.errors.ConfigError` naming its row and the rule.
    """
    labels = np.asarray(labels, dtype=np.float64)
    labels = labels[:, None] if labels.ndim == 1 else labels
    if labels.ndim != 2 or (task != "regression" and labels.shape[1] != 1):
        raise ConfigError(f"{task} labels must have shape (n, 1), got {labels.shape}")
    if task == "multiclass":
        if k is None:
            raise ConfigError("multiclass targets need the number of classes k")
        return one_hot(labels, k)
    _refuse(labels, task, k)
    return labels.copy()


def _refuse(labels: np.ndarray, task: str, k: int | None) -> None:
    wrong = invalid_labels(labels, task, k)
    if wrong.any():
        where = tuple(np.argwhere(wrong)[0])
        raise ConfigError(f"label {float(labels[where]):g} in row {where[0]} (counting from 0); {label_rule(task, k)}")


def targets_task(y: np.ndarray) -> str:
    """The task whose targets ``y`` (one column per output) look like: "binary" for one column of 0
    and 1, "multiclass" for one-hot rows of two columns or more, "regression" for anything else."""
    if y.size and np.isin(y, (0, 1)).all():
        if y.shape[-1] == 1:
            return "binary"
        if (y.sum(axis=-1) == 1).all():
            return "multiclass"
    return "regression"


def check_targets(y: np.ndarray, task: str, name: str = "y") -> None:
    """Raise a :class:`~fnn.errors.ConfigError` unless ``y`` holds targets of ``task``."""
    check_task(task)
    if not np.issubdtype(y.dtype, np.number):
        raise ConfigError(f"{name} must hold numbers, got {y.dtype}")
    wrong = invalid_labels(y, task)
    if wrong.any():
        raise ConfigError(f"{name} holds {float(y[wrong].flat[0]):g}; {label_rule(task)} ({task} task)")
    if task == "binary":
        if y.shape[-1] != 1:
            raise ConfigError(f"binary targets are one column of 0 and 1, but {name} has {y.shape[-1]} columns; "
                              "k classes are the multiclass task (one-hot targets)")
    elif task == "multiclass":
        one_hot_rows = np.isin(y, (0, 1)).all(axis=-1) & (y.sum(axis=-1) == 1)
        if y.shape[-1] < 2 or not one_hot_rows.all():
            where = "" if y.shape[-1] < 2 else f" (row {int(np.argwhere(~one_hot_rows)[0][-1]) + 1} is not)"
            raise ConfigError(f"multiclass targets are one-hot rows of 2 columns or more{where}; "
                              "make them with fnn.core.tasks.one_hot")
