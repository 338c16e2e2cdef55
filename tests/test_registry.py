"""The plugin registry: plugins registered in code, the errors for broken ones, and the built-ins.

Plugins here are registered through ``fnn.make_registry(plugins=[...],
entry_points=False, strict=True)``, so nothing installed on the machine takes
part and a broken plugin raises. Loading that survives a broken plugin, and
installed (entry-point) plugins, are tested in ``test_plugin_loading.py``.
"""

import types

import numpy as np
import pytest

import fnn
from support import SOFTSIGN, Softsign

BUILTINS = {
    "activation": ["identity", "leaky_relu", "none", "relu", "sigmoid", "softmax", "tanh"],
    "loss": ["bce", "cross_entropy", "huber", "mae", "mse"],
    "optimizer": ["adagrad", "adam", "adamw", "momentum", "nesterov", "rmsprop", "sgd"],
    "dataset": ["blobs", "checkerboard", "circle", "gauss", "linear", "moons", "multigauss", "plane", "sine", "spiral",
                "xor"],
    "metric": ["accuracy", "f1", "mae", "precision", "r2", "recall", "rmse"],
}


class DuplicateSigmoid:
    @fnn.hookimpl
    def fnn_activations(self):
        yield fnn.Activation("sigmoid", np.tanh, lambda x, y, g: g * (1 - y * y))


class LossAsActivation:
    @fnn.hookimpl
    def fnn_activations(self):
        yield fnn.Loss("oops", lambda p, t: 0.0, lambda p, t: p)


def module_plugin(name, **hooks):
    """A plugin module named ``name`` whose hooks are the given functions."""
    module = types.ModuleType(name)
    for hook_name, function in hooks.items():
        setattr(module, hook_name, fnn.hookimpl(function))
    return module


def make(*plugins, builtins=True):
    return fnn.make_registry(plugins=list(plugins), builtins=builtins, entry_points=False, disabled=(), strict=True)


def test_a_plugin_object_adds_a_name():
    registry = make(Softsign())
    assert registry.activation("softsign") is SOFTSIGN
    assert "softsign" in registry.names("activation")
    assert set(registry.names("activation")) == {*BUILTINS["activation"], "softsign"}
    assert "softsign" not in fnn.registry().names("activation")


def test_a_plugin_module_is_credited_in_the_entries():
    registry = make(module_plugin("fnn_softsign", fnn_activations=lambda: [SOFTSIGN]))
    (entry,) = [entry for entry in registry.entries("activation") if entry.name == "softsign"]
    assert entry.plugin == "fnn_softsign"
    assert entry.record is SOFTSIGN
    builtin = [entry for entry in registry.entries("activation") if entry.name == "tanh"][0]
    assert (builtin.plugin, builtin.package) == ("fnn.activations", "fnn")


def test_without_builtins_only_the_plugins_names_exist():
    registry = make(Softsign(), builtins=False)
    assert registry.names("activation") == ["softsign"]
    assert registry.names("loss") == []


def test_a_duplicate_name_names_both_plugins():
    duplicate = module_plugin("fnn_fast_sigmoid", fnn_activations=lambda: DuplicateSigmoid().fnn_activations())
    with pytest.raises(fnn.PluginError) as caught:
        make(duplicate)
    message = str(caught.value)
    assert "'sigmoid'" in message
    assert "'fnn.activations'" in message and "'fnn_fast_sigmoid'" in message


def test_a_duplicate_between_two_code_plugins_names_both():
    first = module_plugin("first_plugin", fnn_activations=lambda: [SOFTSIGN])
    second = module_plugin("second_plugin", fnn_activations=lambda: [SOFTSIGN])
    with pytest.raises(fnn.PluginError, match=r"'softsign' is registered twice: .*'first_plugin'.*'second_plugin'|"
                                              r"'softsign' is registered twice: .*'second_plugin'.*'first_plugin'"):
        make(first, second)


def test_a_duplicate_from_a_plugin_object_names_its_class():
    # pluggy's default name for an unnamed object is its id(), which tells a reader nothing.
    with pytest.raises(fnn.PluginError, match="'sigmoid' is registered twice") as caught:
        make(DuplicateSigmoid())
    assert "'DuplicateSigmoid'" in str(caught.value) and "'fnn.activations'" in str(caught.value)


def test_a_record_of_the_wrong_type_names_the_plugin():
    plugin = module_plugin("fnn_confused", fnn_activations=lambda: LossAsActivation().fnn_activations())
    with pytest.raises(fnn.PluginError, match=r"plugin 'fnn_confused'.*fnn_activations returned Loss, "
                                              r"expected fnn.Activation"):
        make(plugin)


def test_a_record_without_a_name_is_rejected():
    nameless = module_plugin("fnn_nameless", fnn_losses=lambda: [fnn.Loss("", lambda p, t: 0.0, lambda p, t: p)])
    with pytest.raises(fnn.PluginError,
                       match="'fnn_nameless'.*fnn_losses returned a loss named ''; a name must be lowercase"):
        make(nameless)


def test_a_wrong_record_type_from_a_plugin_object_is_rejected():
    with pytest.raises(fnn.PluginError, match="returned Loss, expected fnn.Activation"):
        make(LossAsActivation())


@pytest.mark.parametrize("kind,method", [("activation", "activation"), ("loss", "loss"),
                                         ("optimizer", "optimizer"), ("dataset", "dataset"), ("metric", "metric")])
def test_an_unknown_name_lists_the_choices_and_suggests_one(kind, method):
    misspelt = BUILTINS[kind][-1][:-1] + "x"
    with pytest.raises(fnn.UnknownNameError) as caught:
        getattr(fnn.registry(), method)(misspelt)
    message = str(caught.value)
    assert message.startswith(f"unknown {kind} {misspelt!r}; available: {', '.join(BUILTINS[kind])}")
    assert f"did you mean {BUILTINS[kind][-1]!r}?" in message
    assert caught.value.available == BUILTINS[kind]


def test_an_unknown_name_with_nothing_close_has_no_suggestion():
    with pytest.raises(fnn.UnknownNameError) as caught:
        fnn.registry().loss("zzzzzz")
    assert "did you mean" not in str(caught.value)
    assert "available: bce, cross_entropy, huber, mae, mse" in str(caught.value)


@pytest.mark.parametrize("kind", BUILTINS)
def test_names_are_sorted(kind):
    names = make(Softsign(), module_plugin("aaa", fnn_datasets=lambda: [])).names(kind)
    assert names == sorted(names)


def test_an_unknown_kind_is_an_error():
    with pytest.raises(fnn.UnknownNameError, match=r"unknown kind 'activations'.*did you mean 'activation'"):
        fnn.registry().names("activations")


def test_the_default_registry_has_exactly_the_builtins():
    registry = fnn.registry()
    assert {kind: registry.names(kind) for kind in BUILTINS} == BUILTINS
    for kind in BUILTINS:
        assert {entry.package for entry in registry.entries(kind)} == {"fnn"}


@pytest.mark.parametrize("kind", BUILTINS)
def test_each_record_is_of_its_kinds_type_and_under_its_own_name(kind):
    record_type = {"activation": fnn.Activation, "loss": fnn.Loss, "optimizer": fnn.OptimizerSpec,
                   "dataset": fnn.DatasetSpec, "metric": fnn.Metric}[kind]
    for name in BUILTINS[kind]:
        record = fnn.registry().get(kind, name)
        assert isinstance(record, record_type)
        assert record.name == name
        assert record.description
