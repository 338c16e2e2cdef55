"""The built-in metrics against scikit-learn and hand-worked cases, the Metric record, and check_metric.

A metric takes the network's outputs ``pred`` (n, k) and the encoded targets
of the same shape: 0/1 with one output (binary), one-hot rows (multi-class),
real values (regression).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fnn
import fnn.testing
from fnn.builtin import metrics
from fnn.builtin.metrics import (accuracy, confusion_matrix, f1, mae, per_class_f1, per_class_precision,
                                 per_class_recall, precision, r2, recall, rmse)
from support import ok

CLASSIFICATION = {"accuracy": accuracy, "precision": precision, "recall": recall, "f1": f1}
REGRESSION = {"r2": r2, "mae": mae, "rmse": rmse}


def binary(rng, n=30):
    return rng.uniform(size=(n, 1)), (rng.uniform(size=(n, 1)) < 0.4).astype(np.float64)


def multiclass(rng, n=30, k=3, classes=None):
    """Softmax-like outputs and one-hot targets; ``classes`` the labels drawn from (default all k)."""
    scores = rng.uniform(0.01, 1.0, (n, k))
    labels = rng.choice(range(k) if classes is None else classes, size=n)
    return scores / scores.sum(axis=1, keepdims=True), np.eye(k)[labels]


def one_hot(labels, k):
    return np.eye(k)[labels]


# ------------------------------------------------------------------------------------------ hand-worked cases

# Binary: outputs 0.9, 0.6, 0.4, 0.2, 0.5 against labels 1, 0, 1, 0, 1: predicted 1, 1, 0, 0, 1.
# TP = 2 (points 1 and 5), FP = 1 (point 2), FN = 1 (point 3), TN = 1 (point 4).
PRED = np.array([[0.9], [0.6], [0.4], [0.2], [0.5]])
TARGET = np.array([[1.0], [0.0], [1.0], [0.0], [1.0]])


def test_binary_metrics_by_hand():
    assert confusion_matrix(PRED, TARGET).tolist() == [[1, 1], [1, 2]]  # rows true 0, 1; columns predicted 0, 1
    assert accuracy(PRED, TARGET) == 3 / 5
    assert precision(PRED, TARGET) == 2 / 3
    assert recall(PRED, TARGET) == 2 / 3
    assert f1(PRED, TARGET) == pytest.approx(2 / 3)


def test_an_output_of_exactly_one_half_is_class_one():
    assert accuracy(np.array([[0.5]]), np.array([[1.0]])) == 1.0


def test_multiclass_accuracy_counts_points_not_output_elements():
    # Point 1 right, point 2 wrong: 1 of 2 points, though 4 of the 6 thresholded elements would agree.
    pred = np.array([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2]])
    target = one_hot([0, 2], 3)
    assert accuracy(pred, target) == 0.5
    assert fnn.accuracy(pred, target) == 0.5  # the API function counts points too


def test_multiclass_metrics_by_hand():
    # True classes 0, 0, 1, 2; predicted 0, 1, 1, 1.
    pred = one_hot([0, 1, 1, 1], 3) * 0.8 + 0.1
    target = one_hot([0, 0, 1, 2], 3)
    matrix = confusion_matrix(pred, target)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
    assert per_class_precision(matrix).tolist() == [1.0, 1 / 3, 0.0]  # class 2 never predicted: 0/0 is 0
    assert per_class_recall(matrix).tolist() == [0.5, 1.0, 0.0]
    assert per_class_f1(matrix) == pytest.approx([2 / 3, 0.5, 0.0])
    assert precision(pred, target) == pytest.approx((1 + 1 / 3 + 0) / 3)
    assert recall(pred, target) == pytest.approx(1.5 / 3)
    assert f1(pred, target) == pytest.approx((2 / 3 + 0.5) / 3)


def test_macro_averages_leave_out_classes_absent_from_targets_and_predictions():
    pred = one_hot([0, 1, 1], 4) * 0.8 + 0.05  # classes 2 and 3 appear nowhere
    target = one_hot([0, 1, 0], 4)
    assert precision(pred, target) == pytest.approx((1 + 0.5) / 2)
    assert recall(pred, target) == pytest.approx((0.5 + 1) / 2)


def test_zero_over_zero_is_zero():
    none_predicted = np.array([[0.1], [0.2]])
    assert precision(none_predicted, np.array([[1.0], [0.0]])) == 0.0
    assert (precision(none_predicted, np.zeros((2, 1))), recall(none_predicted, np.zeros((2, 1))),
            f1(none_predicted, np.zeros((2, 1)))) == (0.0, 0.0, 0.0)


def test_regression_metrics_by_hand():
    pred = np.array([[1.0, 0.0], [2.0, 2.0], [4.0, 1.0]])
    target = np.array([[1.0, 1.0], [3.0, 1.0], [5.0, 1.0]])  # second output constant
    assert mae(pred, target) == pytest.approx((0 + 1 + 1 + 1 + 1 + 0) / 6)
    assert rmse(pred, target) == pytest.approx((np.sqrt(2 / 3) + np.sqrt(2 / 3)) / 2)
    # First output: SS_res = 2, SS_tot = 8; second: constant target, imperfect prediction scores 0.
    assert r2(pred, target) == pytest.approx((1 - 2 / 8 + 0.0) / 2)
    assert r2(target, target) == 1.0  # the constant output predicted exactly scores 1


def test_confusion_matrix_rows_sum_to_each_classs_count():
    pred, target = multiclass(np.random.default_rng(3), n=50, k=4)
    matrix = confusion_matrix(pred, target)
    assert matrix.shape == (4, 4) and matrix.dtype.kind == "i"
    assert matrix.sum(axis=1).tolist() == target.sum(axis=0).astype(int).tolist()
    assert np.trace(matrix) / 50 == accuracy(pred, target)


# -------------------------------------------------------------------------------------------- scikit-learn

@pytest.mark.parametrize("seed", range(5))
def test_classification_metrics_match_scikit_learn(seed):
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(seed)
    pred, target = binary(rng)
    yp, yt = (pred[:, 0] >= 0.5).astype(int), target[:, 0].astype(int)
    assert accuracy(pred, target) == pytest.approx(sk.accuracy_score(yt, yp), abs=1e-12)
    for name, sk_fn in (("precision", sk.precision_score), ("recall", sk.recall_score), ("f1", sk.f1_score)):
        assert CLASSIFICATION[name](pred, target) == pytest.approx(sk_fn(yt, yp, zero_division=0), abs=1e-12)
    assert confusion_matrix(pred, target).tolist() == sk.confusion_matrix(yt, yp, labels=[0, 1]).tolist()
    # Multi-class, class 3 of 5 absent from the targets (and class 4 possibly predicted anyway).
    pred, target = multiclass(rng, n=25, k=5, classes=[0, 1, 2, 4])
    yp, yt = pred.argmax(axis=1), target.argmax(axis=1)
    assert accuracy(pred, target) == pytest.approx(sk.accuracy_score(yt, yp), abs=1e-12)
    for name, sk_fn in (("precision", sk.precision_score), ("recall", sk.recall_score), ("f1", sk.f1_score)):
        expected = sk_fn(yt, yp, average="macro", zero_division=0)
        assert CLASSIFICATION[name](pred, target) == pytest.approx(expected, abs=1e-12), name
    matrix = confusion_matrix(pred, target)
    assert matrix.tolist() == sk.confusion_matrix(yt, yp, labels=range(5)).tolist()
    for per_class, sk_fn in ((per_class_precision, sk.precision_score), (per_class_recall, sk.recall_score),
                             (per_class_f1, sk.f1_score)):
        expected = sk_fn(yt, yp, labels=range(5), average=None, zero_division=0)
        np.testing.assert_allclose(per_class(matrix), expected, atol=1e-12)


@pytest.mark.parametrize("k", [1, 3])
def test_regression_metrics_match_scikit_learn(k):
    sk = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(k)
    target = rng.normal(size=(40, k))
    pred = target + rng.normal(scale=0.5, size=target.shape)
    for expected_fn, got_fn in ((sk.r2_score, r2), (sk.mean_absolute_error, mae),
                                (sk.root_mean_squared_error, rmse)):
        expected = expected_fn(target[:, 0], pred[:, 0]) if k == 1 else expected_fn(target, pred)
        assert got_fn(pred, target) == pytest.approx(expected, abs=1e-12), got_fn.__name__
    constant = target.copy()
    constant[:, 0] = 2.0  # scikit-learn's force_finite: 0 for an imperfect fit of a constant output
    assert r2(pred, constant) == pytest.approx(sk.r2_score(constant, pred), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(2, 5), st.integers(0, 2**32 - 1))
def test_classification_metrics_match_scikit_learn_on_any_sample(n, k, seed):
    sk = pytest.importorskip("sklearn.metrics")
    pred, target = multiclass(np.random.default_rng(seed), n=n, k=k)
    yp, yt = pred.argmax(axis=1), target.argmax(axis=1)
    for name, sk_fn in (("precision", sk.precision_score), ("recall", sk.recall_score), ("f1", sk.f1_score)):
        expected = sk_fn(yt, yp, average="macro", zero_division=0)
        assert CLASSIFICATION[name](pred, target) == pytest.approx(expected, abs=1e-12), name


# ------------------------------------------------------------------------------------------------- properties

@settings(max_examples=40, deadline=None)
@given(st.integers(2, 30), st.integers(0, 2**32 - 1))
def test_permuting_the_points_changes_no_metric(n, seed):
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    cases = [(CLASSIFICATION, binary(rng, n)), (CLASSIFICATION, multiclass(rng, n, k=3)),
             (REGRESSION, (rng.normal(size=(n, 2)), rng.normal(size=(n, 2))))]
    for fns, (pred, target) in cases:
        for name, fn in fns.items():
            assert fn(pred[order], target[order]) == pytest.approx(fn(pred, target), rel=1e-12, abs=1e-12), name


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_scores_stay_in_their_ranges_and_the_perfect_prediction_scores_best(n, seed):
    rng = np.random.default_rng(seed)
    pred, target = multiclass(rng, n, k=3)
    for name, fn in CLASSIFICATION.items():
        assert 0.0 <= fn(pred, target) <= 1.0 and fn(target, target) == 1.0, name
    pred, target = rng.normal(size=(n, 2)), rng.normal(size=(n, 2))
    assert r2(pred, target) <= 1.0 and r2(target, target) == 1.0
    assert mae(target, target) == rmse(target, target) == 0.0 <= mae(pred, target) <= rmse(pred, target)


# --------------------------------------------------------------------------------------- the record and hook

def test_the_builtins_declare_their_tasks_and_directions():
    found = {m.name: (m.higher_is_better, m.tasks) for m in fnn.testing.records(metrics)}
    classification = (True, ("binary", "multiclass"))
    assert found == {"accuracy": classification, "precision": classification, "recall": classification,
                     "f1": classification, "r2": (True, ("regression",)), "mae": (False, ("regression",)),
                     "rmse": (False, ("regression",))}
    assert fnn.registry().metric("f1").fn is f1


@pytest.mark.parametrize("tasks", ["binary", (), ("binary", "ranking"), ["regression"]])
def test_a_metric_with_bad_tasks_is_a_config_error(tasks):
    with pytest.raises(fnn.ConfigError, match=r"metric 'm': tasks must be a non-empty tuple of 'binary', "
                                              r"'multiclass', 'regression', got"):
        fnn.Metric("m", mae, False, tasks)


def test_a_metric_returning_no_number_is_left_out_at_load():
    class Plugin:
        @fnn.hookimpl
        def fnn_metrics(self):
            yield fnn.Metric("vector", lambda pred, target: pred - target, False, ("regression",))

    with pytest.raises(fnn.PluginError, match=r"metric 'vector': fn\(pred, target\) on regression targets returned "
                                              r"ndarray \(4, 2\), expected one number"):
        fnn.make_registry([Plugin()], builtins=False, entry_points=False, strict=True)


# ------------------------------------------------------------------------------------------------ check_metric

def _order_dependent(pred, target):
    return float(abs(pred[0, 0] - target[0, 0]))


def _writes(pred, target):
    pred[:] = 0.0
    return 0.0


def _nan(pred, target):
    return float("nan")


def _array(pred, target):
    return np.abs(pred - target).mean(axis=0)


@pytest.mark.parametrize(("fn", "higher", "message"), [
    (_order_dependent, False, r"metric 'broken' on regression targets with 1 output: permuting the points changed"),
    (_writes, False, r"metric 'broken' on regression targets with 1 output: fn\(pred, target\) wrote into its "
                     r"argument pred"),
    (_nan, False, r"(?s)fn\(pred, target\) returned nan for pred=.*; expected a finite float"),
    (_array, False, r"fn\(pred, target\) must return a float, got ndarray"),
    (mae, True, r"the perfect prediction \(pred = target\) scored 0\.0 and a random one .*higher_is_better=True"),
])
def test_a_broken_metric_fails_the_kit_saying_why(fn, higher, message):
    with pytest.raises(AssertionError, match=message):
        fnn.testing.check(fnn.Metric("broken", fn, higher, ("regression",)))


def test_check_metric_tries_every_declared_task():
    def regression_only(pred, target):
        if pred.shape[1] > 1 and set(np.unique(target)) <= {0.0, 1.0}:
            raise ValueError("one-hot targets")
        return mae(pred, target)

    fnn.testing.check_metric(fnn.Metric("ok", regression_only, False, ("regression",)))
    with pytest.raises(AssertionError, match="multiclass targets with 2 outputs.*ValueError: one-hot targets"):
        fnn.testing.check_metric(fnn.Metric("wide", regression_only, False, ("regression", "multiclass")))


def test_fnn_list_metric_shows_the_builtins():
    listed = json.loads(ok("list", "metrics", "--json").stdout)
    assert [(item["kind"], item["name"], item["plugin"]) for item in listed] == [
        ("metric", name, "fnn.metrics") for name in ("accuracy", "f1", "mae", "precision", "r2", "recall", "rmse")]
    table = ok("list", "metric").stdout
    assert "Metrics" in table and "rmse" in table and "Datasets" not in table


@pytest.mark.parametrize("name", [*CLASSIFICATION, *REGRESSION])
def test_pred_and_target_of_different_shapes_are_a_one_line_error(name):
    with pytest.raises(fnn.ConfigError, match=r"^a metric needs pred and target of one shape \(n, k\), "
                                              r"got \(4, 3\) and \(4, 1\)$"):
        fnn.registry().metric(name).fn(np.ones((4, 3)), np.ones((4, 1)))


def test_accuracy_stacks_one_value_per_model_and_the_kit_checks_the_claim():
    pred = np.random.default_rng(3).uniform(size=(4, 10, 3))
    target = np.stack([one_hot(np.arange(10) % 3, 3)] * 4)
    assert accuracy(pred, target).tolist() == [accuracy(p, t) for p, t in zip(pred, target)]
    assert fnn.registry().metric("accuracy").stacks
    overall = fnn.Metric("overall", lambda p, t: float(np.mean(np.argmax(p, -1) == np.argmax(t, -1))), True,
                         ("multiclass",), stacks=True)  # one number for all models: not what stacks promises
    with pytest.raises(AssertionError, match="stacks=True, but fn on 3 stacked models"):
        fnn.testing.check(overall)
