"""The built-in datasets, exactly as their definitions say, and the dataset contract for each task.

``xor``: for i in 0..10, (0.1i, 0.1i) labelled 0 and, except at i = 5,
(0.1i, 1 - 0.1i) labelled 1, in that order. ``linear``: n points (default 100)
uniform in the unit square, label 0 where x1 > x2, else 1. ``spiral`` with
two classes is TensorFlow Playground's set point for point, as it was before
it took ``classes``; ``plane`` and ``multigauss`` follow Playground's
``dataset.ts``.
"""

import math
import types

import numpy as np
import pytest

import fnn
from fnn.plugins import contracts
from fnn.testing import check_dataset

REGISTRY = fnn.registry()


def load(name, seed=0, **kwargs):
    return REGISTRY.dataset(name).load(np.random.default_rng(seed), **kwargs)


def lab_xor():
    points, labels = [], []
    for i in range(11):
        points.append((0.1 * i, 0.1 * i))
        labels.append(0.0)
        if i != 5:
            points.append((0.1 * i, 1 - 0.1 * i))
            labels.append(1.0)
    return np.array(points), np.array(labels).reshape(-1, 1)


@pytest.mark.parametrize("name", REGISTRY.names("dataset"))
def test_builtin_dataset_conforms(name):
    check_dataset(REGISTRY.dataset(name))


# ------------------------------------------------------------------------ xor

def test_xor_is_the_labs_21_points_in_order():
    x, y = load("xor")
    expected_x, expected_y = lab_xor()
    assert x.shape == (21, 2) and y.shape == (21, 1)
    assert x.dtype == np.float64 and y.dtype == np.float64
    np.testing.assert_allclose(x, expected_x, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(y, expected_y)


def test_xor_by_hand():
    x, y = load("xor")
    np.testing.assert_allclose(x[:4], [[0.0, 0.0], [0.0, 1.0], [0.1, 0.1], [0.1, 0.9]], atol=1e-15)
    np.testing.assert_allclose(x[-2:], [[1.0, 1.0], [1.0, 0.0]], atol=1e-15)
    assert y[:4, 0].tolist() == [0.0, 1.0, 0.0, 1.0]
    assert y[-2:, 0].tolist() == [0.0, 1.0]
    assert int(y.sum()) == 10
    # The centre (0.5, 0.5) is on both diagonals and appears once, labelled 0.
    centre = np.all(np.isclose(x, 0.5), axis=1)
    assert centre.sum() == 1 and y[centre, 0].tolist() == [0.0]


def test_xor_does_not_depend_on_the_seed():
    np.testing.assert_array_equal(load("xor", seed=0)[0], load("xor", seed=99)[0])


def test_xor_with_n_repeats_the_points_in_order():
    x, y = load("xor", n=47)
    base_x, base_y = lab_xor()
    assert x.shape == (47, 2) and y.shape == (47, 1)
    np.testing.assert_allclose(x, np.concatenate([base_x, base_x, base_x[:5]]), atol=1e-15)
    np.testing.assert_array_equal(y, np.concatenate([base_y, base_y, base_y[:5]]))
    assert load("xor", n=3)[0].shape == (3, 2)


# --------------------------------------------------------------------- linear

def test_linear_has_100_points_by_default_in_the_unit_square():
    x, y = load("linear")
    assert x.shape == (100, 2) and y.shape == (100, 1)
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert x.min() >= 0.0 and x.max() < 1.0


def test_linear_labels_are_0_where_x1_exceeds_x2_else_1():
    x, y = load("linear", n=500)
    expected = [0.0 if x1 > x2 else 1.0 for x1, x2 in x]
    assert y[:, 0].tolist() == expected
    assert 0.4 < y.mean() < 0.6


@pytest.mark.parametrize("n", [1, 7, 250])
def test_linear_honours_n(n):
    x, y = load("linear", n=n)
    assert x.shape == (n, 2) and y.shape == (n, 1)


def test_linear_is_uniform_in_the_unit_square():
    x, _ = load("linear", n=20000, seed=3)
    np.testing.assert_allclose(x.mean(axis=0), [0.5, 0.5], atol=0.01)
    np.testing.assert_allclose(x.std(axis=0), [np.sqrt(1 / 12)] * 2, rtol=0.02)
    counts, _ = np.histogram(x[:, 0], bins=10, range=(0, 1))
    assert counts.min() > 1800 and counts.max() < 2200


def test_linear_same_seed_same_data_other_seed_other_data():
    x, y = load("linear", seed=5)
    again_x, again_y = load("linear", seed=5)
    np.testing.assert_array_equal(x, again_x)
    np.testing.assert_array_equal(y, again_y)
    assert not np.array_equal(x, load("linear", seed=6)[0])


# ---------------------------------------------------------------------- noise

@pytest.mark.parametrize("name", ["linear", "xor"])
def test_noise_jitters_x_but_not_y(name):
    clean_x, clean_y = load(name, seed=2, n=4000)
    noisy_x, noisy_y = load(name, seed=2, n=4000, noise=0.1)
    np.testing.assert_array_equal(noisy_y, clean_y)
    assert np.std(noisy_x - clean_x) == pytest.approx(0.1, rel=0.05)
    assert abs(np.mean(noisy_x - clean_x)) < 0.01


def test_zero_noise_is_no_noise():
    np.testing.assert_array_equal(load("linear", seed=1, noise=0.0)[0], load("linear", seed=1)[0])


# ---------------------------------------------------- the kit catches bugs

def spec(name, load_fn):
    return fnn.DatasetSpec(name, load_fn)


def test_check_dataset_rejects_labels_other_than_0_and_1():
    def signs(rng, n=None, noise=0.0):
        x, y = load("linear", n=n, noise=noise)
        return x, 2 * y - 1

    with pytest.raises(AssertionError, match=r"'signs'.*gave labels -1; labels must be 0 or 1"):
        check_dataset(spec("signs", signs))


def test_check_dataset_rejects_flat_labels():
    def flat(rng, n=None, noise=0.0):
        x, y = REGISTRY.dataset("linear").load(rng, n=n, noise=noise)
        return x, y.ravel()

    with pytest.raises(AssertionError, match=r"y of shape \(n, 1\), got \(100, 2\) and \(100,\)"):
        check_dataset(spec("flat", flat))


def test_check_dataset_rejects_global_randomness():
    def global_rng(rng, n=None, noise=0.0):
        x = np.random.uniform(size=(n or 10, 2))
        return x, (x[:, :1] > 0.5).astype(np.float64)

    with pytest.raises(AssertionError, match="same seed gave different data"):
        check_dataset(spec("global_rng", global_rng))


def test_check_dataset_rejects_an_ignored_n_or_noise():
    def fixed(rng, n=None, noise=0.0):
        return load("xor")

    with pytest.raises(AssertionError, match=r"load\(rng, n=1\) gave 21 points, expected 1"):
        check_dataset(spec("fixed", fixed))

    def noiseless(rng, n=None, noise=0.0):
        return REGISTRY.dataset("xor").load(rng, n=n)

    with pytest.raises(AssertionError, match=r"'noiseless': load\(rng, noise=0.1\) must jitter x"):
        check_dataset(spec("noiseless", noiseless))


def test_check_dataset_rejects_float32():
    def single(rng, n=None, noise=0.0):
        x, y = REGISTRY.dataset("linear").load(rng, n=n, noise=noise)
        return x.astype(np.float32), y

    with pytest.raises(AssertionError, match="x must be a float64 ndarray, got ndarray float32"):
        check_dataset(spec("single", single))


# ---------------------------------------------------------- the record's task

@pytest.mark.parametrize("name, task, features", [
    ("spiral", "binary", ()), ("blobs", "multiclass", ()), ("plane", "regression", ()),
    ("multigauss", "regression", ()), ("sine", "regression", ("x",)), ("circle", "binary", ())])
def test_each_record_says_its_task_and_features(name, task, features):
    spec = REGISTRY.dataset(name)
    assert (spec.task, spec.features, spec.classes) == (task, features, ())
    assert spec.takes_classes == (name in ("spiral", "blobs"))


@pytest.mark.parametrize("name, shape_y", [("blobs", (200, 1)), ("plane", (200, 1)), ("multigauss", (200, 1)),
                                           ("sine", (200, 1))])
def test_new_sets_have_200_float64_points_and_honour_n(name, shape_y):
    x, y = load(name)
    assert x.shape == (200, len(REGISTRY.dataset(name).features) or 2) and y.shape == shape_y
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert load(name, n=37)[0].shape[0] == 37
    again = load(name)
    np.testing.assert_array_equal(x, again[0])
    np.testing.assert_array_equal(y, again[1])
    assert not np.array_equal(x, load(name, seed=1)[0])


# --------------------------------------------------------------------- spiral

def playground_spiral_before_classes(rng, n=None, noise=0.0):
    """A copy of ``spiral`` as it was before it took ``classes`` (commit 77e7fb6)."""
    n = 200 if n is None else n
    parts = []
    for label, count, turn in ((1.0, n // 2, 0.0), (0.0, n - n // 2, np.pi)):
        i = np.arange(count)
        r = i / count * 5.0
        t = 1.75 * i / count * 2 * np.pi + turn
        points = np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1, 1, size=(count, 2)) * noise
        parts.append((points, np.full((count, 1), label)))
    return np.concatenate([p for p, _ in parts]) / 5.0, np.concatenate([labels for _, labels in parts])


@pytest.mark.parametrize("n", [None, 1, 2, 7, 201, 500])
@pytest.mark.parametrize("noise", [0.0, 0.3])
@pytest.mark.parametrize("kwargs", [{}, {"classes": 2}])
def test_spiral_with_two_classes_is_todays_set_bit_for_bit(n, noise, kwargs):
    x, y = load("spiral", seed=4, n=n, noise=noise, **kwargs)
    expected_x, expected_y = playground_spiral_before_classes(np.random.default_rng(4), n, noise)
    assert x.tobytes() == expected_x.tobytes() and y.tobytes() == expected_y.tobytes()
    assert x.shape == expected_x.shape and y.shape == expected_y.shape


@pytest.mark.parametrize("k", [3, 4, 5])
def test_spiral_arm_of_class_c_is_turned_by_2pi_times_k_minus_1_minus_c_over_k(k):
    x, y = load("spiral", n=20 * k, classes=k)
    assert y[:, 0].tolist() == [float(c) for c in range(k - 1, -1, -1) for _ in range(20)]
    i = np.arange(20)
    for c in range(k):
        t = 1.75 * i / 20 * 2 * np.pi + 2 * np.pi * (k - 1 - c) / k
        r = i / 20
        arm = x[y[:, 0] == c]
        np.testing.assert_allclose(arm, np.column_stack([r * np.sin(t), r * np.cos(t)]), atol=1e-15)


# ---------------------------------------------------------------------- blobs

@pytest.mark.parametrize("name, classes", [("blobs", 2), ("blobs", 3), ("blobs", 7), ("spiral", 3), ("spiral", 4)])
@pytest.mark.parametrize("n", [200, 301, 10])
def test_classes_are_balanced_and_are_the_indices_0_to_k_minus_1(name, classes, n):
    _, y = load(name, n=n, classes=classes)
    counts = np.bincount(y[:, 0].astype(int), minlength=classes)
    assert len(counts) == classes and counts.sum() == n
    assert counts.max() - counts.min() <= 1
    assert np.array_equal(y, np.round(y))


def test_blobs_default_is_three_classes_in_order():
    _, y = load("blobs")
    assert y[:, 0].tolist() == [0.0] * 66 + [1.0] * 67 + [2.0] * 67


@pytest.mark.parametrize("k", [3, 5])
@pytest.mark.parametrize("noise, variance", [(0.0, 0.5), (0.5, 4.0)])
def test_blobs_are_gaussians_around_a_circle_of_radius_0_6(k, noise, variance):
    x, y = load("blobs", n=20000 * k, noise=noise, classes=k, seed=2)
    for c in range(k):
        cluster = x[y[:, 0] == c]
        angle = 2 * np.pi * c / k
        np.testing.assert_allclose(cluster.mean(axis=0), [0.6 * np.cos(angle), 0.6 * np.sin(angle)], atol=0.01)
        np.testing.assert_allclose(cluster.std(axis=0), [math.sqrt(variance) / 5] * 2, rtol=0.02)


@pytest.mark.parametrize("name", ["blobs", "spiral"])
@pytest.mark.parametrize("classes", [1, 0, -3, 2.5, True, "3"])
def test_fewer_than_two_classes_is_a_config_error(name, classes):
    with pytest.raises(fnn.ConfigError, match=rf"dataset '{name}': classes must be a whole number, 2 or more, "
                                              rf"got {classes!r}"):
        load(name, classes=classes)


# ---------------------------------------------------------- regression sets

def test_plane_target_is_playgrounds_x_plus_y_over_10():
    x, y = load("plane", n=1000)
    assert np.abs(x).max() <= 6 / 5
    np.testing.assert_allclose(y[:, 0], (5 * x[:, 0] + 5 * x[:, 1]) / 10, atol=1e-15)


def playground_multigauss_label(px, py):
    """``regressGaussian``'s getLabel from Playground's dataset.ts, point by point."""
    label = 0.0
    for cx, cy, sign in [(-4, 2.5, 1), (0, 2.5, -1), (4, 2.5, 1), (-4, -2.5, -1), (0, -2.5, 1), (4, -2.5, -1)]:
        scaled = min(max(1 - math.hypot(px - cx, py - cy) / 2, 0.0), 1.0)  # d3 linear [0, 2] -> [1, 0], clamped
        if abs(sign * scaled) > abs(label):
            label = sign * scaled
    return label


def test_multigauss_target_is_playgrounds_strongest_signed_bump():
    x, y = load("multigauss", n=2000)
    expected = [playground_multigauss_label(5 * a, 5 * b) for a, b in x]
    np.testing.assert_allclose(y[:, 0], expected, atol=1e-12)
    assert (y == 0).any() and y.max() > 0.8 and y.min() < -0.8


@pytest.mark.parametrize("name", ["plane", "multigauss"])
def test_regression_noise_moves_the_point_the_target_is_computed_at_not_the_point(name):
    clean_x, clean_y = load(name, seed=3, n=500)
    noisy_x, noisy_y = load(name, seed=3, n=500, noise=0.3)
    np.testing.assert_array_equal(noisy_x, clean_x)
    assert not np.array_equal(noisy_y, clean_y)
    if name == "plane":  # each coordinate moves by at most 0.3 * 6, the target by at most 2 * 1.8 / 10
        assert 0.3 < np.abs(noisy_y - clean_y).max() <= 0.36


def test_sine_is_one_period_plus_gaussian_noise():
    x, y = load("sine", n=20000, seed=1)
    assert x.shape == (20000, 1) and -1 <= x.min() and x.max() <= 1
    np.testing.assert_allclose(y, np.sin(np.pi * x), atol=1e-15)
    noisy_x, noisy_y = load("sine", n=20000, seed=1, noise=0.2)
    np.testing.assert_array_equal(noisy_x, x)
    assert np.std(noisy_y - y) == pytest.approx(0.2, rel=0.03)


# ------------------------------------------------- the contract for each task

def binary_plugin(rng, n=None, noise=0.0):
    """A third-party set as written before tasks existed: 0/1 labels and the default record."""
    x = rng.uniform(-1, 1, size=(40 if n is None else n, 2)) + rng.normal(0, noise, size=(40 if n is None else n, 2))
    return x, (x[:, :1] > 0).astype(np.float64)


def test_a_third_party_binary_set_with_the_default_record_keeps_working():
    record = fnn.DatasetSpec("halves", binary_plugin)
    check_dataset(record)
    contracts.check_dataset(record)
    plugin = types.ModuleType("fnn_halves")
    plugin.fnn_datasets = fnn.hookimpl(lambda: [record])
    registry = fnn.make_registry(plugins=[plugin], entry_points=False, disabled=(), strict=True)
    assert registry.dataset("halves") is record
    assert fnn.fit(dataset="halves", epochs=2, registry=registry).final.loss > 0


def with_labels(make_y, task="binary", classes=(), takes_classes=False):
    def load_fn(rng, n=None, noise=0.0, **kwargs):
        x, y = binary_plugin(rng, n, noise)
        return x, make_y(x, y, **kwargs)
    return fnn.DatasetSpec("made", load_fn, task=task, classes=classes, takes_classes=takes_classes)


def test_a_regression_record_takes_several_finite_targets():
    check_dataset(with_labels(lambda x, y: np.column_stack([x.sum(axis=1), x[:, 0] * 3]), task="regression"))


@pytest.mark.parametrize("record, message", [
    (with_labels(lambda x, y: y * 3, task="multiclass"), r"gave the labels \[0.0, 3.0\]; without class names every "
                                                        r"class index 0.0 to 3 must occur"),
    (with_labels(lambda x, y: y * 1.5, task="multiclass"), r"labels 1.5; multi-class labels must be class "
                                                          r"indices 0, 1"),
    (with_labels(lambda x, y: y * 2, task="multiclass", classes=("a", "b")),
     r"labels 2; multi-class labels must be class indices 0 to 1"),
    (with_labels(lambda x, y: y / 2, task="multiclass"), r"labels 0.5; multi-class labels must be class indices"),
    (with_labels(lambda x, y: y - 1, task="multiclass"), r"labels -1; multi-class"),
    (with_labels(lambda x, y: np.zeros_like(y), task="multiclass"), r"gave the single class 0; a multi-class set "
                                                                    r"needs labels of at least two classes"),
    (with_labels(lambda x, y: y + np.inf, task="regression"), r"targets with non-finite values \(first in row \d+\); "
                                                         r"regression targets must be finite numbers"),
    (with_labels(lambda x, y: y.ravel(), task="regression"), r"y of shape \(n, m\), got \(40, 2\) and \(40,\)"),
    (with_labels(lambda x, y, classes=2: y, takes_classes=True), r"load\(rng, classes=3\) gave the labels "
                                                                 r"\[0.0, 1.0\]; expected all 3 classes 0.0 to 2.0"),
], ids=["gap", "fraction-no-names", "beyond-names", "fraction", "negative", "one-class", "non-finite", "flat",
        "ignores-classes"])
def test_the_kit_says_what_breaks_each_tasks_contract(record, message):
    with pytest.raises(AssertionError, match=message):
        check_dataset(record)


@pytest.mark.parametrize("result, task, k, message", [
    ((np.zeros((5, 2)), np.full((5, 1), 2.0)), "binary", None, "labels 2; labels must be 0 or 1"),
    ((np.zeros((5, 2)), np.full((5, 1), 4.0)), "multiclass", 4, "labels 4; multi-class labels must be class "
                                                                "indices 0 to 3"),
    ((np.zeros((5, 2)), np.full((5, 1), 1.5)), "multiclass", None, "labels 1.5; multi-class labels must be"),
    ((np.zeros((5, 2)), np.full((5, 2), np.inf)), "regression", None,
     "targets with non-finite values (first in row 1)"),
    ((np.zeros((5, 2)), np.zeros((5, 2))), "binary", None, "y of shape (5, 2); expected (n, d) and (n, 1)"),
    ((np.zeros((5, 2)), np.zeros((5, 0))), "regression", None, "y of shape (5, 0); expected (n, d) and (n, m)"),
])
def test_the_load_time_check_says_what_breaks_each_tasks_contract(result, task, k, message):
    with pytest.raises(contracts.ContractBroken) as caught:
        contracts.check_data(result, 5, task, k)
    assert message in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("y, task, k", [(np.array([[0.0], [3.0], [1.0]]), "multiclass", None),
                                        (np.array([[0.0], [2.0], [1.0]]), "multiclass", 3),
                                        (np.array([[0.5, -7.0]] * 3), "regression", None),
                                        (np.array([[0.0], [1.0], [1.0]]), "binary", None)])
def test_the_load_time_check_passes_each_tasks_targets(y, task, k):
    x = np.zeros((3, 2))
    assert contracts.check_data((x, y), 3, task, k) == (x, y)


def test_the_load_time_check_of_a_record_probes_classes_3_when_it_takes_classes():
    ignores = with_labels(lambda x, y, classes=2: y + 5, takes_classes=True)
    with pytest.raises(contracts.ContractBroken, match=r"load\(rng, n=5\) gave labels 5"):
        contracts.check_dataset(ignores)
    bad_k = with_labels(lambda x, y, classes=2: y * 4 if classes == 3 else y, takes_classes=True)
    with pytest.raises(contracts.ContractBroken, match=r"load\(rng, n=5, classes=3\) gave labels 4; .* 0 to 2"):
        contracts.check_dataset(bad_k)


@pytest.mark.parametrize("spec_task, classes, task", [("binary", None, "binary"), ("multiclass", None, "multiclass"),
                                                      ("binary", 3, "multiclass"), ("multiclass", 2, "binary")])
def test_given_classes_the_labels_decide_the_task(spec_task, classes, task):
    assert contracts.task_of(fnn.DatasetSpec("s", binary_plugin, task=spec_task), classes) == task
