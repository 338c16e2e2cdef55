"""fnn-sklearn as installed: fnn finds it through its entry point, in a real ``fnn`` process.

These run the ``fnn`` command next to this Python with plugin autoloading on
(test suites, fnn's own included, may switch it off with
``FNN_DISABLE_PLUGIN_AUTOLOAD``), so they need ``pip install ./plugins/fnn-sklearn``.
"""

import json
import os
import shutil
import subprocess
import sys

from test_sklearn_plugin import SHAPES, WAITS_FOR_REGISTRY

FNN = shutil.which("fnn", path=os.path.dirname(sys.executable)) or shutil.which("fnn")
AUTOLOAD = {key: value for key, value in os.environ.items()
            if key not in ("FNN_DISABLE_PLUGIN_AUTOLOAD", "FNN_DISABLED_PLUGINS", "FNN_STRICT_PLUGINS")}


def json_of(*args: str):
    assert FNN, "the fnn command is not installed"
    result = subprocess.run([FNN, *args], env=AUTOLOAD, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no warnings: every installed plugin loaded
    return json.loads(result.stdout)


@WAITS_FOR_REGISTRY
def test_fnn_plugins_lists_the_plugin_and_its_datasets():
    plugin = next(item for item in json_of("plugins", "--json") if item["name"] == "sklearn")
    assert (plugin["package"], plugin["hooks"]) == ("fnn-sklearn", ["fnn_datasets"])
    assert (plugin["status"], plugin["error"]) == ("ok", None), plugin["error"]
    assert plugin["names"]["dataset"] == sorted(SHAPES)


@WAITS_FOR_REGISTRY
def test_fnn_run_on_breast_cancer_standardized_passes_90_percent_on_held_out_points():
    summary = json_of("run", "-d", "breast_cancer", "--standardize", "--test-split", "0.3", "-e", "300", "--json")
    assert (summary["dataset"], summary["n_points"], summary["sizes"][0]) == ("breast_cancer", 569, 30)
    assert summary["test_accuracy"] >= 0.9
