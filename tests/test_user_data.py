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
from fnn.core.tasks import MAX_CLASSES
from fnn.errors import DataError, FnnError
from fnn.io.data import MAX_CLASS_NAME, read_csv
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
        "empty-cell", "non-numeric-label", "short-row", "long-row", "only-class-1", "only-class-0", "nan", "NaN",
        "inf", "-Infinity", "nan-label", "repeated-names",
        "one-column"])
def test_each_csv_mistake_is_one_line_naming_the_file_and_line(tmp_path, content, fragments):
    path = write(tmp_path, content)
    assert_one_line_error(run_data(path), 1, repr(str(path)), *fragments, stdout_empty=True)


@pytest.mark.parametrize("content, fragments, task", [
    ("x1,x2,label\n0.1,0.2,0\n0.3,0.4,1\n0.5,0.6,2\n", ["line 4", "label 2", "labels must be 0 or 1"], "multiclass"),
    ("x1,x2,label\n0.1,0.2,0.5\n0.3,0.4,1\n", ["line 2", "label 0.5", "labels must be 0 or 1"], "regression"),
    ("x1,x2,label\n0.1,0.2,0\n0.3,0.4,-1\n", ["line 3", "label -1", "labels must be 0 or 1"], "regression"),
], ids=["label-2", "label-0.5", "label-minus-1"])
def test_labels_other_than_0_and_1_are_another_task_unless_binary_is_forced(tmp_path, content, fragments, task):
    path = write(tmp_path, content)
    assert_one_line_error(run_data(path, "--task", "binary"), 1, repr(str(path)), *fragments, stdout_empty=True)
    result = run_data(path, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["task"] == task


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
    ("x1,x2,label\n\n0.1,0.2,0\n\n0.3,0.4,0.5\n", "line 5: label 0.5"),
    ("x1,x2,label\r\n0.1,0.2,0\r\n\r\n0.3,nan,1\r\n", "line 4, column 'x2'"),
], ids=["non-numeric", "ragged", "label", "crlf-nan"])
def test_blank_lines_do_not_shift_line_numbers(tmp_path, content, where):
    assert_one_line_error(run_data(write(tmp_path, content), "--task", "binary"), 1, where)


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
                                                    "metrics.json", "model.npz", "network.png", "neurons.png"]
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["sizes"][0] == 5 and metrics["n_test"] == 20
    assert "comparison.png" not in stdout
    text = " ".join(stdout.split())
    assert "first 3 of 5 features shown; values as in the file (the network sees them standardized)" in text
    assert "20 more held out for testing, standardized" in text


# --------------------------------------------------------------------------- labels of every task (read_csv)
# fnn run still reads --data as binary (runs/training.py); these are the library's labels for the next step.

def table_of(tmp_path, content: str, *args, **kwargs):
    return read_csv(write(tmp_path, content), *args, **kwargs)


def test_zero_one_labels_read_exactly_as_before(tmp_path):
    table = table_of(tmp_path, GOOD)
    assert (table.task, table.classes, table.labels, table.features) == ("binary", (), ("label",), ("x1", "x2"))
    assert table.y.dtype == np.float64 and table.y.tolist() == [[0], [1], [0], [1]]
    assert table.lines.tolist() == [2, 3, 4, 5]
    with pytest.warns(DeprecationWarning, match="use Table.labels"):
        assert table.label == "label"
    np.testing.assert_array_equal(read_csv(write(tmp_path, GOOD), task="binary").y, table.y)


def test_integer_labels_0_to_k_minus_1_are_class_indices(tmp_path):
    table = table_of(tmp_path, "a,b,kind\n1,2,0\n3,4,2\n5,6,1\n7,8,2\n")
    assert (table.task, table.classes) == ("multiclass", ())
    assert table.y.tolist() == [[0], [2], [1], [2]] and table.x.tolist() == [[1, 2], [3, 4], [5, 6], [7, 8]]


def test_text_labels_are_sorted_class_names_and_the_labels_their_indices(tmp_path):
    table = table_of(tmp_path, "a,b,species\n1,2,virginica\n3,4, setosa \n5,6,versicolor\n7,8,setosa\n")
    assert (table.task, table.classes) == ("multiclass", ("setosa", "versicolor", "virginica"))
    assert table.y.tolist() == [[2], [0], [1], [0]]  # spaces around a name are dropped, as for header names
    reordered = table_of(tmp_path, "a,b,species\n5,6,versicolor\n7,8,setosa\n1,2,virginica\n")
    assert reordered.classes == table.classes  # the order of the rows does not change the classes'
    assert table_of(tmp_path, "a,b,c\n1,2,yes\n3,4,3\n5,6,No\n").classes == ("3", "No", "yes")  # after text, all text


def test_two_class_names_are_multiclass_unless_the_binary_task_is_asked_for(tmp_path):
    content = "a,b,answer\n1,2,yes\n3,4,no\n5,6,yes\n"
    assert table_of(tmp_path, content).task == "multiclass"
    table = table_of(tmp_path, content, task="binary")
    assert (table.task, table.classes, table.y.tolist()) == ("binary", ("no", "yes"), [[1], [0], [1]])


def test_other_numbers_are_regression_targets_and_several_columns_are_several_outputs(tmp_path):
    content = "a,b,c,d\n1,2,0.5,10\n3,4,-7,20\n5,6,2,30\n"
    one = table_of(tmp_path, content)
    assert (one.task, one.labels, one.y.tolist()) == ("regression", ("d",), [[10], [20], [30]])
    for column in ("c,d", " c , d ", ["c", "d"], ("d", "c")):
        table = table_of(tmp_path, content, column)
        names = tuple(c.strip() for c in (column.split(",") if isinstance(column, str) else column))
        assert (table.task, table.labels, table.features) == ("regression", names, ("a", "b"))
        assert table.y.shape == (3, 2) and table.y[:, names.index("c")].tolist() == [0.5, -7, 2]
        assert table.x.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert table_of(tmp_path, content, "c", task="regression").y.tolist() == [[0.5], [-7], [2]]


def test_a_column_whose_name_holds_a_comma_is_one_column(tmp_path):
    table = table_of(tmp_path, 'x,"y,z",w\n1,0,5\n2,1,6\n', "y,z")
    assert (table.labels, table.features, table.task) == (("y,z",), ("x", "w"), "binary")


def test_a_forced_multiclass_task_takes_whole_numbers_as_class_indices(tmp_path):
    table = table_of(tmp_path, "a,b,label\n1,2,1\n3,4,3\n5,6,1\n", task="multiclass")
    assert (table.task, table.classes, table.y.tolist()) == ("multiclass", (), [[1], [3], [1]])


@pytest.mark.parametrize("content, kwargs, fragments", [
    ("a,b,c\n1,2,cat\n3,4,dog\n5,6,\n", {}, ["line 4, column 'c'", "the label is empty"]),
    ("a,b,c\n1,2,cat\n\n3,4,dog\n5,6\n", {}, ["line 5: 2 cells, but the header has 3 columns"]),
    ("a,b,c\n1,2,cat\n3,4,dog\n5,x,ant\n", {}, ["line 4, column 'b'", "'x' is not a number"]),
    ("a,b,c\n1,2,0.5\n\n3,4,cat\n", {}, ["line 4, column 'c'", "'cat' is not a number"]),
    ("a,b,c\n1,2,cat\n3,4,dog\n", {"task": "regression"}, ["line 2, column 'c'", "'cat' is not a number"]),
    ("a,b,c\n1,2,cat\n3,4,cat\n", {}, ["every label in column 'c' is 'cat'", "at least 2 classes"]),
    ("a,b,c\n1,2,2\n3,4,2\n", {"task": "multiclass"}, ["every label in column 'c' is 2", "at least 2 classes"]),
    ("a,b,c\n1,2,ant\n3,4,bee\n5,6,cat\n", {"task": "binary"},
     ["column 'c' holds 3 class names", "binary task takes 2"]),
    ("a,b,c\n1,2,0\n3,4,1.5\n", {"task": "multiclass"}, ["line 3: label 1.5 in column 'c'", "whole numbers from 0"]),
    ("a,b,c\n1,2,0\n\n3,4,-1\n", {"task": "multiclass"}, ["line 4: label -1 in column 'c'", "whole numbers from 0"]),
    ("a,b,c\n1,2,0\n3,4,1e6\n", {"task": "multiclass"}, ["line 3: label 1e+06", "1,000,001 classes", "at most 1,000"]),
    ("a,b,c\n1,2,0\n3,4,1\n", {"task": "binary", "label_column": "b,c"},
     ["2 label columns (b, c)", "binary task takes one", "targets of a regression"]),
    ("a,b,c\n1,2,0\n3,4,1\n", {"label_column": "b,z"}, ["no column 'z'", "its columns are: a, b, c"]),
    ("a,b,c\n1,2,0\n3,4,1\n", {"label_column": "c,c"}, ["label columns must be distinct"]),
    ("a,b,c\n1,2,0\n3,4,1\n", {"label_column": ["a", "b", "c"]}, ["every column is a label column",
                                                                   "at least one must be a feature"]),
    ("a,b,c\n1,2,0\n3,4,1\n", {"task": "ordinal"}, ["task must be one of binary, multiclass, regression"]),
], ids=["empty-name", "ragged-after-names", "bad-feature-after-names", "text-after-numbers", "text-as-regression",
        "one-name", "one-index", "three-names-binary", "fraction-index", "negative-index", "huge-index",
        "two-columns-binary", "unknown-of-two", "repeated", "no-feature", "unknown-task"])
def test_each_label_mistake_is_one_line_naming_the_file_and_line(tmp_path, content, kwargs, fragments):
    path = write(tmp_path, content)
    with pytest.raises(FnnError) as caught:
        read_csv(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message
    if "task" not in kwargs or kwargs["task"] != "ordinal":
        assert repr(str(path)) in message


# ----------------------------------------------------------------------------- hostile class names

def test_class_names_are_returned_exactly_as_written_whatever_they_hold(tmp_path):
    odd = ["\x1b[31mred\x1b[0m", "[bold]x[/bold]", "a\u202eb", "=cmd|' /C calc'!A0", "名前", "\\x00", "line\nbreak"]
    rows = "".join(f'{i},{i},"{name}"\n' for i, name in enumerate(odd * 2))
    table = table_of(tmp_path, "a,b,c\n" + rows)
    assert table.classes == tuple(sorted(odd))
    assert [table.classes[int(i)] for i in table.y[:, 0]] == odd * 2


def test_a_class_name_too_long_is_refused_at_its_line(tmp_path):
    assert table_of(tmp_path, f"a,c\n1,{'n' * MAX_CLASS_NAME}\n2,m\n").classes[1] == "n" * MAX_CLASS_NAME
    with pytest.raises(DataError, match=rf"line 3, column 'c': a class name of {MAX_CLASS_NAME + 1} characters; "
                                        rf"class names are at most {MAX_CLASS_NAME} characters"):
        table_of(tmp_path, f"a,c\n1,m\n2,{'n' * (MAX_CLASS_NAME + 1)}\n")


def test_too_many_class_names_stop_the_reading_at_the_first_one_too_many(tmp_path):
    rows = "".join(f"{i},id{i}\n" for i in range(MAX_CLASSES + 5000))  # a column of ids, not classes
    with pytest.raises(DataError) as caught:
        table_of(tmp_path, "a,c\n" + rows)
    assert str(caught.value).endswith(f"line {MAX_CLASSES + 2}, column 'c': more than {MAX_CLASSES:,} class names; "
                                      f"a classifier takes at most {MAX_CLASSES:,} classes")
    names = "".join(f"{i},id{i % MAX_CLASSES}\n" for i in range(MAX_CLASSES + 5000))
    assert len(table_of(tmp_path, "a,c\n" + names).classes) == MAX_CLASSES  # the limit itself is fine
