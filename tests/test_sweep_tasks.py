"""``fnn sweep`` for every task: multi-class and regression sweeps show their task's metrics.

Groups hold the mean and spread of every metric of the task at the end (``FitResult.metrics()``, test
too), equal to ``fnn.fit``'s; the table shows the headline metric (accuracy, or r2) beside the loss,
with "100% at epoch" for classification only; ``--json`` and ``results.csv`` have a column per metric
(and test metric) that applies; binary sweeps keep their columns, in their order, before the added
ones. ``--sort`` takes any metric of the sweep's task (best first: lower for mae and rmse; ties go to
the lower loss), ``test_`` + a metric with a test split, and refuses, in one line, a metric of another
task or an unknown name. A sweep mixing tasks whose metrics differ is refused; binary and multi-class
share theirs and sweep together.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import fnn
from support import assert_one_line_error, cli, ok

REGRESSION = ("sweep", "-d", "sine", "-o", "adam", "--lr", "0.003,0.03", "--hidden", "4/8", "-e", "40",
              "--test-split", "0.3", "--workers", "1")
MULTICLASS = ("sweep", "-d", "spiral", "--classes", "3", "-o", "adam", "--lr", "0.01,0.1", "--seed", "1,2",
              "-e", "40", "--test-split", "0.3", "--workers", "1")
BINARY_GROUP_KEYS = ["learning_rate", "runs", "seeds", "final_loss_mean", "final_loss_std", "accuracy_mean",
                     "accuracy_std", "test_accuracy_mean", "test_accuracy_std", "first_100_epoch_median",
                     "reached_100", "diverged", "failed", "errors", "train_seconds"]
"""A binary sweep's --json group, as it was before other tasks: these keys first, in this order."""


def table_rows(stdout: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("│").split("│")]
            for line in stdout.splitlines() if line.startswith("│")]


def headings(stdout: str) -> list[str]:
    return [cell.strip() for cell in next(line for line in stdout.splitlines() if line.startswith("┃"))
            .strip("┃").split("┃")]


@pytest.fixture(scope="module")
def regression() -> dict:
    return json.loads(ok(*REGRESSION, "--json").stdout)


@pytest.fixture(scope="module")
def multiclass() -> dict:
    return json.loads(ok(*MULTICLASS, "--json").stdout)


def test_a_regression_sweep_has_r2_mae_and_rmse_and_no_accuracy(regression):
    for group in regression["groups"]:
        assert [key for key in group if key.endswith("_mean")] == [
            "final_loss_mean", "r2_mean", "test_r2_mean", "mae_mean", "rmse_mean", "test_mae_mean", "test_rmse_mean"]
        assert "first_100_epoch_median" not in group and "reached_100" not in group
        fit = fnn.fit(dataset="sine", optimizer="adam", learning_rate=group["learning_rate"],
                      hidden=tuple(group["hidden"]), epochs=40, test_split=0.3)
        for test in (False, True):
            for name, value in fit.metrics(test=test).items():
                assert group[f"{'test_' if test else ''}{name}_mean"] == pytest.approx(value, rel=0, abs=1e-12)
                assert group[f"{'test_' if test else ''}{name}_std"] == 0.0  # one seed


def test_a_regression_sweep_table_shows_r2_beside_the_loss_and_no_epoch_of_100_percent(regression):
    stdout = ok(*REGRESSION, "--quiet").stdout
    assert headings(stdout) == ["hidden", "lr", "final loss", "r2", "test r2", "s/run"]
    for row, group in zip(table_rows(stdout), regression["groups"]):
        assert row[2:5] == [f"{group['final_loss_mean']:.4g}", f"{group['r2_mean']:.4g}",
                            f"{group['test_r2_mean']:.4g}"]
    assert "100%" not in stdout and "accuracy" not in stdout


def test_a_multiclass_sweep_has_every_classification_metric_folded_over_seeds(multiclass):
    for group in multiclass["groups"]:
        others = [f"{test}{name}_{stat}" for test in ("", "test_") for name in ("f1", "precision", "recall")
                  for stat in ("mean", "std")]
        assert list(group) == [*BINARY_GROUP_KEYS, *others]  # the same columns as a binary sweep's
        fits = [fnn.fit(dataset="spiral", classes=3, optimizer="adam", learning_rate=group["learning_rate"],
                        seed=seed, epochs=40, test_split=0.3) for seed in group["seeds"]]
        for test in (False, True):
            for name in ("accuracy", "precision", "recall", "f1"):
                values = [fit.metrics(test=test)[name] for fit in fits]
                key = f"{'test_' if test else ''}{name}"
                assert group[f"{key}_mean"] == pytest.approx(np.mean(values), rel=0, abs=1e-12)
                assert group[f"{key}_std"] == pytest.approx(np.std(values), rel=0, abs=1e-12)


def test_a_multiclass_sweep_table_shows_accuracy_and_the_epoch_of_100_percent(multiclass):
    stdout = ok(*MULTICLASS, "--quiet").stdout
    assert headings(stdout) == ["lr", "final loss", "accuracy", "test accuracy", "100% at epoch", "s/run"]
    for row, group in zip(table_rows(stdout), multiclass["groups"]):
        assert row[2].startswith(f"{group['accuracy_mean']:.2%} ± ")


def test_a_binary_sweep_keeps_its_json_and_csv_columns_first_and_adds_the_other_metrics(tmp_path, stand_in_figures):
    out = tmp_path / "sweep"
    data = json.loads(ok("sweep", "--lr", "0.5,1", "-e", "20", "--workers", "1", "--json", "--out", out).stdout)
    for group in data["groups"]:
        assert list(group) == [*BINARY_GROUP_KEYS, "f1_mean", "f1_std", "precision_mean", "precision_std",
                               "recall_mean", "recall_std"]  # no test split: no test_ twins of the others
    with open(out / "results.csv", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    columns = list(reader.fieldnames or [])
    settings = list(fnn.runs.settings.BY_NAME)
    assert columns == [*settings, "final_loss", "accuracy", "first_100_epoch", "diverged_at", "train_seconds",
                       "error", "f1", "precision", "recall"]
    for row, run in zip(rows, json.loads((out / "results.json").read_text())["runs"]):
        fit = fnn.fit(learning_rate=float(row["learning_rate"]), epochs=20)
        assert {name: float(row[name]) for name in ("accuracy", "f1", "precision", "recall")} == fit.metrics()
        assert run["f1"] == fit.metrics()["f1"]


def test_regression_results_csv_has_a_column_per_metric_and_test_metric(tmp_path, stand_in_figures):
    out = tmp_path / "sweep"
    ok(*REGRESSION, "--quiet", "--out", out)
    with open(out / "results.csv", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert list(reader.fieldnames or [])[len(fnn.runs.settings.BY_NAME):] == [
        "final_loss", "r2", "diverged_at", "train_seconds", "error", "mae", "rmse", "test_r2", "test_mae",
        "test_rmse"]
    assert len(rows) == 4 and all(float(row["r2"]) <= 1 for row in rows)


@pytest.mark.parametrize("key, higher_is_better", [("r2", True), ("mae", False), ("test_rmse", False)])
def test_sort_by_a_regression_metric_puts_the_best_first(regression, key, higher_is_better):
    groups = json.loads(_sorted(*REGRESSION, "--json", "--sort", key).stdout)["groups"]
    values = [group[f"{key}_mean"] for group in groups]
    assert values == sorted(values, reverse=higher_is_better)
    assert sorted(g["learning_rate"] for g in groups) == sorted(g["learning_rate"] for g in regression["groups"])


@pytest.mark.parametrize("key", ["f1", "test_precision", "recall"])
def test_sort_by_a_classification_metric_puts_the_highest_first(multiclass, key):
    groups = json.loads(_sorted(*MULTICLASS, "--json", "--sort", key).stdout)["groups"]
    values = [group[f"{key}_mean"] for group in groups]
    assert values == sorted(values, reverse=True)


def _sorted(*args):
    """``fnn sweep ARGS --sort KEY``: a sort on test points succeeds with one note on stderr that it selects on
    test data; any other with nothing there."""
    result = cli(*args)
    assert result.exit_code == 0, result.output
    on_test = any(str(arg).startswith("test_") for arg in args)
    assert result.stderr.count("selects on test data") == on_test and len(result.stderr.splitlines()) == on_test
    return result


def test_metric_ties_go_to_the_lower_loss():
    from fnn.runs.sweep import Group, Spread, sort_groups

    def group(lr: float, loss: float, mae: float) -> Group:
        return Group(fnn.RunConfig(task="regression", learning_rate=lr), (), loss, 0.0,
                     {"r2": Spread(0.5, 0.0), "mae": Spread(mae, 0.0)}, {}, None, 0, 0, 0, 1.0)

    groups = [group(0.1, 0.3, 0.2), group(0.2, 0.1, 0.2), group(0.3, 0.2, 0.1)]
    assert [g.config.learning_rate for g in sort_groups(groups, "mae")] == [0.3, 0.2, 0.1]
    assert [g.config.learning_rate for g in sort_groups(groups, "r2")] == [0.2, 0.3, 0.1]


@pytest.mark.parametrize("args, fragments", [
    (("--sort", "mae"), ("cannot sort by 'mae'", "does not apply to the binary task", "accuracy, f1")),
    (("-d", "sine", "--sort", "accuracy"), ("cannot sort by 'accuracy'", "regression task", "r2, mae, rmse")),
    (("-d", "sine", "--sort", "epoch"), ("cannot sort by 'epoch'", "regression task")),
    (("-d", "sine", "--sort", "test_r2"), ("cannot sort by test_r2", "no run sets test_split")),
    (("-d", "sine", "--sort", "test_accuracy", "--test-split", "0.3"), ("cannot sort by 'test_accuracy'",)),
    (("--sort", "test_nope"), ("--sort", "'test_nope' is not one of", "r2")),
    (("-d", "xor,sine"), ("mixes binary runs (xor) and regression runs (sine)", "sweep each task separately")),
])
def test_a_sort_or_mix_that_cannot_apply_is_one_line_before_training(args, fragments):
    assert_one_line_error(cli("sweep", "-e", "5", "--workers", "1", *args), 2, *fragments, stdout_empty=True)


def test_binary_and_multiclass_runs_sweep_together():
    groups = json.loads(ok("sweep", "-d", "xor,blobs", "-e", "5", "--workers", "1", "--json",
                           "--sort", "f1").stdout)["groups"]
    assert {group["task"] for group in groups} == {"binary", "multiclass"}
    assert all("f1_mean" in group and "first_100_epoch_median" in group for group in groups)
