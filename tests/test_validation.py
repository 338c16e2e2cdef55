"""--val-split: a validation set held out of the training points, what watches it (--patience, a sweep's
--select and val_ sort keys), the test points scored once, and the note when a choice is made on test data."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import fnn
from fnn.io.data import held_out, split_off
from fnn.runs.sweep import Group, Spread, check_select, grid, select, selection, sort_groups, train_one
from fnn.runs.training import Epoch, _Stopper, prepare
from support import assert_one_line_error, cli


@settings(max_examples=60, deadline=None)
@given(counts=st.lists(st.integers(1, 30), min_size=1, max_size=4), fraction=st.floats(0.05, 0.95),
       seed=st.integers(0, 2**16))
def test_the_stratified_hold_out_keeps_each_class_share_and_a_point_to_train_on(counts, fraction, seed):
    labels = np.repeat(np.arange(len(counts)), counts)[:, None].astype(float)
    if max(counts) < 2:  # no class can give a point and keep one
        with pytest.raises(fnn.ConfigError, match="no validation point"):
            held_out(labels, fraction, np.random.default_rng(seed), "--val-split", every_class=False)
        return
    held = held_out(labels, fraction, np.random.default_rng(seed), "--val-split", every_class=False)
    assert len(set(held)) == len(held) and np.all(np.diff(held) > 0)
    for label, count in enumerate(counts):
        taken = np.count_nonzero(labels[held, 0] == label)
        expected = 0 if count < 2 else min(count - 1, max(1, round(fraction * count)))
        assert taken == expected  # its share, at least one where it has two, never its last point
    again = held_out(labels, fraction, np.random.default_rng(seed), "--val-split", every_class=False)
    np.testing.assert_array_equal(held, again)


def test_split_off_keeps_order_and_covers_every_point_once():
    x, y = np.arange(10)[:, None] * 1.0, np.arange(10) % 2
    (x_kept, y_kept), (x_held, y_held) = split_off((x, y), np.array([7, 2]))
    assert x_kept[:, 0].tolist() == [0, 1, 3, 4, 5, 6, 8, 9] and x_held[:, 0].tolist() == [2, 7]
    assert y_held.tolist() == [0, 1]


@pytest.mark.parametrize("dataset, classes", [("moons", None), ("blobs", 3), ("sine", None)])
def test_train_validation_and_test_points_do_not_overlap_and_cover_the_data(dataset, classes):
    e = prepare(fnn.RunConfig(dataset=dataset, classes=classes, n_samples=120, test_split=0.2, val_split=0.25))
    origins = [e.origin, e.origin_val, e.origin_test]
    assert sorted(np.concatenate(origins).tolist()) == list(range(120))
    assert (len(e.x), len(e.x_val), len(e.x_test)) == (72, 24, 24)
    if e.task != "regression":  # each class keeps its share in every part
        for part in (e.y, e.y_val, e.y_test):
            shares = part.mean(axis=0) if part.shape[1] > 1 else np.array([part.mean()])
            np.testing.assert_allclose(shares, e.y.mean(axis=0) if e.y.shape[1] > 1 else [e.y.mean()], atol=0.05)


def test_the_split_is_reproducible_and_the_test_points_are_those_without_validation():
    def parts(**more):
        e = prepare(fnn.RunConfig(dataset="moons", n_samples=100, test_split=0.3, seed=4, **more))
        return e.origin_test, e.origin_val

    (test, val), (test_again, val_again) = parts(val_split=0.2), parts(val_split=0.2)
    np.testing.assert_array_equal(test, test_again)
    np.testing.assert_array_equal(val, val_again)
    np.testing.assert_array_equal(parts()[0], test)  # adding validation leaves the test points as they were


def test_standardizing_and_target_scaling_fit_on_the_training_part_only():
    e = prepare(fnn.RunConfig(dataset="sine", n_samples=80, val_split=0.3, standardize=True))
    np.testing.assert_allclose(e.x.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(e.y.mean(axis=0), 0, atol=1e-12)
    assert abs(e.x_val.mean()) > 1e-6 and abs(e.y_val.mean()) > 1e-6


def test_validation_that_would_leave_nothing_to_hold_out_is_one_config_error():
    with pytest.raises(fnn.ConfigError, match="--val-split 0.5 leaves no validation point"):
        prepare(fnn.RunConfig(dataset="sine", n_samples=2, test_split=0.5, val_split=0.5))
    assert_one_line_error(cli("run", "-d", "sine", "--n-samples", 2, "--test-split", 0.5, "--val-split", 0.5), 2,
                          "--val-split", "no validation point")
    assert_one_line_error(cli("run", "--val-split", 1.5), 2, "--val-split")


def _record(epoch, val_loss, test_loss):
    return Epoch(epoch, 1.0, None, None, None, test_loss=test_loss, val_loss=val_loss)


def test_patience_watches_validation_where_validation_and_test_disagree():
    # Validation is best at epoch 2 and worsens; the test loss keeps falling: stopping follows validation.
    stopper = _Stopper(fnn.RunConfig(patience=2), ())
    records = [_record(1, 0.5, 0.5), _record(2, 0.4, 0.4), _record(3, 0.6, 0.3), _record(4, 0.7, 0.2)]
    stops = [stopper.check(record) for record in records]
    assert stops[:3] == [None, None, None]
    why, kept = stops[3]
    assert kept.epoch == 2 and why.startswith("validation loss did not improve for 2 epochs")


def test_with_validation_the_history_has_no_test_columns_and_the_kept_parameters_are_tested_once():
    result = fnn.fit(dataset="moons", n_samples=200, noise=0.3, hidden=(8,), activation="tanh", learning_rate=2.0,
                     epochs=400, test_split=0.2, val_split=0.25, patience=10)
    assert set(result.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert result.final.epoch == int(np.argmin(result.history["val_loss"])) + 1
    assert result.final.val_loss == result.history["val_loss"][result.final.epoch - 1]
    e = result.experiment
    outputs = fnn.forward(result.final.params, e.x_test, e.activation, e.output)[0]
    assert result.final.test_loss == pytest.approx(e.loss.value(outputs, e.y_test), abs=1e-15)
    summary = result.summary()
    assert summary["test_metrics"] == result.metrics(test=True) and summary["val_metrics"] == result.metrics(val=True)
    assert (summary["n_train"], summary["n_val"], summary["n_test"]) == (120, 40, 40)


def test_without_validation_a_run_is_as_before():
    result = fnn.fit(dataset="moons", n_samples=100, epochs=30, test_split=0.2)
    assert set(result.history) == {"loss", "accuracy", "test_loss", "test_accuracy"}
    assert result.summary()["val_loss"] is None and result.summary()["n_val"] == 0


def _notes(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if "selects on test data" in line]


def test_patience_on_test_data_says_so_once_and_validation_silences_it():
    peeking = cli("run", "-d", "moons", "--n-samples", 100, "--epochs", 40, "--test-split", 0.2, "--patience", 3)
    assert peeking.exit_code == 0 and len(_notes(peeking)) == 1
    assert _notes(peeking)[0].startswith("note: --patience") and "--val-split" in _notes(peeking)[0]
    honest = cli("run", "-d", "moons", "--n-samples", 100, "--epochs", 40, "--test-split", 0.2, "--val-split", 0.2,
                 "--patience", 3)
    assert honest.exit_code == 0 and honest.stderr == ""
    assert "val loss" in honest.stdout and "; test loss" in honest.stdout


def test_a_sweep_sorted_on_test_data_says_so_once_for_all_its_runs():
    args = ["sweep", "-d", "moons", "--n-samples", 100, "--epochs", 20, "--lr", "0.1,0.5,1", "--seed", "1,2",
            "--test-split", 0.2, "-w", 1, "-q"]
    peeking = cli(*args, "--sort", "test_accuracy", "--patience", 3)
    assert peeking.exit_code == 0 and len(_notes(peeking)) == 1 and "sort by val_accuracy" in peeking.stderr
    honest = cli(*args, "--val-split", 0.2, "--sort", "val_accuracy")
    assert honest.exit_code == 0 and _notes(honest) == []


def _group(lr, val, test):
    config = fnn.RunConfig(learning_rate=lr, test_split=0.2, val_split=0.2, task="binary")
    return Group(config, (), 0.1, 0.0, {}, {"accuracy": test}, None, 0, 0, 0, 1.0, val_scores={"accuracy": val},
                 val_loss=Spread(1 - val.mean, 0.0), test_loss=Spread(1 - test.mean, 0.0))


def test_select_chooses_by_validation_not_test_where_they_disagree():
    best_on_test = _group(0.1, Spread(0.80, 0.0), Spread(0.99, 0.0))
    best_on_val = _group(0.5, Spread(0.90, 0.0), Spread(0.85, 0.0))
    groups = [best_on_test, best_on_val]
    assert select(groups, "accuracy") is best_on_val
    assert select(groups, "loss") is best_on_val  # the lowest validation loss
    assert sort_groups(groups, "val_accuracy")[0] is best_on_val
    assert sort_groups(groups, "test_accuracy")[0] is best_on_test
    chosen = selection(best_on_val, "accuracy", ["learning_rate"])
    assert chosen["settings"] == {"learning_rate": 0.5} and chosen["on"] == "validation"
    assert (chosen["val_accuracy_mean"], chosen["test_accuracy_mean"]) == (0.90, 0.85)


def test_select_needs_a_validation_split_and_a_metric_of_the_task():
    with pytest.raises(fnn.ConfigError, match="add --val-split"):
        check_select(grid(learning_rate=[0.1, 0.5]), "accuracy")
    with pytest.raises(fnn.ConfigError, match="cannot select by 'r2'"):
        check_select([fnn.RunConfig(val_split=0.2, task="binary")], "r2")
    assert_one_line_error(cli("sweep", "--lr", "0.1,0.5", "--select", "accuracy"), 2, "--select", "--val-split")


def test_sweep_select_prints_the_choice_and_writes_it_with_val_columns(tmp_path):
    args = ["sweep", "-d", "moons", "--n-samples", 120, "--epochs", 30, "--lr", "0.1,2", "--seed", "1,2",
            "--test-split", 0.2, "--val-split", 0.25, "--select", "accuracy", "-w", 1]
    shown = cli(*args, "-q")
    assert shown.exit_code == 0, shown.output
    line = [line for line in shown.stdout.splitlines() if line.startswith("selected by validation accuracy: lr=")]
    assert len(line) == 1 and "val accuracy" in line[0] and "test accuracy" in line[0]
    table = shown.stdout.split("selected by")[0]
    assert "val" in table and "test" in table  # the table's columns of validation and test accuracy
    printed = json.loads(cli(*args, "--json").stdout)
    chosen = printed["selected"]
    best = max(printed["groups"], key=lambda g: (g["val_accuracy_mean"], -g["final_loss_mean"]))
    assert chosen["settings"] == {"learning_rate": best["learning_rate"]}
    assert chosen["val_accuracy_mean"] == best["val_accuracy_mean"]
    assert chosen["test_accuracy_mean"] == best["test_accuracy_mean"]
    assert cli(*args, "-q", "--out", tmp_path / "sweep").exit_code == 0
    results = json.loads((tmp_path / "sweep" / "results.json").read_text())
    assert results["selected"] == chosen
    header = (tmp_path / "sweep" / "results.csv").read_text().splitlines()[0].split(",")
    assert {"val_loss", "val_accuracy", "val_f1", "test_loss", "test_accuracy"} <= set(header)
    assert {"val_loss_mean", "val_accuracy_mean", "test_loss_mean"} <= set(results["groups"][0])


def test_a_sweep_run_with_validation_reports_it_and_equals_fnn_run():
    config = fnn.RunConfig(dataset="moons", n_samples=100, epochs=25, test_split=0.2, val_split=0.2)
    swept, alone = train_one(config).summary, fnn.fit(config).summary()
    for key in ("val_loss", "val_metrics", "test_loss", "test_metrics"):
        assert swept[key] == alone[key]
    assert not math.isnan(swept["val_loss"])

