"""Built-in optimizers against their formulas, their documented defaults, and torch.optim.

Each optimizer takes a few steps on a small parameter mapping with a fixed
sequence of gradients; the expected parameters are worked out in the test from
the update rule (plain NumPy arithmetic, never fnn's code). Where torch is
installed, the same steps are compared with ``torch.optim`` as well.
"""

import numpy as np
import pytest

import fnn
from fnn.testing import check_optimizer

REGISTRY = fnn.registry()
OPTIMIZERS = REGISTRY.names("optimizer")

START = {"W1": np.array([[0.5, -1.0], [2.0, 0.0]]), "b1": np.array([0.1, -0.3])}
GRADS = [
    {"W1": np.array([[0.2, -0.4], [1.5, 0.0]]), "b1": np.array([-0.05, 0.3])},
    {"W1": np.array([[0.1, 0.3], [-0.8, 0.25]]), "b1": np.array([0.05, 0.2])},
    {"W1": np.array([[-0.3, 0.1], [0.6, -0.5]]), "b1": np.array([0.0, -0.1])},
]


def run_fnn(name, hyper):
    """The parameters after each step of fnn's optimizer ``name`` on START with GRADS."""
    optimizer = REGISTRY.optimizer(name).make(**hyper)
    params = fnn.Params(START)
    state = optimizer.init(params)
    trajectory = []
    for grads in GRADS:
        updates, state = optimizer.update(fnn.Params(grads), state, params)
        params = fnn.apply_updates(params, updates)
        trajectory.append(params)
    return trajectory


def run_reference(step, buffers):
    """Apply ``step(t, g, p, buffer) -> (p, buffer)`` to each array of START, for every gradient in GRADS."""
    params = {key: value.copy() for key, value in START.items()}
    state = {key: buffers() for key in START}
    trajectory = []
    for t, grads in enumerate(GRADS, start=1):
        for key in params:
            params[key], state[key] = step(t, grads[key], params[key], state[key])
        trajectory.append({key: value.copy() for key, value in params.items()})
    return trajectory


# Reference rules, written from the formulas in the issue and PyTorch's documentation.

def sgd_ref(lr, wd=0.0):
    def step(t, g, p, _):
        return p - lr * (g + wd * p), None
    return step


def momentum_ref(lr, mu, wd=0.0, nesterov=False):
    def step(t, g, p, buf):
        g = g + wd * p
        buf = g if buf is None else mu * buf + g
        return p - lr * (g + mu * buf if nesterov else buf), buf
    return step


def adagrad_ref(lr, eps, wd=0.0):
    def step(t, g, p, total):
        g = g + wd * p
        total = (0.0 if total is None else total) + g * g
        return p - lr * g / (np.sqrt(total) + eps), total
    return step


def rmsprop_ref(lr, alpha, eps, wd=0.0):
    def step(t, g, p, square):
        g = g + wd * p
        square = (1 - alpha) * g * g + (0.0 if square is None else alpha * square)
        return p - lr * g / (np.sqrt(square) + eps), square
    return step


def adam_ref(lr, b1, b2, eps, wd=0.0, decoupled=False):
    def step(t, g, p, moments):
        m, v = moments or (0.0, 0.0)
        if not decoupled:
            g = g + wd * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        decay = lr * wd * p if decoupled else 0.0
        return p - decay - lr * m_hat / (np.sqrt(v_hat) + eps), (m, v)
    return step


CASES = [
    ("sgd", {"learning_rate": 0.5}, sgd_ref(0.5)),
    ("sgd", {"learning_rate": 0.5, "weight_decay": 0.1}, sgd_ref(0.5, wd=0.1)),
    ("momentum", {"learning_rate": 0.2}, momentum_ref(0.2, mu=0.9)),
    ("momentum", {"learning_rate": 0.1, "momentum": 0.5, "weight_decay": 0.2}, momentum_ref(0.1, 0.5, wd=0.2)),
    ("nesterov", {"learning_rate": 0.2}, momentum_ref(0.2, mu=0.9, nesterov=True)),
    ("nesterov", {"learning_rate": 0.1, "momentum": 0.7, "weight_decay": 0.05},
     momentum_ref(0.1, 0.7, wd=0.05, nesterov=True)),
    ("adagrad", {"learning_rate": 0.1}, adagrad_ref(0.1, eps=1e-10)),
    # A large eps tells apart sqrt(sum) + eps (PyTorch) from sqrt(sum + eps).
    ("adagrad", {"learning_rate": 0.1, "eps": 0.5, "weight_decay": 0.1}, adagrad_ref(0.1, eps=0.5, wd=0.1)),
    ("rmsprop", {"learning_rate": 0.01}, rmsprop_ref(0.01, alpha=0.99, eps=1e-8)),
    ("rmsprop", {"learning_rate": 0.05, "alpha": 0.9, "eps": 0.3, "weight_decay": 0.1},
     rmsprop_ref(0.05, alpha=0.9, eps=0.3, wd=0.1)),
    ("adam", {"learning_rate": 0.01}, adam_ref(0.01, 0.9, 0.999, 1e-8)),
    ("adam", {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95, "eps": 0.2, "weight_decay": 0.1},
     adam_ref(0.05, 0.8, 0.95, 0.2, wd=0.1)),
    ("adamw", {"learning_rate": 0.01}, adam_ref(0.01, 0.9, 0.999, 1e-8, wd=0.01, decoupled=True)),
    ("adamw", {"learning_rate": 0.05, "beta1": 0.8, "beta2": 0.95, "eps": 0.2, "weight_decay": 0.3},
     adam_ref(0.05, 0.8, 0.95, 0.2, wd=0.3, decoupled=True)),
]


@pytest.mark.parametrize("name,hyper,reference", CASES,
                         ids=[f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)])
def test_steps_match_the_formula(name, hyper, reference):
    for step, (got, expected) in enumerate(zip(run_fnn(name, hyper), run_reference(reference, lambda: None)), 1):
        for key in START:
            np.testing.assert_allclose(got[key], expected[key], rtol=1e-13, atol=1e-15,
                                       err_msg=f"{name} {hyper} step {step} {key}")


@pytest.mark.parametrize("name,hyper", [(name, hyper) for name, hyper, _ in CASES],
                         ids=[f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)])
def test_a_constant_schedule_is_the_number_bit_for_bit(name, hyper):
    rate = hyper["learning_rate"]
    counts = []

    def schedule(count):
        counts.append(count)
        return rate

    expected = run_fnn(name, hyper)
    got = run_fnn(name, {**hyper, "learning_rate": schedule})
    assert counts == [0, 1, 2]  # once per update, counted from 0 as in optax
    assert all(a == b for a, b in zip(got, expected))


SCHEDULED = [
    ("momentum", {"momentum": 0.5, "weight_decay": 0.2}, lambda lr: momentum_ref(lr, 0.5, wd=0.2)),
    ("adagrad", {"eps": 0.5, "weight_decay": 0.1}, lambda lr: adagrad_ref(lr, eps=0.5, wd=0.1)),
    ("adamw", {"beta1": 0.8, "beta2": 0.95, "eps": 0.2, "weight_decay": 0.3},
     lambda lr: adam_ref(lr, 0.8, 0.95, 0.2, wd=0.3, decoupled=True)),
]


@pytest.mark.parametrize("name,hyper,reference", SCHEDULED, ids=[name for name, _, _ in SCHEDULED])
def test_a_schedule_sets_each_steps_learning_rate(name, hyper, reference):
    # The reference takes step t at rates[t - 1], the buffers and decay included (adamw's decay is lr * wd * p).
    rates = [0.3, 0.05, 0.2]
    got = run_fnn(name, {**hyper, "learning_rate": lambda count: rates[count]})
    params, buffers = {key: value.copy() for key, value in START.items()}, dict.fromkeys(START)
    for t, (rate, grads) in enumerate(zip(rates, GRADS), 1):
        for key in params:
            params[key], buffers[key] = reference(rate)(t, grads[key], params[key], buffers[key])
            np.testing.assert_allclose(got[t - 1][key], params[key], rtol=1e-13, atol=1e-15,
                                       err_msg=f"{name} step {t} {key}")


def test_deprecated_step_is_update_then_apply_updates():
    optimizer = REGISTRY.optimizer("adam").make(learning_rate=0.1)
    params, grads = fnn.Params(START), fnn.Params(GRADS[0])
    state = optimizer.init(params)
    updates, expected_state = optimizer.update(grads, state, params)
    with pytest.warns(DeprecationWarning, match="Optimizer.step is deprecated"):
        new_params, new_state = optimizer.step(grads, state, params)
    assert new_params == fnn.apply_updates(params, updates) and new_state[1] == expected_state[1]


def test_every_builtin_optimizer_has_formula_cases():
    assert {name for name, _, _ in CASES} == set(OPTIMIZERS)


# Hand-worked first steps: the numbers in these tests are done on paper.

def single(name, p, g, **hyper):
    optimizer = REGISTRY.optimizer(name).make(**hyper)
    params = fnn.Params({"w": np.array([p])})
    updates, _ = optimizer.update(fnn.Params({"w": np.array([g])}), optimizer.init(params), params)
    return float(fnn.apply_updates(params, updates)["w"][0])


def test_sgd_first_step_by_hand():
    # 1 - 0.1 * (0.5 + 0.2 * 1)
    assert single("sgd", 1.0, 0.5, learning_rate=0.1, weight_decay=0.2) == pytest.approx(0.93, abs=1e-15)


def test_adagrad_and_adam_first_steps_move_by_lr_times_sign():
    # Adagrad: g / (sqrt(g^2) + eps); Adam: m_hat = g and v_hat = g^2 after bias correction.
    assert single("adagrad", 1.0, -4.0, learning_rate=0.1, eps=0.0) == pytest.approx(1.1, abs=1e-15)
    assert single("adam", 1.0, -4.0, learning_rate=0.1, eps=0.0) == pytest.approx(1.1, abs=1e-15)
    assert single("adam", 1.0, 3.0, learning_rate=0.1, eps=1.0) == pytest.approx(1.0 - 0.1 * 3.0 / 4.0, abs=1e-15)


def test_rmsprop_first_step_by_hand():
    # sq = 0.01 * 4 = 0.04, so the step is 0.01 * 2 / (0.2 + 0.3)
    assert single("rmsprop", 1.0, 2.0, learning_rate=0.01, eps=0.3) == pytest.approx(1.0 - 0.04, abs=1e-15)


def test_nesterov_first_step_looks_ahead():
    # buf = g = 2, step = lr * (g + mu * buf) = 0.1 * (2 + 0.9 * 2); momentum steps only lr * buf
    assert single("nesterov", 1.0, 2.0, learning_rate=0.1) == pytest.approx(1.0 - 0.38, abs=1e-15)
    assert single("momentum", 1.0, 2.0, learning_rate=0.1) == pytest.approx(1.0 - 0.2, abs=1e-15)


def test_adamw_decay_is_decoupled_from_the_gradient():
    # A zero gradient leaves Adam's moments at 0 (step 0 / (0 + eps)), so only the decay lr * wd * p acts:
    # 2 - 0.1 * 0.5 * 2 and 2 - 0.1 * 2 * 2.
    assert single("adamw", 2.0, 0.0, learning_rate=0.1, weight_decay=0.5) == pytest.approx(1.9, abs=1e-15)
    assert single("adamw", 2.0, 0.0, learning_rate=0.1, weight_decay=2.0) == pytest.approx(1.6, abs=1e-15)
    # Coupled (adam) decay goes through the moments: the first step is lr whatever wd is.
    assert single("adam", 2.0, 0.0, learning_rate=0.1, weight_decay=0.5, eps=0.0) == pytest.approx(1.9, abs=1e-15)
    assert single("adam", 2.0, 0.0, learning_rate=0.1, weight_decay=2.0, eps=0.0) == pytest.approx(1.9, abs=1e-15)


# ----------------------------------------------------------------- defaults

TORCH_DEFAULTS = {
    "sgd": {"weight_decay": 0.0},
    "momentum": {"momentum": 0.9, "weight_decay": 0.0},
    "nesterov": {"momentum": 0.9, "weight_decay": 0.0},
    "adagrad": {"eps": 1e-10, "weight_decay": 0.0, "initial_accumulator_value": 0.0},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0},
    "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0},
    "adamw": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_defaults_are_pytorchs_and_make_accepts_them(name):
    spec = REGISTRY.optimizer(name)
    assert set(spec.defaults) == {"learning_rate", *TORCH_DEFAULTS[name]}
    assert {key: spec.defaults[key] for key in TORCH_DEFAULTS[name]} == TORCH_DEFAULTS[name]
    assert spec.defaults["learning_rate"] > 0
    assert isinstance(spec.make(**spec.defaults), fnn.Optimizer)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_builtin_optimizer_conforms(name):
    check_optimizer(REGISTRY.optimizer(name))


def test_check_optimizer_rejects_gradient_ascent():
    def make(learning_rate=0.1):  # a step down the gradient, then its sign flipped back
        return fnn.chain(fnn.scale_by_learning_rate(learning_rate), fnn.scale_by_learning_rate(1.0))

    ascent = fnn.OptimizerSpec("ascent", make, {"learning_rate": 0.1})
    with pytest.raises(AssertionError, match=r"'ascent': 300 steps .* did not reduce"):
        check_optimizer(ascent)


def test_check_optimizer_rejects_a_default_that_make_refuses():
    spec = fnn.OptimizerSpec("typo", REGISTRY.optimizer("sgd").make, {"learning_rate": 0.1, "wieght_decay": 0.0})
    with pytest.raises(AssertionError, match=r"make\(wieght_decay=0.0\) raised"):
        check_optimizer(spec)


def test_check_optimizer_rejects_a_state_updated_in_place():
    def make(learning_rate=0.1):
        def update(grads, state, params):
            for key in grads:
                state[key] += grads[key]
            return {key: -learning_rate * state[key] for key in grads}, state

        return fnn.Optimizer(lambda params: {key: np.zeros_like(value) for key, value in params.items()}, update)

    spec = fnn.OptimizerSpec("in_place", make, {"learning_rate": 0.1})
    with pytest.raises(AssertionError, match="update.*wrote into its argument state"):
        check_optimizer(spec)


def test_check_optimizer_rejects_an_optimizer_that_cannot_take_a_schedule():
    def make(learning_rate=0.1):
        return fnn.Optimizer(lambda params: (), lambda grads, state, params: (
            fnn.Params({key: -learning_rate * g for key, g in grads.items()}), state))

    spec = fnn.OptimizerSpec("numbers_only", make, {"learning_rate": 0.1})
    with pytest.raises(AssertionError, match=r"'numbers_only', made with learning_rate=lambda count: 0.1, at step 1: "
                                             r"update\(grads, state, params\) raised TypeError"):
        check_optimizer(spec)


def test_check_optimizer_rejects_a_schedule_that_is_not_the_number():
    sgd = REGISTRY.optimizer("sgd").make

    def make(learning_rate=0.1):  # a schedule read as its first rate twice over
        return sgd(learning_rate) if not callable(learning_rate) else sgd(2 * learning_rate(0))

    spec = fnn.OptimizerSpec("doubled", make, {"learning_rate": 0.1})
    with pytest.raises(AssertionError, match=r"at step 1: updates\['W1'\] against the same learning rate as a number"):
        check_optimizer(spec)


BAD_HYPERPARAMETERS = [
    ("sgd", "weight_decay", -0.1, "weight_decay must be 0 or more, got -0.1"),
    ("momentum", "momentum", -1.0, "momentum must be 0 or more, got -1"),
    ("nesterov", "weight_decay", -1e-3, "weight_decay must be 0 or more, got -0.001"),
    ("adagrad", "initial_accumulator_value", -1.0, "initial_accumulator_value must be 0 or more, got -1"),
    ("adagrad", "eps", -1e-10, "eps must be 0 or more, got -1e-10"),
    ("rmsprop", "alpha", -0.5, "alpha must be 0 or more, got -0.5"),
    ("adam", "beta1", 1.0, "beta1 must be at least 0 and below 1, got 1"),
    ("adam", "beta2", -0.1, "beta2 must be at least 0 and below 1, got -0.1"),
    ("adamw", "eps", -1.0, "eps must be 0 or more, got -1"),
]


@pytest.mark.parametrize("name,key,value,message", BAD_HYPERPARAMETERS,
                         ids=[f"{name}-{key}" for name, key, _, _ in BAD_HYPERPARAMETERS])
def test_hyperparameters_outside_torch_optims_ranges_are_refused(name, key, value, message):
    with pytest.raises(fnn.ConfigError, match=f"^{message}$"):
        REGISTRY.optimizer(name).make(**{key: value})


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_the_edges_of_the_ranges_are_accepted(name):
    edges = {"momentum": 0.0, "weight_decay": 0.0, "eps": 0.0, "alpha": 0.0, "initial_accumulator_value": 0.0,
             "beta1": 0.0, "beta2": 0.0}
    spec = REGISTRY.optimizer(name)
    assert isinstance(spec.make(**{key: edges[key] for key in spec.defaults if key in edges}), fnn.Optimizer)


# --------------------------------------------------------------- torch.optim

def torch_optimizer(torch, name, tensors, hyper):
    lr, wd = hyper["learning_rate"], hyper.get("weight_decay", TORCH_DEFAULTS[name]["weight_decay"])
    if name in ("sgd", "momentum", "nesterov"):
        mu = 0.0 if name == "sgd" else hyper.get("momentum", 0.9)
        return torch.optim.SGD(tensors, lr=lr, momentum=mu, nesterov=name == "nesterov", weight_decay=wd)
    if name == "adagrad":
        return torch.optim.Adagrad(tensors, lr=lr, eps=hyper.get("eps", 1e-10), weight_decay=wd)
    if name == "rmsprop":
        return torch.optim.RMSprop(tensors, lr=lr, alpha=hyper.get("alpha", 0.99), eps=hyper.get("eps", 1e-8),
                                   weight_decay=wd)
    betas = (hyper.get("beta1", 0.9), hyper.get("beta2", 0.999))
    cls = torch.optim.AdamW if name == "adamw" else torch.optim.Adam
    return cls(tensors, lr=lr, betas=betas, eps=hyper.get("eps", 1e-8), weight_decay=wd)


@pytest.mark.parametrize("name,hyper", [(name, hyper) for name, hyper, _ in CASES],
                         ids=[f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)])
def test_steps_match_torch_optim(name, hyper):
    torch = pytest.importorskip("torch")
    tensors = {key: torch.tensor(value, dtype=torch.float64, requires_grad=True) for key, value in START.items()}
    optimizer = torch_optimizer(torch, name, list(tensors.values()), hyper)
    for step, (got, grads) in enumerate(zip(run_fnn(name, hyper), GRADS), 1):
        for key, tensor in tensors.items():
            tensor.grad = torch.tensor(grads[key], dtype=torch.float64)
        optimizer.step()
        for key, tensor in tensors.items():
            np.testing.assert_allclose(got[key], tensor.detach().numpy(), rtol=1e-12, atol=1e-15,
                                       err_msg=f"{name} {hyper} step {step} {key}")
