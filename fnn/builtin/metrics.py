"""Built-in metrics: accuracy, precision, recall and F1 for classification; R², MAE and RMSE for regression.

Registered through the ``fnn_metrics`` hook. Every metric takes the
network's outputs ``pred`` (n, k) and the encoded targets ``target`` of the
same shape: a binary task has k = 1, 0/1 targets and a point predicted as
class 1 when its output is at least 0.5; a multi-class task has one-hot
targets and a point's predicted class is its largest output; regression
targets are real values. The numbers are scikit-learn's (``sklearn.metrics``
with its defaults, ``zero_division=0``), which the tests check.

The classification metrics are read off the confusion matrix, which the
CLI shows too: :func:`confusion_matrix`, :func:`per_class_precision`,
:func:`per_class_recall` and :func:`per_class_f1` are public for it.
"""

from __future__ import annotations

import numpy as np

from fnn.core.records import Metric
from fnn.core.tasks import class_indices
from fnn.errors import ConfigError
from fnn.plugins.hookspecs import hookimpl

Array = np.ndarray

CLASSIFICATION = ("binary", "multiclass")
REGRESSION = ("regression",)


# ------------------------------------------------------------------------------------------------ classes

def _check_shapes(pred: Array, target: Array) -> None:
    """Both (n, k) of one shape: NumPy would broadcast (n, 1) against (n, k) into a wrong number silently."""
    if pred.ndim != 2 or pred.shape != target.shape:
        raise ConfigError(f"a metric needs pred and target of one shape (n, k), got {pred.shape} and {target.shape}")


def confusion_matrix(pred: Array, target: Array) -> Array:
    """Counts of points by true class (rows) and predicted class (columns): (k, k) ints, k = 2 for binary.

    ``matrix[i, j]`` is the number of points of class ``i`` predicted as class ``j``; the diagonal is right.
    """
    _check_shapes(pred, target)
    k = max(2, target.shape[1])
    pairs = class_indices(target) * k + class_indices(pred)
    return np.bincount(pairs, minlength=k * k).reshape(k, k)


def _ratio(numerator: Array, denominator: Array) -> Array:
    """``numerator / denominator``, and 0 where the denominator is 0 (scikit-learn's ``zero_division=0``)."""
    return np.divide(numerator, denominator, out=np.zeros(len(numerator)), where=denominator > 0)


def per_class_precision(matrix: Array) -> Array:
    """Per class: TP / (TP + FP), the share of the points predicted as the class that are of it; 0 for 0/0."""
    return _ratio(np.diag(matrix), matrix.sum(axis=0))


def per_class_recall(matrix: Array) -> Array:
    """Per class: TP / (TP + FN), the share of the class's points predicted as it; 0 for 0/0."""
    return _ratio(np.diag(matrix), matrix.sum(axis=1))


def per_class_f1(matrix: Array) -> Array:
    """Per class: 2 TP / (2 TP + FP + FN), the harmonic mean of precision and recall; 0 for 0/0."""
    return _ratio(2 * np.diag(matrix), matrix.sum(axis=0) + matrix.sum(axis=1))


def _one_score(per_class: Array, matrix: Array, pred: Array) -> float:
    """Class 1's score for a binary task; for a multi-class one the mean over the classes that occur
    in the targets or the predictions (the macro average, as scikit-learn's ``average="macro"``)."""
    if pred.shape[1] == 1:
        return float(per_class[1])
    occurs = (matrix.sum(axis=0) + matrix.sum(axis=1)) > 0
    return float(per_class[occurs].mean())


# ------------------------------------------------------------------------------------------------ metrics

def accuracy(pred: Array, target: Array) -> float:
    """The fraction of points whose predicted class is their true class (per point, not per output); one
    per model for M stacked models' (M, n, k)."""
    if pred.ndim not in (2, 3) or pred.shape != target.shape:
        _check_shapes(pred, target)
    right = class_indices(pred) == class_indices(target)
    # The count over the points: np.mean, with its Python wrapper, made whole xor runs 17% slower (this is
    # scored every epoch; sgd, 20,000 epochs, medians of 3 interleaved runs).
    if right.ndim == 1:
        return np.count_nonzero(right) / len(right)
    return np.count_nonzero(right, axis=-1) / right.shape[-1]


def precision(pred: Array, target: Array) -> float:
    """TP / (TP + FP): of class 1 (binary), macro-averaged over classes (multi-class)."""
    matrix = confusion_matrix(pred, target)
    return _one_score(per_class_precision(matrix), matrix, pred)


def recall(pred: Array, target: Array) -> float:
    """TP / (TP + FN): of class 1 (binary), macro-averaged over classes (multi-class)."""
    matrix = confusion_matrix(pred, target)
    return _one_score(per_class_recall(matrix), matrix, pred)


def f1(pred: Array, target: Array) -> float:
    """2 TP / (2 TP + FP + FN): of class 1 (binary), macro-averaged over classes (multi-class)."""
    matrix = confusion_matrix(pred, target)
    return _one_score(per_class_f1(matrix), matrix, pred)


def r2(pred: Array, target: Array) -> float:
    """1 - sum((target - pred)^2) / sum((target - mean(target))^2) per output, averaged over outputs.

    An output whose targets are all equal scores 1 when predicted exactly and 0 otherwise, as in
    scikit-learn (``force_finite=True``).
    """
    _check_shapes(pred, target)
    residual = np.sum((target - pred) ** 2, axis=0)
    total = np.sum((target - np.mean(target, axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):  # a constant output's 0 total: replaced below
        per_output = 1 - residual / total
    return float(np.mean(np.where(total > 0, per_output, residual == 0)))


def mae(pred: Array, target: Array) -> float:
    """mean(|pred - target|) over points and outputs."""
    _check_shapes(pred, target)
    return float(np.mean(np.abs(pred - target)))


def rmse(pred: Array, target: Array) -> float:
    """sqrt(mean over points of (pred - target)^2) per output, averaged over outputs (scikit-learn's)."""
    _check_shapes(pred, target)
    return float(np.mean(np.sqrt(np.mean((pred - target) ** 2, axis=0))))


@hookimpl
def fnn_metrics():
    yield Metric("accuracy", accuracy, True, CLASSIFICATION,
                 "fraction of points whose predicted class is right (output >= 0.5, or the largest output)",
                 stacks=True)
    yield Metric("precision", precision, True, CLASSIFICATION,
                 "TP / (TP + FP) of class 1, or its mean over the classes (macro); 0/0 counts as 0")
    yield Metric("recall", recall, True, CLASSIFICATION,
                 "TP / (TP + FN) of class 1, or its mean over the classes (macro); 0/0 counts as 0")
    yield Metric("f1", f1, True, CLASSIFICATION,
                 "2 TP / (2 TP + FP + FN): precision and recall's harmonic mean, of class 1 or macro")
    yield Metric("r2", r2, True, REGRESSION,
                 "coefficient of determination 1 - SS_res / SS_tot, averaged over outputs")
    yield Metric("mae", mae, False, REGRESSION, "mean absolute error: mean(|pred - target|)")
    yield Metric("rmse", rmse, False, REGRESSION,
                 "root mean squared error sqrt(mean((pred - target)^2)), averaged over outputs")
