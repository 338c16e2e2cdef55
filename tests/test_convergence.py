"""Each lab set reaches 100% accuracy with the defaults.

For every built-in optimizer and both lab datasets (xor, linear),
``fnn.fit(dataset=..., optimizer=...)`` with every other setting at its
default must classify every training point correctly: the issue asks each
optimizer's default learning rate to make this true. The default pair itself
(``fnn run`` with no flags: the lab's XOR net with plain SGD) is checked
through the command line instead of ``fit``, so each pair trains exactly once
(14 full runs of 10000 epochs; test_cli checks that the CLI and ``fit`` give
bitwise the same numbers).
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import fnn
from fnn.cli import app
from fnn.runs.settings import TASK_DEFAULTS

LAB_SETS = ("xor", "linear")
DEFAULT = fnn.RunConfig()
PAIRS = [
    (optimizer, dataset)
    for optimizer in fnn.registry().names("optimizer")
    for dataset in LAB_SETS
    if (optimizer, dataset) != (DEFAULT.optimizer, DEFAULT.dataset)  # trained by the CLI test below
]


def test_the_default_pair_is_a_lab_pair():
    assert DEFAULT.dataset in LAB_SETS
    assert DEFAULT.optimizer in fnn.registry().names("optimizer")
    assert len(PAIRS) == 2 * len(fnn.registry().names("optimizer")) - 1


@pytest.mark.parametrize(("optimizer", "dataset"), PAIRS)
def test_fit_with_defaults_reaches_full_accuracy(optimizer, dataset):
    result = fnn.fit(dataset=dataset, optimizer=optimizer)
    config = result.experiment.config
    binary = TASK_DEFAULTS["binary"]  # the run fills in the output activation and loss from the task
    assert (config.epochs, config.hidden, config.activation, config.output, config.loss, config.seed) == (
        DEFAULT.epochs, DEFAULT.hidden, DEFAULT.activation, binary.output, binary.loss, DEFAULT.seed)
    assert (DEFAULT.output, DEFAULT.loss, config.task) == (None, None, "binary")
    assert config.learning_rate == fnn.registry().optimizer(optimizer).defaults["learning_rate"]
    assert result.final.accuracy == 1.0, (
        f"{optimizer} on {dataset}: accuracy {result.final.accuracy:.2%}, loss {result.final.loss:.4g}")


def test_fnn_run_with_no_flags_reaches_full_accuracy():
    result = CliRunner().invoke(app, ["run", "--json"], env={"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"},
                                prog_name="fnn")
    assert result.exit_code == 0, (result.output, result.exception)
    data = json.loads(result.stdout)
    assert (data["dataset"], data["optimizer"], data["epochs"]) == (DEFAULT.dataset, DEFAULT.optimizer, DEFAULT.epochs)
    assert (data["dataset"], data["hidden"], data["activation"], data["loss"]) == ("xor", [4, 8], "sigmoid", "mse")
    assert data["accuracy"] == 1.0, data
