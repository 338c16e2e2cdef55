"""The lab's datasets, exactly as the issue defines them, and the dataset conformance check.

``xor``: for i in 0..10, (0.1i, 0.1i) labelled 0 and, except at i = 5,
(0.1i, 1 - 0.1i) labelled 1, in that order. ``linear``: n points (default 100)
uniform in the unit square, label 0 where x1 > x2, else 1.
"""

import numpy as np
import pytest

import fnn
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
