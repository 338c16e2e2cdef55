"""``fnn run`` and the API for every task: binary, multiclass and regression, read off the labels or forced.

What a user sees: the task's defaults (output activation, loss, the metric scored every epoch), a
one-line error for a setting that does not fit the task, stopping on any metric, the hints a new
user needs, and tables that keep class names whole in a pipe.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import fnn
from support import assert_one_line_error, cli, ok


def run_json(*args) -> dict:
    return json.loads(ok("run", "--json", *args).stdout)


def test_a_three_class_spiral_is_multiclass_with_softmax_and_cross_entropy():
    data = run_json("-d", "spiral", "--classes", "3", "-e", "20")
    assert (data["task"], data["output"], data["loss"], data["classes"]) == (
        "multiclass", "softmax", "cross_entropy", ["0", "1", "2"])
    assert data["sizes"][-1] == 3
    assert set(data["metrics"]) == {"accuracy", "precision", "recall", "f1"}
    assert data["accuracy"] == data["metrics"]["accuracy"]


def test_a_curve_is_regression_with_an_identity_output_and_r2():
    data = run_json("-d", "sine", "-e", "20")
    assert (data["task"], data["output"], data["loss"], data["classes"]) == ("regression", "identity", "mse", [])
    assert data["accuracy"] is None and set(data["metrics"]) == {"r2", "mae", "rmse"}
    history = fnn.fit(dataset="sine", epochs=5).history
    assert set(history) == {"loss", "r2"}


def test_binary_runs_keep_their_defaults():
    data = run_json("-e", "5")
    assert (data["task"], data["output"], data["loss"], data["classes"]) == ("binary", "sigmoid", "mse", ["0", "1"])


@pytest.mark.parametrize("args, fragments", [
    (["-d", "xor", "--classes", "3"], ["--classes applies to the datasets that take it", "blobs", "spiral"]),
    (["-d", "sine", "--output-activation", "softmax"], ["--output-activation softmax fits the multiclass task",
                                                         "this data is regression", "identity"]),
    (["-d", "xor", "--loss", "cross_entropy"], ["--loss cross_entropy fits the multiclass task", "binary", "mse"]),
    (["-d", "sine", "--loss", "bce"], ["--loss bce fits the binary task"]),
    (["-d", "sine", "--target", "accuracy=0.9"], ["--target accuracy does not apply to the regression task",
                                                  "mae, r2, rmse"]),
    (["-d", "sine", "--target-accuracy", "0.9"], ["accuracy does not apply to the regression task"]),
    (["-d", "xor", "--task", "ranking"], ["task", "binary, multiclass, regression"]),
    (["-d", "sine", "--task", "binary"], ["--task binary does not fit dataset 'sine'", "labels must be 0 or 1"]),
    (["-d", "spiral", "--classes", "1"], ["--classes must be a whole number from 2"]),
])
def test_a_setting_that_does_not_fit_the_task_is_one_line(args, fragments):
    assert_one_line_error(cli("run", "-e", "1", *args), 2, *fragments, stdout_empty=True)


def test_an_unknown_target_metric_lists_the_metrics():
    assert_one_line_error(cli("run", "-e", "1", "--target", "nosuch=1"), 2, "nosuch", "accuracy", "r2")


def test_a_target_on_any_metric_stops_training_in_its_direction():
    data = run_json("-d", "plane", "-o", "adam", "-e", "3000", "--target", "r2=0.9")
    assert data["epochs_trained"] < 3000 and "reached the target r2 0.9" in data["stop_reason"]
    assert data["metrics"]["r2"] >= 0.9
    lower = run_json("-d", "plane", "-o", "adam", "-e", "3000", "--target", "mae=0.2")
    assert "reached the target mae 0.2" in lower["stop_reason"] and lower["metrics"]["mae"] <= 0.2


def test_forcing_a_task_changes_what_the_labels_mean():
    assert run_json("-e", "5", "--task", "regression")["output"] == "identity"
    data = run_json("-e", "5", "--task", "multiclass")
    assert (data["output"], data["sizes"][-1], data["classes"]) == ("softmax", 2, ["0", "1"])


def test_text_class_names_stay_whole_in_an_80_column_pipe(tmp_path):
    rng = np.random.default_rng(0)
    names = ["Iris-setosa-long-name", "Iris-versicolor-long", "Iris-virginica-long"]
    rows = [f"{a:.3f},{b:.3f},{c:.3f},{d:.3f},{names[i % 3]}" for i, (a, b, c, d) in
            enumerate(rng.normal(size=(60, 4)) + np.repeat(np.eye(3, 4) * 3, 20, axis=0))]
    path = tmp_path / "flowers.csv"
    path.write_text("sepal length,sepal width,petal length,petal width,species\n" + "\n".join(rows) + "\n")
    result = cli("run", "--data", path, "-e", "50", env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert all(len(line) <= 80 for line in lines if line[:1] in "┏┃┡│└")  # tables fit; records are one line each
    table = lines[lines.index(next(line for line in lines if line.startswith("Predictions"))):]
    assert any(name in line for line in table for name in names)
    assert "…" not in "\n".join(table)
    assert "0 Iris-setosa-long-name" in result.stdout  # the confusion matrix numbers the columns, names the rows
    assert "species" not in json.loads(ok("run", "--data", path, "-e", "5", "--json").stdout)["features"]


def test_the_hint_when_feature_scales_differ_a_hundred_times(tmp_path):
    path = tmp_path / "scales.csv"
    rng = np.random.default_rng(1)
    path.write_text("small,large,label\n" + "\n".join(
        f"{a:.4f},{b * 1000:.1f},{int(a > 0.5)}" for a, b in rng.uniform(size=(40, 2))) + "\n")
    out = ok("run", "--data", path, "-e", "2").stdout
    assert "hint: the features' spreads differ" in out and "--standardize" in out
    assert "hint: the features' spreads" not in ok("run", "--data", path, "-e", "2", "--standardize").stdout


def test_the_hint_when_a_classifier_predicts_one_class_for_every_point():
    out = ok("run", "-d", "linear", "-e", "1", "--lr", "1e-9").stdout
    assert "hint: the network predicts class" in out and "for every point" in out
    assert "hint: the network predicts" not in ok("run", "-d", "linear", "-e", "2000").stdout


def test_regression_targets_spread_wide_get_a_learning_rate_hint_before_and_after(tmp_path):
    """Only targets trained as they are (--no-scale-targets) get the hint; standardized ones need none."""
    rng = np.random.default_rng(2)
    x = rng.uniform(size=(50, 2))
    path = tmp_path / "wide.csv"
    path.write_text("a,b,y\n" + "\n".join(f"{a:.4f},{b:.4f},{150 + 80 * (a - b):.2f}" for a, b in x) + "\n")
    result = cli("run", "--data", path, "-e", "300", "--no-scale-targets", "--lr", "1")
    assert "hint: the targets spread" in result.stdout and "-o adam" in result.stdout
    assert "--no-scale-targets" in result.stdout
    assert_one_line_error(result, 1, "the loss became inf", "the regression targets spread", "--lr")
    assert "hint: the targets spread" not in ok("run", "--data", path, "-e", "3").stdout
    data = run_json("--data", path, "-e", "2000", "-o", "adam", "--lr", "0.05")
    assert data["task"] == "regression" and data["metrics"]["r2"] > 0
