"""The plugin author's kit: ``fnn.testing.records``/``check``/``parametrize_records`` and fnn's pytest plugin.

The fixtures ``fnn_registry`` and ``fnn_cli`` reach this suite the way they
reach a plugin's: through fnn's ``pytest11`` entry point.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import fnn
import fnn.builtin.activations
import fnn.builtin.datasets
import fnn.builtin.losses
import fnn.builtin.metrics
import fnn.builtin.optimizers
import fnn.testing
from support import SOFTSIGN, Softsign

BUILTIN_LOSSES = ["bce", "cross_entropy", "huber", "mae", "mse"]


class WrongSlope:
    @fnn.hookimpl
    def fnn_activations(self):
        yield fnn.Activation("wrong_slope", np.tanh, lambda x, y, g: g * (1 - y))


class Misspelt:
    @fnn.hookimpl
    def fnn_activation(self):
        yield SOFTSIGN


BUILTINS = (fnn.builtin.activations, fnn.builtin.losses, fnn.builtin.optimizers, fnn.builtin.datasets,
            fnn.builtin.metrics)


@fnn.testing.parametrize_records(*BUILTINS)
def test_every_builtin_record_passes_its_check(record):
    fnn.testing.check(record)


def test_records_are_every_record_of_the_plugins_sorted_by_kind_then_name():
    records = fnn.testing.records(fnn.builtin.losses, Softsign())
    assert [fnn.testing.record_id(record) for record in records] == ["activation:softsign",
                                                                     *(f"loss:{name}" for name in BUILTIN_LOSSES)]
    assert records[0] is SOFTSIGN


def test_records_load_the_plugins_strictly():
    with pytest.raises(fnn.PluginError, match="fnn_activation is not one of fnn's hooks"):
        fnn.testing.records(Misspelt())


def test_check_dispatches_on_the_kind_and_reports_the_failure():
    with pytest.raises(AssertionError, match=r"activation 'wrong_slope' .*: backward\(x, y, grad_y\) against finite"):
        fnn.testing.check(fnn.testing.records(WrongSlope())[0])
    with pytest.raises(TypeError, match="expected an fnn record .* got str"):
        fnn.testing.check("sigmoid")


def test_parametrize_records_names_each_case_by_kind_and_name():
    mark = fnn.testing.parametrize_records(Softsign(), fnn.builtin.losses, argname="rec")
    assert mark.args[0] == "rec"
    assert mark.kwargs["ids"] == ["activation:softsign", *(f"loss:{name}" for name in BUILTIN_LOSSES)]


def test_importing_fnn_testing_does_not_import_pytest():
    code = "import sys, fnn.testing; print('pytest' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


# -------------------------------------------------------------------------------------------- the pytest plugin


def test_fnns_pytest_plugin_is_loaded_through_its_entry_point(pytestconfig):
    assert pytestconfig.pluginmanager.hasplugin("fnn")


def test_fnn_registry_has_the_builtins_and_the_given_plugins_and_is_the_default(fnn_registry):
    registry = fnn_registry(Softsign())
    assert fnn.registry() is registry
    assert set(registry.names("activation")) == {"identity", "leaky_relu", "none", "relu", "sigmoid", "softmax",
                                                 "tanh", "softsign"}
    assert fnn.fit(activation="softsign", epochs=3).experiment.config.activation == "softsign"


def test_fnn_registry_without_builtins(fnn_registry):
    assert fnn_registry(Softsign(), builtins=False).names("loss") == []


def test_fnn_registry_is_strict(fnn_registry):
    with pytest.raises(fnn.PluginError, match="'Misspelt'"):
        fnn_registry(Misspelt())


def test_fnn_registry_keeps_installed_and_disabled_settings_out(fnn_registry, monkeypatch):
    monkeypatch.delenv("FNN_DISABLE_PLUGIN_AUTOLOAD")
    monkeypatch.setenv("FNN_DISABLED_PLUGINS", "Softsign,fnn.builtin.losses")
    monkeypatch.setattr("importlib.metadata.distributions", lambda: pytest.fail("looked for installed plugins"))
    registry = fnn_registry(Softsign())
    assert "softsign" in registry.names("activation") and registry.names("loss") == BUILTIN_LOSSES


def test_fnn_registry_is_put_back_after_the_block():
    from fnn.plugins.registry import use_registry

    default = fnn.registry()
    with use_registry(fnn.make_registry([Softsign()], entry_points=False)) as inner:
        assert fnn.registry() is inner
    assert fnn.registry() is default


def test_fnn_cli_runs_the_command_line_with_the_fixtures_registry(fnn_registry, fnn_cli):
    fnn_registry(Softsign())
    result = fnn_cli("run", "-a", "softsign", "-e", "5", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout)["activation"] == "softsign"
    assert "softsign" in fnn_cli("list", "activation").stdout


def test_a_loss_that_declares_stacks_but_takes_one_model_only_fails_the_check():
    def value(pred, target):
        return float(np.mean((pred - target) ** 2))  # one number for all the models it is given

    def grad(pred, target):
        return 2 * (pred - target) / pred.size

    fnn.testing.check(fnn.Loss("plain_mse", value, grad))  # does not claim to stack: it conforms
    with pytest.raises(AssertionError, match=r"loss 'plain_mse' declares stacks=True.* value .*returned shape "
                                             r"\(\), expected \(2,\) \(one per model\)"):
        fnn.testing.check(fnn.Loss("plain_mse", value, grad, stacks=True))


def test_an_optimizer_that_declares_stacks_but_mixes_the_models_fails_the_check():
    def normalized(learning_rate=0.1):
        """p -= lr * g / |g|, the norm over every array: stacked, it would mix the models' gradients."""
        def update(grads, count, params):
            rate = learning_rate(count) if callable(learning_rate) else learning_rate
            norm = np.sqrt(sum(float(np.sum(g * g)) for g in grads.values()))
            return fnn.Params({key: -rate * g / norm for key, g in grads.items()}), count + 1
        return fnn.Optimizer(lambda params: 0, update)

    fnn.testing.check(fnn.OptimizerSpec("normalized", normalized, {"learning_rate": 0.1}))
    with pytest.raises(AssertionError, match=r"optimizer 'normalized' declares stacks=True.* W1 of stacked model 0 "
                                             r"\(learning rate 0.1\) against the same model alone"):
        fnn.testing.check(fnn.OptimizerSpec("normalized", normalized, {"learning_rate": 0.1}, stacks=True))
