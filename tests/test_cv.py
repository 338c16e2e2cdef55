"""fnn sweep --cv K: stratified folds of the training points (the test points untouched), each fold a run held out
as validation, the table's mean and std over folds, one results.csv row per fold, stacked folds as one by one,
--select on the folds' mean, and the errors."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import fnn
import fnn.cli.sweep
from fnn.io.data import folds
from fnn.runs.sweep import _stacks, grid, select, summarize_groups, train_group, train_one, with_folds
from fnn.runs.training import prepare
from support import assert_one_line_error, cli, ok


@settings(max_examples=80, deadline=None)
@given(counts=st.lists(st.integers(1, 40), min_size=1, max_size=4), k=st.integers(2, 7), seed=st.integers(0, 2**16),
       task=st.sampled_from(["binary", "regression"]))
def test_folds_partition_the_points_stratified_and_reproducibly(counts, k, seed, task):
    labels = np.repeat(np.arange(len(counts)), counts)[:, None].astype(float)
    if (len(labels) if task == "regression" else min(counts)) < k:
        with pytest.raises(fnn.ConfigError, match=f"--cv {k}"):
            folds(labels, k, np.random.default_rng(seed), task)
        return
    parts = folds(labels, k, np.random.default_rng(seed), task)
    assert len(parts) == k
    joined = np.concatenate(parts)
    assert sorted(joined.tolist()) == list(range(len(labels)))  # disjoint and covering every point
    assert all(np.all(np.diff(part) > 0) for part in parts)
    sizes = [len(part) for part in parts]
    assert max(sizes) - min(sizes) <= 1
    if task != "regression":  # each class dealt out evenly: its count differs by at most one between folds
        for label in range(len(counts)):
            shares = [np.count_nonzero(labels[part, 0] == label) for part in parts]
            assert max(shares) - min(shares) <= 1
    again = folds(labels, k, np.random.default_rng(seed), task)
    assert all(np.array_equal(a, b) for a, b in zip(parts, again))


def test_each_fold_holds_out_its_share_of_the_training_points_and_the_test_points_are_untouched():
    base = fnn.RunConfig(dataset="blobs", classes=3, n_samples=150, test_split=0.2, seed=3)
    without = prepare(base)
    experiments = [prepare(config) for config in with_folds([replace(base, cv=4)])]
    assert [e.config.fold for e in experiments] == [1, 2, 3, 4]
    held = [e.origin_val for e in experiments]
    assert sorted(np.concatenate(held).tolist()) == sorted(without.origin.tolist())  # the folds cover training
    for e in experiments:
        np.testing.assert_array_equal(e.origin_test, without.origin_test)  # the same test points
        np.testing.assert_array_equal(e.x_test, without.x_test)
        assert sorted([*e.origin.tolist(), *e.origin_val.tolist()]) == sorted(without.origin.tolist())
        np.testing.assert_allclose(e.y_val.mean(axis=0), without.y.mean(axis=0), atol=0.05)  # stratified
    assert max(map(len, held)) - min(map(len, held)) <= 1


def test_stacked_folds_equal_one_by_one():
    configs = with_folds(grid(dataset=["moons"], n_samples=[90], epochs=[40], learning_rate=[0.3, 1.0],
                              seed=[1, 2], test_split=[0.2], cv=[3]))
    assert len(configs) == 12
    experiments = [prepare(config) for config in configs]
    stacks = _stacks(experiments)
    assert len(stacks) == 3 and all({experiments[i].config.fold for i in stack} == {experiments[stack[0]].config.fold}
                                    for stack in stacks)  # one stack per fold, its members share the fold
    stacked = train_group(configs)
    for run, config in zip(stacked, configs):
        alone = train_one(config)
        np.testing.assert_allclose(run.loss, alone.loss, rtol=0, atol=1e-12)
        for key in ("val_loss", "test_loss"):
            assert math.isclose(run.summary[key], alone.summary[key], abs_tol=1e-12)
        for key in ("metrics", "val_metrics", "test_metrics"):
            for name, value in alone.summary[key].items():
                assert math.isclose(run.summary[key][name], value, abs_tol=1e-12), (key, name)


CV = ("sweep", "-d", "moons", "--n-samples", 120, "--epochs", 60, "--lr", "0.05,2", "--seed", "1,2",
      "--test-split", 0.2, "--cv", 3, "-w", 1)


def _rows(path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_results_csv_has_a_row_per_fold_and_the_table_shows_their_mean_and_std(tmp_path):
    shown = ok(*CV, "-q", "--select", "accuracy", "--out", tmp_path / "cv")
    rows = _rows(tmp_path / "cv" / "results.csv")
    assert len(rows) == 12 and {row["fold"] for row in rows} == {"1", "2", "3"} and {row["cv"] for row in rows} == {"3"}
    results = json.loads((tmp_path / "cv" / "results.json").read_text())
    assert results["varied"] == ["learning_rate", "seed", "fold"] and len(results["runs"]) == 12
    assert len(results["groups"]) == 2
    for group in results["groups"]:
        mine = [row for row in rows if float(row["learning_rate"]) == group["learning_rate"]]
        assert len(mine) == 6 and group["runs"] == 6 and sorted(group["folds"]) == [1, 1, 2, 2, 3, 3]
        for column in ("val_accuracy", "val_loss", "test_accuracy"):
            values = [float(row[column]) for row in mine]
            assert math.isclose(group[f"{column}_mean"], np.mean(values), abs_tol=1e-12)
            assert math.isclose(group[f"{column}_std"], np.std(values), abs_tol=1e-12)
        # The table prints each configuration's validation and test accuracy as mean ± std.
        val = f"{group['val_accuracy_mean']:.2%} ± {group['val_accuracy_std']:.1%}"
        assert val in shown.stdout, (val, shown.stdout)
    assert "Sweep: 12 runs, 2 seeds × 3 folds each, mean ± std" in shown.stdout
    # --select picks the best mean validation accuracy over the folds, and reports the test score beside it.
    best = max(results["groups"], key=lambda g: (g["val_accuracy_mean"], -g["final_loss_mean"]))
    assert results["selected"]["settings"] == {"learning_rate": best["learning_rate"]}
    assert results["selected"]["val_accuracy_mean"] == best["val_accuracy_mean"]
    assert f"selected by validation accuracy: lr={best['learning_rate']:g}" in shown.stdout


def test_select_chooses_on_the_folds_mean_not_on_test():
    runs = train_group(with_folds(grid(dataset=["moons"], n_samples=[90], epochs=[30], learning_rate=[0.05, 1.0],
                                       test_split=[0.2], cv=[3])))
    groups = summarize_groups(runs)
    assert [len(group.runs) for group in groups] == [3, 3]
    chosen = select(groups, "loss")
    means = [np.mean([run.summary["val_loss"] for run in group.runs]) for group in groups]
    assert chosen is groups[int(np.argmin(means))]
    assert math.isclose(chosen.score("loss", val=True).mean, min(means), abs_tol=1e-12)


def test_cv_with_random_search_draws_each_configuration_once_and_trains_its_folds():
    args = ("sweep", "-d", "moons", "--n-samples", 90, "--epochs", 20, "--lr", "loguniform:0.01,1", "--samples", 2,
            "--cv", 3, "-w", 1, "--json")
    printed = json.loads(ok(*args).stdout)
    assert len(printed["groups"]) == 2 and all(group["runs"] == 3 for group in printed["groups"])
    assert all(group["val_accuracy_mean"] is not None for group in printed["groups"])


def test_an_interrupted_cv_sweep_resumes_fold_by_fold_to_the_uninterrupted_folder(tmp_path, monkeypatch):
    ok(*CV, "-q", "--out", tmp_path / "whole")
    record, seen = fnn.cli.sweep.record_run, []

    def recording(folder, index, run):
        if len(seen) == 5:
            raise KeyboardInterrupt
        seen.append(index)
        record(folder, index, run)

    monkeypatch.setattr(fnn.cli.sweep, "record_run", recording)
    cut = cli(*CV, "-q", "--out", tmp_path / "cut")
    monkeypatch.undo()
    assert cut.exit_code == 130 and "interrupted after 5 of 12 runs" in cut.stderr
    resumed = ok("sweep", "--resume", tmp_path / "cut", "-w", "1")
    assert "5 of 12 runs were finished" in resumed.stdout
    timed = {"train_seconds"}
    assert [{k: v for k, v in row.items() if k not in timed} for row in _rows(tmp_path / "cut" / "results.csv")] == \
        [{k: v for k, v in row.items() if k not in timed} for row in _rows(tmp_path / "whole" / "results.csv")]


def test_cv_on_a_local_dask_cluster_gives_the_local_pools_results():
    pytest.importorskip("distributed", reason='dask.distributed is not installed: pip install "fnn[dask]"')
    args = ("sweep", "-d", "moons", "--n-samples", 90, "--epochs", 20, "--lr", "0.1,1", "--cv", 2, "--json")

    def without_times(text: str) -> dict:
        results = json.loads(text)
        for group in results["groups"]:
            group.pop("train_seconds")
        return results

    assert without_times(ok(*args, "--scheduler", "local:2").stdout) == \
        without_times(ok(*args, "-w", 2, "--force-workers").stdout)


def test_fnn_run_trains_one_fold_as_the_sweep_does():
    config = fnn.RunConfig(dataset="moons", n_samples=90, epochs=20, test_split=0.2, cv=3, fold=2)
    swept, alone = train_one(config).summary, fnn.fit(config).summary()
    assert swept["val_metrics"] == alone["val_metrics"] and swept["test_metrics"] == alone["test_metrics"]


@pytest.mark.parametrize("args, fragments", [
    (("sweep", "--cv", 1), ("--cv must be at least 2", "got 1")),
    (("sweep", "--cv", 3, "--val-split", 0.2), ("--cv and --val-split", "choose one")),
    (("sweep", "--cv", 3, "--fold", 1), ("--fold picks one fold for fnn run",)),
    (("sweep", "-d", "xor", "--n-samples", 8, "--cv", 5), ("--cv 5: class", "each class needs at least 5")),
    (("sweep", "-d", "sine", "--n-samples", 4, "--cv", 5), ("--cv 5: the data has 4 training points",)),
    (("run", "--cv", 3), ("give --fold 1 to 3", "fnn sweep --cv 3 trains every fold")),
    (("run", "--cv", 3, "--fold", 4), ("--fold must be 1 to 3",)),
    (("run", "--fold", 1), ("--fold picks a fold of --cv",)),
])
def test_cv_errors_are_one_line(args, fragments):
    assert_one_line_error(cli(*args, "--epochs", 5), 2, *fragments)
