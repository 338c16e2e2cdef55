"""Each hook, end to end: a plugin implementing it adds a record that fnn trains with, by name.

Every hook in ``fnn.plugins.hookspecs`` has a test here named ``test_<hook>_...`` and a
section in ``docs/plugins.md``; the last two tests check both, so that a new
hook cannot arrive untested or undocumented (as datasette's test suite does).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

import fnn
import fnn.testing
from fnn.plugins import hookspecs
from fnn.core.records import KINDS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "plugins.md"


class Plugin:
    """A plugin object whose one hook returns ``records``."""

    def __init__(self, hook_name: str, *records):
        setattr(self, hook_name, fnn.hookimpl(lambda: list(records)))


def test_fnn_activations_adds_an_activation_that_trains_by_name(fnn_registry, fnn_cli):
    softsign = fnn.Activation("softsign", lambda x: x / (1 + np.abs(x)), lambda x, y, g: g / (1 + np.abs(x)) ** 2)
    fnn_registry(Plugin("fnn_activations", softsign))
    # Reaching 100% proves the plugin's record trained the net; the run need not go on to the last epoch.
    result = fnn_cli("run", "-a", "softsign", "--target-accuracy", "1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["accuracy"] == 1.0


def test_fnn_losses_adds_a_loss_that_trains_by_name(fnn_registry):
    def value(pred, target):
        return float(np.mean(np.abs(pred - target) ** 3))

    def grad(pred, target):
        return 3 * np.abs(pred - target) * (pred - target) / pred.size

    fnn_registry(Plugin("fnn_losses", fnn.Loss("cube", value, grad, "mean |pred - target|^3")))
    fnn.testing.check_loss(fnn.registry().loss("cube"))
    result = fnn.fit(loss="cube", optimizer="adam", epochs=3000, target_accuracy=1.0)
    assert result.experiment.config.loss == "cube" and result.final.accuracy == 1.0


def test_fnn_optimizers_adds_an_optimizer_with_its_hyperparameters(fnn_registry, fnn_cli):
    def sign_descent(learning_rate=0.01, damping=1.0):
        def update(grads, state, params):
            return fnn.Params({k: -learning_rate * damping * np.sign(g) for k, g in grads.items()}), state

        return fnn.Optimizer(lambda params: (), update)

    spec = fnn.OptimizerSpec("sign", sign_descent, {"learning_rate": 0.01, "damping": 1.0}, "sign descent")
    fnn_registry(Plugin("fnn_optimizers", spec))
    result = fnn_cli("run", "-o", "sign", "--opt", "damping=0.5", "-e", "3", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["hyperparameters"] == {"learning_rate": 0.01, "damping": 0.5}
    unknown = fnn_cli("run", "-o", "sign", "--opt", "momentum=0.9", "-e", "3")
    assert unknown.exit_code == 2 and "learning_rate, damping" in unknown.stderr


def test_fnn_datasets_adds_a_dataset_that_trains_by_name(fnn_registry, fnn_cli):
    def stripes(rng, n=None, noise=0.0):
        x = rng.uniform(0.0, 1.0, size=(40 if n is None else n, 2))
        return x + rng.normal(0.0, noise, x.shape) if noise else x, (x[:, :1] > 0.5).astype(np.float64)

    fnn_registry(Plugin("fnn_datasets", fnn.DatasetSpec("stripes", stripes, "x1 > 0.5")))
    fnn.testing.check_dataset(fnn.registry().dataset("stripes"))
    result = fnn_cli("run", "-d", "stripes", "-o", "adam", "--target-accuracy", "1", "--json")
    summary = json.loads(result.stdout)
    assert (summary["dataset"], summary["n_points"], summary["accuracy"]) == ("stripes", 40, 1.0)


def test_fnn_metrics_adds_a_metric_listed_and_found_by_name(fnn_registry, fnn_cli):
    def max_error(pred, target):
        return float(np.max(np.abs(pred - target)))

    fnn_registry(Plugin("fnn_metrics", fnn.Metric("max_error", max_error, False, ("regression",), "max |error|")))
    metric = fnn.registry().metric("max_error")
    fnn.testing.check_metric(metric)
    assert metric.fn(np.array([[1.0], [2.0]]), np.array([[1.5], [4.0]])) == 2.0
    listed = json.loads(fnn_cli("list", "metric", "--json").stdout)
    assert {"kind": "metric", "name": "max_error", "description": "max |error|", "plugin": "Plugin",
            "package": None} in listed


def test_fnn_features_adds_a_feature_listed_and_used_by_name(fnn_registry, fnn_cli):
    fnn_registry(Plugin("fnn_features", fnn.Feature("tanh", np.tanh, "tanh x")))
    fnn.testing.check_feature(fnn.registry().feature("tanh"))
    result = fnn_cli("run", "-d", "circle", "--features", "x1,tanh(x2)", "-e", "3", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["features"] == ["x1", "tanh(x2)"]
    listed = json.loads(fnn_cli("list", "feature", "--json").stdout)
    assert {"kind": "feature", "name": "tanh", "description": "tanh x", "plugin": "Plugin", "package": None} in listed


# ------------------------------------------------------------------------------------------------------ meta-tests


def hookspec_names() -> list[str]:
    """Every function ``fnn/plugins/hookspecs.py`` marks as a hook specification."""
    marker = f"{hookspecs.PROJECT}_spec"  # the attribute pluggy's HookspecMarker sets
    return [name for name, value in vars(hookspecs).items() if callable(value) and hasattr(value, marker)]


def test_hooks_maps_every_kind_to_every_hookspec():
    assert sorted(hookspecs.HOOKS.values()) == sorted(hookspec_names())
    assert set(hookspecs.HOOKS) == set(KINDS)


def test_every_hook_has_a_test_named_after_it():
    tests = [name for name in globals() if name.startswith("test_")]
    missing = [hook for hook in hookspec_names() if not any(t.startswith(f"test_{hook}_") for t in tests)]
    assert missing == []


def test_every_hook_has_a_section_in_the_plugin_docs():
    headings = re.findall(r"^#+ `(\w+)`\s*$", DOCS.read_text(), flags=re.MULTILINE)
    assert [hook for hook in hookspec_names() if hook not in headings] == []
