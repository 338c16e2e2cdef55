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
from fnn.builtin.activations import _sigmoid_backward_in_place, _sigmoid_in_place, sigmoid_backward
from fnn.builtin.activations import sigmoid as sigmoid_formula
from fnn.plugins.contracts import ContractBroken
from fnn.plugins.contracts import check_activation as check_activation_contract
from fnn.testing import check_activation, check_loss, numerical_gradient

REGISTRY = fnn.registry()
ACTIVATIONS = REGISTRY.names("activation")
ROW_WISE = ("softmax",)  # mixes each row's outputs over the last axis; every other built-in is elementwise
ELEMENTWISE = [name for name in ACTIVATIONS if name not in ROW_WISE]
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


@pytest.mark.parametrize("name", ELEMENTWISE)  # a scalar has no row to take a softmax over
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


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_builtins_raise_no_floating_point_flag_at_plus_minus_1000(dtype):
    # Activations not even underflow: sigmoid stops at e^-708 (e^-87 in float32), a normal number.
    z = np.array([[-1000.0], [-30.0], [0.0], [30.0], [1000.0]], dtype=dtype)
    target = np.array([[0.0], [1.0], [0.0], [1.0], [0.0]], dtype=dtype)
    with np.errstate(all="raise"):
        for name in ACTIVATIONS:
            a = act(name).forward(z)
            grad_z = act(name).backward(z, a, np.ones_like(z))
            assert a.dtype == grad_z.dtype == dtype and np.isfinite(a).all() and np.isfinite(grad_z).all(), name
        p = act("sigmoid").forward(z)
    with no_float_warnings():  # squaring e^-708 rightly underflows to 0 in mse
        for name in LOSSES:
            assert np.isfinite(loss(name).value(p, target)) and np.isfinite(loss(name).grad(p, target)).all(), name


def test_sigmoid_and_its_derivative_are_their_formulas():
    z = np.linspace(-700.0, 700.0, 281)
    a = sigmoid_formula(z)
    assert np.array_equal(a, 1 / (1 + np.exp(-z)))
    assert np.array_equal(act("sigmoid").backward(None, a, np.full_like(z, 3.0)), a * (1 - a) * 3.0)


@pytest.mark.parametrize("dtype, ulps", [(np.float64, 4), (np.float32, 4)])
def test_the_registered_sigmoid_is_the_formula_to_a_few_ulp(dtype, ulps):
    # It is the speed trick of fnn.builtin.activations, in place of the formula.
    assert act("sigmoid").forward is _sigmoid_in_place
    z = np.concatenate([np.linspace(-1000.0, 1000.0, 20001), np.linspace(-5.0, 5.0, 1001)]).astype(dtype)
    with np.errstate(all="raise"):
        fast = _sigmoid_in_place(z)
    plain = sigmoid_formula(z)
    assert fast.dtype == dtype
    assert (np.abs(fast - plain) <= ulps * np.spacing(np.maximum(fast, plain))).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_registered_sigmoid_backward_is_the_formula_exactly(dtype):
    # The other speed trick: the same products in another order and in one array, so the same numbers.
    assert act("sigmoid").backward is _sigmoid_backward_in_place
    rng = np.random.default_rng(0)
    a = _sigmoid_in_place(rng.normal(0.0, 5.0, (3, 21, 8)).astype(dtype))  # stacked: a leading model axis
    grad_a = rng.normal(0.0, 1.0, a.shape).astype(dtype)
    a.setflags(write=False)
    grad_a.setflags(write=False)  # the inputs stay untouched: it works in an array of its own
    fast = _sigmoid_backward_in_place(None, a, grad_a)
    assert fast.dtype == dtype and np.array_equal(fast, sigmoid_backward(None, a, grad_a))
    # Inputs it cannot multiply in place (broadcasting, another dtype, lists) get the formula's result.
    for other in (grad_a[0, :1], grad_a.astype(np.float64 if dtype == np.float32 else np.float32), grad_a.tolist()):
        assert np.array_equal(_sigmoid_backward_in_place(None, a, other), sigmoid_backward(None, a, np.asarray(other)))
    assert _sigmoid_backward_in_place(None, 0.25, 2.0) == sigmoid_backward(None, 0.25, 2.0)


def test_builtin_activations_read_only_their_output():
    # The forward pass then keeps no pre-activation z for them (the output is kept anyway).
    assert {name: act(name).backward_uses for name in ACTIVATIONS} == {
        "identity": "neither", "leaky_relu": "a", "none": "neither", "relu": "a", "sigmoid": "a", "softmax": "a",
        "tanh": "a"}


def test_an_activation_refuses_an_unknown_backward_uses():
    with pytest.raises(fnn.ConfigError, match=r"'odd': backward_uses must be one of 'z', 'a', 'both', 'neither'"):
        fnn.Activation("odd", np.tanh, lambda z, a, grad_a: grad_a, backward_uses="output")


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


def one_hot(labels, k):
    return np.eye(k)[labels]


def test_softmax_is_its_formula_row_by_row():
    z = np.array([[1.0, 2.0, 3.0], [-0.5, 0.0, 0.5], [4.0, 4.0, 4.0]])
    expected = [[math.exp(v) / sum(math.exp(w) for w in row) for v in row] for row in z]
    a = act("softmax").forward(z)
    np.testing.assert_allclose(a, expected, rtol=1e-14)
    np.testing.assert_allclose(a.sum(axis=-1), 1.0, rtol=1e-15)


def test_softmax_backward_is_the_jacobian_times_grad_a():
    # da_i/dz_j = a_i (δ_ij - a_j): the full Jacobian of each row, applied to its grad_a.
    rng = np.random.default_rng(3)
    z, grad_a = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    a = act("softmax").forward(z)
    expected = np.stack([(np.diag(row) - np.outer(row, row)).T @ g for row, g in zip(a, grad_a)])
    np.testing.assert_allclose(act("softmax").backward(None, a, grad_a), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_softmax_is_silent_and_right_for_logits_at_the_ends_of_the_float_range(dtype):
    big = np.finfo(dtype).max / 2  # 1e308 in float64
    z = np.array([[big, -big, 0.0], [-big, -big, -big], [big, big, -big], [-big, 0.0, 1.0]], dtype=dtype)
    with no_float_warnings(), warnings.catch_warnings():
        warnings.simplefilter("error")
        a = act("softmax").forward(z)
        grad = act("softmax").backward(None, a, np.ones_like(z))
    assert a.dtype == dtype
    np.testing.assert_allclose(a[:3], [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.5, 0]], rtol=1e-6)
    np.testing.assert_allclose(a[3], [0.0, 1 / (1 + math.e), math.e / (1 + math.e)], rtol=1e-6)
    assert np.isfinite(grad).all()


def test_softmax_and_the_losses_take_stacked_models_row_by_row():
    # fnn sweep stacks models along a leading axis: (M, n, k) must give each model's own rows.
    rng = np.random.default_rng(4)
    z, grad_a = rng.normal(size=(3, 4, 5)), rng.normal(size=(3, 4, 5))
    softmax = act("softmax")
    a = softmax.forward(z)
    assert np.array_equal(a, np.stack([softmax.forward(m) for m in z]))
    assert np.array_equal(softmax.backward(None, a, grad_a), np.stack([softmax.backward(None, m, g)
                                                                       for m, g in zip(a, grad_a)]))
    target = one_hot(rng.integers(0, 5, (3, 4)), 5)
    for name in LOSSES:
        if loss(name).stacks:
            values = loss(name).value(a, target)
            assert values.shape == (3,), name
            np.testing.assert_allclose(values, [loss(name).value(p, t) for p, t in zip(a, target)], rtol=1e-14)
            np.testing.assert_allclose(loss(name).grad(a, target),
                                       np.stack([loss(name).grad(p, t) for p, t in zip(a, target)]), rtol=1e-14)


def test_cross_entropy_is_the_mean_over_points_of_a_sum_over_classes():
    pred = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    target = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    cross_entropy = loss("cross_entropy")
    assert cross_entropy.value(pred, target) == pytest.approx(-(math.log(0.7) + math.log(0.3)) / 2, rel=1e-15)
    np.testing.assert_allclose(cross_entropy.grad(pred, target), -target / pred / 2, rtol=1e-15)


def test_cross_entropy_is_finite_and_silent_at_a_zero_probability():
    # log clamped at -100 as in PyTorch's BCELoss: a certain wrong answer costs 100, not inf.
    pred = np.array([[0.0, 1.0], [1.0, 0.0]])
    target = np.array([[1.0, 0.0], [1.0, 0.0]])
    with no_float_warnings(), warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss("cross_entropy").value(pred, target)
        grad = loss("cross_entropy").grad(pred, target)
    assert value == pytest.approx(100.0 / 2)
    assert np.isfinite(grad).all() and grad[0, 0] == -1e12 / 2 and grad[1, 0] == -0.5


@pytest.mark.parametrize("name, activation", [("bce", "sigmoid"), ("cross_entropy", "softmax")])
def test_probability_losses_refuse_predictions_outside_zero_one(name, activation):
    pred, target = np.array([[1.5, -0.5]]), np.array([[1.0, 0.0]])
    with pytest.raises(fnn.ConfigError, match=rf"^{name} needs predictions in \[0, 1\], got values in \[-0.5, 1.5\]; "
                                              rf"use a {activation} output activation$"):
        loss(name).value(pred, target)


def test_softmax_then_cross_entropy_has_the_gradient_p_minus_y_over_n_wrt_the_logits():
    # Through the actual backward of softmax on cross_entropy's gradient, as fnn's backward pass does.
    rng = np.random.default_rng(5)
    z = rng.normal(size=(6, 4)) * 3
    y = one_hot(rng.integers(0, 4, 6), 4)
    p = act("softmax").forward(z)
    grad_z = act("softmax").backward(None, p, loss("cross_entropy").grad(p, y))
    np.testing.assert_allclose(grad_z, (p - y) / 6, rtol=1e-12, atol=1e-16)
    expected = numerical_gradient(lambda v: loss("cross_entropy").value(act("softmax").forward(v), y), z)
    np.testing.assert_allclose(grad_z, expected, rtol=1e-6, atol=1e-9)


def test_mae_is_the_mean_absolute_error_with_subgradient_zero_at_zero():
    pred = np.array([[0.5, -1.0], [2.0, 3.0]])
    target = np.array([[0.0, 1.0], [2.0, 0.0]])
    assert loss("mae").value(pred, target) == pytest.approx((0.5 + 2.0 + 0.0 + 3.0) / 4, rel=1e-15)
    np.testing.assert_array_equal(loss("mae").grad(pred, target), [[0.25, -0.25], [0.0, 0.25]])


def test_huber_is_quadratic_inside_delta_and_linear_outside():
    # PyTorch's HuberLoss(delta=1), equal to its SmoothL1Loss(beta=1).
    error = np.array([[-3.0, -1.0, -0.5, 0.0, 0.25, 1.0, 2.0]])
    expected = [2.5, 0.5, 0.125, 0.0, 0.03125, 0.5, 1.5]
    assert loss("huber").value(error, np.zeros_like(error)) == pytest.approx(sum(expected) / 7, rel=1e-15)
    np.testing.assert_allclose(loss("huber").grad(error, np.zeros_like(error)),
                               np.array([[-1.0, -1.0, -0.5, 0.0, 0.25, 1.0, 1.0]]) / 7, rtol=1e-15)


@pytest.mark.parametrize("name", ["mae", "huber"])
def test_regression_losses_match_finite_differences_off_their_kinks(name):
    # Errors from -3 to 3, beyond huber's delta, kept 0.05 away from the kinks at 0 (both) and ±1 (huber).
    rng = np.random.default_rng(6)
    error = rng.uniform(0.05, 3.0, (7, 3)) * rng.choice([-1.0, 1.0], (7, 3))
    error[np.abs(np.abs(error) - 1.0) < 0.05] += 0.1
    target = rng.normal(size=(7, 3))
    pred = target + error
    expected = numerical_gradient(lambda p: loss(name).value(p, target), pred)
    np.testing.assert_allclose(loss(name).grad(pred, target), expected, rtol=1e-6, atol=1e-10)


# ------------------------------------------------------- against PyTorch (float64)

def test_softmax_and_cross_entropy_match_torch_on_the_same_logits():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    z = rng.normal(size=(10, 4)) * 4
    labels = rng.integers(0, 4, 10)
    p = act("softmax").forward(z)
    value = loss("cross_entropy").value(p, one_hot(labels, 4))
    grad_z = act("softmax").backward(None, p, loss("cross_entropy").grad(p, one_hot(labels, 4)))
    logits = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(logits, torch.tensor(labels))
    expected.backward()
    assert abs(value - expected.item()) <= 1e-9
    np.testing.assert_allclose(grad_z, logits.grad.numpy(), rtol=0, atol=1e-9)


@pytest.mark.parametrize("name, torch_name", [("mae", "l1_loss"), ("huber", "huber_loss"), ("mse", "mse_loss")])
def test_regression_losses_match_torch(name, torch_name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    pred, target = rng.normal(size=(9, 2)) * 2, rng.normal(size=(9, 2))
    pred[0, 0] = target[0, 0]  # mae's subgradient at 0 is 0 in both
    torch_pred = torch.tensor(pred, requires_grad=True)
    expected = getattr(torch.nn.functional, torch_name)(torch_pred, torch.tensor(target))
    expected.backward()
    assert abs(loss(name).value(pred, target) - expected.item()) <= 1e-12
    np.testing.assert_allclose(loss(name).grad(pred, target), torch_pred.grad.numpy(), rtol=0, atol=1e-12)


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


def test_check_activation_rejects_a_backward_that_reads_what_it_does_not_declare():
    # Says "a" (output only) but reads z, which fnn's backward pass then gives as None.
    reads_z = fnn.Activation("sigmoid_from_z", sigmoid, lambda z, a, grad_a: grad_a * sigmoid(z) * (1 - sigmoid(z)),
                             backward_uses="a")
    with pytest.raises(AssertionError, match=r"'sigmoid_from_z': backward\(x, y, grad_y\) raised TypeError.*"
                                             r"given None for z as backward_uses='a' declares"):
        check_activation(reads_z)
    with pytest.raises(ContractBroken, match="given None for z as backward_uses='a' declares"):
        check_activation_contract(reads_z)  # the cheap check the registry makes when a plugin loads


def test_check_activation_passes_an_honest_declaration():
    from_a = fnn.Activation("sigmoid_from_a", sigmoid, lambda z, a, grad_a: a * (1 - a) * grad_a, backward_uses="a")
    check_activation(from_a)
    check_activation_contract(from_a)


def wrong_softmax_backward(z, a, grad_a):
    return a * (1 - a) * grad_a  # the Jacobian's diagonal only, as if softmax were elementwise


def test_the_checks_reject_a_row_wise_backward_that_ignores_the_rest_of_the_row():
    wrong = fnn.Activation("diagonal_softmax", act("softmax").forward, wrong_softmax_backward, backward_uses="a")
    with pytest.raises(AssertionError, match=r"'diagonal_softmax'.*backward\(x, y, grad_y\) against finite differences "
                                             r"of sum\(forward\(x\) \* grad_y\).*expected .* but got"):
        check_activation(wrong)
    with pytest.raises(ContractBroken, match=r"backward does not match finite differences of sum\(forward\(x\) \* "
                                             r"grad_y\): at x\[\d, \d\] = "):
        check_activation_contract(wrong)  # the cheap check the registry makes when a plugin loads


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
