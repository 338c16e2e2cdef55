"""Run folders (``fnn run --out``, ``fnn.runs.rundir``) and sweeps (``fnn.runs.sweep``, ``fnn sweep``).

Run folders: ``fnn run --out DIR`` writes exactly metrics.json (the ``--json``
object plus the per-epoch history, equal to ``fnn.fit``'s), history.csv
(``epoch,loss,accuracy``, one row per epoch, the same numbers), model.npz (the
trained parameters, bitwise), learning_curve.png and comparison.png, and says
where, plus fnn's marker file; an existing DIR is refused (exit 2, untouched)
unless ``--force``, which replaces an fnn-written one leaving no hidden sibling
(tests/test_out_dir_safety.py has what ``--force`` refuses); an error or a Ctrl-C while
writing leaves neither DIR nor a hidden partial folder (and an old DIR intact).

Sweeps: ``grid`` is the full product in nested ``RunConfig`` order;
``fnn sweep --json`` folds seeds into groups whose numbers are ``fnn.fit``'s;
serial and parallel sweeps give identical results (CLI and ``run_sweep``);
``--sort`` by a result or a setting orders the JSON and the table;
``summarize_groups``/``sort_groups`` on hand-made runs; a diverging
configuration is reported without stopping the sweep; bad sweep inputs are one
``Error:`` line; ``--out`` writes results.csv, results.json and one
``loss_by_<setting>.png`` per varied setting but the seed; the linear-network
note of ``fnn run`` and ``fnn sweep``.
"""

from __future__ import annotations

import csv
import dataclasses
import itertools
import json
import math
import os
import struct
from pathlib import Path

import numpy as np
import pytest

import fnn
import fnn.figures.plots
from fnn.errors import TrainingDiverged
from fnn.io.modelfile import load_model
from fnn.runs.rundir import JOURNAL_FILE, MARKER, PLAN_FILE, write_run, write_sweep
from fnn.runs.settings import BY_NAME
from fnn.runs.sweep import SORT_KEYS, SweepRun, grid, run_sweep, sort_groups, sort_keys, summarize_groups
from support import assert_one_line_error, cli, ok

RESUMABLE = (PLAN_FILE, JOURNAL_FILE)
"""What fnn sweep --out keeps besides the results, so that an interrupted sweep can be resumed."""

RUN_FILES = {"metrics.json", "history.csv", "model.npz", "learning_curve.png", "comparison.png", "neurons.png",
             "network.png"}
RUN_FOLDER = RUN_FILES | {MARKER}
LINEAR_NOTE = "the hidden layers are linear"


def squash(text: str) -> str:
    return " ".join(text.split())


def table_rows(stdout: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.strip().strip("│").split("│")]
            for line in stdout.splitlines() if line.startswith("│")]


def is_png(path: Path) -> bool:
    data = path.read_bytes()
    width, height = struct.unpack(">II", data[16:24])
    return data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and width > 0 and height > 0 \
        and data.endswith(b"IEND\xaeB`\x82")


def listing(folder: Path) -> set[str]:
    return set(os.listdir(folder))


# ---------------------------------------------------------------------------------------------- fnn run --out


EPOCHS = 60


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """``fnn run --out`` once (plain output), with the reference numbers from the library."""
    parent = tmp_path_factory.mktemp("runs")
    result = ok("run", "-e", EPOCHS, "--seed", "2", "--hidden", "3", "--out", parent / "run")
    return parent / "run", result, fnn.fit(epochs=EPOCHS, seed=2, hidden=(3,))


def test_run_folder_holds_exactly_the_report_files(run_folder):
    folder, result, _ = run_folder
    assert listing(folder) == RUN_FOLDER
    assert listing(folder.parent) == {"run"}  # no hidden staging folder left beside it
    written = squash(result.stdout).split("Run written to ")[-1]
    assert written.startswith(f"{folder}/:")
    assert all(name in written for name in RUN_FILES) and MARKER not in written


def test_metrics_json_is_the_json_summary_plus_the_history(run_folder):
    folder, _, reference = run_folder
    metrics = json.loads((folder / "metrics.json").read_text())
    summary = json.loads(ok("run", "-e", EPOCHS, "--seed", "2", "--hidden", "3", "--json").stdout)
    assert set(metrics) == set(summary) | {"history"}
    for key in summary:
        if key != "train_seconds":
            assert metrics[key] == summary[key], key
    history = metrics["history"]
    assert history["epoch"] == list(range(1, EPOCHS + 1))
    assert len(history["loss"]) == len(history["accuracy"]) == EPOCHS == metrics["epochs"]
    assert history["loss"][-1] == metrics["final_loss"]
    assert history["accuracy"][-1] == metrics["accuracy"]
    assert history["loss"] == reference.loss.tolist()  # exactly the library's curve
    assert history["accuracy"] == reference.accuracy.tolist()


def test_history_csv_matches_metrics(run_folder):
    folder, _, _ = run_folder
    with open(folder / "history.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["epoch", "loss", "accuracy"]
    assert rows[0] == ["epoch", "loss", "accuracy"]  # no test split: just the three columns
    body = rows[1:]
    assert len(body) == EPOCHS
    history = json.loads((folder / "metrics.json").read_text())["history"]
    assert [int(row[0]) for row in body] == history["epoch"]
    assert [float(row[1]) for row in body] == history["loss"]  # exact: written with repr
    assert [float(row[2]) for row in body] == history["accuracy"]


def test_model_npz_holds_the_trained_parameters(run_folder):
    folder, _, reference = run_folder
    model = load_model(folder / "model.npz")
    for key, value in reference.final.params.items():
        assert model.params[key].dtype == value.dtype and np.array_equal(model.params[key], value)
    metrics = json.loads((folder / "metrics.json").read_text())
    for key in ("sizes", "activation", "output", "dataset", "seed", "fnn_version", "final_loss"):
        assert model.config[key] == metrics[key], key


def test_run_folder_figures_are_pngs(run_folder):
    folder, _, _ = run_folder
    assert is_png(folder / "learning_curve.png")
    assert is_png(folder / "comparison.png")


def test_run_out_with_json_prints_only_json_and_writes_the_folder(tmp_path):
    result = ok("run", "-e", "20", "--json", "--out", tmp_path / "run")
    assert json.loads(result.stdout)["epochs"] == 20
    assert listing(tmp_path / "run") == RUN_FOLDER


def test_run_out_creates_missing_parents(tmp_path):
    ok("run", "-e", "10", "-q", "--out", tmp_path / "a" / "b" / "run")
    assert listing(tmp_path / "a" / "b" / "run") == RUN_FOLDER


def test_existing_out_is_refused_and_untouched(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    result = cli("run", "-e", "10", "--out", folder)
    assert_one_line_error(result, 2, "already exists", "--force")
    assert result.stdout == ""  # refused before training
    assert listing(folder) == {"notes.txt"} and (folder / "notes.txt").read_text() == "mine"
    assert listing(tmp_path) == {"run"}


def test_out_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "run").write_text("a file")
    result = cli("run", "-e", "10", "--out", tmp_path / "run", "--force")
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert (tmp_path / "run").read_text() == "a file"


def test_force_replaces_the_folder_whole(tmp_path):
    folder = tmp_path / "run"
    ok("run", "-e", "10", "--seed", "1", "-q", "--out", folder)
    (folder / "loss_by_lr.png").write_text("from an earlier sweep")  # a name fnn writes, so fnn's to delete
    ok("run", "-e", "15", "--seed", "3", "-q", "--out", folder, "--force")
    assert listing(folder) == RUN_FOLDER  # the stale file went with the old folder
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["seed"] == 3 and len(metrics["history"]["loss"]) == 15
    assert listing(tmp_path) == {"run"}  # no hidden .run.* siblings


def _boom(error):
    def fail(*args, **kwargs):
        raise error
    return fail


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()], ids=["error", "ctrl-c"])
def test_a_failure_while_writing_leaves_nothing(tmp_path, monkeypatch, error):
    # comparison.png is the last file written: everything else exists in the staging folder by then.
    monkeypatch.setattr(fnn.figures.plots, "comparison", _boom(error))
    result = fnn.fit(epochs=10)
    with pytest.raises(type(error)):
        write_run(tmp_path / "run", result)
    assert listing(tmp_path) == set()


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()], ids=["error", "ctrl-c"])
def test_a_failure_while_forcing_keeps_the_old_folder(tmp_path, monkeypatch, error):
    folder = write_run(tmp_path / "run", fnn.fit(epochs=5))
    before = {name: (folder / name).read_bytes() for name in listing(folder)}
    monkeypatch.setattr(fnn.figures.plots, "comparison", _boom(error))
    with pytest.raises(type(error)):
        write_run(folder, fnn.fit(epochs=10), force=True)
    assert listing(tmp_path) == {"run"}
    assert {name: (folder / name).read_bytes() for name in listing(folder)} == before


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()], ids=["error", "ctrl-c"])
def test_cli_failure_while_writing_leaves_nothing(tmp_path, monkeypatch, error):
    monkeypatch.setattr(fnn.figures.plots, "learning_curve", _boom(error))
    result = cli("run", "-e", "10", "-q", "--out", tmp_path / "run")
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    assert listing(tmp_path) == set()


@pytest.mark.parametrize("command", [("run", "-q"), ("sweep", "--workers", "1")], ids=["run", "sweep"])
def test_out_below_a_file_is_a_one_line_error(tmp_path, command):
    (tmp_path / "afile").write_text("not a folder")
    result = cli(*command, "-e", "5", "--out", tmp_path / "afile" / "run")
    assert_one_line_error(result, (1, 2), "afile")
    assert (tmp_path / "afile").read_text() == "not a folder" and listing(tmp_path) == {"afile"}


def test_out_dot_with_force_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "keep.txt").write_text("mine")
    result = cli("run", "-q", "-e", "5", "--out", ".", "--force")
    assert_one_line_error(result, (1, 2))
    assert listing(tmp_path) == {"keep.txt"}


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()], ids=["error", "ctrl-c"])
def test_a_failure_while_writing_a_sweep_leaves_nothing(tmp_path, monkeypatch, error):
    runs = run_sweep(grid(learning_rate=[0.5, 1.0], epochs=[10]))
    monkeypatch.setattr(fnn.figures.plots, "overlay", _boom(error))
    with pytest.raises(type(error)):
        write_sweep(tmp_path / "sweep", runs)
    assert listing(tmp_path) == set()


def test_run_without_out_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ok("run", "-e", "10", "-q")
    assert listing(tmp_path) == set()


# ------------------------------------------------------------------------------------------------------- grid


def test_grid_is_the_full_product_in_nested_field_order():
    choices = {"seed": [1, 2, 3], "learning_rate": [0.1, 1.0], "hidden": [(2,), (4, 4)], "activation": ["tanh", "relu"]}
    configs = grid(**choices)
    assert len(configs) == math.prod(len(values) for values in choices.values()) == 24
    # Nested in RunConfig's field order (the earliest field outermost), whatever the keyword order.
    order = [f.name for f in dataclasses.fields(fnn.RunConfig) if f.name in choices]
    assert order == ["hidden", "activation", "learning_rate", "seed"]
    expected = [dict(zip(order, values)) for values in itertools.product(*(choices[name] for name in order))]
    assert [{name: getattr(c, name) for name in order} for c in configs] == expected
    defaults = fnn.RunConfig()
    for config in configs:
        for f in dataclasses.fields(fnn.RunConfig):
            if f.name not in choices:
                assert getattr(config, f.name) == getattr(defaults, f.name), f.name
    assert len({repr(c) for c in configs}) == 24  # all different


def test_grid_with_single_values_and_unknown_settings():
    assert grid() == [fnn.RunConfig()]
    assert grid(seed=[5]) == [dataclasses.replace(fnn.RunConfig(), seed=5)]
    assert grid(seed=[]) == []
    with pytest.raises(fnn.ConfigError, match="unknown sweep settings.*colour"):
        grid(colour=["red"])


# ------------------------------------------------------------------------------------------------ fnn sweep


SWEEP = ("sweep", "--lr", "0.5,1", "--hidden", "2,4/4,8", "--seed", "1,2", "-e", "50")


@pytest.fixture(scope="module")
def serial():
    return json.loads(ok(*SWEEP, "--json", "--workers", "1").stdout)


def _without_time(groups: list[dict]) -> list[dict]:
    return [{k: v for k, v in group.items() if k != "train_seconds"} for group in groups]


def test_sweep_json_folds_seeds_into_groups_with_the_librarys_numbers(serial):
    assert serial["varied"] == ["hidden", "learning_rate"]  # the seed is folded, not a column
    groups = serial["groups"]
    assert len(groups) == 4
    assert [(g["hidden"], g["learning_rate"]) for g in groups] == [([2, 4], 0.5), ([2, 4], 1.0), ([4, 8], 0.5),
                                                                   ([4, 8], 1.0)]
    for group in groups:
        assert group["runs"] == 2 and group["seeds"] == [1, 2] and group["diverged"] == 0
        fits = [fnn.fit(hidden=tuple(group["hidden"]), learning_rate=group["learning_rate"], seed=seed, epochs=50)
                for seed in (1, 2)]
        losses = np.array([f.final.loss for f in fits])
        accuracies = np.array([f.final.accuracy for f in fits])
        assert group["final_loss_mean"] == pytest.approx(losses.mean(), rel=1e-12)
        assert group["final_loss_std"] == pytest.approx(losses.std(), rel=1e-9, abs=1e-15)
        assert group["accuracy_mean"] == pytest.approx(accuracies.mean(), rel=1e-12)
        reached = [int(np.argmax(f.accuracy >= 1.0)) + 1 for f in fits if (f.accuracy >= 1.0).any()]
        assert group["reached_100"] == len(reached)
        assert group["first_100_epoch_median"] == (float(np.median(reached)) if reached else None)
        assert group["train_seconds"] > 0


def test_sweep_serial_and_parallel_cli_results_are_identical(serial):
    parallel = json.loads(ok(*SWEEP, "--json", "--workers", "2").stdout)
    assert parallel["varied"] == serial["varied"]
    assert _without_time(parallel["groups"]) == _without_time(serial["groups"])


def test_run_sweep_serial_and_parallel_runs_are_identical():
    configs = grid(learning_rate=[0.5, 1.0], hidden=[(2,), (4, 8)], seed=[1, 2], epochs=[60])
    configs.append(dataclasses.replace(configs[0], activation="relu", output="identity", learning_rate=50.0,
                                       epochs=100))  # diverges
    done: list[int] = []
    one = run_sweep(configs, workers=1)
    two = run_sweep(configs, workers=2, on_done=lambda index, run: done.append(index))
    assert sorted(done) == list(range(len(configs)))
    assert len(one) == len(two) == len(configs)
    for a, b, config in zip(one, two, configs):
        assert a.config == b.config
        assert (a.config.hidden, a.config.seed, a.config.activation) == (config.hidden, config.seed, config.activation)
        assert np.array_equal(a.loss, b.loss) and np.array_equal(a.accuracy, b.accuracy)
        assert (a.first_perfect, a.diverged_at) == (b.first_perfect, b.diverged_at)
        if a.summary is None:
            assert b.summary is None
        else:
            assert {k: v for k, v in a.summary.items() if k != "train_seconds"} == \
                   {k: v for k, v in b.summary.items() if k != "train_seconds"}
    assert one[-1].summary is None and one[-1].diverged_at is not None
    # Each run is the run fnn.fit gives for its config.
    reference = fnn.fit(configs[3])
    assert np.array_equal(one[3].loss, reference.loss)


def test_sweep_table_has_a_row_per_group(serial):
    result = ok(*SWEEP, "--workers", "1")
    rows = [row for row in table_rows(result.stdout) if len(row) >= 6]
    assert [(row[0], row[1]) for row in rows] == [("2,4", "0.5"), ("2,4", "1"), ("4,8", "0.5"), ("4,8", "1")]
    for row, group in zip(rows, serial["groups"]):
        assert row[2].startswith(f"{group['final_loss_mean']:.4g} ± ")
        assert row[3].startswith(f"{group['accuracy_mean']:.2%} ± ")
    assert "Sweep: 8 runs, 2 seeds each" in result.stdout
    assert LINEAR_NOTE not in result.stdout


@pytest.mark.parametrize("key, order", [
    ("loss", lambda g: g["final_loss_mean"]),
    ("accuracy", lambda g: (-g["accuracy_mean"], g["final_loss_mean"])),  # ties go to the lower loss
    ("learning_rate", lambda g: g["learning_rate"]),
    ("hidden", lambda g: g["hidden"]),
    ("time", lambda g: g["train_seconds"]),
])
def test_sweep_sort(serial, key, order):
    result = json.loads(ok(*SWEEP, "--json", "--workers", "1", "--sort", key).stdout)
    groups = result["groups"]
    identity = [(g["hidden"], g["learning_rate"]) for g in groups]
    assert sorted(identity) == sorted((g["hidden"], g["learning_rate"]) for g in serial["groups"])
    assert [order(g) for g in groups] == sorted(order(g) for g in groups)
    if key != "time":  # times differ between runs; the rest is deterministic
        expected = sorted(serial["groups"], key=order)
        assert identity == [(g["hidden"], g["learning_rate"]) for g in expected]


def test_sweep_sort_orders_the_table(serial):
    rows = [row for row in table_rows(ok(*SWEEP, "--workers", "1", "--sort", "loss").stdout) if len(row) >= 6]
    expected = sorted(serial["groups"], key=lambda g: g["final_loss_mean"])
    assert [(row[0], row[1]) for row in rows] == [(",".join(map(str, g["hidden"])), f"{g['learning_rate']:g}")
                                                  for g in expected]


def test_sort_keys_cover_results_and_every_setting():
    assert {"loss", "epoch", "time"} <= set(SORT_KEYS)
    assert {"loss", "accuracy", "epoch", "time"} <= set(sort_keys(grid(task=["binary"])))
    assert {"learning_rate", "hidden", "activation", "optimizer", "seed"} <= set(BY_NAME)


# ----------------------------------------------------------------------------- summarize_groups / sort_groups


def _run(seed: int, loss: float | None, accuracy: float = 0.5, first: int | None = None, seconds: float = 1.0,
         lr: float = 0.1) -> SweepRun:
    config = dataclasses.replace(fnn.RunConfig(), seed=seed, learning_rate=lr, task="binary")
    if loss is None:
        return SweepRun(config, None, np.array([]), np.array([]), None, 7)
    summary = {"final_loss": loss, "accuracy": accuracy, "train_seconds": seconds, "test_accuracy": None,
               "metrics": {"accuracy": accuracy}, "test_metrics": None}
    return SweepRun(config, summary, np.array([loss]), np.array([accuracy]), first, None)


def test_summarize_groups_folds_seeds_with_mean_spread_and_divergence():
    runs = [_run(1, 0.2, 0.5, None, 1.0, lr=0.1), _run(1, 0.1, 1.0, 30, 2.0, lr=1.0),
            _run(2, 0.4, 0.75, None, 3.0, lr=0.1), _run(2, None, lr=1.0), _run(3, 0.3, 1.0, 50, 0.5, lr=1.0),
            _run(1, None, lr=9.0), _run(2, None, lr=9.0)]
    groups = summarize_groups(runs)
    assert [g.config.learning_rate for g in groups] == [0.1, 1.0, 9.0]  # order of first appearance
    low, high, wild = groups
    assert [r.config.seed for r in low.runs] == [1, 2]
    assert low.loss_mean == pytest.approx(0.3) and low.loss_std == pytest.approx(0.1)
    assert low.score("accuracy") == pytest.approx((0.625, 0.125))
    assert (low.reached, low.first_perfect_median, low.diverged, low.seconds) == (0, None, 0, 4.0)
    assert high.loss_mean == pytest.approx(0.2) and high.score("accuracy").mean == 1.0  # the diverged run: out
    assert (high.reached, high.first_perfect_median, high.diverged, high.seconds) == (2, 40.0, 1, 2.5)
    assert math.isnan(wild.loss_mean) and wild.diverged == 2 and wild.seconds == 0
    row = wild.as_dict(["learning_rate"])
    assert row["final_loss_mean"] is None and row["accuracy_mean"] is None and row["runs"] == 2
    json.dumps(row)  # JSON-ready even when every run diverged

    assert [g.config.learning_rate for g in sort_groups(groups, "loss")] == [1.0, 0.1, 9.0]  # diverged last
    assert [g.config.learning_rate for g in sort_groups(groups, "accuracy")] == [1.0, 0.1, 9.0]
    assert [g.config.learning_rate for g in sort_groups(groups, "epoch")] == [1.0, 0.1, 9.0]  # never reached: last
    assert [g.config.learning_rate for g in sort_groups(groups, "time")] == [9.0, 1.0, 0.1]
    assert [g.config.learning_rate for g in sort_groups(groups, "learning_rate")] == [0.1, 1.0, 9.0]
    with pytest.raises(ValueError, match="cannot sort by 'colour'"):
        sort_groups(groups, "colour")


# ----------------------------------------------------------------------------------------------- divergence


DIVERGING = ("sweep", "--lr", "0.1,50", "-a", "relu", "--output-activation", "identity", "-e", "100",
             "--seed", "1,2", "--workers", "1")


def test_a_diverging_configuration_is_reported_and_the_sweep_goes_on():
    data = json.loads(ok(*DIVERGING, "--json").stdout)
    calm, wild = data["groups"]
    assert (calm["learning_rate"], wild["learning_rate"]) == (0.1, 50.0)
    assert calm["diverged"] == 0 and calm["final_loss_mean"] is not None and calm["runs"] == 2
    assert wild["diverged"] == 2 and wild["final_loss_mean"] is None and wild["accuracy_mean"] is None
    for seed in (1, 2):  # the library agrees that this configuration diverges
        with pytest.raises(TrainingDiverged), np.errstate(all="ignore"):
            fnn.fit(activation="relu", output="identity", learning_rate=50.0, epochs=100, seed=seed)


def test_a_diverging_run_in_the_table_and_the_progress_lines():
    result = ok(*DIVERGING, "--sort", "loss")
    rows = [row for row in table_rows(result.stdout) if len(row) >= 5]
    assert [row[0] for row in rows] == ["0.1", "50"]  # diverged sorts last
    assert rows[1][1] == "diverged"
    progress = [line for line in result.stdout.splitlines() if line.startswith("[")]
    assert len(progress) == 4
    assert sum("diverged at epoch" in line for line in progress) == 2
    # The epoch it names is the library's.
    with pytest.raises(TrainingDiverged) as caught, np.errstate(all="ignore"):
        fnn.fit(activation="relu", output="identity", learning_rate=50.0, epochs=100, seed=1)
    assert any(f"seed=1: diverged at epoch {caught.value.epoch}" in line for line in progress)


# ---------------------------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize("args, fragments", [
    (("-a", "sigmoid,nope"), ("unknown activation 'nope'",)),
    (("-o", "sgd,adamm"), ("unknown optimizer 'adamm'",)),
    (("--lr", "0.1,,1"), ("--lr", "empty")),
    (("--lr", "0,1"), ("learning rate", "positive")),
    (("--lr", "-1"), ("learning rate", "positive")),
    (("--lr", "0.1,abc"), ("--lr", "'abc' is not a number")),
    (("--hidden", "2,4/0"), ("--hidden",)),  # "2,4/" is 2,4 and no hidden layer
    (("--hidden", "2,x"), ("--hidden",)),
    (("--seed", "1,x"), ("--seed", "'x' is not an integer")),
    (("-e", "0"), ("--epochs", "at least 1")),
    (("--sort", "nope"), ("--sort", "'nope'", "loss", "accuracy")),
    (("--workers", "0"), ("--workers", "at least 1")),
])
def test_bad_sweep_inputs_are_one_line_errors(args, fragments):
    result = cli("sweep", "-e", "10", *args)
    assert_one_line_error(result, 2, *fragments)
    assert result.stdout == ""  # nothing trained


def test_sweep_refuses_an_existing_out(tmp_path):
    (tmp_path / "sweep").mkdir()
    result = cli("sweep", "-e", "10", "--out", tmp_path / "sweep")
    assert_one_line_error(result, 2, "already exists", "--force")
    assert result.stdout == "" and listing(tmp_path / "sweep") == set()


# ------------------------------------------------------------------------------------------- fnn sweep --out


def test_sweep_out_writes_results_and_one_figure_per_varied_setting(tmp_path, serial):
    out = tmp_path / "sweep"
    result = ok(*SWEEP, "--workers", "1", "--out", out)
    assert squash(result.stdout).endswith(f"Sweep written to {out}/")
    assert listing(out) == {MARKER, "results.csv", "results.json", "curves.npz", "loss_by_hidden.png",
                            "loss_by_learning_rate.png", *RESUMABLE}
    assert listing(tmp_path) == {"sweep"}
    assert is_png(out / "loss_by_hidden.png") and is_png(out / "loss_by_learning_rate.png")

    data = json.loads((out / "results.json").read_text())
    assert set(data) >= {"runs", "groups"}
    assert len(data["runs"]) == 8 and len(data["groups"]) == 4
    groups = [{k: g[k] for k in serial["groups"][0]} for g in data["groups"]]
    assert _without_time(groups) == _without_time(serial["groups"])
    with open(out / "results.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 8
    expected = [(h, lr, s) for h in ("[2, 4]", "[4, 8]") for lr in ("0.5", "1.0") for s in ("1", "2")]
    assert [(row["hidden"], row["learning_rate"], row["seed"]) for row in rows] == expected
    for row, run in zip(rows, data["runs"]):
        assert float(row["final_loss"]) == run["final_loss"]
        assert float(row["accuracy"]) == run["accuracy"]
        assert json.loads(row["hidden"]) == run["hidden"]
        fit = fnn.fit(hidden=tuple(run["hidden"]), learning_rate=run["learning_rate"], seed=run["seed"], epochs=50)
        assert run["final_loss"] == fit.final.loss


def test_sweep_out_with_diverged_runs(tmp_path):
    out = tmp_path / "sweep"
    ok(*DIVERGING, "--json", "--out", out)
    # No figure for the seed, the only other setting that varies.
    assert listing(out) == {MARKER, "results.csv", "results.json", "curves.npz", "loss_by_learning_rate.png",
                            *RESUMABLE}
    with open(out / "results.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["learning_rate"] for row in rows] == ["0.1", "0.1", "50.0", "50.0"]
    assert all(row["diverged_at"] == "" and row["final_loss"] != "" for row in rows[:2])
    assert all(int(row["diverged_at"]) >= 1 and row["final_loss"] == "" for row in rows[2:])


def test_sweep_out_single_configuration_has_no_figures(tmp_path):
    out = tmp_path / "sweep"
    ok("sweep", "-e", "10", "--seed", "1,2", "--workers", "1", "--json", "--out", out)
    assert listing(out) == {MARKER, "results.csv", "results.json", "curves.npz", *RESUMABLE}  # only the seed varies


# ---------------------------------------------------------------------------------------------- linear note


@pytest.mark.parametrize("activation", ["none", "identity"])
def test_run_prints_the_linear_note(activation):
    stdout = squash(ok("run", "-a", activation, "-e", "20").stdout)
    assert LINEAR_NOTE in stdout and f"activation {activation}" in stdout and "never xor" in stdout


def test_run_without_a_linear_activation_has_no_note():
    assert LINEAR_NOTE not in squash(ok("run", "-a", "tanh", "-e", "20").stdout)
    assert LINEAR_NOTE not in squash(ok("run", "-a", "none", "-e", "20", "--json").stdout)


def test_sweep_prints_the_linear_note_when_none_is_swept():
    stdout = squash(ok("sweep", "-a", "sigmoid,none", "-e", "20", "--workers", "1").stdout)
    assert LINEAR_NOTE in stdout and "activation none" in stdout
    assert LINEAR_NOTE not in squash(ok("sweep", "-a", "sigmoid,tanh", "-e", "20", "--workers", "1").stdout)
    data = json.loads(ok("sweep", "-a", "sigmoid,none", "-e", "20", "--workers", "1", "--json").stdout)
    assert [g["activation"] for g in data["groups"]] == ["sigmoid", "none"]  # --json stays pure JSON
