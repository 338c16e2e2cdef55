"""Regularisation: ``--l1`` (λ·Σ|W| on the weights) and ``--dropout`` (inverted dropout on the hidden layers,
in training only), beside ``--l2``."""

from __future__ import annotations

import json

import numpy as np
import pytest

import fnn
import fnn.runs.training
from fnn.builtin.optimizers import sgd
from fnn.io.modelfile import load_model, save_model
from fnn.runs import gradcheck as gc
from fnn.runs.settings import RunConfig
from fnn.runs.sweep import grid, plan, run_sweep, stack_key, train_group, train_one
from fnn.runs.training import l1_penalty, prepare
from fnn.testing import numerical_gradient
from support import assert_one_line_error, cli, ok
from test_stacked import assert_same_runs

REGISTRY = fnn.make_registry(entry_points=False, disabled=(), strict=True)
MSE = REGISTRY.loss("mse")
SIGMOID = REGISTRY.activation("sigmoid")


def problem(n: int = 12, sizes=(2, 3, 1), seed: int = 3):
    """A fixed net with nonzero biases (so that a bias's gradient is not special) and points to fit."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, sizes[0]))
    y = (x[:, :1] > x[:, 1:2]).astype(np.float64)
    params = fnn.init_params(sizes, seed=1, init="normal")
    return fnn.Params({k: v + (0.3 if k.startswith("b") else 0.0) for k, v in params.items()}), x, y


def data_loss(params, x, y, masks=None) -> float:
    y_hat = fnn.forward(params, x, "sigmoid", "sigmoid", masks=masks)[0]
    return float(np.mean((y_hat - y) ** 2))


# ----------------------------------------------------------------------------------------------------------- L1

def test_l1_penalty_is_lambda_times_the_absolute_weights_not_the_biases():
    params, _, _ = problem()
    expected = 0.2 * (np.abs(params["W1"]).sum() + np.abs(params["W2"]).sum())
    assert l1_penalty(params, 0.2) == pytest.approx(expected, rel=1e-14)
    shifted = fnn.Params({k: v + (5.0 if k.startswith("b") else 0.0) for k, v in params.items()})
    assert l1_penalty(shifted, 0.2) == l1_penalty(params, 0.2)


def test_l1_gradient_matches_finite_differences_of_the_penalised_loss():
    params, x, y = problem()
    l1 = 0.3

    def penalised(p):
        return data_loss(p, x, y) + l1 * sum(np.abs(p[k]).sum() for k in p if k.startswith("W"))

    stepped = next(fnn.train(params, x, y, optimizer=sgd(1.0), epochs=1, l1=l1)).params  # p - 1 * grad
    assert all(np.abs(params[k]).min() > 1e-4 for k in params if k.startswith("W"))  # off the kink at 0
    for key in params:
        def f(value, key=key):
            return penalised({**params, key: value})

        np.testing.assert_allclose(params[key] - stepped[key], numerical_gradient(f, params[key]),
                                   rtol=1e-6, atol=1e-9, err_msg=key)


def test_l1_moves_weights_by_lambda_times_their_sign_and_leaves_biases_alone():
    params, x, y = problem()
    plain = next(fnn.train(params, x, y, optimizer=sgd(1.0), epochs=1)).params
    shrunk = next(fnn.train(params, x, y, optimizer=sgd(1.0), epochs=1, l1=0.25)).params
    for key in params:
        if key.startswith("b"):
            assert np.array_equal(shrunk[key], plain[key]), key
        else:
            np.testing.assert_allclose(shrunk[key] - plain[key], -0.25 * np.sign(params[key]), rtol=1e-9, atol=1e-15)


def test_reported_loss_includes_the_l1_penalty():
    result = fnn.fit(dataset="xor", epochs=3, l1=0.01, l2=0.02)
    params = result.final.params
    weights = [params[k] for k in params if k.startswith("W")]
    penalty = 0.01 * sum(np.abs(w).sum() for w in weights) + 0.01 * sum((w * w).sum() for w in weights)
    assert result.summary()["final_loss"] == pytest.approx(
        data_loss(params, result.experiment.x, result.experiment.y) + penalty, rel=1e-14)
    assert (result.summary()["l1"], result.summary()["l2"]) == (0.01, 0.02)


def test_gradcheck_checks_the_l1_term_in_both_the_gradient_and_the_loss_differenced():
    experiment = prepare(RunConfig(dataset="xor", l1=0.5), REGISTRY)

    def check(l1):
        return gc.check_gradients(experiment.params, experiment.x, experiment.y, hidden=experiment.activation,
                                  output=experiment.output, loss=experiment.loss, l1=l1, entries=1)

    with_penalty, without = check(0.5), check(0.0)
    assert all(a.passed for a in with_penalty)
    assert with_penalty[0].worst == without[0].worst
    w = experiment.params["W1"][with_penalty[0].worst]
    assert with_penalty[0].analytic - without[0].analytic == pytest.approx(0.5 * np.sign(w), rel=1e-9)
    assert with_penalty[0].numerical - without[0].numerical == pytest.approx(0.5 * np.sign(w), rel=1e-4)
    assert with_penalty[1].analytic == pytest.approx(without[1].analytic, rel=1e-12)  # b1: not penalised
    data = json.loads(ok("gradcheck", "--l1", "0.1", "--l2", "0.01", "--json").stdout)
    assert data["passed"] and data["settings"]["l1"] == 0.1
    assert ", l2 0.01, l1 0.1, on xor" in ok("gradcheck", "--l1", "0.1", "--l2", "0.01").stdout


# ------------------------------------------------------------------------------------------------------ dropout

def test_dropout_masks_are_inverted_bernoulli_one_per_hidden_layer():
    masks = fnn.dropout_masks(np.random.default_rng(0), (2, 300, 200, 1), 400, 0.3)
    assert [m.shape for m in masks] == [(400, 300), (400, 200)]  # none for the inputs or the output
    for mask in masks:
        assert set(np.unique(mask)) == {0.0, 1 / 0.7}
        assert np.mean(mask == 0) == pytest.approx(0.3, abs=0.01)  # 120 000 and 80 000 draws
        assert mask.mean() == pytest.approx(1.0, abs=0.02)  # inverted: the expected output is unchanged
    again = fnn.dropout_masks(np.random.default_rng(0), (2, 300, 200, 1), 400, 0.3)
    assert all(np.array_equal(a, b) for a, b in zip(masks, again))
    assert all(np.all(m == 1) for m in fnn.dropout_masks(np.random.default_rng(0), (2, 5, 1), 3, 0.0))
    assert fnn.dropout_masks(np.random.default_rng(0), (2, 5, 1), (4, 3), 0.5)[0].shape == (4, 3, 5)  # stacked
    assert fnn.dropout_masks(np.random.default_rng(0), (2, 1), 3, 0.5) == ()  # no hidden layer, nothing to drop
    with pytest.raises(fnn.ConfigError, match="dropout must be a fraction"):
        fnn.dropout_masks(np.random.default_rng(0), (2, 3, 1), 3, 1.0)


def test_forward_applies_the_masks_to_the_hidden_outputs_and_keeps_them_for_backward():
    params, x, _ = problem(sizes=(2, 4, 3, 1))
    masks = fnn.dropout_masks(np.random.default_rng(1), params.sizes, len(x), 0.5)
    y_hat, cache = fnn.forward(params, x, masks=masks)
    h1 = SIGMOID.forward(x @ params["W1"] + params["b1"]) * masks[0]
    h2 = SIGMOID.forward(h1 @ params["W2"] + params["b2"]) * masks[1]
    np.testing.assert_allclose(y_hat, SIGMOID.forward(h2 @ params["W3"] + params["b3"]), rtol=1e-14)
    assert cache.masks[:2] == masks and cache.masks[2] is None
    assert fnn.forward(params, x)[1].masks is None
    with pytest.raises(fnn.ConfigError, match="masks must be one per hidden layer"):
        fnn.forward(params, x, masks=masks[:1])


def test_backward_with_a_fixed_mask_equals_finite_differences():
    params, x, y = problem(sizes=(2, 5, 4, 1))
    masks = fnn.dropout_masks(np.random.default_rng(2), params.sizes, len(x), 0.4)
    y_hat, cache = fnn.forward(params, x, masks=masks)
    grads = fnn.backward(params, cache, MSE.grad(y_hat, y))
    for key in params:
        def f(value, key=key):
            return data_loss({**params, key: value}, x, y, masks)

        np.testing.assert_allclose(grads[key], numerical_gradient(f, params[key]), rtol=1e-6, atol=1e-9,
                                   err_msg=key)
    # The masks matter: backward without them gives another gradient.
    unmasked = fnn.backward(params, cache._replace(masks=None), MSE.grad(y_hat, y))
    assert not np.allclose(unmasked["W1"], grads["W1"])


def test_gradcheck_with_dropout_uses_one_fixed_mask_drawn_from_the_seed():
    for hidden in ("8,8", "6"):
        data = json.loads(ok("gradcheck", "--dropout", "0.5", "--hidden", hidden, "--after", "20",
                             "--json").stdout)
        assert data["passed"] and data["settings"]["dropout"] == 0.5
    stdout = ok("gradcheck", "--dropout", "0.5").stdout
    assert "dropout 0.5 (one fixed set of masks, drawn from the seed)" in stdout
    # Both sides with the same masks: the loss differenced is of the masked network.
    experiment = prepare(RunConfig(dataset="xor", dropout=0.5), REGISTRY)
    masked = gc.gradcheck(experiment)
    plain = gc.gradcheck(prepare(RunConfig(dataset="xor"), REGISTRY))
    assert masked.passed and masked.loss != plain.loss


def test_dropout_trains_reproducibly_from_the_seed_and_differs_from_no_dropout():
    def losses(**settings):
        return fnn.fit(dataset="moons", epochs=40, hidden=(16,), **settings).loss

    assert np.array_equal(losses(dropout=0.3), losses(dropout=0.3))
    assert not np.array_equal(losses(dropout=0.3), losses(dropout=0.3, seed=1))
    assert not np.array_equal(losses(dropout=0.3), losses())
    assert np.array_equal(losses(dropout=0.3, batch_size=16), losses(dropout=0.3, batch_size=16))


def test_dropout_is_off_when_scoring_testing_predicting_and_evaluating(tmp_path):
    result = fnn.fit(dataset="moons", epochs=30, hidden=(8, 8), dropout=0.5, test_split=0.3, learning_rate=0.5)
    e, final = result.experiment, result.final
    outputs = fnn.predict(final.params, e.x, e.activation, e.output)
    assert final.loss == pytest.approx(float(np.mean((outputs - e.y) ** 2)), rel=1e-14)  # the network, unmasked
    assert final.accuracy == fnn.accuracy(outputs, e.y)
    test_outputs = fnn.predict(final.params, e.x_test, e.activation, e.output)
    assert final.test_loss == pytest.approx(float(np.mean((test_outputs - e.y_test) ** 2)), rel=1e-14)
    assert result.metrics()["accuracy"] == fnn.accuracy(outputs, e.y)
    # A model file keeps dropout as a training setting; predict ignores it.
    path = tmp_path / "model.npz"
    save_model(path, final.params, result.summary())
    assert load_model(path).config["dropout"] == 0.5
    data = json.loads(ok("predict", path, "--points", "0.5,0.2;-1,0.8", "--json").stdout)
    expected = fnn.predict(final.params, [[0.5, 0.2], [-1, 0.8]], e.activation, e.output)[:, 0]
    assert [p["probability"] for p in data["predictions"]] == list(expected)


def test_full_batch_without_dropout_keeps_one_forward_pass_per_epoch_and_with_dropout_takes_two(monkeypatch):
    calls = []
    passes = fnn.runs.training.forward_unchecked
    monkeypatch.setattr(fnn.runs.training, "forward_unchecked", lambda *a: calls.append(a) or passes(*a))
    params, x, y = problem()
    list(fnn.train(params, x, y, optimizer=sgd(1.0), epochs=5, dropout=0.0))
    assert len(calls) == 1 + 5  # the scoring pass serves the next step
    calls.clear()
    list(fnn.train(params, x, y, optimizer=sgd(1.0), epochs=5, dropout=0.2, rng=np.random.default_rng(0)))
    assert len(calls) == 1 + 2 * 5
    assert sum(a[4] is not None for a in calls if len(a) > 4) == 5  # the steps' passes are masked, scoring's not


def test_dropout_and_l1_of_zero_give_exactly_the_numbers_without_them():
    for settings in ({}, {"batch_size": 8}, {"test_split": 0.3, "l2": 0.01}):
        plain = json.loads(ok("run", "-d", "moons", "-e", "50", "--json", *_flags(settings)).stdout)
        zero = json.loads(ok("run", "-d", "moons", "-e", "50", "--json", "--dropout", "0", "--l1", "0",
                             *_flags(settings)).stdout)
        for key in ("final_loss", "accuracy", "test_loss", "metrics", "test_metrics"):
            assert zero[key] == plain[key], key


def _flags(settings: dict) -> list[str]:
    return [part for key, value in settings.items() for part in (f"--{key.replace('_', '-')}", str(value))]


def test_dropout_does_not_stack_and_a_sweep_gives_the_numbers_of_lone_runs():
    configs = grid(learning_rate=[0.5, 1.0], seed=[1, 2], dropout=[0.0, 0.3], dataset=["moons"], hidden=[(8,)],
                   epochs=[30], test_split=[0.3])
    assert stack_key(configs[0]) is not None
    assert all(stack_key(c) is None for c in configs if c.dropout)
    assert sorted(len(task) for task in plan(configs, workers=1)) == [1, 1, 1, 1, 4]
    alone = [train_one(c) for c in configs]
    assert_same_runs(train_group(configs), alone)
    assert_same_runs(run_sweep(configs, workers=2), alone)


def test_l1_stacks_like_l2_with_the_numbers_of_lone_runs():
    configs = grid(learning_rate=[0.5, 1.0], seed=[1, 2], l1=[0.01], dataset=["moons"], epochs=[30])
    assert len({stack_key(c) for c in configs}) == 1
    assert_same_runs(train_group(configs), [train_one(c) for c in configs])


@pytest.mark.parametrize("args, fragments", [
    (["--dropout", "1"], ["--dropout must be a fraction, 0 or more and below 1, got 1.0"]),
    (["--dropout", "-0.1"], ["--dropout must be a fraction"]),
    (["--dropout", "nan"], ["--dropout", "nan"]),  # fnn sweep refuses it as it reads the list, the others so
    (["--l1", "-0.5"], ["--l1 must be 0 or more"]),
    (["--l1", "inf"], ["--l1", "inf"]),
])
@pytest.mark.parametrize("command", ["run", "sweep", "gradcheck"])
def test_bad_l1_and_dropout_are_one_line_usage_errors(command, args, fragments):
    assert_one_line_error(cli(command, *args, "-e", "1"), 2, *fragments, stdout_empty=True)


def test_train_refuses_bad_l1_dropout_and_dropout_without_a_generator():
    params, x, y = problem()
    for settings, fragment in (({"l1": -1.0}, "l1 must be a finite number"),
                               ({"dropout": 1.0}, "dropout must be a fraction"),
                               ({"dropout": 0.5}, "dropout needs rng")):
        with pytest.raises(fnn.ConfigError, match=fragment):
            next(fnn.train(params, x, y, optimizer=sgd(1.0), epochs=1, **settings))


@pytest.mark.parametrize("split", [{}, {"val_split": 0.2}], ids=["test scored every epoch", "test scored once"])
def test_the_test_loss_carries_the_l1_and_l2_penalties_as_the_training_loss_does(split):
    # With a validation split the test points are scored once at the end, by another path than every epoch's:
    # both must add the same penalties.
    result = fnn.fit(dataset="moons", epochs=30, l1=0.01, l2=0.02, test_split=0.25, seed=3, **split)
    e, params = result.experiment, result.final.params
    outputs = fnn.forward(params, e.x_test, e.activation, e.output)[0]
    penalties = 0.01 * sum(np.abs(params[k]).sum() for k in params if k.startswith("W")) \
        + 0.02 / 2 * sum((params[k] ** 2).sum() for k in params if k.startswith("W"))
    assert result.final.test_loss == pytest.approx(e.loss.value(outputs, e.y_test) + penalties, rel=1e-12)
