"""``fnn gradcheck`` and :mod:`fnn.runs.gradcheck`: backward against central finite differences of the loss."""

from __future__ import annotations

import json

import numpy as np
import pytest

import fnn
from fnn.plugins.registry import use_registry
from fnn.runs import gradcheck as gc
from fnn.runs.settings import RunConfig
from fnn.runs.training import prepare
from support import assert_one_line_error, cli

REGISTRY = fnn.make_registry(entry_points=False, disabled=(), strict=True)
HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "identity"]
DEPTHS = [(3,), (3, 4)]  # 2 and 3 layers; 1 is ("sigmoid", ())
TASKS = [("circle", ["mse", "bce", "mae", "huber"]),  # binary
         ("blobs", ["cross_entropy", "mse"]),  # multi-class, softmax output
         ("sine", ["mse", "mae", "huber"])]  # regression, identity output


def check(experiment, **options):
    return gc.check_gradients(experiment.params, experiment.x, experiment.y, hidden=experiment.activation,
                              output=experiment.output, loss=experiment.loss, l2=experiment.config.l2, **options)


@pytest.mark.parametrize("dataset, loss", [(d, loss) for d, losses in TASKS for loss in losses])
@pytest.mark.parametrize("activation, hidden", [("sigmoid", ())] + [(a, h) for a in HIDDEN for h in DEPTHS if h],
                         ids=lambda v: f"depth{len(v) + 1}" if isinstance(v, tuple) else v)
def test_every_builtin_activation_and_loss_passes_at_every_depth_and_task(activation, hidden, dataset, loss):
    # Without hidden layers the hidden activation is unused: one run covers depth 1.
    experiment = prepare(RunConfig(dataset=dataset, activation=activation, hidden=hidden, loss=loss, seed=1,
                                   l2=0.01, n_samples=60), REGISTRY)
    arrays = check(experiment)
    assert [a.name for a in arrays] == list(experiment.params)
    assert [a.layer for a in arrays] == [k // 2 + 1 for k in range(len(arrays))]
    worst = max(arrays, key=lambda a: a.max_rel_error)
    assert all(a.passed for a in arrays), worst
    assert worst.max_rel_error < gc.TOLERANCE / 10  # the measured margin: the largest seen was 3.0e-7
    if activation in ("relu", "leaky_relu"):
        # At the initial parameters (biases 0) some pre-activations sit exactly at the kink and are left out,
        # whole bias arrays at times; after a few epochs few do (a pre-activation within 2h of 0), and every
        # array is judged.
        arrays = gc.gradcheck(experiment, after=5).arrays
        assert all(a.passed and a.checked > 0 for a in arrays), arrays
        assert sum(a.kinks for a in arrays) <= 2
    else:
        assert sum(a.kinks for a in arrays) == 0  # smooth: nothing may be waved through as a kink


def test_the_l2_term_is_in_both_the_gradient_and_the_loss_differenced():
    experiment = prepare(RunConfig(dataset="xor", l2=0.5), REGISTRY)
    assert all(a.passed for a in check(experiment))
    # One entry per array, the same one drawn each time: the penalty's part is l2 * W on weights, 0 on biases.
    with_penalty = gc.check_gradients(experiment.params, experiment.x, experiment.y, hidden=experiment.activation,
                                      output=experiment.output, loss=experiment.loss, l2=0.5, entries=1)
    without = gc.check_gradients(experiment.params, experiment.x, experiment.y, hidden=experiment.activation,
                                 output=experiment.output, loss=experiment.loss, l2=0.0, entries=1)
    assert with_penalty[0].worst == without[0].worst
    w = experiment.params["W1"][with_penalty[0].worst]
    assert with_penalty[0].analytic - without[0].analytic == pytest.approx(0.5 * w, rel=1e-9)
    assert with_penalty[0].numerical - without[0].numerical == pytest.approx(0.5 * w, rel=1e-4)
    assert with_penalty[1].analytic == pytest.approx(without[1].analytic, rel=1e-12)  # b1: biases are not penalised


def test_entries_are_sampled_with_the_seed_and_never_more_than_asked():
    experiment = prepare(RunConfig(dataset="xor", hidden=(16, 16)), REGISTRY)
    arrays = check(experiment, entries=5, rng=np.random.default_rng(3))
    assert [a.checked + a.kinks for a in arrays] == [5, 5, 5, 5, 5, 1]
    again = check(experiment, entries=5, rng=np.random.default_rng(3))
    assert [a.worst for a in arrays] == [a.worst for a in again]


def test_relu_at_a_kink_is_left_out_not_failed():
    """xor has a point at the origin and biases start at 0: relu's pre-activations there are exactly 0."""
    experiment = prepare(RunConfig(dataset="xor", activation="relu"), REGISTRY)
    arrays = {a.name: a for a in check(experiment)}
    assert arrays["b1"].kinks == 4 and arrays["b1"].worst is None and arrays["b1"].passed
    assert arrays["W1"].kinks == 0 and arrays["W1"].checked == 8  # the origin adds nothing to dW1: no kink
    assert all(a.passed for a in arrays.values())


def rows(stdout: str) -> dict[str, list[str]]:
    """The table's rows by array name, as lists of cells."""
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in stdout.splitlines() if line.count("│") > 3]
    return {row[0]: row for row in cells}


# ------------------------------------------------------------------ a plugin with a wrong derivative

OFF_TANH = fnn.Activation("off_tanh", np.tanh, lambda x, y, g: 1.1 * g * (1 - y * y), "tanh, backward 1.1x too large",
                          backward_uses="a")
OFF_MSE = fnn.Loss("off_mse", lambda p, t: float(np.mean((p - t) ** 2)),
                   lambda p, t: 1.1 * 2 * (p - t) / p.size, "mse, grad 1.1x too large")


class OffByAFactor:
    @fnn.hookimpl
    def fnn_activations(self):
        yield OFF_TANH

    @fnn.hookimpl
    def fnn_losses(self):
        yield OFF_MSE


@pytest.fixture
def off_registry():
    # The registry's quick load check would leave these out; gradcheck is what a student runs to find out why.
    registry = fnn.make_registry([OffByAFactor()], entry_points=False, disabled=(), strict=True, check_records=False)
    with use_registry(registry):
        yield registry


def test_an_activation_with_a_wrong_derivative_fails_naming_the_arrays_and_layers(off_registry):
    result = cli("gradcheck", "-a", "off_tanh", "--hidden", "3,4")
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    table = rows(result.stdout)
    # Layers 1 and 2 use the hidden activation, so their gradients are off; the output layer's are right.
    assert {key: cells[1] for key, cells in table.items()} == {"W1": "1", "b1": "1", "W2": "2", "b2": "2", "W3": "3",
                                                              "b3": "3"}
    assert {key: cells[-1] for key, cells in table.items()} == {"W1": "FAIL", "b1": "FAIL", "W2": "FAIL",
                                                               "b2": "FAIL", "W3": "pass", "b3": "pass"}
    verdict = result.stdout.strip().splitlines()[-1]
    assert verdict.startswith("FAIL: W1 (layer 1), b1 (layer 1), W2 (layer 2), b2 (layer 2) differ")


def test_a_loss_with_a_wrong_gradient_fails_every_array(off_registry):
    experiment = prepare(RunConfig(dataset="sine", loss="off_mse", hidden=(3,)), off_registry)
    result = gc.gradcheck(experiment)
    assert not result.passed and [a.name for a in result.failed] == ["W1", "b1", "W2", "b2"]
    assert all(0.08 < a.max_rel_error < 0.1 for a in result.failed)  # 0.1 / 1.1: the factor, measured


# ------------------------------------------------------------------------------------------- the CLI

def test_the_command_passes_on_the_lab_net_with_a_table_and_a_verdict():
    result = cli("gradcheck")
    assert result.exit_code == 0 and result.stderr == ""
    out = result.stdout
    assert out.startswith("Checking the gradients of a 2-4-8-1 net (sigmoid hidden, sigmoid output), mse loss, on "
                          "xor (21 training points) at the initial parameters, seed 0")
    table = rows(out)
    assert list(table) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [cells[:4] for cells in table.values()] == [["W1", "1", "2×4", "8"], ["b1", "1", "4", "4"],
                                                      ["W2", "2", "4×8", "20 of 32"], ["b2", "2", "8", "8"],
                                                      ["W3", "3", "8×1", "8"], ["b3", "3", "1", "1"]]
    assert all(cells[-1] == "pass" and float(cells[-2]) < gc.TOLERANCE for cells in table.values())
    assert "|a - n| / max(|a|, |n|, 0.001·max(1, L)) at most 1e-05" in out
    assert out.strip().splitlines()[-1].startswith("PASS: every gradient matches finite differences")


def test_relu_on_the_lab_sets_prints_no_false_failure():
    for dataset in ("xor", "linear", "circle", "spiral", "moons"):
        result = cli("gradcheck", "-a", "relu", "-d", dataset)
        assert result.exit_code == 0, (dataset, result.stdout)


def test_after_checks_the_trained_parameters():
    result = cli("gradcheck", "--after", "5", "-a", "relu", "--json")
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["epoch"] == 5 and record["passed"]
    # After 5 epochs the biases are off zero, so relu's kinks at the origin are gone.
    assert sum(a["kinks"] for a in record["arrays"]) == 0


def test_after_takes_the_parameters_the_training_loop_reached():
    experiment = prepare(RunConfig(dataset="xor"), REGISTRY)
    fifth = [record for record, _ in zip(fnn.train(experiment.params, experiment.x, experiment.y,
                                                   optimizer=experiment.optimizer, epochs=5, loss=experiment.loss,
                                                   registry=REGISTRY), range(5))][-1]
    expected = check(experiment._replace(params=fifth.params), rng=np.random.default_rng(0))
    assert gc.gradcheck(experiment, after=5).arrays == expected


def test_after_must_not_pass_the_runs_epochs():
    assert_one_line_error(cli("gradcheck", "--after", "20", "--epochs", "10"), 2, "--after 20", "--epochs 20")


def test_json_is_one_strict_object():
    result = cli("gradcheck", "--hidden", "3", "--entries", "2", "-d", "blobs", "--json")
    assert result.exit_code == 0 and result.stderr == ""
    record = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"not strict JSON: {c}"))
    assert set(record) == {"passed", "epoch", "settings", "sizes", "n_train", "relative_error", "loss", "tolerance",
                           "step",
                           "entries", "arrays", "failed"}
    assert record["passed"] is True and record["failed"] == [] and record["sizes"] == [2, 3, 3]
    assert record["settings"]["loss"] == "cross_entropy" and record["tolerance"] == gc.TOLERANCE
    first = record["arrays"][0]
    assert set(first) == {"name", "layer", "shape", "size", "checked", "kinks", "max_abs_error", "max_rel_error",
                          "worst", "analytic", "numerical", "passed"}
    assert (first["name"], first["layer"], first["shape"], first["size"], first["checked"]) == ("W1", 1, [2, 3], 6, 2)


def test_json_of_a_failure_exits_1_and_names_the_arrays(off_registry):
    result = cli("gradcheck", "-a", "off_tanh", "--hidden", "3", "--json")
    assert result.exit_code == 1
    record = json.loads(result.stdout)
    assert record["passed"] is False and record["failed"] == ["W1", "b1"]


@pytest.mark.parametrize("args, fragments", [
    (["--after", "-1"], ["--after", "0 or more"]),
    (["--entries", "0"], ["--entries", "at least 1"]),
    (["-a", "nope"], ["nope"]),
    (["--hidden", "0"], ["--hidden"]),
])
def test_bad_input_is_one_line_and_exit_2(args, fragments):
    assert_one_line_error(cli("gradcheck", *args), 2, *fragments, stdout_empty=True)


def test_float32_is_checked_in_float64_and_says_so():
    result = cli("gradcheck", "--dtype", "float32")
    assert result.exit_code == 0
    assert "note: a float32 network, checked in float64" in result.stdout


def test_a_digits_sized_net_is_bounded_by_entries():
    # Wide layers (64 units) are what --entries bounds; the number of points only sets the cost of each pass.
    result = cli("gradcheck", "-d", "blobs", "--n-samples", "200", "--hidden", "64,64", "--json")
    record = json.loads(result.stdout)
    assert record["passed"] and [a["checked"] + a["kinks"] for a in record["arrays"]] == [
        min(gc.ENTRIES, a["size"]) for a in record["arrays"]]
