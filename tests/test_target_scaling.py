"""Regression targets standardized inside a run (``--scale-targets``, on by default).

The network trains on ``(y - mean) / std`` per target column, fitted on the training targets; everything
a user reads (metrics every epoch and at the end, ``--target``, predictions, figures, the model file
through ``fnn predict`` and ``fnn evaluate``) is in the data's units. The data here are diabetes-like:
targets far from 0 and spread wide (150 + 77·z), which sgd's default learning rate cannot fit as they are.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import fnn
from fnn.io.modelfile import load_model
from fnn.runs.rundir import write_run
from support import ok

OFFSET, SPREAD = 150.0, 77.0


def _smooth(x: np.ndarray) -> np.ndarray:
    """A smooth function of the features with mean about 0 and spread about 1."""
    z = np.sin(2 * x[:, 0]) + x[:, 1] - 0.5 * x[:, 2] ** 2
    return (z - z.mean()) / z.std()


@pytest.fixture(scope="module")
def wide(tmp_path_factory):
    """A CSV of 120 rows: three features and a target 150 + 77·z; and the targets by line of the file."""
    x = np.random.default_rng(0).uniform(-1, 1, (120, 3))
    y = np.round(OFFSET + SPREAD * _smooth(x), 6)
    path = tmp_path_factory.mktemp("wide") / "wide.csv"
    path.write_text("a,b,c,y\n" + "".join(f"{a:.17g},{b:.17g},{c:.17g},{t:.17g}\n" for (a, b, c), t in zip(x, y)))
    return path, dict(zip(range(2, 122), y))  # the header is line 1


@pytest.fixture(scope="module")
def fitted(wide):
    return fnn.fit(data=str(wide[0]), epochs=2000, test_split=0.25)


def _data_units(result, test: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(predictions, targets) of a run's final parameters on its training or test points, by hand: the
    network's outputs times the targets' scale plus their mean, and the targets read from the file."""
    e = result.experiment
    x, lines = (e.x_test, e.origin_test) if test else (e.x, e.origin)
    out = fnn.predict(result.final.params, x, e.activation, e.output)
    return out * e.target_scaler.std + e.target_scaler.mean, lines


def test_wide_targets_train_with_the_default_optimizer_and_learning_rate(fitted):
    e = fitted.experiment
    assert (e.config.optimizer, e.config.learning_rate, e.config.scale_targets) == ("sgd", 0.1, True)
    assert fitted.metrics()["r2"] > 0.95 and fitted.metrics(test=True)["r2"] > 0.9
    # The scaler is the training targets' own, and the network trained on them standardized.
    train_targets = e.target_scaler.inverse(e.y)
    assert e.target_scaler.mean[0] == pytest.approx(train_targets.mean()) and 100 < e.target_scaler.mean[0] < 200
    assert e.target_scaler.std[0] == pytest.approx(train_targets.std())
    assert abs(e.y.mean()) < 1e-12 and e.y.std() == pytest.approx(1)


def test_metrics_every_epoch_and_at_the_end_are_in_the_data_units(fitted, wide):
    targets = wide[1]
    for test in (False, True):
        predicted, lines = _data_units(fitted, test)
        error = predicted[:, 0] - np.array([targets[line] for line in lines])
        metrics = fitted.metrics(test=test)
        assert metrics["mae"] == pytest.approx(np.abs(error).mean(), rel=1e-9, abs=0)
        assert metrics["rmse"] == pytest.approx(np.sqrt((error ** 2).mean()), rel=1e-9, abs=0)
        assert 1 < metrics["mae"] < 20  # in the data's units: a few percent of a spread of 77
        scores = fitted.final.test_scores if test else fitted.final.scores
        assert scores["r2"] == pytest.approx(metrics["r2"], rel=1e-9)
    summary = fitted.summary()
    assert summary["loss_units"] == "standardized" and summary["final_loss"] < 0.05  # the standardized MSE
    assert summary["target_scaler"] == fitted.experiment.target_scaler.as_dict()


def test_a_target_on_mae_is_in_the_data_units(wide):
    # In standardized units the MAE starts below 1, and would stop the run at once.
    result = fnn.fit(data=str(wide[0]), epochs=3000, target={"mae": 15.0})
    assert result.final.epoch > 10 and "reached the target mae 15" in result.stop_reason
    assert 1 < result.final.scores["mae"] <= 15 and result.metrics()["mae"] == pytest.approx(
        result.final.scores["mae"], rel=1e-9)


def test_the_model_file_gives_predict_and_evaluate_the_runs_data_units(fitted, wide, tmp_path):
    folder = write_run(tmp_path / "run", fitted)
    predicted, lines = _data_units(fitted)
    data = json.loads(ok("predict", folder, "--csv", wide[0], "--json").stdout)
    by_line = {line: row["prediction"]["y"] for line, row in zip(range(2, 122), data["predictions"])}
    np.testing.assert_allclose([by_line[line] for line in lines], predicted[:, 0], rtol=1e-12)
    table = ok("predict", folder, "--csv", wide[0]).stdout
    assert f"{predicted[0, 0]:.6g}" in table
    scores = json.loads(ok("evaluate", folder, "--data", wide[0], "--json").stdout)["metrics"]
    all_predicted = np.array([by_line[line] for line in range(2, 122)])
    truth = np.array([wide[1][line] for line in range(2, 122)])
    assert scores["mae"] == pytest.approx(np.abs(all_predicted - truth).mean(), rel=1e-9)
    saved = json.loads((folder / "metrics.json").read_text())
    assert saved["metrics"] == fitted.metrics() and saved["target_scaler"]["mean"] == [
        float(fitted.experiment.target_scaler.mean[0])]


def test_the_run_table_and_the_figure_are_in_the_data_units(fitted, wide, tmp_path, monkeypatch):
    import matplotlib.figure

    drawn = []
    save = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig",
                        lambda self, *args, **kwargs: drawn.append(self) or save(self, *args, **kwargs))
    write_run(tmp_path / "run", fitted)
    learning, comparison = drawn[:2]  # then the views (network.png)
    assert learning.axes[0].get_ylabel() == "loss (standardized targets)"
    versus = comparison.axes[0]
    e = fitted.experiment
    predicted = np.concatenate([_data_units(fitted)[0], _data_units(fitted, test=True)[0]])
    truth = e.target_scaler.inverse(np.concatenate([e.y, e.y_test]))
    offsets = np.concatenate([c.get_offsets() for c in versus.collections])
    np.testing.assert_allclose(offsets, np.column_stack([truth[:, 0], predicted[:, 0]]), rtol=1e-12)
    stdout = ok("run", "--data", wide[0], "-e", "300", "--all-predictions").stdout
    assert "the loss is in standardized units" in stdout and "(standardized targets)" in stdout
    row = next(line for line in stdout.splitlines() if line.startswith("│") and line.split("│")[1].strip() == "2")
    assert f"{wide[1][2]:.4g}" in row  # the file's target, not its standardized value


def test_no_scale_targets_trains_on_the_targets_as_given(wide, tmp_path):
    result = fnn.fit(data=str(wide[0]), epochs=50, scale_targets=False, learning_rate=1e-4)
    e = result.experiment
    assert e.target_scaler is None and e.config.scale_targets is False
    out = fnn.predict(result.final.params, e.x, e.activation, e.output)
    assert result.final.loss == pytest.approx(np.mean((out - e.y) ** 2), rel=1e-12)  # MSE on the raw targets
    assert e.y.mean() > 100
    summary = result.summary()
    assert (summary["loss_units"], summary["target_scaler"], summary["scale_targets"]) == ("data", None, False)
    assert load_model(write_run(tmp_path / "raw", result)).config["target_scaler"] is None


def test_columns_of_very_different_scales_each_fit(tmp_path):
    x = np.random.default_rng(1).uniform(-1, 1, (100, 2))
    small = 0.001 * np.tanh(x[:, 0] + x[:, 1])
    large = 5000 + 2000 * np.sin(x[:, 0] - x[:, 1])
    path = tmp_path / "two.csv"
    path.write_text("u,v,small,large\n" + "".join(f"{a:.17g},{b:.17g},{s:.17g},{t:.17g}\n"
                                                 for (a, b), s, t in zip(x, small, large)))
    result = fnn.fit(data=str(path), label_column="small,large", epochs=3000)
    scaler = result.experiment.target_scaler
    np.testing.assert_allclose(scaler.std, [small.std(), large.std()], rtol=1e-9)
    predicted = fnn.predict(result.final.params, result.experiment.x, "sigmoid", "identity") * scaler.std + scaler.mean
    for j, target in enumerate((small, large)):
        assert 1 - np.sum((predicted[:, j] - target) ** 2) / np.sum((target - target.mean()) ** 2) > 0.9, j


def test_classification_ignores_the_setting():
    summary = fnn.fit(dataset="xor", epochs=2).summary()
    assert (summary["scale_targets"], summary["target_scaler"], summary["loss_units"]) == (False, None, "data")
    assert summary["learning_rate"] == 1.0  # a classifier keeps sgd's own rate


def test_a_stacked_regression_sweep_scores_each_model_in_its_data_units():
    configs = [fnn.RunConfig(dataset="sine", noise=0.1, hidden=(8,), epochs=300, test_split=0.25, seed=seed,
                             learning_rate=lr) for seed in (0, 1) for lr in (0.05, 0.1)]
    from fnn.runs.sweep import run_sweep

    for config, run in zip(configs, run_sweep(configs)):
        alone = fnn.fit(config)
        assert run.summary["metrics"] == pytest.approx(alone.metrics(), rel=1e-9)
        assert run.summary["test_metrics"] == pytest.approx(alone.metrics(test=True), rel=1e-9)
        assert run.summary["target_scaler"] == alone.summary()["target_scaler"]
