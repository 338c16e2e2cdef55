"""fnn-swish as unit tests: its records pass fnn.testing, match their formulas, and train through fnn.

Nothing here needs the entry points: the plugin modules are handed to fnn's
pytest fixtures (``fnn_registry``, ``fnn_cli``), so these tests run the same
whether or not other plugins are installed.
"""

import json

import numpy as np
import pytest

import fnn
import fnn.testing
from fnn_swish import activations, lion


@fnn.testing.parametrize_records(activations, lion)
def test_every_record_passes_fnn_testing(record):
    fnn.testing.check(record)


def test_the_plugins_add_exactly_these_names():
    assert [fnn.testing.record_id(r) for r in fnn.testing.records(activations, lion)] == [
        "activation:gelu", "activation:mish", "activation:swish", "optimizer:lion"]


X = np.array([-30.0, -4.0, -1.0, -0.1, 0.0, 0.1, 1.0, 4.0, 30.0])


def test_swish_is_x_times_sigmoid():
    expected = X / (1.0 + np.exp(-X))
    np.testing.assert_allclose(activations.swish(X), expected, rtol=1e-13, atol=1e-300)


def test_gelu_is_the_tanh_approximation_and_close_to_the_exact_gelu():
    expected = 0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X**3)))
    np.testing.assert_allclose(activations.gelu(X), expected, rtol=1e-13)
    from math import erf
    exact = np.array([0.5 * x * (1 + erf(x / np.sqrt(2))) for x in X])
    np.testing.assert_allclose(activations.gelu(X), exact, atol=1e-3)


def test_mish_is_x_tanh_softplus():
    expected = X * np.tanh(np.log1p(np.exp(X)))
    np.testing.assert_allclose(activations.mish(X), expected, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("function", [activations.swish, activations.gelu, activations.mish])
def test_no_overflow_or_warning_at_extreme_inputs(function):
    x = np.array([-1e4, -750.0, -40.0, 40.0, 750.0, 1e4])  # e^750 overflows a float64
    with np.errstate(all="raise", under="ignore"):
        y = function(x)
    assert np.all(np.isfinite(y))


def test_lion_steps_worked_by_hand():
    """Two steps on p = [1, -2] with g = [0.5, 0.5] then [-3, 0.1]; lr 0.1, b1 0.9, b2 0.99, wd 0.5."""
    optimizer = lion.lion(learning_rate=0.1, beta1=0.9, beta2=0.99, weight_decay=0.5)
    params = fnn.Params({"W1": np.array([1.0, -2.0])})
    state = optimizer.init(params)
    # Step 1: m = 0, so c = 0.1 g = [0.05, 0.05], sign [1, 1]; p -= 0.1 (sign + 0.5 p); m = 0.01 g.
    updates, state = optimizer.update(fnn.Params({"W1": np.array([0.5, 0.5])}), state, params)
    params = fnn.apply_updates(params, updates)
    np.testing.assert_allclose(params["W1"], [1.0 - 0.1 * (1 + 0.5), -2.0 - 0.1 * (1 - 1.0)])
    np.testing.assert_allclose(state[0].momentum["W1"], [0.005, 0.005])
    # Step 2: c = 0.9 * 0.005 + 0.1 g = [-0.2955, 0.0145]: signs [-1, 1].
    updates, state = optimizer.update(fnn.Params({"W1": np.array([-3.0, 0.1])}), state, params)
    after = fnn.apply_updates(params, updates)
    np.testing.assert_allclose(after["W1"], [0.85 - 0.1 * (-1 + 0.5 * 0.85), -2.0 - 0.1 * (1 + 0.5 * -2.0)])
    np.testing.assert_allclose(state[0].momentum["W1"], [0.99 * 0.005 + 0.01 * -3.0, 0.99 * 0.005 + 0.01 * 0.1])


def test_lion_defaults_are_the_papers_with_fnns_learning_rate():
    spec = fnn.testing.records(lion)[0]
    assert dict(spec.defaults) == {"learning_rate": 0.001, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0}


@pytest.mark.parametrize("dataset", ["xor", "linear"])
def test_lion_with_its_defaults_reaches_100_percent_on_the_lab_sets(fnn_registry, dataset):
    fnn_registry(lion)
    assert fnn.fit(dataset=dataset, optimizer="lion").final.accuracy == 1.0


def test_a_sweep_stacks_lion_with_the_results_of_separate_runs(fnn_registry, fnn_cli):
    fnn_registry(lion)
    assert fnn.registry().optimizer("lion").stacks
    result = fnn_cli("sweep", "-o", "lion", "--lr", "0.001,0.01", "--seed", "1,2", "-e", "60", "-w", "1", "--json")
    assert result.exit_code == 0, result.output
    for group in json.loads(result.stdout)["groups"]:
        alone = [fnn.fit(optimizer="lion", learning_rate=group["learning_rate"], seed=seed, epochs=60).final.loss
                 for seed in (1, 2)]
        assert group["final_loss_mean"] == pytest.approx(np.mean(alone), rel=0, abs=1e-12)


def test_fnn_run_with_swish_and_lion(fnn_registry, fnn_cli):
    fnn_registry(activations, lion)
    # Reaching 100% proves both records trained the net; test_swish_installed runs all the default epochs.
    result = fnn_cli("run", "-a", "swish", "-o", "lion", "--target-accuracy", "1", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["activation"], summary["optimizer"], summary["accuracy"]) == ("swish", "lion", 1.0)


def test_fnn_list_credits_the_plugins(fnn_registry, fnn_cli):
    fnn_registry(activations, lion)
    listed = {item["name"]: item["plugin"] for item in json.loads(fnn_cli("list", "--json").stdout)}
    assert {name: listed[name] for name in ("swish", "gelu", "mish", "lion")} == {
        "swish": "fnn_swish.activations", "gelu": "fnn_swish.activations", "mish": "fnn_swish.activations",
        "lion": "fnn_swish.lion"}
