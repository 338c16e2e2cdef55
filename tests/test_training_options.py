"""Issue 5's training options: mini-batches, the stratified hold-out set, early stopping, L2, schedules,
dataset size and noise, and the comparison figure with test points.

Reference values are computed here, independently of the loop under test: the
points of every mini-batch are read off the gradients an identity network
reports (one-hot inputs, so a weight's gradient is nonzero exactly for the
points in the batch), split sizes from ``round(fraction * count)`` per class,
stop epochs from the rules as the issue states them applied to an
uninterrupted run's history, the L2 gradient by finite differences, and
scheduled runs by gradient descent written out by hand with each schedule's
formula.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace

import numpy as np
import pytest

import fnn
import fnn.figures.plots
from fnn.io.data import stratified_split
from fnn.builtin.optimizers import sgd
from fnn.builtin.schedules import SCHEDULES
from fnn.testing import numerical_gradient
from fnn.runs.training import RunConfig, prepare, run
from support import assert_one_line_error, cli, ok

NEW_DATASETS = ["circle", "gauss", "spiral", "moons", "checkerboard"]


def mse(pred, target) -> float:
    return float(np.mean((np.asarray(pred) - np.asarray(target)) ** 2))


def hits(pred, target) -> float:
    return float(np.mean((np.asarray(pred) >= 0.5) == (np.asarray(target) >= 0.5)))


def same_params(a, b) -> bool:
    return list(a) == list(b) and all(a[k].dtype == b[k].dtype and np.array_equal(a[k], b[k]) for k in a)


def same_run(a, b) -> bool:
    """Two lists of epoch records, bitwise: loss, accuracy and parameters of every epoch."""
    return (len(a) == len(b) and [r.loss for r in a] == [r.loss for r in b]
            and [r.accuracy for r in a] == [r.accuracy for r in b]
            and all(same_params(p.params, q.params) for p, q in zip(a, b)))


def full_run(config: RunConfig) -> list[fnn.Epoch]:
    """Every epoch of ``config`` trained to the end, with no stopping rule."""
    return list(run(prepare(replace(config, target_accuracy=None, target_loss=None, patience=None))))


def small_problem(n: int = 12, seed: int = 3):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = (x[:, :1] > x[:, 1:]).astype(np.float64)
    return fnn.init_params((2, 3, 1), seed=1), x, y


# ------------------------------------------------------------------------------------------------ mini-batches

@pytest.mark.parametrize("extra", [0, 1, 100])
def test_batch_size_of_n_or_more_is_the_full_batch_bitwise(extra):
    params, x, y = small_problem()
    full = list(fnn.train(params, x, y, optimizer=sgd(0.5), epochs=25))
    batched = list(fnn.train(params, x, y, optimizer=sgd(0.5), epochs=25, batch_size=len(x) + extra,
                             rng=np.random.default_rng(0)))
    assert same_run(full, batched)


def test_run_config_batch_size_of_n_is_the_full_batch_bitwise():
    config = RunConfig(dataset="moons", n_samples=40, epochs=30, test_split=0.25)
    n_train = len(prepare(config).x)
    full = fnn.fit(config)
    for size in (n_train, n_train + 7):
        batched = fnn.fit(config, batch_size=size)
        for key in full.history:
            assert np.array_equal(full.history[key], batched.history[key]), key
        assert same_params(full.final.params, batched.final.params)
    assert not np.array_equal(full.loss, fnn.fit(config, batch_size=n_train - 1).loss)


def test_mini_batches_same_seed_same_run_other_seed_other_run():
    params, x, y = small_problem(n=30)

    def train(seed):
        return list(fnn.train(params, x, y, optimizer=sgd(0.5), epochs=15, batch_size=7,
                              rng=np.random.default_rng(seed)))

    first, again, other = train(4), train(4), train(5)
    assert same_run(first, again)
    assert [r.loss for r in first] != [r.loss for r in other]
    assert [r.loss for r in first] != [r.loss for r in fnn.train(params, x, y, optimizer=sgd(0.5), epochs=15)]


def test_run_config_mini_batches_repeat_with_the_seed():
    config = RunConfig(dataset="moons", n_samples=50, epochs=20, batch_size=8, seed=3)
    a, b = fnn.fit(config), fnn.fit(config)
    assert np.array_equal(a.loss, b.loss) and same_params(a.final.params, b.final.params)
    assert not np.array_equal(a.loss, fnn.fit(config, seed=4).loss)


def recording(inner: fnn.Optimizer):
    """An optimizer that does what ``inner`` does and keeps every gradient it is given."""
    grads = []

    def update(g, state, params):
        grads.append(g)
        return inner.update(g, state, params)

    return fnn.Optimizer(inner.init, update), grads


def test_the_deprecated_rate_scale_still_scales_each_epochs_updates():
    params, x, y = small_problem()
    scale = [1.0, 0.5, 0.25, 0.125]
    with pytest.warns(DeprecationWarning, match="rate_scale"):
        old = list(fnn.train(params, x, y, optimizer=sgd(0.8), epochs=4, rate_scale=lambda epoch: scale[epoch - 1]))
    new = list(fnn.train(params, x, y, optimizer=sgd(lambda count: 0.8 * scale[count]), epochs=4))
    assert [r.loss for r in old] == pytest.approx([r.loss for r in new], rel=1e-13)


@pytest.mark.parametrize("n, batch_size", [(10, 4), (10, 3), (10, 5), (10, 1), (10, 9), (7, 2)])
def test_each_epoch_updates_once_per_batch_on_a_partition_including_the_last_partial_batch(n, batch_size):
    # One-hot inputs into a single identity unit, mse: a batch B of m points gives
    # dW_i = 2/m * (W_i + b - y_i) for i in B and exactly 0 elsewhere, db = the sum of those.
    x, y = np.eye(n), np.ones((n, 1))  # label 1 everywhere: every point's residual starts nonzero
    params = fnn.Params({"W1": np.zeros((n, 1)), "b1": np.zeros(1)})
    lr, epochs = 0.01, 3
    optimizer, grads = recording(sgd(lr))
    records = list(fnn.train(params, x, y, optimizer=optimizer, output="identity", epochs=epochs,
                             batch_size=batch_size, rng=np.random.default_rng(11)))
    per_epoch = math.ceil(n / batch_size)
    assert len(grads) == epochs * per_epoch
    expected_sizes = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    W, b = np.zeros(n), 0.0
    partitions = []
    for epoch, record in enumerate(records, start=1):
        batches = []
        for g in grads[(epoch - 1) * per_epoch: epoch * per_epoch]:
            members = np.flatnonzero(g["W1"][:, 0])
            m = len(members)
            residual = W[members] + b - y[members, 0]
            expected_W = np.zeros(n)
            expected_W[members] = 2 / m * residual
            np.testing.assert_allclose(g["W1"][:, 0], expected_W, rtol=1e-13, atol=0)
            np.testing.assert_allclose(g["b1"], [2 / m * residual.sum()], rtol=1e-13)
            W, b = W - lr * expected_W, b - lr * 2 / m * residual.sum()
            batches.append(members)
        assert [len(batch) for batch in batches] == expected_sizes
        assert sorted(np.concatenate(batches).tolist()) == list(range(n))  # every point exactly once
        np.testing.assert_allclose(record.params["W1"][:, 0], W, rtol=1e-12)
        np.testing.assert_allclose(record.params["b1"], [b], rtol=1e-12)
        partitions.append([tuple(batch) for batch in batches])
    if 1 < batch_size < n:
        assert len(set(map(tuple, partitions))) > 1, "the points are reshuffled every epoch"


def test_cli_reports_the_batch_size():
    data = json.loads(ok("run", "-d", "moons", "--n-samples", "40", "-e", "3", "--batch-size", "8", "--json").stdout)
    assert data["batch_size"] == 8
    expected = fnn.fit(RunConfig(dataset="moons", n_samples=40, epochs=3, batch_size=8))
    assert data["final_loss"] == expected.final.loss


# ------------------------------------------------------------------------------------------- stratified split

def expected_test_count(count: int, fraction: float) -> int:
    """The issue's rule: round(fraction * count) of a class, at least one where the class has two or more."""
    return 0 if count < 2 else max(1, round(fraction * count))


@pytest.mark.parametrize("counts, fraction", [((60, 40), 0.25), ((7, 3), 0.2), ((2, 50), 0.1), ((2, 9), 0.3),
                                              ((33, 12), 0.4), ((100, 100), 0.1)])
def test_stratified_split_keeps_each_class_ratio_and_covers_every_point_once(counts, fraction):
    labels = np.repeat([0.0, 1.0], counts)
    np.random.default_rng(0).shuffle(labels)
    n = len(labels)
    x = np.column_stack([np.arange(n, dtype=float), -np.arange(n, dtype=float)])  # a point's index is its x1
    y = labels[:, None]
    x_train, y_train, x_test, y_test = stratified_split(x, y, fraction, np.random.default_rng(7))
    for label, count in zip((0.0, 1.0), counts):
        assert np.count_nonzero(y_test[:, 0] == label) == expected_test_count(count, fraction)
    train_index, test_index = x_train[:, 0].astype(int), x_test[:, 0].astype(int)
    assert not set(train_index) & set(test_index)
    assert sorted([*train_index, *test_index]) == list(range(n))
    assert list(train_index) == sorted(train_index) and list(test_index) == sorted(test_index)  # order kept
    np.testing.assert_array_equal(y_train[:, 0], labels[train_index])
    np.testing.assert_array_equal(y_test[:, 0], labels[test_index])
    np.testing.assert_array_equal(x_test[:, 1], -x_test[:, 0])  # whole rows move together


def test_stratified_split_is_deterministic_per_rng():
    y = np.repeat([0.0, 1.0], [40, 60])[:, None]
    x = np.arange(100, dtype=float)[:, None]

    def test_points(seed):
        return stratified_split(x, y, 0.3, np.random.default_rng(seed))[2][:, 0]

    assert np.array_equal(test_points(1), test_points(1))
    assert not np.array_equal(test_points(1), test_points(2))


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.2, 1.5])
def test_stratified_split_refuses_a_fraction_outside_0_1(fraction):
    with pytest.raises(ValueError, match="between 0 and 1"):
        stratified_split(np.zeros((4, 2)), np.array([[0.0], [0.0], [1.0], [1.0]]), fraction, np.random.default_rng())


@pytest.mark.parametrize("dataset, fraction, n_test", [("xor", 0.3, 3 + 3), ("moons", 0.25, 25 + 25),
                                                        ("checkerboard", 0.1, None)])
def test_run_config_test_split_sizes_in_the_summary(dataset, fraction, n_test):
    config = RunConfig(dataset=dataset, test_split=fraction, epochs=2)
    result = fnn.fit(config)
    summary = result.summary()
    y = prepare(replace(config, test_split=None)).y  # the same points, before the split
    if n_test is None:
        n_test = sum(expected_test_count(int(np.sum(y == label)), fraction) for label in (0.0, 1.0))
    assert summary["n_test"] == n_test == len(result.experiment.x_test)
    assert summary["n_train"] == len(y) - n_test
    assert summary["n_points"] == len(y)


def test_test_split_records_carry_test_loss_and_accuracy_of_the_held_out_points():
    experiment = prepare(RunConfig(dataset="moons", n_samples=60, test_split=0.3, epochs=5))
    for record in run(experiment):
        pred = fnn.predict(record.params, experiment.x_test)
        assert record.test_loss == pytest.approx(mse(pred, experiment.y_test), rel=1e-14)
        assert record.test_accuracy == hits(pred, experiment.y_test)
        train_pred = fnn.predict(record.params, experiment.x)
        assert record.loss == pytest.approx(mse(train_pred, experiment.y), rel=1e-14)


def test_run_folder_and_json_carry_test_loss_and_accuracy_and_the_figure_marks_test_points(tmp_path, monkeypatch):
    drawn = []
    real = fnn.figures.plots.comparison

    def spy(*args, **kwargs):
        drawn.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(fnn.figures.plots, "comparison", spy)
    out = tmp_path / "run"
    result = ok("run", "-d", "moons", "--n-samples", "60", "--test-split", "0.25", "-e", "30", "--out", out, "--json")
    summary = json.loads(result.stdout)
    expected = fnn.fit(RunConfig(dataset="moons", n_samples=60, test_split=0.25, epochs=30))
    assert (summary["n_train"], summary["n_test"]) == (44, 16)
    assert summary["test_loss"] == expected.final.test_loss
    assert summary["test_accuracy"] == expected.final.test_accuracy
    with open(out / "history.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["epoch", "loss", "accuracy", "test_loss", "test_accuracy"]
    assert len(rows) == 31
    assert [int(row[0]) for row in rows[1:]] == list(range(1, 31))
    for column, name in enumerate(["loss", "accuracy", "test_loss", "test_accuracy"], start=1):
        assert [float(row[column]) for row in rows[1:]] == expected.history[name].tolist(), name
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["history"]["test_loss"] == expected.history["test_loss"].tolist()
    assert (out / "comparison.png").is_file()
    assert len(drawn) == 1 and drawn[0]["x_test"].shape == (16, 2) and drawn[0]["y_test"].shape == (16, 1)


def test_plain_output_logs_test_columns():
    stdout = ok("run", "-d", "moons", "--n-samples", "40", "--test-split", "0.25", "-e", "4").stdout
    header = next(line for line in stdout.splitlines() if line.split()[:1] == ["epoch"])
    assert header.split() == ["epoch", "loss", "accuracy", "test", "loss", "test", "accuracy"]
    assert "30 points, 10 more held out for testing" in " ".join(stdout.split())


# --------------------------------------------------------------------------------------------- early stopping

LINEAR = RunConfig(dataset="linear", hidden=(4,), epochs=400)
MOONS = RunConfig(dataset="moons", n_samples=60, noise=0.3, hidden=(16, 16), optimizer="adam", learning_rate=0.05,
                  epochs=300)


def patience_stop(values, patience: int, min_delta: float):
    """``(stop epoch, best epoch)``: stop ``patience`` epochs after the last epoch whose value beat the best
    so far by more than ``min_delta``; None if that never happens."""
    best_epoch, best = 0, math.inf
    for epoch, value in enumerate(values, start=1):
        if value < best - min_delta:
            best_epoch, best = epoch, value
        elif epoch - best_epoch >= patience:
            return epoch, best_epoch
    return None


@pytest.mark.parametrize("target", [0.8, 0.95])
def test_target_accuracy_stops_at_the_first_epoch_reaching_it(target):
    full = full_run(LINEAR)
    first = next(r for r in full if r.accuracy >= target)
    assert first.epoch < LINEAR.epochs
    result = fnn.fit(LINEAR, target_accuracy=target)
    assert result.epochs_trained == result.final.epoch == first.epoch
    assert result.history["accuracy"].tolist() == [r.accuracy for r in full[:first.epoch]]
    assert result.history["loss"].tolist() == [r.loss for r in full[:first.epoch]]
    assert same_params(result.final.params, first.params)
    assert "target accuracy" in result.stop_reason and f"epoch {first.epoch}" in result.stop_reason


@pytest.mark.parametrize("target", [0.2, 0.1])
def test_target_loss_stops_at_the_first_epoch_reaching_it(target):
    full = full_run(LINEAR)
    first = next(r for r in full if r.loss <= target)
    assert 1 < first.epoch < LINEAR.epochs
    result = fnn.fit(LINEAR, target_loss=target)
    assert result.epochs_trained == result.final.epoch == first.epoch
    assert result.history["loss"].tolist() == [r.loss for r in full[:first.epoch]]
    assert same_params(result.final.params, first.params)
    assert "target loss" in result.stop_reason and f"epoch {first.epoch}" in result.stop_reason


def test_an_unreached_target_trains_every_epoch():
    result = fnn.fit(LINEAR, epochs=50, target_accuracy=1.0, target_loss=1e-9)
    assert result.epochs_trained == result.final.epoch == 50
    assert "50 epochs" in result.stop_reason


def check_patience(config: RunConfig, patience: int, min_delta: float, monitor: str):
    full = full_run(config)
    expected = patience_stop([getattr(r, monitor) for r in full], patience, min_delta)
    assert expected is not None, "the scenario must stop early"
    stop, best = expected
    assert stop - best == patience
    result = fnn.fit(config, patience=patience, min_delta=min_delta)
    assert result.epochs_trained == stop
    assert result.final.epoch == best
    kept = full[best - 1]
    assert same_params(result.final.params, kept.params)
    assert (result.final.loss, result.final.accuracy, result.final.test_loss) == (kept.loss, kept.accuracy,
                                                                                  kept.test_loss)
    assert result.history["loss"].tolist() == [r.loss for r in full[:stop]]
    monitored = "test loss" if monitor == "test_loss" else "loss"
    reason = result.stop_reason
    assert reason.startswith(f"{monitored} did not improve for {patience} epochs")
    assert f"epoch {stop}" in reason and f"epoch {best}" in reason
    summary = result.summary()
    assert (summary["epochs_trained"], summary["final_epoch"], summary["stop_reason"]) == (stop, best, reason)
    assert summary["final_loss"] == kept.loss
    return expected


@pytest.mark.parametrize("patience, min_delta", [(5, 0.0), (10, 0.0), (5, 1e-3), (3, 5e-3)])
def test_patience_on_the_training_loss_without_a_split(patience, min_delta):
    check_patience(MOONS, patience, min_delta, "loss")


def test_min_delta_changes_where_patience_stops():
    assert check_patience(MOONS, 5, 0.0, "loss") != check_patience(MOONS, 5, 1e-3, "loss")


@pytest.mark.parametrize("patience", [10, 30])
def test_patience_on_the_test_loss_with_a_split(patience):
    config = replace(MOONS, test_split=0.3)
    stop = check_patience(config, patience, 0.0, "test_loss")
    # Watching the training loss instead would have stopped elsewhere (or not at all).
    assert patience_stop([r.loss for r in full_run(config)], patience, 0.0) != stop


def test_patience_that_never_runs_out_trains_every_epoch():
    result = fnn.fit(LINEAR, epochs=60, patience=5)  # the loss falls every epoch
    assert np.all(np.diff(result.loss) < 0)
    assert result.epochs_trained == result.final.epoch == 60
    assert "60 epochs" in result.stop_reason


def test_cli_shows_why_training_stopped():
    full = full_run(LINEAR)
    first = next(r for r in full if r.accuracy >= 0.95).epoch
    result = ok("run", "-d", "linear", "--hidden", "4", "-e", "400", "--target-accuracy", "0.95")
    stdout = " ".join(result.stdout.split())
    assert f"Stopped reached the target accuracy 95.00% at epoch {first}" in stdout
    stdout = " ".join(ok("run", "-d", "linear", "--hidden", "4", "-e", "30").stdout.split())
    assert "Stopped trained all 30 epochs" in stdout


def test_cli_json_has_epochs_trained_final_epoch_and_stop_reason():
    args = ["-d", "moons", "--n-samples", "60", "--noise", "0.3", "--hidden", "16,16", "-o", "adam", "--lr", "0.05",
            "-e", "300", "--test-split", "0.3", "--patience", "10"]
    result = cli("run", *args, "--json")  # --patience on the test loss: one note on stderr, the JSON on stdout
    assert result.exit_code == 0 and result.stderr.startswith("note: --patience") and result.stderr.count("\n") == 1
    data = json.loads(result.stdout)
    stop, best = patience_stop([r.test_loss for r in full_run(replace(MOONS, test_split=0.3))], 10, 0.0)
    assert (data["epochs_trained"], data["final_epoch"]) == (stop, best)
    assert data["stop_reason"].startswith("test loss did not improve for 10 epochs")
    assert f"epoch {stop}" in data["stop_reason"] and f"epoch {best}" in data["stop_reason"]


@pytest.mark.parametrize("args, fragments", [
    (["--patience", "0"], ["patience must be at least 1"]),
    (["--min-delta", "-0.1"], ["--min-delta must be 0 or more"]),
    (["--target-accuracy", "1.5"], ["--target-accuracy must be a fraction"]),
    (["--target-loss", "-1"], ["--target-loss must be 0 or more"]),
    (["--test-split", "1"], ["--test-split must be a fraction between 0 and 1"]),
    (["--batch-size", "0"], ["--batch-size must be at least 1"]),
    (["--l2", "-0.5"], ["l2 must be 0 or more"]),
])
def test_bad_training_options_are_usage_errors(args, fragments):
    assert_one_line_error(cli("run", *args, "-e", "1"), 2, *fragments, stdout_empty=True)


# -------------------------------------------------------------------------------------------------------- L2

def data_loss(params, x, y) -> float:
    return mse(fnn.predict(params, x), y)


def test_l2_gradient_matches_finite_differences_of_the_penalised_loss():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(9, 2)), rng.integers(0, 2, size=(9, 1)).astype(float)
    params = fnn.init_params((2, 3, 1), seed=2, init="normal")
    params = fnn.Params({k: v + (0.3 if k.startswith("b") else 0.0) for k, v in params.items()})  # nonzero biases
    l2 = 0.3

    def penalised(p):
        return data_loss(p, x, y) + l2 / 2 * sum(np.sum(p[k] ** 2) for k in p if k.startswith("W"))

    stepped = next(fnn.train(params, x, y, optimizer=sgd(1.0), epochs=1, l2=l2)).params  # p - 1 * grad
    for key in params:
        def f(value, key=key):
            return penalised({**params, key: value})

        np.testing.assert_allclose(params[key] - stepped[key], numerical_gradient(f, params[key]),
                                   rtol=1e-6, atol=1e-9, err_msg=key)


def test_l2_penalises_weights_not_biases():
    params, x, y = small_problem()
    plain = next(fnn.train(params, x, y, optimizer=sgd(1.0), epochs=1)).params
    decayed = next(fnn.train(params, x, y, optimizer=sgd(1.0), epochs=1, l2=0.25)).params
    for key in params:
        if key.startswith("b"):
            assert np.array_equal(decayed[key], plain[key]), key
        else:
            np.testing.assert_allclose(decayed[key] - plain[key], -0.25 * params[key], rtol=1e-9, atol=1e-15)


def test_reported_loss_includes_the_l2_penalty():
    params, x, y = small_problem()
    l2 = 0.05
    for record in fnn.train(params, x, y, optimizer=sgd(0.5), epochs=5, l2=l2):
        penalty = l2 / 2 * sum(np.sum(record.params[k] ** 2) for k in ("W1", "W2"))
        assert penalty > 0.01
        assert record.loss == pytest.approx(data_loss(record.params, x, y) + penalty, rel=1e-14)
    result = fnn.fit(dataset="xor", epochs=3, l2=l2)
    params = result.final.params
    penalty = l2 / 2 * sum(np.sum(params[k] ** 2) for k in params if k.startswith("W"))
    assert result.summary()["final_loss"] == pytest.approx(data_loss(params, result.experiment.x,
                                                                     result.experiment.y) + penalty, rel=1e-14)


# -------------------------------------------------------------------------------------------------- schedules

def rate_formula(name: str, lr: float, epochs: int, epoch: int, **params) -> float:
    if name == "constant":
        return lr
    if name == "step":
        step_size = int(params.get("step_size") or epochs // 4)
        return lr * params.get("gamma", 0.5) ** ((epoch - 1) // step_size)
    if name == "exponential":
        return lr * params.get("gamma", 0.999) ** (epoch - 1)
    if name == "cosine":
        eta_min = params.get("eta_min", 0.0)
        return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * (epoch - 1) / epochs)) / 2
    raise AssertionError(name)


@pytest.mark.parametrize("name, params", [
    ("constant", {}), ("step", {}), ("step", {"step_size": 3, "gamma": 0.1}), ("exponential", {}),
    ("exponential", {"gamma": 0.8}), ("cosine", {}), ("cosine", {"eta_min": 0.05}),
])
@pytest.mark.parametrize("epochs", [8, 21, 100])
def test_each_schedule_follows_its_formula(name, params, epochs):
    rate = SCHEDULES[name].make(0.4, epochs, **params)
    for epoch in range(1, epochs + 1):
        assert rate(epoch) == pytest.approx(rate_formula(name, 0.4, epochs, epoch, **params), rel=1e-13, abs=1e-15)
    assert rate(1) == pytest.approx(0.4)


def test_schedule_parameters_reach_the_run_through_options():
    experiment = prepare(RunConfig(schedule="step", epochs=20, learning_rate=0.8,
                                   options={"step_size": 3, "gamma": 0.1}))
    assert [experiment.schedule(e) for e in (1, 3, 4, 6, 7, 20)] == pytest.approx([0.8, 0.8, 0.08, 0.08, 0.008,
                                                                                 0.8 * 0.1 ** 6])
    default = prepare(RunConfig(schedule="step", epochs=20, learning_rate=0.8))  # step_size 20 // 4 = 5
    assert [default.schedule(e) for e in (5, 6, 10, 11, 16)] == pytest.approx([0.8, 0.4, 0.4, 0.2, 0.1])


def grad_mse(params, x, y):
    y_hat, cache = fnn.forward(params, x)
    return fnn.backward(params, cache, 2 * (y_hat - y) / y.size)


@pytest.mark.parametrize("name, options", [("constant", {}), ("step", {"step_size": 2, "gamma": 0.3}),
                                           ("exponential", {"gamma": 0.7}), ("cosine", {}),
                                           ("cosine", {"eta_min": 0.1})])
def test_a_scheduled_sgd_run_is_gradient_descent_at_each_epochs_rate(name, options):
    epochs, lr = 6, 0.9
    config = RunConfig(dataset="xor", epochs=epochs, learning_rate=lr, schedule=name, options=options)
    experiment = prepare(config)
    x, y = experiment.x, experiment.y
    params = dict(experiment.params)
    for record in run(experiment):
        rate = rate_formula(name, lr, epochs, record.epoch, **options)
        grads = grad_mse(params, x, y)
        params = {k: params[k] - rate * grads[k] for k in params}
        for key in params:
            np.testing.assert_allclose(record.params[key], params[key], rtol=1e-13, atol=1e-15)
        assert record.loss == pytest.approx(data_loss(params, x, y), rel=1e-13)


def test_a_scheduled_momentum_run_scales_each_epochs_step():
    epochs, lr, mu = 5, 0.5, 0.9
    experiment = prepare(RunConfig(dataset="xor", epochs=epochs, optimizer="momentum", learning_rate=lr,
                                   schedule="cosine", options={"momentum": mu}))
    params = dict(experiment.params)
    buffer = {k: np.zeros_like(v) for k, v in params.items()}
    for record in run(experiment):
        rate = rate_formula("cosine", lr, epochs, record.epoch)
        grads = grad_mse(params, experiment.x, experiment.y)
        buffer = {k: mu * buffer[k] + grads[k] for k in params}
        params = {k: params[k] - rate * buffer[k] for k in params}
        for key in params:
            np.testing.assert_allclose(record.params[key], params[key], rtol=1e-13, atol=1e-15)


def test_a_schedule_is_the_optimizers_learning_rate_at_each_step_whatever_the_rule():
    # A rule that is not linear in its rate (it steps by lr squared) still gets the epoch's rate, at every
    # mini-batch of the epoch: 10 points in batches of 4 are 3 updates an epoch.
    seen = []

    def make(learning_rate=0.5):
        def update(grads, state, params):
            rate = learning_rate(state) if callable(learning_rate) else learning_rate
            seen.append(rate)
            return fnn.Params({key: -rate**2 * g for key, g in grads.items()}), state + 1

        return fnn.Optimizer(lambda params: 0, update)

    class Squared:
        @fnn.hookimpl
        def fnn_optimizers(self):
            yield fnn.OptimizerSpec("squared", make, {"learning_rate": 0.5})

    config = RunConfig(dataset="xor", n_samples=10, optimizer="squared", schedule="step", epochs=4, batch_size=4,
                       options={"step_size": 2, "gamma": 0.1})
    experiment = prepare(config, fnn.make_registry(plugins=[Squared()], entry_points=False))
    seen.clear()  # the updates that checked the plugin
    list(run(experiment))
    assert seen == pytest.approx([0.5] * 6 + [0.05] * 6)


def test_a_schedule_with_an_optimizer_that_takes_only_numbers_is_one_line_saying_why():
    def make(learning_rate=0.1):
        return fnn.Optimizer(lambda params: (), lambda grads, state, params: (
            fnn.Params({key: -learning_rate * g for key, g in grads.items()}), state))

    class NumbersOnly:
        @fnn.hookimpl
        def fnn_optimizers(self):
            yield fnn.OptimizerSpec("numbers_only", make, {"learning_rate": 0.1})

    registry = fnn.make_registry(plugins=[NumbersOnly()], entry_points=False)
    prepare(RunConfig(optimizer="numbers_only", epochs=3), registry)  # without a schedule it trains
    with pytest.raises(fnn.PluginContractError, match=r"optimizer 'numbers_only' .* broke its contract: update.* "
                                                      r"raised TypeError.*; with a schedule, make\(\) is given the "
                                                      r"learning rate as a function of the step count"):
        prepare(RunConfig(optimizer="numbers_only", epochs=3, schedule="cosine"), registry)


def test_unknown_schedule_is_a_usage_error_listing_the_schedules():
    assert_one_line_error(cli("run", "--schedule", "cosin", "-e", "1"), 2, "unknown schedule 'cosin'",
                          "available: constant, cosine, exponential, step", stdout_empty=True)


@pytest.mark.parametrize("schedule, keys", [("step", "step_size, gamma"), ("exponential", "gamma"),
                                            ("cosine", "eta_min")])
def test_unknown_schedule_option_is_a_usage_error_listing_the_keys(schedule, keys):
    result = cli("run", "--schedule", schedule, "--opt", "stepsize=2", "-e", "1")
    assert_one_line_error(result, 2, "'stepsize'", "learning_rate, weight_decay",
                          f"schedule {schedule!r} takes: {keys}", stdout_empty=True)


def test_cli_schedule_option_changes_the_run():
    args = ["-d", "xor", "-e", "30", "--json", "--schedule", "step"]
    default = json.loads(ok("run", *args).stdout)
    tuned = json.loads(ok("run", *args, "--opt", "step_size=2", "--opt", "gamma=0.1").stdout)
    assert default["schedule"] == tuned["schedule"] == "step"
    expected = fnn.fit(dataset="xor", epochs=30, schedule="step", options={"step_size": 2, "gamma": 0.1})
    assert tuned["final_loss"] == expected.final.loss != default["final_loss"]


# ------------------------------------------------------------------------------------ dataset size and noise

@pytest.mark.parametrize("name", NEW_DATASETS)
def test_n_samples_and_noise_apply_to_every_new_dataset(name):
    small = prepare(RunConfig(dataset=name, n_samples=37))
    assert small.x.shape == (37, 2) and small.y.shape == (37, 1)
    assert set(np.unique(small.y)) == {0.0, 1.0}
    clean = prepare(RunConfig(dataset=name, n_samples=300))
    noisy = prepare(RunConfig(dataset=name, n_samples=300, noise=0.3))
    assert noisy.x.shape == (300, 2)
    assert not (np.array_equal(clean.x, noisy.x) and np.array_equal(clean.y, noisy.y)), "noise changes the data"
    again = prepare(RunConfig(dataset=name, n_samples=300, noise=0.3))
    assert np.array_equal(noisy.x, again.x) and np.array_equal(noisy.y, again.y)


@pytest.mark.parametrize("name", NEW_DATASETS)
def test_cli_n_samples_and_noise_reach_every_new_dataset(name):
    data = json.loads(ok("run", "-d", name, "--n-samples", "37", "--noise", "0.2", "-e", "1", "--json").stdout)
    assert (data["dataset"], data["n_points"], data["n_train"], data["noise"]) == (name, 37, 37, 0.2)
    expected = fnn.fit(dataset=name, n_samples=37, noise=0.2, epochs=1)
    assert data["final_loss"] == expected.final.loss
