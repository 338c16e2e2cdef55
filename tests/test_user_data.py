"""Your own data (issue 5): ``fnn run --data FILE.csv`` with ``--label-column`` and ``--standardize``.

Every CSV mistake the issue lists is one ``Error:`` line naming the file and,
where there is one, the line a text editor shows (blank lines counted), exit
1, no traceback: missing file, empty file, no header, a non-numeric cell, a
ragged row, labels other than 0/1, a single class, NaN or infinite values,
an unknown ``--label-column``, a file that is not UTF-8. Happy paths: any
number of features (the input width follows the file), a label column in the
middle, standardisation fitted on the training part only and carried by the
saved model into ``fnn predict``, and no comparison figure (without error)
for data that is not two-dimensional. ``--n-samples``, ``--noise`` and
``--label-column`` in the wrong company are usage errors (exit 2).
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import fnn
from fnn.io.modelfile import load_model
from fnn.runs.training import RunConfig, prepare
from support import assert_one_line_error, cli, ok

GOOD = "x1,x2,label\n0.1,0.2,0\n0.9,0.8,1\n0.2,0.1,0\n0.7,0.9,1\n"


def write(tmp_path, content: str | bytes, name: str = "data.csv"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def run_data(path, *args):
    return cli("run", "--data", path, "-e", "1", *args)


# ------------------------------------------------------------------------------------------------------ errors

@pytest.mark.parametrize("content, fragments", [
    ("", ["is empty"]),
    ("\n\n   \n", ["is empty"]),
    ("0.1,0.2,0\n0.9,0.8,1\n", ["no header row", "line 1"]),
    ("\n\n0.1,0.2,0\n0.9,0.8,1\n", ["no header row", "line 3"]),
    ("x1,x2,label\n", ["header but no data rows"]),
    ("x1,x2,label\n0.1,0.2,0\n0.3,abc,1\n", ["line 3", "column 'x2'", "'abc' is not a number"]),
    ("x1,x2,label\n0.1,,0\n0.3,0.4,1\n", ["line 2", "column 'x2'", "'' is not a number"]),
    ("x1,x2,label\n0.1,0.2,0\n0.3,0.4,yes\n", ["line 3", "column 'label'", "'yes' is not a number"]),
    ("x1,x2,label\n0.1,0.2,0\n0.3,1\n", ["line 3", "2 cells", "header has 3 columns"]),
    ("x1,x2,label\n0.1,0.2,0\n0.3,0.4,1,7\n", ["line 3", "4 cells", "header has 3 columns"]),
    ("x1,x2,label\n0.1,0.2,0\n0.3,0.4,1\n0.5,0.6,2\n", ["line 4", "label 2", "labels must be 0 or 1"]),
    ("x1,x2,label\n0.1,0.2,0.5\n0.3,0.4,1\n", ["line 2", "label 0.5", "labels must be 0 or 1"]),
    ("x1,x2,label\n0.1,0.2,0\n0.3,0.4,-1\n", ["line 3", "label -1", "labels must be 0 or 1"]),
    ("x1,x2,label\n0.1,0.2,1\n0.3,0.4,1\n", ["every label in column 'label' is 1", "both 0 and 1"]),
    ("x1,x2,label\n0.1,0.2,0\n0.3,0.4,0\n", ["every label in column 'label' is 0", "both 0 and 1"]),
    ("x1,x2,label\n0.1,0.2,0\nnan,0.4,1\n", ["line 3", "column 'x1'", "not a finite number"]),
    ("x1,x2,label\n0.1,NaN,0\n0.3,0.4,1\n", ["line 2", "column 'x2'", "not a finite number"]),
    ("x1,x2,label\n0.1,0.2,0\n0.3,inf,1\n", ["line 3", "column 'x2'", "inf is not a finite number"]),
    ("x1,x2,label\n0.1,0.2,0\n-Infinity,0.4,1\n", ["line 3", "column 'x1'", "not a finite number"]),
    ("x1,x2,label\n0.1,0.2,0\n0.3,0.4,nan\n", ["line 3", "column 'label'", "not a finite number"]),
    ("x1,x2,x1\n0.1,0.2,0\n0.3,0.4,1\n", ["repeated column names"]),
    ("label\n0\n1\n", ["at least 2 columns"]),
], ids=["empty", "only-blank-lines", "no-header", "no-header-after-blank-lines", "header-only", "non-numeric",
        "empty-cell", "non-numeric-label", "short-row", "long-row", "label-2", "label-0.5", "label-minus-1",
        "only-class-1", "only-class-0", "nan", "NaN", "inf", "-Infinity", "nan-label", "repeated-names",
        "one-column"])
def test_each_csv_mistake_is_one_line_naming_the_file_and_line(tmp_path, content, fragments):
    path = write(tmp_path, content)
    assert_one_line_error(run_data(path), 1, repr(str(path)), *fragments, stdout_empty=True)


def test_missing_file_is_one_line(tmp_path):
    path = tmp_path / "nope.csv"
    assert_one_line_error(run_data(path), 1, repr(str(path)), "does not exist", stdout_empty=True)


def test_unknown_label_column_lists_the_columns(tmp_path):
    path = write(tmp_path, GOOD)
    assert_one_line_error(run_data(path, "--label-column", "y"), 1, "no column 'y'", "its columns are: x1, x2, label",
                          stdout_empty=True)


def test_a_file_that_is_not_utf8_is_one_line(tmp_path):
    path = write(tmp_path, "x1,x2,label\n0.1,0.2,0\n0.3,café,1\n".encode("latin-1"))
    assert_one_line_error(run_data(path), 1, repr(str(path)), "line 3", "byte 0xe9 is not UTF-8 text",
                          stdout_empty=True)


def test_a_file_that_is_not_utf8_names_the_line_of_the_bad_byte(tmp_path):
    rows = [f"{i / 1000},{i % 7},{i % 2}" for i in range(3000)]  # lines 2..3001
    content = ("x1,x2,label\n" + "\n".join(rows) + "\n").encode() + "0.5,café,1\n".encode("latin-1")
    path = write(tmp_path, content)
    assert_one_line_error(run_data(path), 1, "line 3002")


@pytest.mark.parametrize("content, where", [
    ("x1,x2,label\n\n0.1,0.2,0\n   \n0.3,abc,1\n", "line 5, column 'x2'"),
    ("\nx1,x2,label\n0.1,0.2,0\n\n\n0.3,0.4\n", "line 6: 2 cells"),
    ("x1,x2,label\n\n0.1,0.2,0\n\n0.3,0.4,7\n", "line 5: label 7"),
    ("x1,x2,label\r\n0.1,0.2,0\r\n\r\n0.3,nan,1\r\n", "line 4, column 'x2'"),
], ids=["non-numeric", "ragged", "label", "crlf-nan"])
def test_blank_lines_do_not_shift_line_numbers(tmp_path, content, where):
    assert_one_line_error(run_data(write(tmp_path, content)), 1, where)


def test_a_multi_line_quoted_cell_does_not_shift_line_numbers(tmp_path):
    path = write(tmp_path, 'x1,"x2\n(cm)",label\n0.1,0.2,1\n0.3,abc,0\n')  # 'abc' is on line 4 of the file
    assert_one_line_error(run_data(path), 1, "line 4,")


# --------------------------------------------------------------------------------------------------- usage errors

@pytest.mark.parametrize("args, fragments", [
    (["--n-samples", "10"], ["--n-samples and --noise", "do not apply to --data"]),
    (["--noise", "0.1"], ["--n-samples and --noise", "do not apply to --data"]),
])
def test_n_samples_or_noise_with_data_is_a_usage_error(tmp_path, args, fragments):
    assert_one_line_error(run_data(write(tmp_path, GOOD), *args), 2, *fragments, stdout_empty=True)


def test_label_column_without_data_is_a_usage_error():
    assert_one_line_error(cli("run", "--label-column", "label", "-e", "1"), 2, "--label-column applies to --data only",
                          stdout_empty=True)


# ------------------------------------------------------------------------------------------------- happy paths

def five_feature_table(n: int = 80, seed: int = 0):
    """``n`` rows of five features (means 5, spreads 3) and a label that depends on three of them."""
    rng = np.random.default_rng(seed)
    x = 5.0 + 3.0 * rng.normal(size=(n, 5))
    y = (x[:, 0] + x[:, 1] - x[:, 3] > 5.0).astype(float)
    return x, y


def write_table(tmp_path, header, columns, name="data.csv", bom=False, newline="\n"):
    lines = [",".join(header)] + [",".join(repr(float(v)) for v in row) for row in np.column_stack(columns)]
    return write(tmp_path, ("\ufeff" if bom else "") + newline.join(lines) + newline, name)


def test_any_number_of_features_sets_the_input_width(tmp_path):
    x, y = five_feature_table()
    path = write_table(tmp_path, ["f1", "f2", "f3", "f4", "f5", "label"], [x, y])
    data = json.loads(ok("run", "--data", path, "--hidden", "6", "-e", "5", "--json").stdout)
    assert data["sizes"] == [5, 6, 1]
    assert data["features"] == ["f1", "f2", "f3", "f4", "f5"]
    assert (data["n_points"], data["n_train"], data["data"], data["dataset"]) == (80, 80, str(path), None)
    experiment = prepare(RunConfig(data=str(path)))
    np.testing.assert_array_equal(experiment.x, x)  # repr() round-trips exactly
    np.testing.assert_array_equal(experiment.y[:, 0], y)


def test_label_column_picks_a_middle_column_and_the_rest_are_features(tmp_path):
    x, y = five_feature_table(n=30)
    path = write_table(tmp_path, ["a", "target", "b", "c"], [x[:, 0], y, x[:, 1], x[:, 2]])
    experiment = prepare(RunConfig(data=str(path), label_column="target"))
    assert experiment.features == ("a", "b", "c")
    np.testing.assert_array_equal(experiment.x, x[:, :3])
    np.testing.assert_array_equal(experiment.y[:, 0], y)
    data = json.loads(ok("run", "--data", path, "--label-column", "target", "-e", "2", "--json").stdout)
    assert data["sizes"][0] == 3 and data["features"] == ["a", "b", "c"]


def test_a_byte_order_mark_and_crlf_line_ends_are_read(tmp_path):
    x, y = five_feature_table(n=20)
    path = write_table(tmp_path, ["p", "q", "label"], [x[:, :2], y], bom=True, newline="\r\n")
    experiment = prepare(RunConfig(data=str(path)))
    assert experiment.features == ("p", "q")
    np.testing.assert_array_equal(experiment.x, x[:, :2])


def test_standardize_uses_training_statistics_only(tmp_path):
    x, y = five_feature_table()
    path = write_table(tmp_path, ["f1", "f2", "f3", "f4", "f5", "label"], [x, y])
    raw = prepare(RunConfig(data=str(path), test_split=0.25))
    scaled = prepare(RunConfig(data=str(path), test_split=0.25, standardize=True))
    mean, std = raw.x.mean(axis=0), raw.x.std(axis=0)  # of the training part, as it is before scaling
    np.testing.assert_allclose(scaled.x, (raw.x - mean) / std, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(scaled.x_test, (raw.x_test - mean) / std, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(scaled.x.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(scaled.x.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_array_equal(scaled.y, raw.y)
    np.testing.assert_array_equal(scaled.y_test, raw.y_test)
    everything = np.concatenate([raw.x, raw.x_test])
    assert not np.allclose(everything.mean(axis=0), mean, rtol=0, atol=1e-6), "the test points must not be used"
    summary = fnn.fit(RunConfig(data=str(path), test_split=0.25, standardize=True, epochs=2)).summary()
    np.testing.assert_allclose(summary["scaler"]["mean"], mean, rtol=1e-12)
    np.testing.assert_allclose(summary["scaler"]["std"], std, rtol=1e-12)


@pytest.fixture(scope="module")
def five_feature_run(tmp_path_factory):
    """A run folder trained on five standardized features with a test split, and the raw training data."""
    folder = tmp_path_factory.mktemp("five")
    x, y = five_feature_table()
    path = write_table(folder, ["f1", "f2", "f3", "f4", "f5", "label"], [x, y])
    out = folder / "run"
    result = ok("run", "--data", path, "--standardize", "--test-split", "0.25", "--hidden", "6", "-e", "40",
                "--out", out)
    raw = prepare(RunConfig(data=str(path), test_split=0.25))
    return out, raw, result.stdout


def test_the_saved_model_carries_the_scaler_and_predict_applies_it(five_feature_run):
    out, raw, _ = five_feature_run
    mean, std = raw.x.mean(axis=0), raw.x.std(axis=0)
    model = load_model(out / "model.npz")
    np.testing.assert_allclose(model.config["scaler"]["mean"], mean, rtol=1e-12)
    np.testing.assert_allclose(model.config["scaler"]["std"], std, rtol=1e-12)
    points = np.array([[5.0, 5.0, 5.0, 5.0, 5.0], [9.0, 8.0, 1.0, 2.0, 4.0], [1.0, 2.0, 3.0, 12.0, 6.0]])
    text = ";".join(",".join(map(repr, row)) for row in points.tolist())
    data = json.loads(ok("predict", out / "model.npz", "--points", text, "--json").stdout)
    got = np.array([row["probability"] for row in data["predictions"]])
    expected = fnn.predict(model.params, (points - mean) / std)[:, 0]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert [row["class"] for row in data["predictions"]] == (expected >= 0.5).astype(int).tolist()
    assert not np.allclose(got, fnn.predict(model.params, points)[:, 0], rtol=1e-3), "raw points must be scaled"


def test_no_comparison_figure_for_five_features_but_the_rest_of_the_folder(five_feature_run):
    out, _, stdout = five_feature_run
    assert sorted(p.name for p in out.iterdir()) == [".fnn-folder.json", "history.csv", "learning_curve.png",
                                                    "metrics.json", "model.npz"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["sizes"][0] == 5 and metrics["n_test"] == 20
    assert "comparison.png" not in stdout
    text = " ".join(stdout.split())
    assert "first 3 of 5 features shown; values as in the file (the network sees them standardized)" in text
    assert "20 more held out for testing, standardized" in text
