"""fnn-swish as installed: fnn finds it through its entry points, in a real ``fnn`` process.

These run the ``fnn`` command next to this Python with plugin autoloading on
(test suites, fnn's own included, may switch it off with
``FNN_DISABLE_PLUGIN_AUTOLOAD``), so they need ``pip install ./plugins/fnn-swish``.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

FNN = shutil.which("fnn", path=os.path.dirname(sys.executable)) or shutil.which("fnn")
AUTOLOAD = {key: value for key, value in os.environ.items()
            if key not in ("FNN_DISABLE_PLUGIN_AUTOLOAD", "FNN_DISABLED_PLUGINS", "FNN_STRICT_PLUGINS")}


def fnn(*args: str) -> subprocess.CompletedProcess:
    assert FNN, "the fnn command is not installed"
    return subprocess.run([FNN, *args], env=AUTOLOAD, capture_output=True, text=True, timeout=120, check=False)


def json_of(*args: str):
    result = fnn(*args)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no warnings: every installed plugin loaded
    return json.loads(result.stdout)


def test_fnn_plugins_lists_both_plugins_of_the_package():
    plugins = {item["name"]: item for item in json_of("plugins", "--json")}
    swish, lion = plugins["swish"], plugins["lion"]
    for item in (swish, lion):
        assert (item["package"], item["status"], item["error"]) == ("fnn-swish", "ok", None)
        assert item["version"]
    assert swish["hooks"] == ["fnn_activations"] and swish["names"]["activation"] == ["gelu", "mish", "swish"]
    assert lion["hooks"] == ["fnn_optimizers"] and lion["names"]["optimizer"] == ["lion"]


def test_fnn_list_shows_where_each_name_came_from():
    origin = {item["name"]: (item["plugin"], item["package"]) for item in json_of("list", "--json")}
    assert origin["swish"] == ("swish", "fnn-swish") and origin["lion"] == ("lion", "fnn-swish")
    assert origin["sigmoid"] == ("fnn.activations", "fnn")


def test_fnn_run_with_swish_and_lion_reaches_100_percent_on_xor():
    summary = json_of("run", "-a", "swish", "-o", "lion", "--json")
    assert (summary["dataset"], summary["activation"], summary["optimizer"]) == ("xor", "swish", "lion")
    assert summary["learning_rate"] == 0.001
    assert summary["accuracy"] == 1.0


@pytest.mark.parametrize("flag", [["--disable-plugin", "lion"], []])
def test_disable_plugin_leaves_out_only_that_plugin(flag):
    names = {item["name"] for item in json_of(*flag, "list", "--json")}
    assert "swish" in names
    assert ("lion" in names) == (not flag)
