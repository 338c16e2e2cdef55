"""No hidden global state: registries are passed explicitly, and nothing in fnn talks through os.environ.

``forward``, ``predict``, ``train``, ``fit`` and ``run_sweep`` find names in
the registry they are given (a plugin installed nowhere else works);
the CLI's ``--disable-plugin`` reaches a sweep's worker processes with no
environment variable set; and no module of fnn writes ``os.environ`` but the
one block that limits the workers' BLAS threads.
"""

from __future__ import annotations

import ast
import json
import os
import textwrap
from pathlib import Path

import numpy as np
import pytest

import fnn
from fnn.errors import ConfigError, UnknownNameError
from fnn.plugins.registry import DISABLE_AUTOLOAD_ENV, DISABLED_ENV, STRICT_ENV, PluginSettings
from fnn.runs.sweep import grid, run_sweep
from support import cli

HALF = fnn.Activation("half_linear", lambda x: 0.5 * x, lambda x, y, g: 0.5 * g, "x / 2")


class HalfLinear:
    """A plugin known only to the registry a test makes, never installed."""

    @fnn.hookimpl
    def fnn_activations(self):
        return [HALF]


@pytest.fixture
def own():
    return fnn.make_registry([HalfLinear()], entry_points=False, disabled=(), strict=True)


def test_forward_and_predict_find_a_name_in_the_registry_given(own):
    params = fnn.init_params((2, 3, 1), np.random.default_rng(0))
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    with pytest.raises(UnknownNameError, match="half_linear"):
        fnn.forward(params, x, "half_linear")  # not installed: the default registry lacks it
    y_hat, cache = fnn.forward(params, x, "half_linear", "half_linear", registry=own)
    expected = 0.5 * (0.5 * (x @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"])
    np.testing.assert_allclose(y_hat, expected, rtol=1e-15)
    assert cache.activations == (HALF, HALF)
    np.testing.assert_array_equal(fnn.predict(params, x, "half_linear", "half_linear", registry=own), y_hat)


def test_train_and_fit_find_names_in_the_registry_given(own):
    x, y = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([[0.0], [1.0], [1.0], [1.0]])
    params = fnn.init_params((2, 2, 1), np.random.default_rng(1))
    optimizer = fnn.make_registry().optimizer("sgd").make(learning_rate=0.1)
    with pytest.raises(UnknownNameError, match="half_linear"):
        next(fnn.train(params, x, y, optimizer=optimizer, epochs=1, activation="half_linear"))
    records = list(fnn.train(params, x, y, optimizer=optimizer, epochs=3, activation="half_linear", loss="mse",
                             registry=own))
    assert len(records) == 3 and records[-1].loss < records[0].loss
    assert fnn.fit(activation="half_linear", epochs=2, registry=own).experiment.activation is HALF


def test_a_serial_sweep_uses_the_registry_given_and_workers_refuse_one_they_cannot_rebuild(own):
    configs = grid(activation=["half_linear"], seed=[1, 2], epochs=[2], batch_size=[2])
    runs = run_sweep(configs, registry=own)
    assert [run.error for run in runs] == [None, None]
    with pytest.raises(ConfigError, match="cannot load plugins given in code"):
        run_sweep(configs, workers=2, registry=own)  # refused before any worker starts


def test_plugin_settings_are_read_from_the_environment_in_one_place(monkeypatch):
    monkeypatch.setenv(DISABLE_AUTOLOAD_ENV, "1")
    monkeypatch.setenv(DISABLED_ENV, "a\\,b, c")
    monkeypatch.setenv(STRICT_ENV, "yes")
    assert PluginSettings.from_environment() == PluginSettings(False, frozenset({"a,b", "c"}), True)
    assert PluginSettings(disabled=["x"]).disabled == frozenset({"x"})  # hashable, so registries cache per settings


# ------------------------------------------------------------------- the CLI's flags reach the sweep's workers

_PLUGIN = '''
"""Claims fnn's own "sigmoid" in a sweep's worker process only, so loading it there is an error."""
import multiprocessing

import fnn


@fnn.hookimpl
def fnn_activations():
    if multiprocessing.parent_process() is None:
        return []
    return [fnn.Activation("sigmoid", lambda x: x, lambda x, y, g: g, "a clash, in workers only")]
'''


@pytest.fixture
def installed_in_workers(tmp_path, monkeypatch):
    """A package ``fnn-workerclash`` on sys.path (which spawned workers are given), autoloading on."""
    (tmp_path / "fnn_workerclash.py").write_text(textwrap.dedent(_PLUGIN))
    info = tmp_path / "fnn_workerclash-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: fnn-workerclash\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[fnn]\nworkerclash = fnn_workerclash\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in (DISABLE_AUTOLOAD_ENV, DISABLED_ENV, STRICT_ENV):
        monkeypatch.delenv(name, raising=False)
    fnn.registry.cache_clear()
    yield
    fnn.registry.cache_clear()


def test_disable_plugin_reaches_the_sweep_workers_without_the_environment(installed_in_workers):
    args = ("sweep", "-e", "3", "--seed", "1,2", "--batch-size", "2", "--workers", "2", "--force-workers", "--json")
    (control,) = json.loads(cli(*args).stdout)["groups"]  # each worker loads the plugin and refuses the clash
    assert control["failed"] == 2 and "registered twice" in control["errors"][0]
    result = cli("--disable-plugin", "workerclash", *args)
    assert result.exit_code == 0, result.output
    (group,) = json.loads(result.stdout)["groups"]
    assert group["failed"] == 0 and group["errors"] == []
    assert not {DISABLED_ENV, STRICT_ENV} & set(os.environ)


# ------------------------------------------------------------------------------ nothing writes os.environ

PACKAGE = Path(fnn.__file__).parent
_WRITES = {"update", "pop", "setdefault", "clear", "popitem", "__setitem__", "__delitem__"}


def _environ_writes(tree: ast.AST) -> list[int]:
    """Lines that change os.environ: assignment or deletion of an item, a writing method, putenv/unsetenv."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)) \
                and ast.unparse(node.value) == "os.environ":
            lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = ast.unparse(node.func.value)
            if (target == "os.environ" and node.func.attr in _WRITES) or \
                    (target == "os" and node.func.attr in ("putenv", "unsetenv")):
                lines.append(node.lineno)
    return lines


def test_no_fnn_code_writes_the_environment_but_the_blas_threads_block():
    trees = {str(path.relative_to(PACKAGE)): ast.parse(path.read_text()) for path in sorted(PACKAGE.rglob("*.py"))}
    writers = {where: lines for where, tree in trees.items() if (lines := _environ_writes(tree))}
    assert set(writers) == {"_environ.py"}, writers  # the helper that sets variables for child processes
    callers = {where: calls for where, tree in trees.items()
               if (calls := [ast.unparse(node) for node in ast.walk(tree)
                             if isinstance(node, ast.Call) and ast.unparse(node.func) == "environment"])}
    assert callers == {"runs/sweep.py": ["environment(dict.fromkeys(_BLAS_THREADS, '1'))"]}
