"""The network: backward against finite differences, forward/predict, and init_params.

``fnn.backward`` is checked entry by entry against central finite differences
of the loss for every hidden activation, both losses and 1 to 4 hidden layers;
``init_params`` for its validation, its initialisers' statistics and its seeding.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fnn
from fnn.testing import numerical_gradient

ACTIVATIONS = fnn.registry().names("activation")
HEADS = [("mse", "sigmoid"), ("mse", "identity"), ("bce", "sigmoid")]
HIDDEN = [(3,), (4, 3), (3, 4, 2), (2, 3, 3, 2)]


def random_params(sizes, seed):
    """Parameters with nonzero biases, so that the bias gradients are really exercised."""
    rng = np.random.default_rng(seed)
    params = fnn.init_params(sizes, seed=rng, init="normal")
    return fnn.Params({key: value + rng.normal(0.0, 0.5, value.shape) if key.startswith("b") else value
                       for key, value in params.items()})


def replaced(params, key, value):
    return fnn.Params({**params, key: value})


def check_backward(sizes, activation, loss_name, output, seed=0, n=5):
    rng = np.random.default_rng(seed + 100)
    params = random_params(sizes, seed)
    x = rng.uniform(-1.0, 1.0, (n, sizes[0]))
    y = rng.integers(0, 2, (n, sizes[-1])).astype(np.float64)
    loss = fnn.registry().loss(loss_name)
    y_hat, cache = fnn.forward(params, x, activation, output)
    grads = fnn.backward(params, cache, loss.grad(y_hat, y))
    assert list(grads) == list(params)
    for key in params:
        def loss_at(value, key=key):
            return loss.value(fnn.predict(replaced(params, key, value), x, activation, output), y)

        expected = numerical_gradient(loss_at, params[key])
        np.testing.assert_allclose(grads[key], expected, rtol=1e-5, atol=1e-8,
                                   err_msg=f"{key} for {activation}/{loss_name}/{output} sizes {sizes}")


@pytest.mark.parametrize("hidden", HIDDEN, ids=lambda h: f"{len(h)}-hidden")
@pytest.mark.parametrize("loss_name,output", HEADS, ids=lambda v: v)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_matches_finite_differences(activation, loss_name, output, hidden):
    check_backward((2, *hidden, 1), activation, loss_name, output)


@settings(derandomize=True, max_examples=25, deadline=None)
@given(sizes=st.lists(st.integers(1, 4), min_size=2, max_size=5), seed=st.integers(0, 1000),
       activation=st.sampled_from(["sigmoid", "tanh", "identity"]))
def test_backward_matches_finite_differences_for_random_architectures(sizes, seed, activation):
    # Smooth activations only: a random draw may put a pre-activation within a step of relu's kink.
    check_backward(tuple(sizes), activation, "mse", "identity", seed=seed, n=3)


def test_params_and_grads_have_the_layer_shapes():
    params = fnn.init_params((2, 4, 8, 1), seed=0)
    expected = {"W1": (2, 4), "b1": (4,), "W2": (4, 8), "b2": (8,), "W3": (8, 1), "b3": (1,)}
    assert {key: value.shape for key, value in params.items()} == expected
    assert list(params) == list(expected)
    x = np.zeros((5, 2))
    y_hat, cache = fnn.forward(params, x)
    assert y_hat.shape == (5, 1)
    grads = fnn.backward(params, cache, np.ones((5, 1)))
    assert {key: value.shape for key, value in grads.items()} == expected
    assert list(grads) == list(expected)


@pytest.mark.parametrize("sizes", [(), (2,), (2, 0, 1), (2, -3, 1), (0, 1), (2, 2.5, 1), (2, True, 1), (2, "4", 1)])
def test_init_params_rejects_bad_sizes(sizes):
    with pytest.raises(fnn.ConfigError, match="layer sizes"):
        fnn.init_params(sizes)


def test_init_params_rejects_an_unknown_initialiser_with_the_choices():
    with pytest.raises(fnn.UnknownNameError, match=r"unknown initialiser 'xavir'.*he, normal, uniform, xavier.*"
                                                   r"did you mean 'xavier'"):
        fnn.init_params((2, 3, 1), init="xavir")


@pytest.mark.parametrize("x", [np.zeros((4, 3)), np.zeros((4, 1)), np.zeros(2), np.zeros((1, 4, 2))],
                         ids=["too-wide", "too-narrow", "1-d", "3-d"])
def test_forward_rejects_the_wrong_input_shape(x):
    params = fnn.init_params((2, 3, 1))
    with pytest.raises(fnn.ConfigError, match=r"input must have shape \(n, 2\)"):
        fnn.forward(params, x)


def test_forward_computes_the_layers_by_hand():
    params = fnn.Params({"W1": [[1.0, -1.0], [0.5, 2.0]], "b1": [0.1, -0.2], "W2": [[2.0], [-3.0]], "b2": [0.25]})
    x = np.array([[1.0, 2.0]])
    hidden = np.tanh(np.array([1.0 + 1.0 + 0.1, -1.0 + 4.0 - 0.2]))
    expected = 1.0 / (1.0 + np.exp(-(2.0 * hidden[0] - 3.0 * hidden[1] + 0.25)))
    y_hat, cache = fnn.forward(params, x, activation="tanh", output="sigmoid")
    np.testing.assert_allclose(y_hat, [[expected]], rtol=1e-14)
    # The cache holds each layer's input, pre-activation and output, first layer first (the README says so).
    np.testing.assert_allclose(cache.z[0], [[2.1, 2.8]], rtol=1e-14)
    np.testing.assert_allclose(cache.a[0], [hidden], rtol=1e-14)
    assert np.array_equal(cache.a_prev[0], x) and cache.a_prev[1] is cache.a[0]
    assert cache.a[-1] is y_hat and [a.name for a in cache.activations] == ["tanh", "sigmoid"]


def test_backward_computes_the_layers_by_hand():
    # The lab's formulas, with plain matmul and sums: backward's _matmul (ndarray.dot) must give the same.
    params = fnn.init_params((3, 4, 2), seed=2)
    x = np.random.default_rng(2).normal(size=(5, 3))
    y_hat, cache = fnn.forward(params, x, "tanh", "sigmoid")
    grad_y = y_hat - 0.5
    grad_z2 = y_hat * (1 - y_hat) * grad_y
    a1 = cache.a[0]
    grad_z1 = (1 - a1**2) * (grad_z2 @ params["W2"].T)
    expected = {"W1": x.T @ grad_z1, "b1": grad_z1.sum(axis=0), "W2": a1.T @ grad_z2, "b2": grad_z2.sum(axis=0)}
    grads = fnn.backward(params, cache, grad_y)
    assert list(grads) == ["W1", "b1", "W2", "b2"]
    for key, value in expected.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shapes", [((4, 3), (3, 2)), ((5, 4, 3), (5, 3, 2))])
def test_backwards_speed_helpers_equal_the_plain_formulas(shapes):
    from fnn.core.network import _matmul, _sum_over_points

    rng = np.random.default_rng(0)
    a, b = (rng.normal(size=shape) for shape in shapes)
    np.testing.assert_allclose(_matmul(a, b), a @ b, rtol=1e-14, atol=1e-15)
    stacked = a.ndim > 2
    assert np.array_equal(_sum_over_points(a, stacked), a.sum(axis=-2, keepdims=stacked))


def test_forward_accepts_activation_records_as_well_as_names():
    params = random_params((2, 3, 1), 0)
    x = np.random.default_rng(0).normal(size=(4, 2))
    tanh = fnn.registry().activation("tanh")
    by_name, _ = fnn.forward(params, x, "tanh", "identity")
    by_record, _ = fnn.forward(params, x, tanh, fnn.registry().activation("identity"))
    np.testing.assert_array_equal(by_name, by_record)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_predict_equals_forwards_output(activation):
    params = random_params((2, 4, 3, 1), 1)
    x = np.random.default_rng(1).normal(size=(6, 2))
    y_hat, _ = fnn.forward(params, x, activation, "sigmoid")
    np.testing.assert_array_equal(fnn.predict(params, x, activation, "sigmoid"), y_hat)


# ------------------------------------------------------------- initialisers

FAN_IN, FAN_OUT = 300, 200


def first_weights(init):
    params = fnn.init_params((FAN_IN, FAN_OUT, 50), seed=3, init=init)
    for key in ("b1", "b2"):
        np.testing.assert_array_equal(params[key], np.zeros(params[key].shape))
    return params["W1"]


def test_xavier_is_uniform_within_its_bound():
    bound = np.sqrt(6.0 / (FAN_IN + FAN_OUT))
    w = first_weights("xavier")
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.99 * bound
    assert w.std() == pytest.approx(bound / np.sqrt(3.0), rel=0.02)
    assert abs(w.mean()) < 0.01 * bound


def test_he_is_normal_with_std_sqrt_two_over_fan_in():
    std = np.sqrt(2.0 / FAN_IN)
    w = first_weights("he")
    assert w.std() == pytest.approx(std, rel=0.02)
    assert abs(w.mean()) < 0.02 * std
    # A normal's fourth moment is 3 std^4, a uniform's only 1.8 std^4.
    assert np.mean(w**4) / w.var() ** 2 == pytest.approx(3.0, rel=0.05)


def test_uniform_is_within_one_half():
    w = first_weights("uniform")
    assert np.abs(w).max() <= 0.5
    assert np.abs(w).max() > 0.499
    assert w.std() == pytest.approx(np.sqrt(1.0 / 12.0), rel=0.02)


def test_normal_has_std_one():
    w = first_weights("normal")
    assert w.std() == pytest.approx(1.0, rel=0.02)
    assert abs(w.mean()) < 0.02


def test_same_seed_same_params_other_seed_other_params():
    assert fnn.init_params((2, 4, 8, 1), seed=7) == fnn.init_params((2, 4, 8, 1), seed=7)
    assert fnn.init_params((2, 4, 8, 1), seed=7) != fnn.init_params((2, 4, 8, 1), seed=8)


def test_a_generator_is_accepted_as_seed():
    a = fnn.init_params((2, 4, 1), seed=np.random.default_rng(5))
    b = fnn.init_params((2, 4, 1), seed=np.random.default_rng(5))
    assert a == b
    assert a != fnn.init_params((2, 4, 1), seed=np.random.default_rng(6))


def test_a_custom_initialiser_function_is_used():
    params = fnn.init_params((2, 3, 1), init=lambda rng, fan_in, fan_out: np.full((fan_in, fan_out), 0.25))
    np.testing.assert_array_equal(params["W1"], np.full((2, 3), 0.25))
    np.testing.assert_array_equal(params["W2"], np.full((3, 1), 0.25))


@pytest.mark.parametrize("sizes", [(2, 1), (2, 3, 1)])
def test_backward_rejects_a_grad_y_of_the_wrong_shape(sizes):
    params = fnn.init_params(sizes)
    _, cache = fnn.forward(params, np.ones((4, 2)))
    # Broadcasting an (n,) gradient against the (n, 1) output would give wrong shapes silently.
    with pytest.raises(fnn.ConfigError, match=r"grad_y must have the output's shape \(4, 1\), got \(4,\)"):
        fnn.backward(params, cache, np.ones(4))
