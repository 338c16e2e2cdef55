"""Input features (``--features``): each transformation's values, the syntax and its errors, the model-file
round trip, a hostile model file, the figures over the original plane, and Playground's circle lesson."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import fnn
import fnn.testing
from fnn.core.features import MAX_TERMS, parse, transform
from fnn.errors import ConfigError
from support import cli

X = np.array([[0.5, -2.0], [1.5, 3.0], [-1.0, 0.25]])
COLUMNS = ("x1", "x2")


def features(registry=None):
    reg = registry or fnn.registry()
    return {name: reg.feature(name) for name in reg.names("feature")}


def made(text: str, columns=COLUMNS, x=X) -> tuple[list[str], np.ndarray]:
    terms = parse(text, columns, features())
    return [term.name for term in terms], transform(x, terms, features())


@pytest.mark.parametrize("name", ["square", "product", "sin", "cos"])
def test_every_built_in_feature_keeps_the_contract(name):
    fnn.testing.check_feature(fnn.registry().feature(name))


def test_each_transformation_gives_its_values():
    names, inputs = made("x1,x2,x1^2,x2^2,x1*x2,sin(x1),cos(x2),x1^2*x2,x2^3")
    assert names == ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "cos(x2)", "x1^2*x2", "x2^3"]
    a, b = X[:, 0], X[:, 1]
    expected = np.stack([a, b, a ** 2, b ** 2, a * b, np.sin(a), np.cos(b), a ** 2 * b, b ** 3], axis=1)
    np.testing.assert_allclose(inputs, expected, rtol=1e-15)


def test_a_monomial_is_named_the_same_however_it_is_written():
    assert made("x2*x1,x1*x1*x2")[0] == ["x1*x2", "x1^2*x2"]
    assert made("product(x1,x2)")[0] == ["product(x1,x2)"]


def test_poly_is_every_monomial_up_to_its_degree():
    names, inputs = made("poly:3")
    assert names == ["x1", "x2", "x1^2", "x1*x2", "x2^2", "x1^3", "x1^2*x2", "x1*x2^2", "x2^3"]
    a, b = X[:, 0], X[:, 1]
    np.testing.assert_allclose(inputs[:, 6], a ** 2 * b)
    assert made("poly:2,sin(x1)")[0][-1] == "sin(x1)"


def test_the_datas_own_column_names_are_used():
    names, inputs = made("petal^2,width", columns=("petal", "width"))
    assert names == ["petal^2", "width"]
    np.testing.assert_allclose(inputs[:, 0], X[:, 0] ** 2)


def test_the_dtype_is_kept():
    assert made("x1^2,sin(x2)", x=X.astype(np.float32))[1].dtype == np.float32


@pytest.mark.parametrize("text, says", [
    ("x3", "no column named 'x3'; the data's columns are x1, x2"),
    ("tan(x1)", "no feature named 'tan'; the features are cos, product, sin, square (fnn list feature)"),
    ("sin(x1,x2)", "sin takes 1 column, got 2"),
    ("product(x1)", "product takes two or more columns, got 1"),
    ("x1,,x2", "an empty term"),
    ("sin(x1", "unbalanced parentheses"),
    ("poly:0", "the degree must be a whole number from 1 to 6"),
    ("poly:two", "the degree must be a whole number from 1 to 6"),
    ("x1^9", "a monomial's degree must be from 1 to 6"),
    ("x1^0*x2", "a monomial's degree must be from 1 to 6"),
    ("x1^" + "9" * 5000, "a monomial's degree must be from 1 to 6"),  # never made, nor read as a number
    ("x1^3*x2^4", "a monomial's degree must be from 1 to 6"),
    ("x1,x1", "x1 is given twice"),
    ("x1*x2,x2*x1", "x1*x2 is given twice"),
    ("", "got nothing"),
])
def test_a_bad_spec_is_one_config_error_naming_what_is_allowed(text, says):
    with pytest.raises(ConfigError) as error:
        parse(text, COLUMNS, features())
    assert says in str(error.value) and "\n" not in str(error.value)


def test_poly_of_many_columns_is_refused_before_its_terms_are_made():
    columns = tuple(f"c{j}" for j in range(1000))
    with pytest.raises(ConfigError, match=f"at most {MAX_TERMS:,}"):
        parse("poly:6", columns)  # 1.4e15 terms: counted, never listed


def test_a_bad_features_option_exits_2_with_one_line():
    result = cli("run", "-d", "circle", "--features", "x1^2,z", "-e", "2")
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0 and "no column named 'z'" in result.stderr


# ------------------------------------------------------------------------------------------------ the lesson

def test_hidden_empty_on_the_command_line_is_a_network_without_hidden_layers():
    result = cli("run", "-d", "circle", "--hidden", "", "--features", "x1^2,x2^2", "-e", "500", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["sizes"] == [2, 1] and summary["hidden"] == [] and summary["accuracy"] >= 0.95


def test_circle_needs_no_hidden_layer_once_its_inputs_are_squared():
    """Playground's "feature engineering versus depth": x1^2 + x2^2 < r^2 is a straight line in (x1^2, x2^2)."""
    squared = fnn.fit(dataset="circle", hidden=(), feature_spec="x1^2,x2^2", epochs=1000)
    raw = fnn.fit(dataset="circle", hidden=(), epochs=1000)
    assert squared.final.accuracy >= 0.95
    assert raw.final.accuracy <= 0.65  # a straight line through a disc: little better than chance
    assert squared.experiment.params.sizes == (2, 1)


# ------------------------------------------------------------------------------------------- the model file

@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("runs") / "circle"
    result = cli("run", "-d", "circle", "--hidden", "3", "--features", "x1,x2,x1^2,x2^2,x1*x2", "--standardize",
                 "--test-split", "0.25", "-e", "300", "--out", str(folder), "--json")
    assert result.exit_code == 0, result.output
    return folder, json.loads(result.stdout)


def test_the_model_file_keeps_the_spec_and_the_original_columns(run_folder):
    folder, summary = run_folder
    model = fnn.io.modelfile.load_model(folder)
    assert model.config["feature_spec"] == "x1,x2,x1^2,x2^2,x1*x2"
    assert model.config["columns"] == ["x1", "x2"] and model.width == 2 and model.sizes[0] == 5
    assert summary["features"] == ["x1", "x2", "x1^2", "x2^2", "x1*x2"]


def test_predict_on_the_original_columns_gives_the_runs_predictions(run_folder):
    folder, _ = run_folder
    result = fnn.fit(dataset="circle", hidden=(3,), feature_spec="x1,x2,x1^2,x2^2,x1*x2", standardize=True,
                     test_split=0.25, epochs=300)
    e = result.experiment
    expected = fnn.predict(result.final.params, e.x, e.activation, e.output)[:, 0]  # the run's own inputs
    points = ";".join(",".join(repr(float(v)) for v in row) for row in e.x_columns)
    out = cli("predict", str(folder), "--points", points, "--json")
    assert out.exit_code == 0, out.output
    got = [row["probability"] for row in json.loads(out.stdout)["predictions"]]
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_evaluate_reads_the_original_columns(run_folder, tmp_path):
    folder, summary = run_folder
    result = fnn.fit(dataset="circle", hidden=(3,), feature_spec="x1,x2,x1^2,x2^2,x1*x2", standardize=True,
                     test_split=0.25, epochs=300)
    e = result.experiment
    data = tmp_path / "test.csv"
    labels = e.y_test[:, 0].astype(int)
    rows = (f"{float(a)!r},{float(b)!r},{k}\n" for (a, b), k in zip(e.x_test_columns, labels))
    data.write_text("x1,x2,label\n" + "".join(rows))
    out = cli("evaluate", str(folder), "--data", str(data), "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["metrics"]["accuracy"] == pytest.approx(summary["test_metrics"]["accuracy"])


@pytest.mark.parametrize("change, says", [
    ({"feature_spec": "x1^2,tan(x9)"}, "field 'feature_spec' is not valid: --features 'tan(x9)': no column named 'x9'"),
    ({"feature_spec": 7}, "field 'feature_spec' must be the text of --features"),
    ({"feature_spec": "x1"}, "field 'feature_spec' makes 1 inputs, but the model takes 5"),
    ({"feature_spec": "poly:6", "columns": [f"c{j}" for j in range(500)]}, "at most 1,000 are allowed"),
    ({"columns": "x1"}, "field 'columns' must be a list of the data's column names"),
    ({"columns": ["x1", "x1"]}, "field 'columns' must be a list"),
    ({"features": ["a", "b", "c", "d", "e"]}, "field 'features' names the inputs"),
])
def test_a_hostile_features_spec_in_a_model_file_is_one_line(run_folder, tmp_path, change, says):
    folder, _ = run_folder
    model = fnn.io.modelfile.load_model(folder)
    path = fnn.io.modelfile.save_model(tmp_path / "bad.npz", model.params, {**model.config, **change})
    out = cli("predict", str(path), "--points", "0.1,0.2")
    assert out.exit_code == 1 and out.stderr.strip().count("\n") == 0, out.output
    assert says in out.stderr


def test_a_model_whose_feature_plugin_is_missing_says_so(tmp_path):
    result = fnn.fit(dataset="circle", hidden=(), feature_spec="x1,tanh(x2)", epochs=5, registry=_with_tanh())
    path = fnn.io.modelfile.save_model(tmp_path / "m.npz", result.final.params, result.summary())
    out = cli("predict", str(path), "--points", "0.1,0.2")
    assert out.exit_code == 1 and "no feature named 'tanh'" in out.stderr
    assert "is the plugin it was trained with installed?" in out.stderr


# ------------------------------------------------------------------------------------------------ plugins

class Tanh:
    """A third-party feature, known only to the registry a test makes."""

    @fnn.hookimpl
    def fnn_features(self):
        yield fnn.Feature("tanh", np.tanh, "tanh x")


def _with_tanh():
    return fnn.make_registry([Tanh()], entry_points=False, disabled=(), strict=True)


def test_a_third_party_feature_works_through_the_registry_given():
    reg = _with_tanh()
    with pytest.raises(ConfigError, match="no feature named 'tanh'"):
        fnn.prepare(fnn.RunConfig(dataset="circle", feature_spec="tanh(x1)"))  # not installed
    e = fnn.prepare(fnn.RunConfig(dataset="circle", feature_spec="x1,tanh(x2)", epochs=1), reg)
    np.testing.assert_allclose(e.x[:, 1], np.tanh(e.x_columns[:, 1]))
    assert e.features == ("x1", "tanh(x2)")


def test_a_broken_feature_plugin_is_left_out_naming_it():
    class Broken:
        @fnn.hookimpl
        def fnn_features(self):
            yield fnn.Feature("mean", lambda column: np.full(len(column), 1))  # ints, not floats

    with pytest.warns(fnn.PluginWarning, match=r"feature 'mean': fn on 1 column .* expected finite floats"):
        reg = fnn.make_registry([Broken()], entry_points=False, disabled=(), strict=False)
    assert "mean" not in reg.names("feature")


# ------------------------------------------------------------------------------------------------ figures

@pytest.fixture
def drawn(monkeypatch):
    """The figures a run folder saves, by file name, captured as they are saved (and not written)."""
    from matplotlib.figure import Figure

    saved: dict[str, object] = {}
    monkeypatch.setattr(Figure, "savefig", lambda self, path, *a, **k: saved.__setitem__(Path(path).name, self))
    return saved


def test_the_figures_draw_over_the_original_columns(tmp_path, drawn):
    """The network takes x1^2 and x2^2, standardized; the figures' axes are x1 and x2 in the data's units."""
    from matplotlib.collections import PathCollection

    from fnn.runs.rundir import write_run

    result = fnn.fit(dataset="circle", hidden=(), feature_spec="x1^2,x2^2", standardize=True, epochs=300,
                     test_split=0.25)
    e = result.experiment
    write_run(tmp_path / "run", result)
    comparison = drawn["comparison.png"]
    truth, predictions, boundary = comparison.axes[:3]
    assert (truth.get_xlabel(), truth.get_ylabel()) == ("x1", "x2")
    assert "inputs x1^2, x2^2" in comparison._suptitle.get_text()
    points = np.concatenate([s.get_offsets() for s in truth.collections if isinstance(s, PathCollection)])
    columns = np.concatenate([e.x_columns, e.x_test_columns])
    np.testing.assert_allclose(np.sort(points, axis=0), np.sort(columns, axis=0))  # the data's points, not x1^2
    low, high = boundary.get_xlim()
    assert low < columns[:, 0].min() < 0 < columns[:, 0].max() < high  # squares are never negative
    # The boundary's map is the network on the plane's points, through the features and the scaler.
    mesh = next(c for c in boundary.collections if c.get_array() is not None and c.get_array().ndim == 2)
    grid = mesh.get_array()
    centre = fnn.predict(result.final.params, e.scaler(e.inputs(np.zeros((1, 2)))), e.activation, e.output)[0, 0]
    assert grid.max() == pytest.approx(centre, abs=0.02)  # the circle's inside, at the origin, is most class 1
    neurons, network = drawn["neurons.png"], drawn["network.png"]
    assert any("x1 across, x2 up" in t.get_text() for t in neurons.texts)
    labels = [t.get_text() for t in network.axes[0].texts]
    assert "x1^2" in labels and "x2^2" in labels  # the network's input nodes are its inputs
