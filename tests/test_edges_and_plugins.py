"""Issue 13, classes 6 and 7: training's edge cases end in one line, and plugins cannot take fnn down.

Covered: test splits that leave a class without a test point; train()'s inputs
checked once at the entry (parameters, points, labels, epochs, batch size, l2);
--patience with a non-finite test loss; divergence messages that name their
likely cause; plugins that call sys.exit or raise other BaseExceptions at
import, in a hook or in a record; records that break their contract at load
(left out with a warning) or at run time (PluginContractError naming the
plugin and package, exit 1); and disabling a plugin whose name has a comma.
All in process, through the API and through the command line.
"""

from __future__ import annotations

import importlib.metadata
import sys
import warnings

import numpy as np
import pytest

import fnn
import fnn.testing
from fnn.io.data import stratified_split
from fnn.plugins.registry import DISABLE_AUTOLOAD_ENV, DISABLED_ENV, STRICT_ENV, escape_name, inspect_plugins
from fnn.runs.training import prepare

from test_plugin_loading import FakeDistribution, FakeEntryPoint, activation, package, plugin_module

SOFTSIGN = activation("softsign")
SQUARE = fnn.Activation("square", lambda x: x * x, lambda x, y, g: 2 * x * g)


def good_params(sizes=(2, 3, 1)):
    return fnn.init_params(sizes, seed=0)


def xor_data():
    return fnn.registry().dataset("xor").load(np.random.default_rng(0))


def one_line_error(result, code: int, *fragments: str) -> str:
    """The CLI's stderr: exactly one ``Error:`` line holding every fragment, no traceback, exit ``code``."""
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


# ----------------------------------------------------------------------------------------- class 6: test splits


@pytest.mark.parametrize("labels, fraction, alone", [([0, 1], 0.5, 0), ([0, 0, 1], 0.5, 1), ([1, 1, 1, 0], 0.25, 0),
                                                      ([0] * 9 + [1], 0.1, 1), ([0, 1, 1], 0.9, 0)])
def test_a_split_that_leaves_a_class_without_a_test_point_is_refused(labels, fraction, alone):
    y = np.array(labels, dtype=float)[:, None]
    with pytest.raises(fnn.ConfigError, match=rf"--test-split {fraction:g} leaves class {alone} with no test point: "
                                              r"it has 1 point; each class needs at least 2"):
        stratified_split(np.zeros((len(y), 2)), y, fraction, np.random.default_rng(0))


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.5, float("nan")])
def test_a_split_fraction_outside_0_1_is_a_config_error(fraction):
    y = np.array([[0.0], [0.0], [1.0], [1.0]])
    with pytest.raises(fnn.ConfigError, match="test split must be a fraction between 0 and 1"):
        stratified_split(np.zeros((4, 2)), y, fraction, np.random.default_rng(0))


def test_two_points_of_each_class_split_one_each():
    y = np.array([[0.0], [1.0], [0.0], [1.0]])
    _, y_train, _, y_test = stratified_split(np.zeros((4, 1)), y, 0.5, np.random.default_rng(0))
    assert sorted(y_train[:, 0]) == sorted(y_test[:, 0]) == [0.0, 1.0]


def test_fit_and_the_cli_refuse_a_split_with_too_few_points(tmp_path, fnn_cli):
    with pytest.raises(fnn.ConfigError, match="leaves class 1 with no test point"):
        fnn.fit(dataset="linear", n_samples=3, test_split=0.5, epochs=1, seed=1)
    csv = tmp_path / "three.csv"
    csv.write_text("x1,x2,label\n0,0,0\n1,1,0\n0,1,1\n")
    one_line_error(fnn_cli("run", "--data", str(csv), "--test-split", "0.5", "-e", "1"), 2,
                   "--test-split 0.5 leaves class 1 with no test point", "each class needs at least 2")


# ------------------------------------------------------------------------------------- class 6: train()'s inputs


def train_once(params=None, x=None, y=None, **options):
    data = xor_data()
    params = good_params() if params is None else params
    x, y = (data[0] if x is None else x), (data[1] if y is None else y)
    return list(fnn.train(params, x, y, optimizer=fnn.builtin.optimizers.sgd(0.5), **{"epochs": 2, **options}))


@pytest.mark.parametrize("options, message", [
    ({"batch_size": 0}, "batch_size must be a whole number, 1 or more"),
    ({"batch_size": -3}, "batch_size must be a whole number, 1 or more"),
    ({"batch_size": 2.5}, "batch_size must be a whole number"),
    ({"l2": -0.1}, "l2 must be a finite number, 0 or more"),
    ({"l2": float("nan")}, "l2 must be a finite number"),
    ({"l2": float("inf")}, "l2 must be a finite number"),
    ({"epochs": -1}, "epochs must be a whole number, 0 or more"),
    ({"epochs": 1.5}, "epochs must be a whole number"),
])
def test_train_refuses_bad_settings_before_the_first_epoch(options, message):
    with pytest.raises(fnn.ConfigError, match=message):
        train_once(**options)


@pytest.mark.parametrize("x, y, message", [
    (np.zeros((0, 2)), np.zeros((0, 1)), "x has no points"),
    (np.zeros((3, 3)), np.zeros((3, 1)), r"x must be numbers of shape \(n, 2\)"),
    (np.zeros(4), np.zeros((4, 1)), r"x must be numbers of shape \(n, 2\)"),
    (np.zeros((3, 2)), np.zeros((4, 1)), r"y must have shape \(3, 1\)"),
    (np.zeros((3, 2)), np.zeros(3), r"y must have shape \(3, 1\)"),
    (np.zeros((3, 2)), np.array([[0.0], [np.nan], [1.0]]), r"y holds nan; targets must be finite numbers "
                                                            r"\(regression task\)"),
    (np.array([[0.0, 1.0], [np.inf, 0.0]]), np.zeros((2, 1)), r"x holds non-finite values .* at \(1, 0\)"),
    (np.array([[0.0, np.nan]]), np.zeros((1, 1)), "x holds non-finite values"),
])
def test_train_refuses_data_it_cannot_use(x, y, message):
    with pytest.raises(fnn.ConfigError, match=message):
        train_once(x=x, y=y)


@pytest.mark.parametrize("y, task, message", [
    (np.array([[0.0], [2.0], [1.0]]), "binary", r"y holds 2; labels must be 0 or 1 \(binary task\)"),
    (np.array([[0.0], [-1.0], [1.0]]), "binary", "y holds -1; labels must be 0 or 1"),
    (np.array([[0.0], [np.nan], [1.0]]), "binary", "y holds nan; labels must be 0 or 1"),
    (np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 1.0]]), "multiclass", r"one-hot rows .* \(row 2 is not\)"),
    (np.array([[0.0], [1.0], [1.0]]), "multiclass", "one-hot rows of 2 columns or more"),
    (np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]), "binary", "binary targets are one column"),
    (np.array([[0.0], [1.0], [1.0]]), "ranking", "task must be one of binary, multiclass, regression"),
])
def test_train_refuses_targets_that_do_not_fit_the_task(y, task, message):
    width = y.shape[1]  # parameters with an output per target column, so that the shapes fit
    params = {"W1": np.zeros((2, 3)), "b1": np.zeros(3), "W2": np.zeros((3, width)), "b2": np.zeros(width)}
    with pytest.raises(fnn.ConfigError, match=message):
        train_once(params, x=np.zeros((3, 2)), y=y, task=task)


def test_train_reads_the_task_off_the_targets():
    """0/1 in one column is binary (accuracy), one-hot rows multiclass (accuracy of the largest output,
    not of each element), anything else regression (R²)."""
    binary = train_once(x=np.zeros((3, 2)), y=np.array([[0.0], [1.0], [1.0]]))[-1]
    assert set(binary.scores) == {"accuracy"} and binary.accuracy == binary.scores["accuracy"]
    regression = train_once(x=np.zeros((3, 2)), y=np.array([[0.0], [2.0], [1.0]]))[-1]
    assert set(regression.scores) == {"r2"} and regression.accuracy is None
    params = {"W1": np.zeros((2, 3)), "b1": np.zeros(3), "W2": np.zeros((3, 2)), "b2": np.array([0.0, 1.0])}
    one_hot = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    (epoch,) = list(fnn.train(params, np.zeros((3, 2)), one_hot, optimizer=fnn.builtin.optimizers.sgd(0.0),
                              epochs=1, output="softmax", loss="cross_entropy"))
    assert epoch.accuracy == pytest.approx(2 / 3)  # every point's largest output is class 1; per element: 2/3 too
    assert set(epoch.scores) == {"accuracy"}


def test_train_checks_the_held_out_points_too():
    with pytest.raises(fnn.ConfigError, match="y_test holds 3; labels must be 0 or 1"):
        train_once(x_test=np.zeros((2, 2)), y_test=np.array([[3.0], [0.0]]))
    with pytest.raises(fnn.ConfigError, match="x_test and y_test go together"):
        train_once(x_test=np.zeros((2, 2)))


def without(params, key):
    return {k: v for k, v in params.items() if k != key}


@pytest.mark.parametrize("params, message", [
    (without(good_params(), "b2"), r"found W1, b1, W2 \(missing b2\)"),
    (without(good_params(), "W1"), r"missing W1"),
    ({}, "found nothing"),
    ({**good_params(), "W2": np.zeros((4, 1))}, r"parameter W2 has shape \(4, 1\); expected \(3, fan_out\), after W1"),
    ({**good_params(), "W1": np.zeros(2)}, r"parameter W1 has shape \(2,\)"),
    ({**good_params(), "b1": np.zeros(2)}, r"parameter b1 has shape \(2,\); expected \(1, 3\) or \(3,\)"),
    ({**good_params(), "W3": np.zeros((1, 1))}, "missing b3"),
    ({**good_params(), "W2": np.zeros((3, 1), dtype=int)}, "must hold floating-point numbers"),
    ([1, 2], "parameters must be a mapping"),
])
def test_train_and_forward_refuse_missing_or_misshapen_parameters(params, message):
    with pytest.raises(fnn.ConfigError, match=message):
        train_once(params=params)
    with pytest.raises(fnn.ConfigError, match=message):
        fnn.forward(params, np.zeros((3, 2)))


def test_stacked_parameters_still_pass_the_checks():
    params = fnn.core.params.stacked([good_params(), good_params()])
    x, y = xor_data()
    sgd = fnn.builtin.optimizers.sgd(0.5)
    records = list(fnn.train(params, np.stack([x, x]), np.stack([y, y]), optimizer=sgd, epochs=2))
    assert np.shape(records[-1].loss) == (2,)
    with pytest.raises(fnn.ConfigError, match=r"x must be numbers of shape \(2, n, 2\)"):
        list(fnn.train(params, x, y, optimizer=fnn.builtin.optimizers.sgd(0.5), epochs=1))


def test_the_cli_still_refuses_a_batch_size_below_one(fnn_cli):
    one_line_error(fnn_cli("run", "--batch-size", "0", "-e", "1"), 2, "--batch-size must be at least 1")


# ------------------------------------------------------------------------------------ class 6: patience, divergence


def test_patience_with_a_non_finite_test_loss_is_a_config_error():
    experiment = prepare(fnn.RunConfig(dataset="moons", n_samples=40, test_split=0.25, patience=2, epochs=20,
                                       activation="relu", output="identity"))
    # Test points far from the training ones: an identity output turns them into an infinite squared error.
    hostile = experiment._replace(x_test=experiment.x_test * 1e200)
    with pytest.raises(fnn.ConfigError, match=r"--patience watches the test loss, which is inf at epoch 1 .*"
                                              r"--standardize"):
        fnn.runs.training.complete(hostile)
    calm = hostile._replace(config=fnn.RunConfig(epochs=3))  # no patience
    assert fnn.runs.training.complete(calm).epochs_trained == 3


@pytest.mark.parametrize("settings, cause", [
    ({"l2": 1e308}, "--l2 1e+308 overflows"),
    ({"l2": 1e4, "learning_rate": 0.5}, "--l2 10000 is too large for the learning rate 0.5"),
    ({"noise": 1e200, "activation": "relu", "output": "identity"}, "--noise 1e+200 spreads the points"),
    ({"learning_rate": 1e300, "output": "identity"}, "Try a smaller learning rate (--lr, now 1e+300)"),
])
def test_a_divergence_names_its_likely_cause(settings, cause):
    with pytest.raises(fnn.TrainingDiverged) as caught:
        fnn.fit(dataset="linear", n_samples=20, epochs=50, **settings)
    assert cause in str(caught.value) and caught.value.epoch >= 1
    assert ("smaller learning rate" in str(caught.value)) == ("learning_rate" in settings and "l2" not in settings)


def test_noise_that_overflows_the_data_is_refused_before_training(fnn_cli):
    with pytest.raises(fnn.ConfigError, match=r"--noise 1e\+308 overflows: dataset 'xor'"):
        prepare(fnn.RunConfig(noise=1e308))
    one_line_error(fnn_cli("run", "--noise", "1e308", "-e", "1"), 2, "--noise 1e+308 overflows")


def test_data_with_huge_values_suggests_standardizing(tmp_path, fnn_cli):
    csv = tmp_path / "huge.csv"
    csv.write_text("x1,label\n" + "".join(f"{v}e200,{i % 2}\n" for i, v in enumerate(range(1, 9))))
    result = fnn_cli("run", "--data", str(csv), "-a", "relu", "--output-activation", "identity", "-e", "5")
    line = one_line_error(result, 1, "training stopped")
    assert "try --standardize" in line


# ------------------------------------------------------------------------- class 7: plugins that end the process


@pytest.fixture
def install(monkeypatch):
    """``install(*distributions)``: make them the installed ones, with autoloading on."""
    monkeypatch.delenv(DISABLE_AUTOLOAD_ENV, raising=False)
    for name in (DISABLED_ENV, STRICT_ENV):
        monkeypatch.setenv(name, "")
    fnn.registry.cache_clear()

    def put(*distributions):
        monkeypatch.setattr(importlib.metadata, "distributions", lambda: list(distributions))
        fnn.registry.cache_clear()

    yield put
    fnn.registry.cache_clear()


def exits(*args):
    sys.exit(*args)


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no")


class Odd(BaseException):
    """A BaseException that is not an Exception, as some libraries define."""


class Exploding:
    """A plugin object whose every attribute lookup ends the process."""

    def __getattr__(self, name):
        sys.exit(4)

    def __dir__(self):
        return ["fnn_activations"]


IMPORT_FAILURES = {"sys.exit(3)": SystemExit(3), "sys.exit('bye')": SystemExit("bye"), "sys.exit()": SystemExit(),
                   "GeneratorExit": GeneratorExit(), "a BaseException subclass": Odd("odd"),
                   "an unprintable exception": Unprintable()}


@pytest.mark.parametrize("failure", IMPORT_FAILURES.values(), ids=IMPORT_FAILURES.keys())
def test_a_plugin_that_exits_at_import_is_left_out_with_a_warning(install, failure, fnn_cli):
    install(package("fnn-exiting", failure),
            package("fnn-softsign", plugin_module("m", fnn_activations=lambda: [SOFTSIGN])))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry = fnn.make_registry()
    (message,) = [str(w.message) for w in caught if issubclass(w.category, fnn.PluginWarning)]
    assert "plugin 'exiting' (fnn-exiting 1.0) was left out: failed to import: " + type(failure).__name__ in message
    assert "softsign" in registry.names("activation")
    listing = fnn_cli("plugins")
    assert listing.exit_code == 0 and "exiting" in listing.stdout and "error" in listing.stdout


HOOK_FAILURES = {
    "exit in a hook": plugin_module("m", fnn_activations=lambda: exits(2)),
    "exit in a generator hook": plugin_module("m", fnn_activations=lambda: (exits(0) for _ in [1])),
    "BaseException in a hook": plugin_module("m", fnn_losses=lambda: (_ for _ in ()).throw(Odd("odd"))),
    "exit from the plugin object": Exploding(),
}


@pytest.mark.parametrize("plugin", HOOK_FAILURES.values(), ids=HOOK_FAILURES.keys())
def test_a_plugin_that_exits_in_a_hook_is_left_out(install, plugin, fnn_cli):
    install(package("fnn-exiting", plugin))
    infos = {info.name: info for info in inspect_plugins()}
    assert infos["exiting"].status == "error" and infos["exiting"].error
    with pytest.raises(fnn.PluginError, match="plugin 'exiting' .* is broken"):
        fnn.make_registry(strict=True)
    result = fnn_cli("list", "activation")
    assert result.exit_code == 0 and "sigmoid" in result.stdout and "Warning: plugin 'exiting'" in result.stderr
    assert fnn_cli("plugins", "--json").exit_code == 0


def test_keyboard_interrupt_in_a_plugin_still_interrupts(install):
    install(package("fnn-interrupting", KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        fnn.make_registry()


# ------------------------------------------------------------------------- class 7: contracts checked at load time


def loaded(*records, kind="activations"):
    """Warnings from loading a plugin in code that yields ``records``, and whether it was kept."""
    plugin = plugin_module("contract_plugin", **{f"fnn_{kind}": lambda: list(records)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        registry = fnn.make_registry([plugin], entry_points=False, disabled=())
    messages = [str(w.message) for w in caught if issubclass(w.category, fnn.PluginWarning)]
    singular = {"activations": "activation", "losses": "loss", "optimizers": "optimizer", "datasets": "dataset"}
    return messages, all(record.name in registry.names(singular[kind]) for record in records)


BAD_ACTIVATIONS = {
    "wrong derivative": (fnn.Activation("bad", np.tanh, lambda x, y, g: g * y),
                         "backward does not match finite differences"),
    "derivative off by 2": (fnn.Activation("bad", lambda x: x * x, lambda x, y, g: x * g), "does not match"),
    "wrong shape": (fnn.Activation("bad", lambda x: x.sum(axis=-1), lambda x, y, g: g),
                    "forward(x) returned shape (2,)"),
    "a list": (fnn.Activation("bad", lambda x: x.tolist(), lambda x, y, g: g), "forward(x) returned list"),
    "an int array": (fnn.Activation("bad", lambda x: (x > 0).astype(int), lambda x, y, g: g), "array of int"),
    "None backward": (fnn.Activation("bad", np.tanh, lambda x, y, g: None), "backward(x, y, grad_y) returned NoneType"),
    "writes into x": (fnn.Activation("bad", lambda x: np.maximum(x, 0, out=x), lambda x, y, g: g),
                      "forward(x) writes into its arguments, which are read-only"),
    "non-finite": (fnn.Activation("bad", np.log, lambda x, y, g: g / x), "non-finite value"),
    "exits": (fnn.Activation("bad", lambda x: exits(1), lambda x, y, g: g), "forward(x) raised SystemExit: 1"),
}


@pytest.mark.parametrize("record, problem", BAD_ACTIVATIONS.values(), ids=BAD_ACTIVATIONS.keys())
def test_an_activation_that_breaks_its_contract_is_left_out_at_load(record, problem):
    messages, kept = loaded(record)
    assert not kept and len(messages) == 1
    assert "plugin 'contract_plugin' (registered in code) was left out: activation 'bad': " in messages[0]
    assert problem in messages[0]


@pytest.mark.parametrize("record", [SOFTSIGN, SQUARE, fnn.Activation("kinked", np.abs, lambda x, y, g: np.sign(x) * g)])
def test_a_correct_activation_passes_the_load_checks(record):
    assert loaded(record) == ([], True)


def bad_dataset(load):
    return fnn.DatasetSpec("bad", load)


BAD_DATASETS = {
    "labels 0/2": (lambda rng, n=None, noise=0.0: (np.zeros((n or 4, 2)), np.full((n or 4, 1), 2.0)), "labels 2"),
    "labels -1/1": (lambda rng, n=None, noise=0.0: (np.zeros((n or 4, 2)), -np.ones((n or 4, 1))), "labels -1"),
    "ignores n": (lambda rng, n=None, noise=0.0: (np.zeros((9, 2)), np.zeros((9, 1))), "gave 9 points, expected 5"),
    "flat y": (lambda rng, n=None, noise=0.0: (np.zeros((n, 2)), np.zeros(n)), "y of shape (5,)"),
    "not a pair": (lambda rng, n=None, noise=0.0: np.zeros((n, 3)), "expected a pair (x, y)"),
    "NaN x": (lambda rng, n=None, noise=0.0: (np.full((n, 2), np.nan), np.zeros((n, 1))), "non-finite values"),
    "empty": (lambda rng, n=None, noise=0.0: (np.zeros((0, 2)), np.zeros((0, 1))), "shape (0, 2)"),
}


@pytest.mark.parametrize("load, problem", BAD_DATASETS.values(), ids=BAD_DATASETS.keys())
def test_a_dataset_that_breaks_its_contract_fails_the_run_that_loads_it(load, problem):
    """Datasets are not loaded when the plugins are (scikit-learn's take seconds to read): a run that
    uses one checks what it gives, and names the plugin."""
    messages, kept = loaded(bad_dataset(load), kind="datasets")
    assert messages == [] and kept
    plugin = plugin_module("contract_plugin", fnn_datasets=lambda: [bad_dataset(load)])
    registry = fnn.make_registry([plugin], entry_points=False, disabled=())
    with pytest.raises(fnn.PluginContractError, match="plugin 'contract_plugin'") as caught:
        fnn.fit(dataset="bad", n_samples=5, epochs=1, registry=registry)
    assert problem.replace("load(rng, n=5)", "") in str(caught.value)


def test_losses_and_optimizers_that_break_their_contract_are_left_out_at_load():
    mse = fnn.registry().loss("mse")
    scalar_grad = fnn.Loss("bad", mse.value, lambda p, t: float(np.mean(p - t)))
    array_value = fnn.Loss("bad", lambda p, t: (p - t) ** 2, mse.grad)
    for record, problem in ((scalar_grad, "grad(pred, target) returned float"),
                            (array_value, "value(pred, target) returned ndarray (4, 1), expected one number")):
        messages, kept = loaded(record, kind="losses")
        assert not kept and problem in messages[0]
    none_update = fnn.OptimizerSpec("bad", lambda learning_rate: fnn.Optimizer(lambda p: None, lambda g, s, p: None),
                                    {"learning_rate": 0.1})
    messages, kept = loaded(none_update, kind="optimizers")
    assert not kept
    assert "update(grads, state, params) returned NoneType, expected a pair (updates, new_state)" in messages[0]


def test_the_conformance_kit_still_sees_records_the_registry_would_leave_out():
    plugin = plugin_module("p", fnn_activations=lambda: [BAD_ACTIVATIONS["wrong derivative"][0]])
    (record,) = fnn.testing.records(plugin)
    with pytest.raises(AssertionError, match="against finite differences"):
        fnn.testing.check(record)


def test_the_built_ins_pass_the_load_checks_without_a_warning():
    # How long the checks take is the start-up benchmark's (benchmarks/startup.py), not a timed test's:
    # a wall-clock limit here failed on a loaded machine.
    with warnings.catch_warnings():
        warnings.simplefilter("error", fnn.PluginWarning)
        registry = fnn.make_registry(entry_points=False, disabled=())
    assert "sigmoid" in registry.names("activation") and "adam" in registry.names("optimizer")


# --------------------------------------------------------------------------- class 7: contracts broken at run time


def writes_into_params(learning_rate=0.1, evil=0.0):
    def update(grads, state, params):
        if evil:  # only with --opt evil=1: the load check, with the defaults, lets it through
            params["W1"][0, 0] = 1.0  # read-only: NumPy raises ValueError
        return grads, state
    return fnn.Optimizer(lambda p: (), update)


def shape_sensitive_forward(x):
    return x if x.shape[-1] != 1 else x[:, 0]  # fine on the load check's (2, 4) points, wrong on an output layer


RUN_TIME = {
    "optimizer writes into params": ("optimizer",
                                     fnn.OptimizerSpec("bad", writes_into_params, {"learning_rate": 0.1, "evil": 0.0}),
                                     {"optimizer": "bad", "options": {"evil": 1.0}},
                                     "update(grads, state, params) writes into its arguments"),
    "optimizer returns None": ("optimizer", fnn.OptimizerSpec(
        "bad",
        lambda learning_rate=0.1, boom=0.0: fnn.Optimizer(lambda p: (), lambda g, s, p: (g, s) if not boom else None),
        {"learning_rate": 0.1, "boom": 0.0}), {"optimizer": "bad", "options": {"boom": 1.0}}, "returned NoneType"),
    "activation with a wrong output shape": ("activation", fnn.Activation("bad", shape_sensitive_forward,
                                                                          lambda x, y, g: g),
                                             {"output": "bad"}, "forward(x) returned shape (4,), expected (4, 1)"),
    "dataset that ignores n past 5": ("dataset", fnn.DatasetSpec(
        "bad",
        lambda rng, n=None, noise=0.0: (np.zeros((min(n or 5, 5), 2)), np.resize([[0.0], [1.0]], (min(n or 5, 5), 1)))),
        {"dataset": "bad", "n_samples": 30}, "load(rng, n=30) gave 5 points, expected 30"),
    "dataset with labels 0/2 under noise": ("dataset", fnn.DatasetSpec(
        "bad",
        lambda rng, n=None, noise=0.0: (np.zeros((n or 6, 2)), np.resize([[0.0], [1.0 + (noise > 0)]], (n or 6, 1)))),
        {"dataset": "bad", "noise": 0.1}, "labels 2; labels must be 0 or 1"),
}


@pytest.mark.parametrize("kind, record, settings, problem", RUN_TIME.values(), ids=RUN_TIME.keys())
def test_a_record_that_breaks_its_contract_at_run_time_is_named_with_its_plugin(fnn_registry, fnn_cli, kind, record,
                                                                                 settings, problem):
    plugin = plugin_module("fnn_bad", **{f"fnn_{kind}s" if kind != "loss" else "fnn_losses": lambda: [record]})
    fnn_registry(plugin)
    with pytest.raises(fnn.PluginContractError) as caught:
        fnn.fit(epochs=2, **settings)
    assert f"{kind} 'bad' from plugin 'fnn_bad' (registered in code) broke its contract: " in str(caught.value)
    assert problem in str(caught.value)
    flags = {"optimizer": "--optimizer", "output": "--output-activation", "dataset": "-d", "n_samples": "--n-samples",
             "noise": "--noise"}
    args = [part for key, value in settings.items() if key != "options" for part in (flags[key], str(value))]
    args += [f"--opt={k}={v}" for k, v in settings.get("options", {}).items()]
    one_line_error(fnn_cli("run", *args, "-e", "2"), 1, f"{kind} 'bad' from plugin 'fnn_bad'", problem)


# ---------------------------------------------------------------------------- class 7: disabling odd plugin names


@pytest.mark.parametrize("name", ["a,b", "odd name", "back\\slash", "comma,and\\both,", "ünï"])
def test_a_plugin_with_an_odd_name_can_be_disabled(install, fnn_cli, name):
    install(FakeDistribution("fnn-odd", "1.0",
                             FakeEntryPoint(name, plugin_module("m", fnn_activations=lambda: [SOFTSIGN]))),
            package("fnn-square", plugin_module("sq", fnn_activations=lambda: [SQUARE])))
    infos = {info.name: info.status for info in inspect_plugins(disabled=[name])}
    assert infos[name] == "disabled" and infos["square"] == "ok"
    result = fnn_cli("--disable-plugin", name, "list", "activation")
    assert result.exit_code == 0 and "softsign" not in result.stdout and "square" in result.stdout
    result = fnn_cli("list", "activation", env={DISABLED_ENV: escape_name(name)})
    assert result.exit_code == 0 and "softsign" not in result.stdout


def test_disabled_names_still_combine_with_the_environment(install, fnn_cli):
    install(package("fnn-softsign", plugin_module("m", fnn_activations=lambda: [SOFTSIGN])),
            package("fnn-square", plugin_module("sq", fnn_activations=lambda: [SQUARE])))
    result = fnn_cli("--disable-plugin", "square", "list", "activation", env={DISABLED_ENV: " softsign , other"})
    assert result.exit_code == 0 and "softsign" not in result.stdout and "square" not in result.stdout
    assert "sigmoid" in result.stdout
