"""The labels of each task (``fnn.core.tasks``): the task labels imply, with its edge cases, one-hot
targets and class indices back, and each task's rule as errors give it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fnn.core.records import TASKS
from fnn.core.tasks import (MAX_CLASSES, class_indices, count_classes, encode_targets, infer_task, invalid_labels,
                            label_rule, one_hot)
from fnn.errors import ConfigError

FAST = settings(derandomize=True, max_examples=40, deadline=None)


@pytest.mark.parametrize("labels, task", [
    ([0, 1, 1, 0], "binary"),
    ([[0.0], [1.0]], "binary"),  # a column, as a DatasetSpec gives it
    ([1, 1, 1], "binary"),  # one value, still 0/1: the caller says a class is missing
    ([0, 0], "binary"),
    ([0, 1, 2], "multiclass"),
    ([2.0, 0.0, 1.0, 2.0], "multiclass"),  # whole floats are whole numbers
    (["setosa", "virginica"], "multiclass"),  # class names, even two
    (np.array(["b", "a", "c"], dtype=object), "multiclass"),
    ([0, 1, 3], "regression"),  # skips a class: counts, not class indices
    ([1, 2, 3], "regression"),  # does not start at 0
    ([-1, 0, 1], "regression"),
    ([2, 2, 2], "regression"),
    ([0.0, 0.5, 1.0], "regression"),
    ([0, 1, np.nan], "regression"),  # refusing non-finite labels is the reader's job
    (np.zeros((4, 2)), "regression"),  # several columns are regression targets, even of 0/1
    (np.array([[0, 1], [1, 0]]), "regression"),
], ids=lambda v: repr(v)[:30] if isinstance(v, str) else None)
def test_the_task_follows_the_issues_rule_and_its_edge_cases(labels, task):
    assert infer_task(labels) == task


def test_no_labels_have_no_task():
    with pytest.raises(ConfigError, match="no labels"):
        infer_task([])


@FAST
@given(st.integers(3, 30), st.integers(0, 10_000))
def test_every_index_0_to_k_minus_1_present_is_multiclass_and_a_gap_is_not(k, seed):
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.concatenate([np.arange(k), rng.integers(0, k, size=20)]))
    assert infer_task(labels.astype(float)) == "multiclass"
    assert infer_task(labels[labels != rng.integers(0, k - 1)]) == "regression"  # any class but the last


@FAST
@given(st.integers(2, 12), st.integers(1, 40), st.integers(0, 10_000))  # one column is binary: tested below
def test_class_indices_undo_one_hot(k, n, seed):
    indices = np.random.default_rng(seed).integers(0, k, size=n)
    targets = one_hot(indices, k)
    assert targets.shape == (n, k) and targets.dtype == np.float64
    assert (targets.sum(axis=1) == 1).all()
    np.testing.assert_array_equal(class_indices(targets), indices)
    np.testing.assert_array_equal(class_indices(encode_targets(indices[:, None].astype(float), "multiclass", k)),
                                  indices)


def test_one_hot_is_the_identity_rows_of_the_classes():
    np.testing.assert_array_equal(one_hot(np.array([[2.0], [0.0], [2.0]]), 3), [[0, 0, 1], [1, 0, 0], [0, 0, 1]])


def test_class_indices_of_outputs_take_the_largest_or_threshold_a_single_column_at_one_half():
    outputs = np.array([[0.2, 0.5, 0.3], [0.4, 0.4, 0.2], [0.1, 0.1, 0.8]])
    assert class_indices(outputs).tolist() == [1, 0, 2]  # a tie goes to the first
    assert class_indices(np.array([[0.49], [0.5], [0.9], [0.0]])).tolist() == [0, 1, 1, 0]
    with pytest.raises(ConfigError, match=r"shape \(n, k\)"):
        class_indices(np.array([0.2, 0.7]))


def test_binary_and_regression_targets_are_the_labels_as_columns():
    labels = np.array([0.0, 1.0, 1.0])
    targets = encode_targets(labels, "binary")
    assert targets.shape == (3, 1) and targets.tolist() == [[0], [1], [1]]
    np.testing.assert_array_equal(class_indices(targets), labels)
    column = np.array([[1.5], [-2.0]])
    targets = encode_targets(column, "regression")
    assert targets.tolist() == [[1.5], [-2.0]] and targets is not column
    assert encode_targets(np.ones((2, 3)), "regression").shape == (2, 3)


def test_the_inputs_are_never_changed():
    labels = np.array([[0.0], [2.0], [1.0]])
    labels.flags.writeable = False  # a write would raise
    encode_targets(labels, "multiclass", 3)
    one_hot(labels, 3)
    encode_targets(labels, "regression")[0, 0] = 9.0  # a copy
    assert labels.tolist() == [[0.0], [2.0], [1.0]]


@pytest.mark.parametrize("labels, task, k, fragment", [
    ([0, 2, 1], "binary", None, "label 2 in row 1 (counting from 0); labels must be 0 or 1"),
    ([0, 1, 3], "multiclass", 3, "label 3 in row 2 (counting from 0); class indices must be whole numbers from 0 to 2"),
    ([0, 1.5], "multiclass", 3, "label 1.5 in row 1"),
    ([-1, 1], "multiclass", 3, "label -1 in row 0"),
    ([[1.0, np.inf]], "regression", None, "label inf in row 0 (counting from 0); targets must be finite numbers"),
    ([[0, 1]], "binary", None, "binary labels must have shape (n, 1), got (1, 2)"),
    ([0, 1], "multiclass", None, "need the number of classes k"),
    ([0, 1], "ordinal", None, "task must be one of binary, multiclass, regression, got 'ordinal'"),
])
def test_a_label_the_task_cannot_take_is_one_line_naming_its_row_and_the_rule(labels, task, k, fragment):
    with pytest.raises(ConfigError) as caught:
        encode_targets(labels, task, k)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


def test_each_tasks_rule_and_where_labels_break_it():
    assert set(TASKS) == {"binary", "multiclass", "regression"}
    assert label_rule("multiclass") == "class indices must be whole numbers from 0"
    labels = np.array([0.0, 1.0, 2.0, -1.0, 0.5, np.nan])
    assert invalid_labels(labels, "binary").tolist() == [False, False, True, True, True, True]
    assert invalid_labels(labels, "multiclass").tolist() == [False, False, False, True, True, True]
    assert invalid_labels(labels, "multiclass", k=2).tolist() == [False, False, True, True, True, True]
    assert invalid_labels(labels, "regression").tolist() == [False] * 5 + [True]


def test_the_number_of_classes_comes_from_the_names_or_else_the_largest_index():
    assert count_classes(np.array([[0.0], [3.0]])) == 4  # forced multiclass: classes 1 and 2 have no point
    assert count_classes(np.array([[0.0], [1.0]]), ("ant", "bee", "cat")) == 3  # a subset may lack a class
    assert MAX_CLASSES >= 1000  # digits and ImageNet-sized label sets fit
