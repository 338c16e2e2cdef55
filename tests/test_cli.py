"""The ``fnn`` command line, driven through typer's CliRunner.

Covers ``fnn run`` in plain (non-terminal) mode: the header, the logged-epoch
rows streamed as training goes, the predictions table (every row for a small
set, a captioned subset for a large one, every row with ``--all-predictions``),
the summary, and ``--quiet``; ``--json`` (one object, values matching the flags
and bitwise equal to ``fnn.fit``, reproducible per seed); ``--opt``/``--lr`` and
the optimizers' default hyper-parameters; every bad input the issue lists, each
as a one-line ``Error:`` with exit code 2 (usage) or 1 (failure) and no
traceback, and ``FNN_DEBUG=1`` letting the exception through; ``fnn list`` in
its forms; ``--version`` and ``--help``; and the helpers ``parse_hidden`` and
``parse_options``.

"""

from __future__ import annotations

import json
import os
import signal
import sys
import re
import warnings

import numpy as np
import pytest
import typer

import fnn
from fnn.cli import parse_hidden, parse_options
from support import ENV, RUNNER, assert_one_line_error, cli, ok

ROW = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\d+\.\d\d)%$")  # a streamed logged-epoch row
SUMMARY = re.compile(r"^(Result|Model|Training|Time) {2,}(.*)$")  # a row of the summary grid


def logged_rows(stdout: str) -> list[tuple[int, str, str]]:
    """The streamed ``epoch loss accuracy`` rows: (epoch, loss text, accuracy text without %)."""
    return [(int(m[1]), m[2], m[3]) for m in map(ROW.match, stdout.splitlines()) if m]


def table_rows(stdout: str, title: str | None = None) -> list[list[str]]:
    """Body rows of the rich tables in ``stdout`` (or only of the one titled ``title``), cells stripped;
    wrapped cells are joined back."""
    rows: list[list[str]] = []
    lines = stdout.splitlines()
    if title is not None:
        start = next(i for i, line in enumerate(lines) if line.startswith(title))
        end = next(i for i in range(start, len(lines)) if lines[i].startswith("└"))
        lines = lines[start:end]
    for line in lines:
        if not line.startswith("│"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("│").split("│")]
        if rows and cells[0] == "" and len(cells) == len(rows[-1]):  # continuation of a wrapped row
            rows[-1] = [f"{a} {b}".strip() for a, b in zip(rows[-1], cells)]
        else:
            rows.append(cells)
    return rows


def squash(text: str) -> str:
    """Collapse all whitespace, so text rich wrapped at the console width reads as one line."""
    return " ".join(text.split())


def summary_lines(stdout: str) -> dict[str, str]:
    """The summary grid: {"Result": "...", "Model": ..., "Training": ..., "Time": ...}."""
    matches = (SUMMARY.match(line.rstrip()) for line in stdout.splitlines())
    return {m[1]: m[2] for m in matches if m}


# ----------------------------------------------------------------------------------------------- fnn run, plain text


def test_run_plain_header_rows_predictions_and_summary_for_xor():
    result = ok("run", "--epochs", "50", "--log-every", "10")
    reference = fnn.fit(epochs=50)
    lines = result.stdout.splitlines()

    # The header: what is trained, on what, how (rich may wrap it at the console width).
    column_header = next(i for i, line in enumerate(lines) if line.split() == ["epoch", "loss", "accuracy"])
    header = squash("\n".join(lines[:column_header]))
    assert header.startswith("Training a 2-4-8-1 net")
    parts = ("sigmoid hidden", "sigmoid output", "xor (21 points)", "sgd (lr 1)", "mse loss", "50 epochs", "seed 0")
    for part in parts:
        assert part in header, part

    # Logged rows: epoch 1, every 10th, the last; numbers are the library's.
    rows = logged_rows(result.stdout)
    assert [epoch for epoch, _, _ in rows] == [1, 10, 20, 30, 40, 50]
    for epoch, loss, acc in rows:
        assert loss == f"{reference.loss[epoch - 1]:.6g}"
        assert acc == f"{reference.accuracy[epoch - 1] * 100:.2f}"
    predictions_at = lines.index(next(line for line in lines if line.startswith("Predictions")))
    assert column_header < predictions_at
    assert all(lines.index(line) < predictions_at for line in lines if ROW.match(line))

    # Predictions: all 21 xor points in order, in the lab's style, no "subset" caption.
    experiment = reference.experiment
    prob = fnn.predict(reference.final.params, experiment.x, experiment.activation, experiment.output)[:, 0]
    table = table_rows(result.stdout, "Predictions")
    assert [int(row[0]) for row in table] == list(range(21))
    for i, (_index, x1, x2, truth, prediction, correct) in enumerate(table):
        assert (x1, x2) == (f"{experiment.x[i, 0]:.4g}", f"{experiment.x[i, 1]:.4g}")
        assert truth == f"{experiment.y[i, 0]:g}"
        assert prediction == f"{prob[i]:.5f}"
        assert correct == ("yes" if (prob[i] >= 0.5) == (experiment.y[i, 0] >= 0.5) else "NO")
    assert "of 21 points" not in result.stdout

    # Summary: final loss and accuracy, model, components, time.
    summary = summary_lines(result.stdout)
    hits = round(reference.final.accuracy * 21)
    assert summary["Result"] == (f"loss {reference.final.loss:.6g}, accuracy {reference.final.accuracy:.2%} "
                                 f"({hits}/21) after 50 epochs")
    assert summary["Model"] == "2-4-8-1 net (sigmoid hidden, sigmoid output), 61 parameters, xavier init"
    assert summary["Training"] == "sgd (learning_rate=1, weight_decay=0), mse loss, full batch, seed 0"
    assert re.fullmatch(r"[\d.e-]+ s \([\d,]+ epochs/s\)", summary["Time"]), summary["Time"]
    assert predictions_at < lines.index(next(line for line in lines if line.startswith("Result")))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--epochs", "25", "--log-every", "10"], [1, 10, 20, 25]),  # the last epoch is always logged
        (["--epochs", "20"], [1, *range(2, 21, 2)]),  # default: every epochs/10
        (["--epochs", "5"], [1, 2, 3, 4, 5]),  # epochs/10 rounds down to 0: log every epoch
        (["--epochs", "3", "--log-every", "1"], [1, 2, 3]),
    ],
)
def test_run_plain_logs_the_right_epochs(args, expected):
    result = ok("run", *args)
    assert [epoch for epoch, _, _ in logged_rows(result.stdout)] == expected


def test_run_plain_large_set_shows_captioned_subset_misclassified_first():
    args = ("run", "-d", "linear", "-o", "adam", "--epochs", "200")
    result = ok(*args)
    reference = fnn.fit(dataset="linear", optimizer="adam", epochs=200)
    experiment = reference.experiment
    prob = fnn.predict(reference.final.params, experiment.x, experiment.activation, experiment.output)[:, 0]
    y = experiment.y[:, 0]
    wrong = set(np.flatnonzero((prob >= 0.5) != (y >= 0.5)).tolist())
    assert 0 < len(wrong) < 10  # the run this test needs: a few misclassified points

    shown = [int(row[0]) for row in table_rows(result.stdout, "Predictions")]
    assert len(wrong) < len(shown) <= 30  # a readable subset (20 today), more than just the misclassified
    assert shown == sorted(shown) and set(shown) <= set(range(100))
    assert wrong <= set(shown)  # every misclassified point is listed ...
    confidence = np.abs(prob - 0.5)
    rest_shown = [i for i in shown if i not in wrong]
    hidden = sorted(set(range(100)) - set(shown))
    assert max(confidence[rest_shown]) <= min(confidence[hidden])  # ... then the least confident
    assert f"{len(shown)} of 100 points" in squash(result.stdout)
    assert "--all-predictions lists all" in squash(result.stdout)
    assert summary_lines(result.stdout)["Result"].endswith(f"({100 - len(wrong)}/100) after 200 epochs")


def test_run_plain_all_predictions_lists_every_point_without_caption():
    result = ok("run", "-d", "linear", "--epochs", "5", "--all-predictions")
    assert [int(row[0]) for row in table_rows(result.stdout, "Predictions")] == list(range(100))
    assert "of 100 points" not in squash(result.stdout)


def test_run_quiet_prints_only_the_final_result():
    result = ok("run", "--epochs", "30", "--quiet")
    reference = fnn.fit(epochs=30)
    hits = round(reference.final.accuracy * 21)
    assert result.stdout.strip() == (f"loss {reference.final.loss:.6g}, accuracy {reference.final.accuracy:.2%} "
                                     f"({hits}/21) after 30 epochs")
    assert result.stdout.count("\n") == 1  # one line: no header, rows, tables or timing
    assert ok("run", "--epochs", "30", "-q").stdout == result.stdout


def test_run_plain_header_is_one_line():
    first = ok("run", "--epochs", "2").stdout.splitlines()[0]
    assert first.startswith("Training a 2-4-8-1 net") and first.rstrip().endswith("seed 0")


# ---------------------------------------------------------------------------------------------------- fnn run --json

JSON_ARGS = ["-d", "linear", "-a", "tanh", "--output-activation", "sigmoid", "--loss", "bce", "-o", "adam",
             "--lr", "0.02", "--hidden", "3,5,2", "-e", "40", "--seed", "7", "--n-samples", "30"]
JSON_SETTINGS = dict(dataset="linear", activation="tanh", output="sigmoid", loss="bce", optimizer="adam",
                     learning_rate=0.02, hidden=(3, 5, 2), epochs=40, seed=7, n_samples=30)


def run_json(*args: str) -> dict:
    result = ok("run", "--json", *args)
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1  # one line, nothing else
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_json_is_one_object_with_the_flags_values_and_the_librarys_numbers():
    data = run_json(*JSON_ARGS)
    required = {"dataset", "hidden", "activation", "output", "loss", "optimizer", "learning_rate", "epochs", "seed",
                "final_loss", "accuracy", "train_seconds"}
    assert required <= data.keys()
    assert data["dataset"] == "linear" and data["n_points"] == 30
    assert data["hidden"] == [3, 5, 2]
    assert (data["activation"], data["output"], data["loss"], data["optimizer"]) == ("tanh", "sigmoid", "bce", "adam")
    assert data["learning_rate"] == 0.02
    assert (data["epochs"], data["seed"]) == (40, 7)
    assert 0.0 <= data["accuracy"] <= 1.0
    assert isinstance(data["train_seconds"], float) and data["train_seconds"] > 0

    reference = fnn.fit(**JSON_SETTINGS)
    assert data["final_loss"] == reference.final.loss  # bitwise: JSON round-trips floats exactly
    assert data["accuracy"] == reference.final.accuracy
    summary = reference.summary()
    assert {k: v for k, v in data.items() if k != "train_seconds"} == {
        k: v for k, v in json.loads(json.dumps(summary)).items() if k != "train_seconds"}


def test_json_with_quiet_is_still_only_json():
    data = run_json("-e", "3", "--quiet")
    assert data["epochs"] == 3


def test_json_same_seed_same_numbers_other_seed_other_numbers():
    args = ["-d", "linear", "-e", "30", "--seed", "3"]
    first, second = run_json(*args), run_json(*args)
    assert first["final_loss"] == second["final_loss"]
    assert first["accuracy"] == second["accuracy"]
    other = run_json("-d", "linear", "-e", "30", "--seed", "4")
    assert other["final_loss"] != first["final_loss"]


def test_json_defaults_are_the_lab_net():
    data = run_json("-e", "1")
    assert (data["dataset"], data["hidden"], data["activation"], data["output"], data["loss"], data["optimizer"],
            data["seed"]) == ("xor", [4, 8], "sigmoid", "sigmoid", "mse", "sgd", 0)
    assert data["n_points"] == 21
    assert data["learning_rate"] == fnn.registry().optimizer("sgd").defaults["learning_rate"]


# The issue's defaults (PyTorch's), beyond each optimizer's own learning rate.
SPEC_DEFAULTS = {
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "nesterov": {"momentum": 0.9},
    "adagrad": {"eps": 1e-10},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8},
    "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    "adamw": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
}


def test_spec_defaults_cover_every_builtin_optimizer():
    assert sorted(SPEC_DEFAULTS) == fnn.registry().names("optimizer")


@pytest.mark.parametrize("name", sorted(SPEC_DEFAULTS))
def test_json_optimizer_defaults(name):
    data = run_json("-o", name, "-e", "1")
    spec = fnn.registry().optimizer(name)
    assert data["optimizer"] == name
    assert data["hyperparameters"] == spec.defaults
    assert data["learning_rate"] == spec.defaults["learning_rate"] > 0
    for key, value in SPEC_DEFAULTS[name].items():
        assert data["hyperparameters"][key] == value, key


def test_opt_reaches_the_optimizer():
    data = run_json("-o", "momentum", "--opt", "momentum=0.5", "-e", "20")
    assert data["hyperparameters"]["momentum"] == 0.5
    assert data["hyperparameters"]["learning_rate"] == fnn.registry().optimizer("momentum").defaults["learning_rate"]
    reference = fnn.fit(optimizer="momentum", options={"momentum": 0.5}, epochs=20)
    assert data["final_loss"] == reference.final.loss
    default = run_json("-o", "momentum", "-e", "20")
    assert default["hyperparameters"]["momentum"] == 0.9
    assert default["final_loss"] != data["final_loss"]  # the option changed the training


def test_opt_is_repeatable():
    data = run_json("-o", "adam", "--opt", "beta1=0.8", "--opt", "beta2=0.99", "-e", "2")
    assert (data["hyperparameters"]["beta1"], data["hyperparameters"]["beta2"]) == (0.8, 0.99)
    assert data["hyperparameters"]["eps"] == 1e-8


def test_lr_overrides_the_default_learning_rate():
    data = run_json("-o", "momentum", "--lr", "0.05", "-e", "10")
    assert data["learning_rate"] == data["hyperparameters"]["learning_rate"] == 0.05
    assert data["hyperparameters"]["momentum"] == 0.9
    assert data["final_loss"] == fnn.fit(optimizer="momentum", learning_rate=0.05, epochs=10).final.loss


def test_opt_learning_rate_sets_the_learning_rate():
    data = run_json("--opt", "learning_rate=0.25", "-e", "2")
    assert data["learning_rate"] == data["hyperparameters"]["learning_rate"] == 0.25


# ------------------------------------------------------------------------------------------------------------- errors


def names(kind: str) -> str:
    return ", ".join(fnn.registry().names(kind))


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["-d", "bogus"], ["unknown dataset 'bogus'", f"available: {names('dataset')}"]),
        (["-a", "tanhh"], ["unknown activation 'tanhh'", f"available: {names('activation')}", "did you mean 'tanh'"]),
        (["--output-activation", "sigmod"],
         ["unknown activation 'sigmod'", f"available: {names('activation')}", "did you mean 'sigmoid'"]),
        (["--loss", "hinge"], ["unknown loss 'hinge'", f"available: {names('loss')}"]),  # mae is built in now
        (["-o", "adamm"], ["unknown optimizer 'adamm'", f"available: {names('optimizer')}", "did you mean 'adam'"]),
        (["--init", "bogus"], ["'bogus'", "xavier"]),
    ],
    ids=["dataset", "activation", "output-activation", "loss", "optimizer", "init"],
)
def test_unknown_names_are_usage_errors_listing_the_choices(args, fragments):
    result = cli("run", *args, "-e", "1")
    assert_one_line_error(result, 2, *fragments)
    assert result.stdout == ""  # nothing trained, nothing printed


@pytest.mark.parametrize("value", ["4,,8", "0", "-3", "abc", "4,8,", "4,0"])  # "" is no hidden layer
def test_bad_hidden_sizes_are_usage_errors(value):
    assert_one_line_error(cli("run", "--hidden", value, "-e", "1"), 2, "--hidden", "positive integers",
                          repr(value))


@pytest.mark.parametrize("value", ["0", "-1", "inf", "nan"])
def test_non_positive_learning_rate_is_a_usage_error(value):
    assert_one_line_error(cli("run", "--lr", value, "-e", "1"), 2, "learning rate must be a positive number")


def test_learning_rate_that_is_not_a_number_is_a_usage_error():
    assert_one_line_error(cli("run", "--lr", "abc", "-e", "1"), 2, "'--lr'", "number")


@pytest.mark.parametrize("value", ["0", "-5"])
def test_epochs_below_one_is_a_usage_error(value):
    assert_one_line_error(cli("run", "--epochs", value), 2, "epochs must be at least 1", f"got {value}")


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--epochs", "abc"], ["'--epochs'", "integer"]),
        (["--log-every", "0"], ["--log-every", "at least 1"]),
        (["--n-samples", "0"], ["n-samples must be at least 1"]),
        (["--noise", "-1"], ["noise must be 0 or more"]),
        (["--seed", "abc"], ["'--seed'", "integer"]),
    ],
)
def test_other_bad_numbers_are_usage_errors(args, fragments):
    assert_one_line_error(cli("run", *args), 2, *fragments)


def test_unknown_opt_key_lists_the_optimizers_keys():
    keys = ", ".join(fnn.registry().optimizer("momentum").defaults)
    assert_one_line_error(cli("run", "-o", "momentum", "--opt", "foo=1", "-e", "1"), 2,
                          "optimizer 'momentum' has no hyper-parameter 'foo'", f"its keys are: {keys}")
    sgd_keys = ", ".join(fnn.registry().optimizer("sgd").defaults)
    assert_one_line_error(cli("run", "--opt", "momentum=0.9", "-e", "1"), 2, "'momentum'", sgd_keys)


@pytest.mark.parametrize("pair", ["momentum", "=1"])
def test_opt_without_key_value_is_a_usage_error(pair):
    assert_one_line_error(cli("run", "-o", "momentum", "--opt", pair, "-e", "1"), 2, "--opt", "KEY=VALUE",
                          repr(pair))


def test_opt_value_not_a_number_is_a_usage_error():
    assert_one_line_error(cli("run", "-o", "momentum", "--opt", "momentum=fast", "-e", "1"), 2,
                          "--opt", "momentum", "'fast' is not a number")


def test_a_hyperparameter_outside_its_range_is_a_usage_error():
    assert_one_line_error(cli("run", "-o", "adam", "--opt", "beta2=1", "-e", "1"), 2,
                          "beta2 must be at least 0 and below 1, got 1")


DIVERGING = ["--output-activation", "identity", "--lr", "5", "--epochs", "2000"]


def diverging_epoch() -> int:
    with pytest.raises(fnn.TrainingDiverged) as caught, warnings.catch_warnings():
        warnings.simplefilter("error")  # fit says it diverged; NumPy's overflow warnings would only repeat it
        fnn.fit(output="identity", learning_rate=5, epochs=2000)
    return caught.value.epoch


def test_diverging_run_stops_with_exit_1_naming_the_epoch():
    epoch = diverging_epoch()
    assert 1 < epoch < 2000
    result = cli("run", *DIVERGING, "--log-every", "10")
    assert_one_line_error(result, 1, f"at epoch {epoch}", "smaller learning rate", "--lr")
    # The rows before the failure were streamed; none is NaN or infinite, and no tables follow.
    rows = logged_rows(result.stdout)
    assert [e for e, _, _ in rows] == [1, *range(10, epoch, 10)]
    assert all(np.isfinite(float(loss)) for _, loss, _ in rows)
    assert not re.search(r"\b(nan|inf)\b", result.stdout, re.IGNORECASE)
    assert "Predictions" not in result.stdout and "Result" not in result.stdout


@pytest.mark.parametrize("flag", ["--json", "--quiet"])
def test_diverging_run_prints_nothing_on_stdout_with_json_or_quiet(flag):
    result = cli("run", *DIVERGING, flag)
    assert_one_line_error(result, 1, f"at epoch {diverging_epoch()}")
    assert result.stdout == ""


def test_unknown_command_is_a_usage_error():
    assert_one_line_error(cli("bogus"), 2, "No such command 'bogus'", "fnn --help")
    assert_one_line_error(cli("lst"), 2, "No such command 'lst'", "Did you mean 'list'")


def test_unknown_option_is_a_usage_error():
    assert_one_line_error(cli("run", "--bogus"), 2, "No such option: --bogus", "fnn run --help")
    assert_one_line_error(cli("run", "--epoch", "5"), 2, "No such option: --epoch", "--epochs")
    assert_one_line_error(cli("list", "--bogus"), 2, "No such option: --bogus")


def test_extra_argument_is_a_usage_error():
    assert_one_line_error(cli("run", "extra"), 2, "unexpected extra argument", "extra")


def test_option_without_its_value_is_a_usage_error():
    assert_one_line_error(cli("run", "--lr"), 2, "'--lr' requires an argument")


def test_option_without_its_value_names_the_command():
    assert_one_line_error(cli("run", "--lr"), 2, "fnn run: ", "fnn run --help")


@pytest.mark.parametrize("value", ["1", "true", "YES", " yes "])
def test_fnn_debug_adds_the_traceback_and_keeps_the_exit_code(value):
    result = cli("run", "-a", "tanhh", "-e", "1", env={"FNN_DEBUG": value})
    assert result.exit_code == 2  # a usage error stays 2 when debugging
    assert "Traceback" in result.stderr and "UnknownNameError" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("Error: unknown activation 'tanhh'")
    diverged = cli("run", *DIVERGING, "-q", env={"FNN_DEBUG": value})
    assert diverged.exit_code == 1 and "TrainingDiverged" in diverged.stderr


@pytest.mark.parametrize("value", ["", "0", "false", "no", "off", "2", "debug"])
def test_fnn_debug_is_off_unless_one_true_or_yes(value):
    assert_one_line_error(cli("run", "-a", "tanhh", "-e", "1", env={"FNN_DEBUG": value}), 2, "tanhh")


def test_help_states_the_exit_code_rule():
    text = " ".join(ok("--help").stdout.split())
    assert "2 a command line that cannot be accepted" in text and "130 and 143" in text


def test_negative_seed_is_a_usage_error():
    assert_one_line_error(cli("run", "--seed", "-1", "-e", "1"), 2, "seed")


def test_absurd_hidden_size_is_a_usage_error():
    assert_one_line_error(cli("run", "--hidden", "99999999999999999999999", "-e", "1"), 2, "hidden")


def test_nan_noise_is_a_usage_error():
    assert_one_line_error(cli("run", "--noise", "nan", "-e", "1"), 2, "noise")


def test_nan_opt_value_is_a_usage_error():
    assert_one_line_error(cli("run", "-o", "momentum", "--opt", "momentum=nan", "-e", "1"), 2, "momentum")


def test_no_arguments_shows_help_without_an_error_line():
    result = cli()
    assert result.exit_code == 0  # the help is what `fnn` alone asks for
    assert "Usage" in result.stdout and "run" in result.stdout
    assert result.stderr == ""
    listed = [line.split()[1] for line in result.stdout.splitlines()
              if line.startswith("│ ") and line.split()[1] in ("run", "sweep", "predict", "show", "list", "plugins")]
    assert listed == ["run", "sweep", "predict", "show", "list", "plugins"]  # in the order of work


# -------------------------------------------------------------------------------------------------------------- list

KINDS = ("activation", "loss", "optimizer", "dataset", "metric", "feature")


def test_list_shows_every_builtin_with_description_and_plugin():
    result = ok("list")
    rows = {(row[0], row[1], row[2]) for row in table_rows(result.stdout)}
    expected = {(e.name, e.record.description, e.plugin) for kind in KINDS for e in fnn.registry().entries(kind)}
    assert rows == expected
    assert {plugin for _, _, plugin in rows} == {"fnn.activations", "fnn.losses", "fnn.optimizers", "fnn.datasets",
                                                 "fnn.metrics", "fnn.features"}


def test_list_table_titles():
    titles = [line.strip() for line in ok("list").stdout.splitlines()
              if line.strip() and line.strip()[0].isalpha() and len(line.split()) == 1]
    assert titles == ["Activations", "Losses", "Optimizers", "Datasets", "Metrics", "Features"]


def test_list_one_kind_singular_or_plural():
    singular, plural = ok("list", "optimizer"), ok("list", "optimizers")
    assert singular.stdout == plural.stdout
    assert [row[0] for row in table_rows(singular.stdout)] == fnn.registry().names("optimizer")
    assert "Optimizers" in singular.stdout and "Activations" not in singular.stdout


def test_list_json_has_every_builtin_with_its_origin():
    result = ok("list", "--json")
    data = json.loads(result.stdout)
    expected = [{"kind": e.kind, "name": e.name, "description": e.record.description, "plugin": e.plugin,
                 "package": e.package} for kind in KINDS for e in fnn.registry().entries(kind)]
    assert data == expected
    plugin_of = {"activation": "fnn.activations", "loss": "fnn.losses", "optimizer": "fnn.optimizers",
                 "dataset": "fnn.datasets", "metric": "fnn.metrics", "feature": "fnn.features"}
    assert all(item["package"] == "fnn" and item["plugin"] == plugin_of[item["kind"]] for item in data)
    assert {item["name"] for item in data if item["kind"] == "optimizer"} == set(SPEC_DEFAULTS)


def test_list_json_one_kind():
    data = json.loads(ok("list", "dataset", "--json").stdout)
    expected = [("dataset", name) for name in fnn.registry().names("dataset")]
    assert [(item["kind"], item["name"]) for item in data] == expected


def test_list_unknown_kind_is_a_usage_error():
    assert_one_line_error(cli("list", "bogus"), 2, "'bogus'", "activation, loss, optimizer, dataset, metric")


# ---------------------------------------------------------------------------------------------------- version, help


def test_version():
    assert ok("--version").stdout == f"fnn {fnn.__version__}\n"


def test_help_lists_the_commands():
    text = ok("--help").stdout
    assert "Usage" in text
    assert re.search(r"\brun\b", text) and re.search(r"\blist\b", text)


RUN_FLAGS = ["--dataset", "-d", "--activation", "-a", "--output-activation", "--loss", "--optimizer", "-o", "--lr",
             "--opt", "--hidden", "--epochs", "-e", "--n-samples", "--seed", "--log-every", "--json", "--quiet",
             "--all-predictions"]


def test_run_help_lists_the_issues_flags():
    text = ok("run", "--help").stdout
    missing = [flag for flag in RUN_FLAGS if not re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text)]
    assert missing == []
    assert "KEY=VALUE" in text and "4,8" in text


# ----------------------------------------------------------------------------------------- parse_hidden, parse_options


@pytest.mark.parametrize(("text", "sizes"),
                         [("4,8", (4, 8)), ("3", (3,)), ("2,3,4,5", (2, 3, 4, 5)), (" 4, 8", (4, 8)), ("", ()),
                          (" ", ())])
def test_parse_hidden(text, sizes):
    assert parse_hidden(text) == sizes


@pytest.mark.parametrize("text", ["4,,8", "0", "-3", "4,-1", "abc", "4.5", "4,8,"])
def test_parse_hidden_rejects(text):
    with pytest.raises(typer.BadParameter, match="positive integers"):
        parse_hidden(text)


def test_parse_options():
    assert parse_options([]) == {}
    parsed = parse_options(["momentum=0.95", "eps=1e-8", " beta1 = 0.5"])
    assert parsed == {"momentum": 0.95, "eps": 1e-8, "beta1": 0.5}
    assert all(type(value) is float for value in parsed.values())
    assert parse_options(["momentum=0.1", "momentum=0.2"]) == {"momentum": 0.2}  # the last one wins


@pytest.mark.parametrize(("pairs", "match"), [(["momentum"], "KEY=VALUE"), (["=1"], "KEY=VALUE"),
                                              (["lr=abc"], "not a number"), (["lr="], "not a number")])
def test_parse_options_rejects(pairs, match):
    with pytest.raises(typer.BadParameter, match=match):
        parse_options(pairs)


def test_parse_options_rejects_blank_key():
    with pytest.raises(typer.BadParameter, match="KEY=VALUE"):
        parse_options([" =1"])


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
@pytest.mark.parametrize("during", ["training", "writing"])
def test_a_signal_during_fnn_run_ends_it_with_one_line_and_no_half_written_folder(tmp_path, monkeypatch, capsys,
                                                                                   signum, code, during):
    import fnn.cli.run
    import fnn.figures.plots
    from fnn.cli import main

    def signalled(function):
        def call(*args, **kwargs):
            os.kill(os.getpid(), signum)  # delivered to this, the main thread, as from `kill`
            return function(*args, **kwargs)
        return call

    if during == "training":
        monkeypatch.setattr(fnn.cli.run, "complete", signalled(fnn.runs.training.complete))
    else:
        monkeypatch.setattr(fnn.figures.plots, "learning_curve", signalled(fnn.figures.plots.learning_curve))
    monkeypatch.setattr(sys, "argv", ["fnn", "run", "-e", "50", "-q", "--out", str(tmp_path / "out")])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == code
    assert capsys.readouterr().err == "interrupted\n"
    assert list(tmp_path.iterdir()) == []  # no run folder, no staging folder
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored


class _LateOptimizer:
    """An optimizer that keeps its contract on its first (checked) steps and breaks it later."""

    @fnn.hookimpl
    def fnn_optimizers(self):
        def make(learning_rate=0.1):
            steps = []

            def update(grads, state, params):
                steps.append(1)
                if len(steps) > 3:
                    raise TypeError("a bug that shows only later")
                return fnn.Params({key: -learning_rate * g for key, g in grads.items()}), state

            return fnn.Optimizer(lambda params: None, update)

        yield fnn.OptimizerSpec("late", make, {"learning_rate": 0.1}, "breaks after a few steps")


def test_an_unexpected_exception_is_one_line_naming_where_and_the_debug_switch():
    from fnn.plugins.registry import make_registry, use_registry

    with use_registry(make_registry(plugins=[_LateOptimizer()], entry_points=False)):
        message = assert_one_line_error(cli("run", "-o", "late", "-e", "20"), 1, "unexpected TypeError",
                                        "a bug that shows only later", "test_cli.py:", "FNN_DEBUG=1")
        debug = cli("run", "-o", "late", "-e", "20", env={"FNN_DEBUG": "1"})
    assert debug.exit_code == 1 and "Traceback" in debug.stderr and message in debug.stderr


@pytest.mark.parametrize("command", [["run", "-e", "1", "--data"], ["sweep", "-e", "1", "--data"],
                                     ["predict", "{model}", "--csv"]])
def test_a_folder_given_as_a_csv_is_a_file_that_cannot_be_used(tmp_path, command):
    fnn.io.modelfile.save_model(tmp_path / "model.npz", fnn.init_params((2, 3, 1), seed=0), {})
    args = [arg.format(model=tmp_path / "model.npz") for arg in command]
    assert_one_line_error(cli(*args, tmp_path), 1, "a folder, not a regular file")



@pytest.mark.parametrize("name, hint", [("nosuch", ""), ("fnn.lossess", "did you mean 'fnn.losses'?")])
def test_disabling_a_plugin_that_does_not_exist_is_warned_about(name, hint):
    result = cli("--disable-plugin", name, "list", "loss")
    assert result.exit_code == 0
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"Warning: --disable-plugin {name!r}: no plugin")
    assert hint in result.stderr and "fnn.activations" in result.stderr
    assert cli("--disable-plugin", "fnn.datasets", "list", "loss").stderr == ""


@pytest.mark.parametrize("name", ["run", "sweep", "predict", "show", "list", "plugins"])
def test_every_command_ends_its_help_with_examples_that_parse(name):
    """The examples are command lines the parser accepts (they are not run: some name files of your own)."""
    import shlex

    group = typer.main.get_command(fnn.cli.app)
    command = group.commands[name]
    examples = [line.split("  #")[0] for line in command.epilog.splitlines() if line.startswith("fnn ")]
    assert len(examples) >= 2
    assert "Examples:" in " ".join(ok(name, "--help").stdout.split())
    for example in examples:
        words = shlex.split(example)[1:]
        while words[0].startswith("--"):  # global options before the command: --disable-plugin NAME
            words = words[2:]
        assert words[0] == name
        command.make_context(name, words[1:])  # raises a usage error for an unknown option or a bad value


@pytest.mark.parametrize("args, expected", [("fnn run --optimizer ad", ["adagrad", "adam", "adamw"]),
                                            ("fnn sweep -a ta", ["tanh"]), ("fnn run -d moo", ["moons"]),
                                            ("fnn --disable-plugin fnn.activations run -a ta", [])])
def test_shell_completion_offers_plugin_names(args, expected):
    result = RUNNER.invoke(fnn.cli.app, [], prog_name="fnn",
                           env={**ENV, "_FNN_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": args})
    assert re.findall(r'"(\w+)"', result.stdout) == expected, result.stdout
