"""Random search: distributions parsed from ``fnn sweep``'s options, drawn reproducibly from the sampling seed,
combined with the grid, recorded in the sweep folder, drawn as a scatter, and stacked like any sweep."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fnn.cli import sweep as sweep_command
from fnn.cli._settings import choices_from, distributions_from
from fnn.errors import ConfigError
from fnn.runs.search import distribution, sample, search, search_record
from fnn.runs.sweep import stack_key, train_group, train_one
from support import assert_one_line_error, cli, ok
from test_stacked import assert_same_runs


def _typed(**typed):
    """The keyword arguments ``fnn sweep`` gets: every setting's option at its default, ``typed`` as typed."""
    import inspect

    defaults = {p.name: p.default for p in inspect.signature(sweep_command.sweep).parameters.values()}
    return {**defaults, **typed}


def _drawn(**typed):
    return distributions_from(_typed(**typed))


def test_each_distribution_is_parsed_in_its_settings_own_terms():
    drawn = _drawn(learning_rate="loguniform:1e-4,1", l2="uniform:0,1e-3", hidden="choice:4,8/8,16",
                   activation="choice:tanh,relu", epochs="loguniform:10,1000")
    assert {name: (d.kind, d.values) for name, d in drawn.items()} == {
        "hidden": ("choice", ((4, 8), (8, 16))), "activation": ("choice", ("tanh", "relu")),
        "learning_rate": ("loguniform", (1e-4, 1.0)), "epochs": ("loguniform", (10, 1000)),
        "l2": ("uniform", (0.0, 1e-3))}
    assert drawn["learning_rate"].spec == "loguniform:1e-4,1"
    assert isinstance(drawn["epochs"].values[0], int)
    # A setting given as a distribution is not also in the grid; the others keep their lists.
    choices = choices_from(_typed(learning_rate="loguniform:1e-4,1", seed="1,2"))
    assert "learning_rate" not in choices and choices["seed"] == [1, 2]


@pytest.mark.parametrize("typed, fragments", [
    (dict(learning_rate="loguniform:1,1e-4"), ["--lr", "LOW < HIGH"]),
    (dict(learning_rate="loguniform:0,1"), ["--lr", "0 < LOW"]),
    (dict(learning_rate="uniform:1"), ["--lr", "two bounds"]),
    (dict(learning_rate="normal:0,1"), ["--lr", "'normal' is not a distribution", "uniform, loguniform, choice"]),
    (dict(l2="uniform:-1,1"), ["--l2 must be 0 or more", "-1"]),
    (dict(epochs="uniform:0,10"), ["--epochs must be at least 1"]),
    (dict(hidden="uniform:1,4"), ["--hidden", "choice:"]),
    (dict(activation="loguniform:1,4"), ["--activation", "choice:"]),
])
def test_bad_distributions_are_config_errors_naming_the_flag(typed, fragments):
    with pytest.raises(ConfigError) as error:
        _drawn(**typed)
    for fragment in fragments:
        assert fragment in str(error.value)


@pytest.mark.parametrize("args, fragments", [
    (["--lr", "loguniform:1,1e-4", "--samples", "2"], ["--lr", "LOW < HIGH"]),
    (["--lr", "loguniform:1e-3,1"], ["--lr", "only with --samples"]),
    (["--samples", "3"], ["--samples", "no setting is given as one"]),
    (["--lr", "loguniform:1e-3,1", "--samples", "0"], ["--samples must be at least 1"]),
    (["--hidden", "choice:4/8", "--samples", "3"], ["--samples 3", "2 different configurations"]),
    (["--epochs", "uniform:1.5,3", "--samples", "2"], ["--epochs", "'1.5' is not an integer"]),
    (["--hidden", "choice:4/0", "--samples", "2"], ["--hidden", "positive integers"]),
])
def test_the_command_line_refuses_a_bad_search_in_one_line(args, fragments):
    assert_one_line_error(cli("sweep", "--epochs", "5", *args), 2, *fragments)


def test_the_same_seed_draws_the_same_configurations_and_another_seed_others():
    drawn = _drawn(learning_rate="loguniform:1e-4,1", hidden="choice:4/8,8")

    def draws(seed):
        return sample(drawn, 8, np.random.default_rng(seed))

    assert draws(0) == draws(0)
    assert draws(0) != draws(1)
    assert len({d["learning_rate"] for d in draws(0)}) == 8


@settings(max_examples=60, deadline=None)
@given(low=st.floats(1e-6, 1e3), factor=st.floats(1.001, 1e4), seed=st.integers(0, 2**32 - 1),
       ilow=st.integers(1, 50), span=st.integers(1, 50))
def test_draws_lie_within_their_bounds_and_integer_settings_draw_integers(low, factor, seed, ilow, span):
    high = low * factor
    rng = np.random.default_rng(seed)
    drawn = {"learning_rate": distribution("learning_rate", "loguniform", (low, high), "l"),
             "l2": distribution("l2", "uniform", (low, high), "u")}
    for values in sample(drawn, 5, rng):
        assert low <= values["learning_rate"] <= high and low <= values["l2"] <= high
    for kind in ("uniform", "loguniform"):
        epochs = {"epochs": distribution("epochs", kind, (ilow, ilow + span), kind)}
        for values in sample(epochs, 1, rng):
            assert type(values["epochs"]) is int and ilow <= values["epochs"] <= ilow + span


def test_integer_draws_include_both_bounds():
    for kind in ("uniform", "loguniform"):
        epochs = {"epochs": distribution("epochs", kind, (3, 5), kind)}
        assert sorted(d["epochs"] for d in sample(epochs, 3, np.random.default_rng(0))) == [3, 4, 5]


def test_choice_draws_hidden_tuples_and_each_configuration_once():
    drawn = _drawn(hidden="choice:4,8/8,16/", activation="choice:tanh,relu")
    configs = sample(drawn, 6, np.random.default_rng(3))  # every combination of the 3 x 2
    assert {(d["hidden"], d["activation"]) for d in configs} == {
        (hidden, activation) for hidden in ((4, 8), (8, 16), ()) for activation in ("tanh", "relu")}


def test_each_draw_is_combined_with_every_grid_combination():
    typed = _typed(learning_rate="loguniform:1e-3,1", seed="1,2,3", activation="sigmoid,tanh")
    configs = search(choices_from(typed), distributions_from(typed), 8, np.random.default_rng(0))
    assert len(configs) == 8 * 3 * 2
    rates = list(dict.fromkeys(c.learning_rate for c in configs))
    assert len(rates) == 8
    for index, rate in enumerate(rates):  # draw by draw, the grid in its order within each
        block = configs[6 * index:6 * (index + 1)]
        assert {c.learning_rate for c in block} == {rate}
        assert [(c.activation, c.seed) for c in block] == [(a, s) for a in ("sigmoid", "tanh") for s in (1, 2, 3)]


def test_a_sweep_folder_records_the_search_and_the_drawn_values(tmp_path):
    args = ["sweep", "--lr", "loguniform:1e-2,10", "--l2", "uniform:0,1e-3", "--seed", "1,2", "--samples", "3",
            "--sample-seed", "7", "--epochs", "20", "--workers", "1"]
    result = ok(*args, "--out", tmp_path / "s")
    saved = json.loads((tmp_path / "s" / "results.json").read_text())
    assert saved["search"] == {"samples": 3, "sample_seed": 7, "distributions": {
        "learning_rate": "loguniform:1e-2,10", "l2": "uniform:0,1e-3"}}
    assert saved["varied"] == ["learning_rate", "seed", "l2"]
    rows = list(csv.DictReader(open(tmp_path / "s" / "results.csv")))
    expected = sample(_drawn(learning_rate="loguniform:1e-2,10", l2="uniform:0,1e-3"), 3, np.random.default_rng(7))
    assert [(float(r["learning_rate"]), float(r["l2"]), int(r["seed"])) for r in rows] == [
        (d["learning_rate"], d["l2"], seed) for d in expected for seed in (1, 2)]  # every digit in the file
    table = result.stdout
    assert f"{expected[0]['learning_rate']:.3g}" in table and repr(expected[0]["learning_rate"]) not in table
    printed = json.loads(ok(*args, "--json").stdout)
    assert printed["search"] == saved["search"]
    assert [g["learning_rate"] for g in printed["groups"]] == [d["learning_rate"] for d in expected]


@pytest.fixture
def drawn_figures(monkeypatch):
    """The figures saved during a test, captured as they are saved."""
    import matplotlib.figure

    saved = []
    save = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig",
                        lambda self, *args, **kwargs: saved.append(self) or save(self, *args, **kwargs))
    return saved


def test_a_drawn_number_is_drawn_as_a_scatter_of_each_runs_value_and_scores(tmp_path, drawn_figures):
    ok("sweep", "--lr", "loguniform:1e-2,10", "-a", "sigmoid,tanh", "--samples", "3", "--epochs", "20",
       "--workers", "1", "--out", tmp_path / "s")
    saved = json.loads((tmp_path / "s" / "results.json").read_text())
    by_activation, by_lr = drawn_figures  # in RunConfig's order: activation, then learning_rate
    # The grid's own setting keeps its learning curves, pooled over the drawn rates (not a panel per rate).
    assert by_activation.axes[0].get_lines()
    assert "pooled over lr and seeds" in by_activation._suptitle.get_text().replace("\n", " ")
    assert len([axes for axes in by_activation.axes if axes.get_visible()]) == 2  # one loss, one accuracy
    loss_axes, accuracy_axes = by_lr.axes
    assert loss_axes.get_xscale() == "log"
    assert by_lr._suptitle.get_text().startswith("Final loss and accuracy by lr, drawn loguniform")
    assert loss_axes.get_ylabel() == "final loss" and accuracy_axes.get_ylabel() == "final accuracy (%)"
    for activation, loss_points, accuracy_points in zip(("sigmoid", "tanh"), loss_axes.collections,
                                                        accuracy_axes.collections):
        assert loss_points.get_label() == f"activation={activation}"
        runs = [row for row in saved["runs"] if row["activation"] == activation]
        np.testing.assert_allclose(loss_points.get_offsets(), [[r["learning_rate"], r["final_loss"]] for r in runs])
        np.testing.assert_allclose(accuracy_points.get_offsets(),
                                   [[r["learning_rate"], 100 * r["accuracy"]] for r in runs])
    # fnn plot draws it again from the folder alone, the same way.
    drawn_figures.clear()
    ok("plot", tmp_path / "s")
    redrawn = [f for f in drawn_figures if f._suptitle.get_text().startswith("Final loss")]
    assert len(redrawn) == 1
    np.testing.assert_allclose(redrawn[0].axes[0].collections[0].get_offsets(),
                               loss_axes.collections[0].get_offsets())


def test_drawn_learning_rates_stack_and_equal_runs_one_by_one(monkeypatch):
    import fnn.runs.sweep

    sizes: list[int] = []
    together = fnn.runs.sweep._stacked_experiment
    monkeypatch.setattr(fnn.runs.sweep, "_stacked_experiment",
                        lambda members: sizes.append(len(members)) or together(members))
    typed = _typed(learning_rate="loguniform:1e-2,10", seed="1,2", epochs="60")
    configs = search(choices_from(typed), distributions_from(typed), 4, np.random.default_rng(0))
    assert len({stack_key(c) for c in configs}) == 1
    assert_same_runs(train_group(configs), [train_one(c) for c in configs])
    assert sizes == [8]


def test_search_refuses_a_setting_both_listed_and_drawn():
    with pytest.raises(ConfigError, match="--lr: given both"):
        search({"learning_rate": [0.1]}, _drawn(learning_rate="uniform:0.1,1"), 2, np.random.default_rng(0))


def test_the_search_record_names_each_distribution():
    record = search_record(_drawn(learning_rate="loguniform:1e-4,1"), 5, 2)
    assert record == {"samples": 5, "sample_seed": 2, "distributions": {"learning_rate": "loguniform:1e-4,1"}}
