"""Saved models of every task: ``fnn predict`` and ``fnn evaluate`` (issue 15).

Covers: a model file's task fields are checked on load (task, class names,
label names, against the output layer) and a file written before tasks
existed is a binary classifier whose predictions read as before; ``fnn
predict`` of a multi-class model names the classes with one probability column
each (the top 3 with many classes; every class in JSON), of a binary model
with class names shows the names, of a regression the values under the target
columns' names; ``--csv`` ignores a label column of class names; ``fnn
evaluate`` gives the same metrics as the run that trained the model on the same
points, maps the file's class names to the model's by name (indices as they
are), prints the confusion matrix, and refuses an unknown class, an index out
of range, a missing input column and a wrong count of regression targets in
one line; in a pipe each table row is one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import fnn
from fnn.builtin.metrics import confusion_matrix
from fnn.io.modelfile import ModelFileError, load_model, save_model
from support import assert_one_line_error, cli, ok

CLASSES = ("cherry", "apple", "banana")  # sorted by the CSV reader: apple, banana, cherry


def table_rows(stdout: str) -> list[list[str]]:
    """Body rows of the rich tables in ``stdout``, cells stripped."""
    return [[cell.strip() for cell in line.strip().strip("│").split("│")]
            for line in stdout.splitlines() if line.startswith("│")]


def _write(path: Path, header: list[str], rows) -> Path:
    path.write_text(",".join(header) + "\n" + "".join(",".join(map(str, row)) + "\n" for row in rows))
    return path


def _save(result, path: Path, drop: tuple[str, ...] = ()) -> Path:
    save_model(path, result.final.params, {k: v for k, v in result.summary().items() if k not in drop})
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def fruit_csv(folder) -> Path:
    """Three classes named in the last column, an id column first."""
    rng = np.random.default_rng(1)
    centres = {"apple": (0, 0), "banana": (3, 0), "cherry": (0, 3)}
    rows = [(i, *np.round(np.array(centres[name]) + rng.normal(0, 0.6, 2), 3), name)
            for i, name in enumerate(rng.choice(CLASSES, 60))]
    _write(folder / "fruit_train.csv", ["width", "height", "fruit"], [row[1:] for row in rows])
    return _write(folder / "fruit.csv", ["id", "width", "height", "fruit"], rows)


@pytest.fixture(scope="module")
def fruit(folder, fruit_csv):
    """Trained on the same points without the id column."""
    result = fnn.fit(data=str(folder / "fruit_train.csv"), label_column="fruit", hidden=(6,), optimizer="adam",
                     learning_rate=0.05, epochs=150, seed=0)
    return result, _save(result, folder / "fruit.npz")


@pytest.fixture(scope="module")
def regression(folder):
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (60, 2))
    rows = [(a, b, round(a + 2 * b, 6), round(a * b, 6)) for a, b in x]
    path = _write(folder / "shape.csv", ["u", "v", "height", "area"], rows)
    result = fnn.fit(data=str(path), label_column="height,area", optimizer="adam", learning_rate=0.02, epochs=100)
    return result, _save(result, folder / "shape.npz"), path


@pytest.fixture(scope="module")
def named_binary(folder):
    rng = np.random.default_rng(3)
    rows = [(round(a, 4), round(b, 4), "good" if a + b > 0 else "bad") for a, b in rng.normal(0, 1, (40, 2))]
    path = _write(folder / "ok.csv", ["a", "b", "verdict"], rows)
    result = fnn.fit(data=str(path), task="binary", optimizer="adam", learning_rate=0.05, epochs=100)
    return result, _save(result, folder / "ok.npz"), path


# ----------------------------------------------------------------------------------------------- model files


def test_a_model_file_keeps_the_task_its_classes_and_label_names(fruit, regression):
    model = load_model(fruit[1])
    assert (model.task, model.classes, model.labels) == ("multiclass", ("apple", "banana", "cherry"), ("fruit",))
    model = load_model(regression[1])
    assert (model.task, model.classes, model.labels) == ("regression", (), ("height", "area"))


@pytest.mark.parametrize("changes, fragment", [
    ({"task": "ternary"}, "'task' is \"ternary\"; a task is one of binary, multiclass, regression"),
    ({"task": "binary"}, "binary classifier has 1"),
    ({"classes": ["a", "b"]}, "'classes' names 2 classes, but a multiclass model of 3 outputs has 3"),
    ({"classes": ["a", "b", 3]}, "'classes' must be a list"),
    ({"classes": ["a", "a", "b"]}, "'classes' repeats a name"),
    ({"classes": ["a", "b", "x" * 201]}, "strings of 1 to 200 characters"),
    ({"labels": ["y", "z"]}, "'labels' names 2 label columns"),
])
def test_bad_task_fields_are_refused(fruit, tmp_path, changes, fragment):
    result, _ = fruit
    path = tmp_path / "bad.npz"
    save_model(path, result.final.params, {**result.summary(), **changes})
    with pytest.raises(ModelFileError, match="field") as error:
        load_model(path)
    assert fragment in str(error.value)
    assert_one_line_error(cli("predict", path, "--points", "0,0"), 1, fragment)


def test_a_model_written_before_tasks_is_binary_and_predicts_as_before(folder):
    """A file without task, classes or labels (as fnn wrote them before issue 15) loads as a binary
    classifier of the classes 0 and 1, and predict's JSON and table are as they were."""
    result = fnn.fit(epochs=60, seed=1)
    old = _save(result, folder / "old.npz", drop=("task", "classes", "labels", "metrics", "test_metrics"))
    model = load_model(old)
    assert (model.task, model.classes, model.labels) == ("binary", ("0", "1"), ())
    data = json.loads(ok("predict", old, "--points", "0.2,0.8;0.9,0.1", "--json").stdout)
    assert list(data) == ["model", "inputs", "notes", "predictions"]
    prob = fnn.predict(result.final.params, [[0.2, 0.8], [0.9, 0.1]])[:, 0]
    assert data["predictions"] == [{"x": [0.2, 0.8], "probability": prob[0], "class": int(prob[0] >= 0.5)},
                                   {"x": [0.9, 0.1], "probability": prob[1], "class": int(prob[1] >= 0.5)}]
    table = ok("predict", old, "--points", "0.2,0.8;0.9,0.1").stdout
    assert "┃ # ┃  x1 ┃  x2 ┃ probability ┃ class ┃" in table
    assert table_rows(table) == [["0", "0.2", "0.8", f"{prob[0]:.5f}", str(int(prob[0] >= 0.5))],
                                 ["1", "0.9", "0.1", f"{prob[1]:.5f}", str(int(prob[1] >= 0.5))]]
    points = _write(folder / "xor_points.csv", ["x1", "x2", "label"], [(0, 0, 0), (0, 1, 1), (1, 0, 1), (1, 1, 0)])
    data = json.loads(ok("evaluate", old, "--data", points, "--json").stdout)
    outputs = fnn.predict(result.final.params, [[0, 0], [0, 1], [1, 0], [1, 1]])
    assert data["metrics"]["accuracy"] == fnn.accuracy(outputs, np.array([[0], [1], [1], [0]]))
    assert data["classes"] == ["0", "1"]


# --------------------------------------------------------------------------------------------------- predict


def test_predict_multiclass_json_names_every_class(fruit):
    result, path = fruit
    data = json.loads(ok("predict", path, "--points", "0,0;3,0;0,3", "--json").stdout)
    assert data["task"] == "multiclass" and data["classes"] == ["apple", "banana", "cherry"]
    outputs = fnn.predict(result.final.params, [[0, 0], [3, 0], [0, 3]], "sigmoid", "softmax")
    for row, out in zip(data["predictions"], outputs):
        assert row["probabilities"] == dict(zip(data["classes"], out.tolist()))
        assert row["class"] == int(out.argmax()) and row["name"] == data["classes"][row["class"]]
    assert [row["name"] for row in data["predictions"]] == ["apple", "banana", "cherry"]


def test_predict_multiclass_table_and_a_csv_with_the_label_column(fruit, fruit_csv):
    """The file the model was trained on, class names and all: the label and id columns are ignored."""
    _, path = fruit
    result = ok("predict", path, "--csv", fruit_csv)
    lines = result.stdout.splitlines()
    heading = next(line for line in lines if "class" in line)
    assert [cell.strip() for cell in heading.strip("┃").split("┃")] == [
        "line", "width", "height", "class", "apple", "banana", "cherry"]
    rows = table_rows(result.stdout)
    assert len(rows) == 60 and all(row[3] in ("apple", "banana", "cherry") for row in rows)
    assert all(abs(sum(map(float, row[4:])) - 1) < 1e-3 for row in rows)
    assert "ignored columns id, fruit" in result.stdout
    assert all(len(line) <= 100 for line in lines)  # one record per line at the test's width


def test_predict_many_classes_shows_the_top_three(folder):
    result = fnn.fit(dataset="blobs", classes=6, epochs=30, optimizer="adam", learning_rate=0.05)
    path = _save(result, folder / "blobs.npz")
    stdout = ok("predict", path, "--points", "0,0;1,1").stdout
    assert "the 3 most probable of 6 classes with their probabilities (--json lists all)" in " ".join(
        stdout.split())
    out = fnn.predict(result.final.params, [[0, 0], [1, 1]], "sigmoid", "softmax")
    for row, probs in zip(table_rows(stdout), out):
        top = np.argsort(-probs, kind="stable")[:3]
        assert row[3:] == [cell for k in top for cell in (str(k), f"{probs[k]:.4f}")]
    data = json.loads(ok("predict", path, "--points", "0,0", "--json").stdout)
    assert len(data["predictions"][0]["probabilities"]) == 6


def test_predict_binary_with_class_names(named_binary):
    result, path, _ = named_binary
    assert result.experiment.classes == ("bad", "good")
    stdout = ok("predict", path, "--points", "2,2;-2,-2").stdout
    assert "P(good)" in stdout
    assert [row[-1] for row in table_rows(stdout)] == ["good", "bad"]
    data = json.loads(ok("predict", path, "--points", "2,2;-2,-2", "--json").stdout)
    assert data["classes"] == ["bad", "good"]
    assert [(row["class"], row["name"]) for row in data["predictions"]] == [(1, "good"), (0, "bad")]


def test_predict_regression_names_the_targets(regression):
    result, path, _ = regression
    x = [[0.5, 0.5], [-0.5, 0.1]]
    # In the targets' units: the run trained on them standardized, and the model file undoes it.
    out = result.experiment.in_data_units(fnn.predict(result.final.params, x, "sigmoid", "identity"))
    data = json.loads(ok("predict", path, "--points", "0.5,0.5;-0.5,0.1", "--json").stdout)
    assert data["task"] == "regression" and data["outputs"] == ["height", "area"]
    assert [row["prediction"] for row in data["predictions"]] == [
        {"height": a, "area": b} for a, b in out.tolist()]
    stdout = ok("predict", path, "--points", "0.5,0.5;-0.5,0.1").stdout
    assert table_rows(stdout) == [[str(i), f"{p[0]:g}", f"{p[1]:g}", f"{o[0]:.6g}", f"{o[1]:.6g}"]
                                  for i, (p, o) in enumerate(zip(x, out))]


# -------------------------------------------------------------------------------------------------- evaluate


def test_evaluate_gives_the_runs_own_metrics_on_its_points(fruit, fruit_csv):
    result, path = fruit
    data = json.loads(ok("evaluate", path, "--data", fruit_csv, "--json").stdout)
    assert data["metrics"] == result.metrics()  # same points, same parameters: the same numbers
    e = result.experiment
    outputs = fnn.predict(result.final.params, e.x, e.activation, e.output)
    assert data["confusion_matrix"] == confusion_matrix(outputs, e.y).tolist()
    assert (data["n"], data["task"], data["classes"]) == (60, "multiclass", ["apple", "banana", "cherry"])
    stdout = ok("evaluate", path, "--data", fruit_csv).stdout
    assert "ignored column id" in stdout
    rows = table_rows(stdout)
    assert rows[0] == ["accuracy", f"{result.metrics()['accuracy']:.2%}"]
    assert [row[0] for row in rows[4:]] == ["apple", "banana", "cherry", "precision"]


def test_evaluate_maps_class_names_by_name_and_takes_indices(fruit, tmp_path):
    """A file with two of the three classes, in another order of first appearance, or as indices."""
    result, path = fruit
    points = [(3, 0, "banana"), (0, 3, "cherry"), (3.2, 0.1, "banana")]
    named = _write(tmp_path / "named.csv", ["width", "height", "fruit"], points)
    indexed = _write(tmp_path / "indexed.csv", ["width", "height", "fruit"],
                     [(a, b, ("apple", "banana", "cherry").index(c)) for a, b, c in points])
    by_name = json.loads(ok("evaluate", path, "--data", named, "--json").stdout)
    by_index = json.loads(ok("evaluate", path, "--data", indexed, "--json").stdout)
    assert by_name == {**by_index, "data": str(named)}
    matrix = np.array(by_name["confusion_matrix"])
    assert matrix.sum(axis=1).tolist() == [0, 2, 1]  # rows are the model's classes: apple, banana, cherry


def test_evaluate_errors_are_one_line(fruit, regression, tmp_path):
    _, path = fruit
    unknown = _write(tmp_path / "u.csv", ["width", "height", "fruit"], [(0, 0, "apple"), (3, 0, "durian")])
    assert_one_line_error(cli("evaluate", path, "--data", unknown), 1, "the class 'durian', which the model does "
                          "not know; its classes are apple, banana, cherry")
    beyond = _write(tmp_path / "b.csv", ["width", "height", "fruit"], [(0, 0, 0), (3, 0, 3)])
    assert_one_line_error(cli("evaluate", path, "--data", beyond), 1, "line 3: label 3 in column 'fruit'",
                          "from 0 to 2")
    missing = _write(tmp_path / "m.csv", ["width", "fruit"], [(0, "apple"), (3, "banana")])
    assert_one_line_error(cli("evaluate", path, "--data", missing), 1, "has no column 'height'")
    _, reg_path, reg_csv = regression
    assert_one_line_error(cli("evaluate", reg_path, "--data", reg_csv, "--label-column", "height"), 1,
                          "1 label column (height) but the model predicts 2 values")


def test_evaluate_regression(regression):
    result, path, data_csv = regression
    data = json.loads(ok("evaluate", path, "--data", data_csv, "--json").stdout)
    # The run scores its standardized targets taken back to the data's units, the file's own: the last digit may differ.
    assert data["metrics"] == pytest.approx(result.metrics(), rel=1e-12)
    assert (data["task"], data["classes"], data["labels"], data["confusion_matrix"]) == (
        "regression", [], ["height", "area"], None)
    stdout = ok("evaluate", path, "--data", data_csv).stdout
    assert [row[0] for row in table_rows(stdout)] == list(result.metrics())
    assert "Confusion" not in stdout


def test_evaluate_a_run_folder_of_text_classes(tmp_path, fruit_csv, stand_in_figures):
    """End to end as a user goes: fnn run --out on a CSV of class names, then evaluate its folder."""
    ok("run", "--data", fruit_csv.with_name("fruit_train.csv"), "--epochs", "50", "-o", "adam", "--lr", "0.05",
       "--out", tmp_path / "run", "-q")
    stdout = ok("evaluate", tmp_path / "run", "--data", fruit_csv).stdout
    assert "Confusion matrix, 60 points" in stdout


def test_evaluate_is_listed_after_predict():
    commands = ok("--help").stdout.split("Commands")[1]
    listed = [line[2:].split()[0] for line in commands.splitlines() if line.startswith("│ ") and line[2] != " "]
    assert listed == ["run", "sweep", "plot", "report", "gradcheck", "predict", "evaluate", "show", "list", "plugins"]
