"""What a new user reads (issue 14): output that fits 80 columns without a wrapped number, one record per
line in a pipe; predictions that name each point as the data does (its CSV line, its index in a built-in
dataset) with the file's own values under ``--standardize``; ``fnn show`` and ``fnn predict --help`` in
words rather than JSON and parameter names; a sweep's "100% at epoch" marked when the run fell back."""

from __future__ import annotations

import dataclasses
import io
import json

import numpy as np
from rich.console import Console

import fnn
from fnn.cli.run import _SPARKLINE_TEXT, sparkline
from fnn.cli.sweep import _print_results
from fnn.runs.sweep import SweepRun, summarize_groups
from support import cli, ok
from test_cli import table_rows

NARROW = {"COLUMNS": "80"}


def narrow(*args):
    result = cli(*args, env=NARROW)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_predictions_name_csv_lines_and_show_the_files_values_with_standardize(tmp_path):
    path = tmp_path / "m.csv"
    rows = [(20, 50, 0), (25, 60, 0), (30, 70, 1), (35, 80, 1), (40, 90, 1), (22, 55, 0), (33, 75, 1), (28, 61, 0)]
    # A blank line still counts: line numbers are the file's, as its error messages give them.
    path.write_text("age,score,passed\n" + "\n".join(",".join(map(str, r)) for r in rows[:3]) + "\n\n"
                    + "\n".join(",".join(map(str, r)) for r in rows[3:]) + "\n")
    lines = [2, 3, 4, 6, 7, 8, 9, 10]
    stdout = narrow("run", "--data", path, "--standardize", "--test-split", "0.25", "-e", "5")
    table = [row for row in table_rows(stdout) if len(row) == 7]
    assert [int(row[0]) for row in table] == lines  # in file order, train and test together
    for row, (age, score, label) in zip(table, rows):
        assert (row[2], row[3], row[4]) == (str(age), str(score), str(label))
    assert "line" in stdout.split("Predictions")[1].splitlines()[2]
    assert "values as in the file (the network sees them standardized)" in stdout


def test_predictions_of_a_built_in_dataset_name_each_points_index(tmp_path):
    stdout = narrow("run", "-d", "xor", "--test-split", "0.3", "-e", "5")
    table = [row for row in table_rows(stdout) if len(row) == 7]
    whole = fnn.prepare(fnn.RunConfig(dataset="xor", epochs=5)).x  # the dataset before the split
    assert [int(row[0]) for row in table] == list(range(len(whole)))
    assert {row[1] for row in table} == {"train", "test"}
    for row in table:
        assert (row[2], row[3]) == tuple(f"{v:.4g}" for v in whole[int(row[0])])


def test_a_pipe_gets_one_line_per_record():
    stdout = narrow("run", "-e", "5", "--hidden", "4,8", "-o", "adagrad")
    lines = stdout.splitlines()
    assert lines[0].startswith("Training a 2-4-8-1 net") and lines[0].endswith("seed 0")  # the header, unbroken
    training = next(line for line in lines if line.startswith("Training  "))
    assert training.endswith(", mse loss, full batch, seed 0")  # the summary's longest row, unbroken


def test_quiet_with_out_is_one_line(tmp_path, stand_in_figures):
    stdout = narrow("run", "-q", "-e", "5", "--out", tmp_path / "run")
    assert stdout.count("\n") == 1 and stdout.rstrip().endswith(f"run written to {tmp_path / 'run'}/")


def test_a_wide_sweep_never_wraps_a_number_at_80_columns():
    stdout = narrow("sweep", "-d", "xor,circle", "-a", "sigmoid,tanh", "-o", "sgd,adam", "--hidden", "4,8/8,8",
                    "--test-split", "0.3", "--seed", "1,2", "-e", "3", "--workers", "1")
    assert "…" not in stdout
    progress = [line for line in stdout.splitlines() if line.startswith("[")]
    assert len(progress) == 32 and all(": loss " in line for line in progress)  # one line per run
    records = [line for line in stdout.splitlines() if line.startswith("dataset=")]
    assert len(records) == 16 and all(line.endswith(" s/run") for line in records)  # too wide for a table


def test_a_sweep_table_leaves_out_detail_to_fit_and_says_so():
    stdout = narrow("sweep", "-o", "sgd,momentum,adagrad", "--test-split", "0.3", "--seed", "1,2", "-e", "3",
                    "--workers", "1")
    assert all(len(line) <= 80 for line in stdout.splitlines() if not line.startswith(("[", "left out")))
    assert "left out to fit 80 columns: s/run" in stdout
    assert len([row for row in table_rows(stdout) if len(row) == 6]) == 3  # one line per row: nothing wrapped
    wide = cli("sweep", "-o", "sgd,momentum,adagrad", "--seed", "1,2", "-e", "3", "--workers", "1",
               env={"COLUMNS": "120"}).stdout
    assert "±" in wide and "s/run" in wide and "left out" not in wide


def _run(seed: int, accuracy: float, first: int | None) -> SweepRun:
    config = dataclasses.replace(fnn.RunConfig(), seed=seed, task="binary")
    summary = {"final_loss": 0.1, "accuracy": accuracy, "train_seconds": 1.0, "test_accuracy": None,
               "metrics": {"accuracy": accuracy}, "test_metrics": None}
    return SweepRun(config, summary, np.array([0.1]), np.array([accuracy]), first, None)


def test_a_sweep_marks_a_100_percent_the_run_fell_back_from():
    out = io.StringIO()
    runs = [_run(1, 0.92, 300), _run(2, 1.0, 200)]
    _print_results(Console(file=out, width=100), summarize_groups(runs), [], runs)
    assert "250*" in out.getvalue()
    assert "* reached 100% accuracy, then fell back below it by the last epoch" in out.getvalue()
    out = io.StringIO()
    _print_results(Console(file=out, width=100), summarize_groups(runs[1:]), [], runs[1:])
    assert "*" not in out.getvalue()


def test_sparkline_fits_the_line_even_for_tiny_losses():
    line = sparkline(np.array([0.25, 1.234e-10]), "loss", width=80 - _SPARKLINE_TEXT)
    assert len(line.plain) <= 80 and "1.23e-10 (log scale)" in line.plain


def test_show_prints_settings_in_words(tmp_path, stand_in_figures):
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n0,10,0\n1,20,1\n2,30,0\n3,40,1\n")
    ok("run", "--data", path, "--standardize", "-e", "3", "--out", tmp_path / "run")
    stdout = ok("show", tmp_path / "run").stdout
    rows = {row[0]: row[1] for row in table_rows(stdout) if len(row) == 2}
    assert rows["batch_size"] == rows["test_loss"] == rows["options"] == "-"
    assert rows["features"] == "a, b" and rows["hidden"] == "4, 8"
    assert rows["standardize"] == "True" and rows["scaler"] == "mean 1.5, 25; std 1.11803, 11.1803"
    assert rows["hyperparameters"] == "learning_rate=1, weight_decay=0"
    seconds = json.loads((tmp_path / "run" / "metrics.json").read_text())["train_seconds"]
    assert rows["train_seconds"] == f"{seconds:.3g} s"
    assert "None" not in stdout and "{" not in stdout


def test_predict_and_show_help_name_a_run_and_the_points_needed():
    for command in ("predict", "show"):
        text = " ".join(ok(command, "--help").stdout.split())
        assert "RUN" in text and "model_path" not in text
        assert "A run folder written by 'fnn run --out DIR', or the model.npz in it." in text
    assert "give them with --points or --csv" in " ".join(ok("predict", "--help").stdout.split())


def test_predict_numbers_csv_points_by_line_and_typed_points_from_0(tmp_path, stand_in_figures):
    ok("run", "-e", "3", "--out", tmp_path / "run")
    path = tmp_path / "p.csv"
    path.write_text("x1,x2\n0.1,0.2\n\n0.9,0.1\n")
    assert [row[0] for row in table_rows(ok("predict", tmp_path / "run", "--csv", path).stdout)] == ["2", "4"]
    typed = ok("predict", tmp_path / "run", "--points", "0.1,0.2;0.9,0.1").stdout
    assert [row[0] for row in table_rows(typed)] == ["0", "1"]
