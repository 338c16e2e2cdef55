"""Built-in activations and losses: the conformance kit, exact values, and the kit's own failures.

Every registered activation and loss passes ``fnn.testing``; specific values
are checked against their textbook formulas; and ``check_activation`` /
``check_loss`` are shown to reject broken records with a message a plugin
author can act on (a checker that never fails would prove nothing).
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import fnn
from fnn.testing import check_activation, check_loss, numerical_gradient

REGISTRY = fnn.registry()
ACTIVATIONS = REGISTRY.names("activation")
LOSSES = REGISTRY.names("loss")
FAST = settings(derandomize=True, max_examples=40, deadline=None)


def act(name):
    return REGISTRY.activation(name)


def loss(name):
    return REGISTRY.loss(name)


def no_float_warnings():
    """Overflow, NaN and division warnings become errors (underflow to 0 is fine)."""
    return np.errstate(over="raise", invalid="raise", divide="raise", under="ignore")


# ------------------------------------------------------------ conformance kit

@pytest.mark.parametrize("name", ACTIVATIONS)
def test_builtin_activation_conforms(name):
    check_activation(act(name))


@pytest.mark.parametrize("name", LOSSES)
def test_builtin_loss_conforms(name):
    check_loss(loss(name))


@pytest.mark.parametrize("name", ACTIVATIONS)
@pytest.mark.parametrize("scalar", [np.float64(0.3), np.array(-1.7), np.float32(2.5)])
def test_builtin_activations_take_scalars_and_zero_dimensional_arrays(name, scalar):
    # In-place arithmetic must not assume an array: NumPy turns 0-d results into scalars.
    activation, vector = act(name), np.asarray(scalar).reshape(1)
    y = activation.forward(scalar)
    assert np.ndim(y) == 0 and np.asarray(y).dtype == vector.dtype
    assert np.asarray(y).item() == activation.forward(vector)[0]
    grad = activation.backward(scalar, y, scalar)
    assert np.ndim(grad) == 0 and np.asarray(grad).item() == activation.backward(vector, np.reshape(y, 1), vector)[0]


def test_numerical_gradient_of_a_cubic_leaves_x_alone():
    x = np.array([[-2.0, 0.5], [3.0, 10.0]])
    before = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v**3), x)
    np.testing.assert_allclose(grad, 3 * before**2, rtol=1e-6)
    np.testing.assert_array_equal(x, before)


# ------------------------------------------------------------ specific values

def test_sigmoid_of_zero_is_one_half():
    assert act("sigmoid").forward(np.array([0.0]))[0] == pytest.approx(0.5, abs=1e-15)


def test_sigmoid_matches_its_formula():
    x = np.linspace(-30, 30, 61)
    expected = [1.0 / (1.0 + math.exp(-v)) for v in x]
    np.testing.assert_allclose(act("sigmoid").forward(x), expected, rtol=1e-14)


@pytest.mark.parametrize("dtype, tiny", [(np.float64, 1e-300), (np.float32, 1e-37)])
def test_sigmoid_is_silent_and_saturated_at_plus_minus_1e4(dtype, tiny):
    x = np.array([-1e4, 1e4], dtype=dtype)
    with no_float_warnings(), warnings.catch_warnings():
        warnings.simplefilter("error")
        y = act("sigmoid").forward(x)
        grad = act("sigmoid").backward(x, y, np.ones(2, dtype=dtype))
    assert y.dtype == dtype
    assert 0.0 <= y[0] < tiny and y[1] == 1.0
    assert 0.0 <= grad[0] < tiny and grad[1] == 0.0


def test_tanh_matches_numpy_and_its_derivative():
    x = np.linspace(-4, 4, 17)
    y = act("tanh").forward(x)
    np.testing.assert_allclose(y, np.tanh(x), rtol=1e-15)
    np.testing.assert_allclose(act("tanh").backward(x, y, np.full_like(x, 2.0)), 2.0 / np.cosh(x) ** 2, rtol=1e-12)


def test_relu_values_and_zero_derivative_at_zero():
    x = np.array([-2.0, -0.0, 0.0, 3.0])
    relu = act("relu")
    y = relu.forward(x)
    np.testing.assert_array_equal(y, [0.0, 0.0, 0.0, 3.0])
    np.testing.assert_array_equal(relu.backward(x, y, np.full(4, 5.0)), [0.0, 0.0, 0.0, 5.0])


def test_leaky_relu_has_slope_one_hundredth():
    x = np.array([-200.0, -2.0, 0.5, 7.0])
    leaky = act("leaky_relu")
    y = leaky.forward(x)
    np.testing.assert_allclose(y, [-2.0, -0.02, 0.5, 7.0], rtol=1e-15)
    np.testing.assert_allclose(leaky.backward(x, y, np.full(4, 3.0)), [0.03, 0.03, 3.0, 3.0], rtol=1e-15)


@pytest.mark.parametrize("name", ["identity", "none"])
def test_identity_and_none_pass_values_and_gradients_through(name):
    x = np.array([[-1e4, -1.5], [0.0, 2.25]])
    grad_y = np.array([[0.3, -0.7], [1.0, 4.0]])
    identity = act(name)
    y = identity.forward(x)
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(identity.backward(x, y, grad_y), grad_y)


def test_mse_is_the_mean_of_squared_errors():
    pred = np.array([[0.2, 0.9, 0.4], [1.5, -0.5, 0.0]])
    target = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    squares = [(p - t) ** 2 for p, t in zip(pred.ravel(), target.ravel())]
    assert loss("mse").value(pred, target) == pytest.approx(sum(squares) / 6, rel=1e-15)
    np.testing.assert_allclose(loss("mse").grad(pred, target), 2 * (pred - target) / 6, rtol=1e-15)


def test_bce_matches_its_formula_inside_zero_one():
    pred = np.array([[0.1], [0.35], [0.8], [0.999]])
    target = np.array([[0.0], [1.0], [1.0], [0.0]])
    terms = [t * math.log(p) + (1 - t) * math.log(1 - p) for p, t in zip(pred.ravel(), target.ravel())]
    assert loss("bce").value(pred, target) == pytest.approx(-sum(terms) / 4, rel=1e-13)
    expected_grad = (pred - target) / (pred * (1 - pred)) / 4
    np.testing.assert_allclose(loss("bce").grad(pred, target), expected_grad, rtol=1e-12)


def test_bce_is_finite_and_silent_at_exactly_zero_and_one():
    pred = np.array([[0.0], [1.0], [0.0], [1.0]])
    target = np.array([[0.0], [1.0], [1.0], [0.0]])
    with no_float_warnings(), warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss("bce").value(pred, target)
        grad = loss("bce").grad(pred, target)
    assert math.isfinite(value) and value > 0
    assert np.isfinite(grad).all()
    # Right answers at the edges cost nothing; wrong ones are pushed the right way.
    assert loss("bce").value(pred[:2], target[:2]) == 0.0
    assert grad[2, 0] < 0 < grad[3, 0]


# ------------------------------------------------- random shapes (hypothesis)

@FAST
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=5),
                    elements=st.floats(0.05, 40.0) | st.floats(-40.0, -0.05)))
def test_every_activation_backward_matches_finite_differences_on_random_arrays(x):
    grad_y = np.cos(np.arange(x.size)).reshape(x.shape) + 1.5
    for name in ACTIVATIONS:
        a = act(name)
        got = a.backward(x, a.forward(x), grad_y)
        expected = numerical_gradient(lambda v: np.sum(a.forward(v) * grad_y), x)  # noqa: B023 (called at once)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7, err_msg=name)


@FAST
@given(shape=hnp.array_shapes(min_dims=2, max_dims=2, max_side=6), seed=st.integers(0, 2**16))
def test_every_loss_grad_matches_finite_differences_on_random_shapes(shape, seed):
    pred, target = _predictions_and_labels(shape, seed)
    for name in LOSSES:
        expected = numerical_gradient(lambda p: loss(name).value(p, target), pred)  # noqa: B023 (called at once)
        np.testing.assert_allclose(loss(name).grad(pred, target), expected, rtol=1e-5, atol=1e-9, err_msg=name)


@FAST
@given(shape=hnp.array_shapes(min_dims=2, max_dims=3, max_side=6), seed=st.integers(0, 2**16))
def test_value_and_grad_gives_what_value_and_grad_give(shape, seed):
    # The training loop takes both from value_and_grad where a loss has it; stacked (M, n, k) too.
    pred, target = _predictions_and_labels(shape, seed)
    for name in LOSSES:
        both = loss(name).value_and_grad
        if both is not None:
            value, grad = both(pred, target)
            assert np.array_equal(value, loss(name).value(pred, target)), name
            assert np.array_equal(grad, loss(name).grad(pred, target)), name


@pytest.mark.parametrize("stacked", [False, True])
def test_training_takes_the_same_steps_with_or_without_value_and_grad(stacked):
    mse = loss("mse")
    apart = fnn.Loss("mse_apart", mse.value, mse.grad)
    params = fnn.init_params((2, 3, 1), seed=4)
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(9, 2)), rng.integers(0, 2, (9, 1)).astype(np.float64)
    if stacked:  # two models with a leading axis, as fnn sweep trains them
        params = fnn.Params({k: np.stack([v, v + 0.1]) if k[0] == "W" else np.stack([v, v])[:, None]
                             for k, v in params.items()})
        x, y = np.stack([x, -x]), np.stack([y, y])
    runs = [list(fnn.train(params, x, y, optimizer=fnn.builtin.optimizers.sgd(0.5), epochs=20, loss=chosen))
            for chosen in (mse, apart)]
    for together, separate in zip(*runs):
        assert np.array_equal(together.loss, separate.loss) and np.array_equal(together.accuracy, separate.accuracy)
        assert all(np.array_equal(together.params[k], separate.params[k]) for k in params)


def _predictions_and_labels(shape, seed):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.02, 0.98, shape), rng.integers(0, 2, shape).astype(np.float64)


# ------------------------------------------------------ the kit catches bugs

def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


def test_check_activation_rejects_a_wrong_derivative():
    wrong = fnn.Activation("bad_tanh", np.tanh, lambda x, y, grad_y: grad_y * (1.0 - y))
    with pytest.raises(AssertionError) as caught:
        check_activation(wrong)
    message = str(caught.value)
    for part in ("'bad_tanh'", "backward", "finite differences", "expected", "got", "max abs error", "x["):
        assert part in message


def test_check_activation_rejects_writing_into_the_input():
    def relu_in_place(x):
        return np.maximum(x, 0.0, out=x)

    mutating = fnn.Activation("relu_in_place", relu_in_place, lambda x, y, grad_y: grad_y * (x > 0))
    with pytest.raises(AssertionError, match=r"'relu_in_place': forward\(x\) wrote into its argument x"):
        check_activation(mutating)


def test_check_activation_rejects_a_backward_that_writes_into_grad_y():
    def backward(x, y, grad_y):
        grad_y *= y * (1.0 - y)
        return grad_y

    mutating = fnn.Activation("sigmoid_in_place", sigmoid, backward)
    with pytest.raises(AssertionError, match="wrote into its argument grad_y"):
        check_activation(mutating)


def test_check_activation_rejects_overflow_at_large_inputs():
    naive = fnn.Activation("naive_sigmoid", lambda x: 1.0 / (1.0 + np.exp(-x)),
                           lambda x, y, grad_y: grad_y * y * (1.0 - y))
    with pytest.raises(AssertionError, match=r"'naive_sigmoid'.*1e4.*overflow"):
        check_activation(naive)


def test_check_activation_rejects_a_changed_shape():
    summing = fnn.Activation("summing", lambda x: x.sum(axis=-1), lambda x, y, grad_y: grad_y)
    with pytest.raises(AssertionError, match=r"returned shape \(\), expected \(7,\)"):
        check_activation(summing)


def test_check_loss_rejects_a_wrong_gradient():
    wrong = fnn.Loss("mse_no_mean_grad", lambda p, t: float(np.mean((p - t) ** 2)), lambda p, t: 2.0 * (p - t))
    with pytest.raises(AssertionError, match=r"'mse_no_mean_grad': grad.*expected .* but got .*max abs error"):
        check_loss(wrong)


def test_check_loss_rejects_a_sum_instead_of_a_mean():
    summed = fnn.Loss("sse", lambda p, t: float(np.sum((p - t) ** 2)), lambda p, t: 2.0 * (p - t))
    with pytest.raises(AssertionError, match="must be a mean"):
        check_loss(summed)


def test_check_loss_rejects_log_of_zero():
    def naive_bce(p, t):
        return float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))

    naive = fnn.Loss("naive_bce", naive_bce, lambda p, t: (p - t) / (p * (1 - p)) / p.size)
    with pytest.raises(AssertionError, match=r"'naive_bce' \(predictions exactly 0 and 1\).*divide by zero"):
        check_loss(naive)


def test_check_loss_rejects_an_array_value_and_a_mutating_grad():
    as_array = fnn.Loss("as_array", lambda p, t: np.mean((p - t) ** 2, keepdims=True), loss("mse").grad)
    with pytest.raises(AssertionError, match="must return a float, got ndarray"):
        check_loss(as_array)

    def grad_in_place(p, t):
        p -= t
        return p * (2.0 / p.size)

    mutating = fnn.Loss("mse_in_place", loss("mse").value, grad_in_place)
    with pytest.raises(AssertionError, match="wrote into its argument pred"):
        check_loss(mutating)


def test_check_loss_rejects_a_value_and_grad_that_disagrees():
    mse = loss("mse")
    halved = fnn.Loss("mse_halved", mse.value, mse.grad, "", lambda p, t: (mse.value(p, t), 0.5 * mse.grad(p, t)))
    with pytest.raises(AssertionError, match=r"value_and_grad\(pred, target\)\[1\] against grad"):
        check_loss(halved)
    unpaired = fnn.Loss("mse_value_only", mse.value, mse.grad, "", mse.value)
    with pytest.raises(AssertionError, match=r"must return a \(value, grad\) pair"):
        check_loss(unpaired)
