"""Saved models (``fnn.io.modelfile``) and the commands that use them, ``fnn predict`` and ``fnn show``.

Covers: ``save_model`` then ``load_model`` gives bitwise-equal parameters of
the same dtype, identical predictions and the same configuration; a run
folder can be given instead of its ``model.npz``; writing is atomic (no
``.partial`` file left, an existing file replaced by a rename and never
rewritten in place, the old file untouched and no debris when saving fails or
is interrupted); every bad file (missing, a folder without a model, empty,
truncated, text, foreign ``.npz``, bad or future ``fnn`` entry, missing or
inconsistent ``W``/``b`` arrays, an object array that must not be unpickled,
damaged zip headers) raises ``ModelFileError`` with a message naming the
problem, and is one ``Error:`` line with exit 1 from ``fnn predict`` and
``fnn show``. ``fnn predict``: ``--points`` and ``--csv`` input and their
errors (wrong width, missing file, header only, ragged row, non-numeric cell
with its line number), exactly one of the two (exit 2), the table and
``--json`` (probabilities equal to ``fnn.predict`` with the model's own
activations). ``fnn show``: text and ``--json`` (sizes, parameter count,
configuration, per-layer statistics equal to NumPy's on the arrays).
"""

from __future__ import annotations

import csv
import json
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

import fnn
from fnn.io.modelfile import FORMAT, FORMAT_VERSION, META_KEY, Model, ModelFileError, load_model, save_model
from fnn.runs.rundir import write_run
from support import assert_one_line_error as _assert_one_line_error, cli, ok

def assert_one_line_error(result, code: int, *fragments: str) -> str:
    """A one-line error and, since nothing was computed, nothing on stdout."""
    return _assert_one_line_error(result, code, *fragments, stdout_empty=True)


def table_rows(stdout: str) -> list[list[str]]:
    """Body rows of the rich tables in ``stdout``, cells stripped."""
    return [[cell.strip() for cell in line.strip().strip("│").split("│")]
            for line in stdout.splitlines() if line.startswith("│")]


def meta(**changes) -> np.ndarray:
    return np.array(json.dumps({"format": FORMAT, "version": FORMAT_VERSION, "config": {}, **changes}))


# -------------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def trained():
    """A small tanh network (not the sigmoid default, so the model's own settings must be used)."""
    return fnn.fit(epochs=80, hidden=(3, 5), activation="tanh", seed=4)


@pytest.fixture(scope="module")
def model_file(trained, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "model.npz"
    save_model(path, trained.final.params, trained.summary())
    return path


@pytest.fixture
def good_params(trained) -> dict[str, np.ndarray]:
    return {key: np.array(value) for key, value in trained.final.params.items()}


# ---------------------------------------------------------------------------------------------------- round trip


def test_save_then_load_is_bitwise_equal(trained, tmp_path):
    path = save_model(tmp_path / "m.npz", trained.final.params, trained.summary())
    assert path == tmp_path / "m.npz"
    model = load_model(path)
    assert isinstance(model, Model)
    assert list(model.params) == list(trained.final.params)
    for key, original in trained.final.params.items():
        loaded = model.params[key]
        assert loaded.dtype == original.dtype and loaded.shape == original.shape
        assert np.array_equal(loaded, original)
        assert loaded.tobytes() == original.tobytes()
    assert model.sizes == tuple(trained.experiment.params.sizes) == (2, 3, 5, 1)


def test_loaded_model_predicts_identically(trained, model_file):
    model = load_model(model_file)
    x = np.random.default_rng(0).uniform(-1, 2, size=(50, 2))
    e = trained.experiment
    assert np.array_equal(fnn.predict(model.params, x, model.config["activation"], model.config["output"]),
                          fnn.predict(trained.final.params, x, e.activation, e.output))


def test_config_round_trips(trained, model_file):
    config = load_model(model_file).config
    assert config == trained.summary()
    summary = trained.summary()
    for key in ("sizes", "activation", "output", "dataset", "seed", "fnn_version", "hyperparameters", "final_loss"):
        assert config[key] == summary[key], key


def test_any_json_config_round_trips_exactly(good_params, tmp_path):
    config = {"text": "héllo ✓", "none": None, "nested": {"a": [1, 2.5, {"b": False}]}, "tiny": 5e-324, "big": 10**30}
    save_model(tmp_path / "m.npz", good_params, config)
    assert load_model(tmp_path / "m.npz").config == config


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_other_float_dtypes_round_trip(good_params, tmp_path, dtype):
    params = {key: value.astype(dtype) for key, value in good_params.items()}
    save_model(tmp_path / "m.npz", params, {})
    loaded = load_model(tmp_path / "m.npz").params
    assert all(loaded[k].dtype == dtype and loaded[k].tobytes() == params[k].tobytes() for k in params)


def test_a_run_folder_can_be_given_instead_of_its_model(trained, tmp_path, stand_in_figures):
    folder = write_run(tmp_path / "run", trained)
    from_folder, from_file = load_model(folder), load_model(folder / "model.npz")
    assert from_folder.config == from_file.config
    assert all(np.array_equal(from_folder.params[k], from_file.params[k]) for k in from_file.params)
    assert all(np.array_equal(from_file.params[k], trained.final.params[k]) for k in from_file.params)


def test_model_file_is_an_npz_without_pickles(model_file):
    with np.load(model_file, allow_pickle=False) as archive:
        files = sorted(archive.files)
        entry = json.loads(str(archive[META_KEY]))
    assert files == sorted(["W1", "b1", "W2", "b2", "W3", "b3", META_KEY])
    assert entry["format"] == FORMAT and entry["version"] == FORMAT_VERSION


# ---------------------------------------------------------------------------------------------------- atomicity


def _debris(folder: Path, keep: set[str]) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name not in keep)


def test_saving_leaves_only_the_model(good_params, tmp_path):
    save_model(tmp_path / "m.npz", good_params, {})
    save_model(tmp_path / "m.npz", good_params, {"again": True})
    assert os.listdir(tmp_path) == ["m.npz"]


def test_saving_over_a_file_replaces_it_whole(good_params, tmp_path):
    target = tmp_path / "m.npz"
    save_model(target, good_params, {"which": "old"})
    os.link(target, tmp_path / "old-link")  # a second name for the old file's inode
    new_params = {key: value + 1.0 for key, value in good_params.items()}
    save_model(target, new_params, {"which": "new"})
    new = load_model(target)
    assert new.config == {"which": "new"}
    assert all(np.array_equal(new.params[k], new_params[k]) for k in new_params)
    # The old file was renamed over, not truncated and rewritten: its other name still holds the old model.
    old = load_model(tmp_path / "old-link")
    assert old.config == {"which": "old"}
    assert all(np.array_equal(old.params[k], good_params[k]) for k in good_params)
    assert _debris(tmp_path, {"m.npz", "old-link"}) == []


@pytest.mark.parametrize("error", [OSError("No space left on device"), KeyboardInterrupt()])
@pytest.mark.parametrize("existing", [False, True])
def test_a_failed_save_leaves_the_target_untouched_and_no_partial_file(good_params, tmp_path, monkeypatch,
                                                                       error, existing):
    target = tmp_path / "m.npz"
    if existing:
        save_model(target, good_params, {"which": "old"})
    before = target.read_bytes() if existing else None

    def half_written(handle, *args, **kwargs):
        handle.write(b"PK\x03\x04 half a model")
        raise error

    monkeypatch.setattr(np, "savez", half_written)
    with pytest.raises(type(error)):
        save_model(target, {k: v * 2 for k, v in good_params.items()}, {"which": "new"})
    monkeypatch.undo()
    if existing:
        assert target.read_bytes() == before
        assert load_model(target).config == {"which": "old"}
    else:
        assert not target.exists()
    assert _debris(tmp_path, {"m.npz"}) == []


# ---------------------------------------------------------------------------------------------- bad model files


def _foreign(path: Path, params) -> None:
    np.savez(path, a=np.arange(3.0), b=np.eye(2))


def _bad_entries(**entries):
    def write(path: Path, params) -> None:
        data = {**params, META_KEY: meta(config={"activation": "sigmoid"})}
        for key, value in entries.items():
            if value is None:
                data.pop(key)
            else:
                data[key] = value(params) if callable(value) else value
        np.savez(path, **data)
    return write


def _flip_central_directory(offset: int, value: int):
    """Set one byte of the first central-directory header of a real model file (a damaged zip)."""
    def write(path: Path, params) -> None:
        save_model(path, params, {})
        data = bytearray(path.read_bytes())
        start = data.index(b"PK\x01\x02")
        data[start + offset] = value
        path.write_bytes(bytes(data))
    return write


def _truncated(keep):
    def write(path: Path, params) -> None:
        save_model(path, params, {})
        data = path.read_bytes()
        path.write_bytes(data[:keep(len(data))])
    return write


BAD_FILES = [
    pytest.param(lambda p, params: None, "does not exist", id="missing"),
    pytest.param(lambda p, params: p.mkdir(), "folder without a model.npz", id="folder-without-model"),
    pytest.param(lambda p, params: p.write_bytes(b""), "not an .npz archive", id="empty"),
    pytest.param(lambda p, params: p.write_text("x1,x2\n0.1,0.2\n"), "not an .npz archive", id="csv-text"),
    pytest.param(lambda p, params: p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100)), "not an .npz archive", id="png"),
    pytest.param(lambda p, params: p.write_bytes(b"PK\x03\x04"), "not a readable model file", id="zip-magic-only"),
    pytest.param(_truncated(lambda n: 100), "not a readable model file", id="truncated-100-bytes"),
    pytest.param(_truncated(lambda n: n // 2), "not a readable model file", id="truncated-half"),
    pytest.param(_truncated(lambda n: n - 1), "not a readable model file", id="truncated-last-byte"),
    pytest.param(_foreign, "not an fnn model", id="foreign-npz"),
    pytest.param(_bad_entries(fnn=np.array("{not json")), "unreadable 'fnn' entry", id="fnn-not-json"),
    pytest.param(_bad_entries(fnn=np.array('"a string"')), "unreadable 'fnn' entry", id="fnn-json-string"),
    pytest.param(_bad_entries(fnn=np.arange(3.0)), "unreadable 'fnn' entry", id="fnn-numbers"),
    pytest.param(_bad_entries(fnn=meta(format="other")), "unreadable 'fnn' entry", id="fnn-other-format"),
    pytest.param(_bad_entries(fnn=meta(config=[1, 2])), "unreadable 'fnn' entry", id="fnn-config-not-object"),
    pytest.param(_bad_entries(fnn=np.array(json.dumps({"version": 1, "config": {}}))), "unreadable 'fnn' entry",
                 id="fnn-no-format"),
    pytest.param(_bad_entries(fnn=meta(version=FORMAT_VERSION + 1)), f"model format {FORMAT_VERSION + 1}",
                 id="future-version"),
    pytest.param(_bad_entries(fnn=np.array(json.dumps({"format": FORMAT, "config": {}}))), "fnn", id="fnn-no-version"),
    pytest.param(_bad_entries(fnn=meta(version="2")), "fnn", id="fnn-version-string"),
    pytest.param(_bad_entries(b3=None), "does not hold parameters W1, b1", id="missing-b3"),
    pytest.param(_bad_entries(W1=None), "does not hold parameters W1, b1", id="missing-W1"),
    pytest.param(_bad_entries(W4=np.zeros((1, 1))), "does not hold parameters W1, b1", id="W-without-b"),
    pytest.param(_bad_entries(extra=np.zeros(2), extra2=np.zeros(2)), "does not hold parameters", id="extra-entries"),
    pytest.param(lambda p, params: np.savez(p, **{META_KEY: meta()}), "does not hold parameters", id="no-layers"),
    pytest.param(_bad_entries(W2=lambda params: params["W2"].T), "inconsistent shapes at layer 2", id="W2-transposed"),
    pytest.param(_bad_entries(b1=lambda params: params["b1"][:-1]), "inconsistent shapes at layer 1", id="b1-short"),
    pytest.param(_bad_entries(b1=lambda params: params["b1"][None, :]), "inconsistent shapes at layer 1", id="b1-2d"),
    pytest.param(_bad_entries(W1=lambda params: params["W1"].ravel()), "inconsistent shapes at layer 1", id="W1-1d"),
    pytest.param(_bad_entries(W3=lambda params: params["W3"].astype(np.int64)), "non-float parameters at layer 3",
                 id="W3-integers"),
    pytest.param(_bad_entries(W1=np.array([["a", "b", "c"]] * 2)), "non-float parameters at layer 1", id="W1-strings"),
    pytest.param(_bad_entries(b1=np.array(["a", "b", "c"])), "b1", id="b1-strings"),
    pytest.param(_bad_entries(W1=np.zeros((2, 0)), b1=np.zeros(0),
                              W2=lambda params: np.zeros((0, params["W2"].shape[1]))),
         "layer", id="zero-width-layer", marks=[pytest.mark.filterwarnings("ignore::RuntimeWarning")]),
    pytest.param(_flip_central_directory(8, 0x01), "not a readable model file", id="zip-encrypted-flag"),
    pytest.param(_flip_central_directory(6, 0xFF), "not a readable model file", id="zip-version-needed"),
    pytest.param(_flip_central_directory(10, 0x01), "not a readable model file", id="zip-compression-method"),
]


@pytest.fixture
def bad_file(request, tmp_path, good_params):
    write, fragment = request.param
    path = tmp_path / "bad.npz"
    write(path, good_params)
    return path, fragment


def _indirect(cases):
    return [pytest.param((case.values[0], case.values[1]), marks=case.marks, id=case.id) for case in cases]


@pytest.mark.parametrize("bad_file", _indirect(BAD_FILES), indirect=True)
def test_load_model_rejects_bad_files_with_model_file_error(bad_file):
    path, fragment = bad_file
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    message = str(caught.value)
    assert fragment in message
    assert str(path) in message  # names the file
    assert "\n" not in message


@pytest.mark.parametrize("bad_file", _indirect(BAD_FILES), indirect=True)
@pytest.mark.parametrize("command", [["predict", "--points", "0.1,0.2"], ["show"], ["show", "--json"]],
                         ids=["predict", "show", "show-json"])
def test_commands_report_bad_files_in_one_line(bad_file, command):
    path, fragment = bad_file
    result = cli(command[0], path, *command[1:])
    assert_one_line_error(result, 1, fragment, str(path))


class _Trap:
    """Unpickling this calls ``open(marker, "w")``: a file appearing would prove a pickle was loaded."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_object_arrays_are_never_unpickled(good_params, tmp_path):
    marker = tmp_path / "unpickled"
    trap = np.empty(1, dtype=object)
    trap[0] = _Trap(str(marker))
    path = tmp_path / "evil.npz"
    np.savez(path, **good_params, **{META_KEY: meta()}, trap=trap)  # np.savez pickles object arrays
    with np.load(path, allow_pickle=False) as archive:
        assert "trap" in archive.files  # the payload is really there
    pickle.loads(pickle.dumps(trap[0])).close()  # and it would fire if unpickled
    assert marker.exists()
    marker.unlink()

    with pytest.raises(ModelFileError, match="not a readable model file.*allow_pickle"):
        load_model(path)
    assert_one_line_error(cli("show", path), 1, "not a readable model file")
    assert_one_line_error(cli("predict", path, "--points", "0,0"), 1, "not a readable model file")
    assert not marker.exists()


def test_a_parameter_stored_as_object_array_is_refused(good_params, tmp_path):
    params = dict(good_params)
    params["W1"] = params["W1"].astype(object)
    np.savez(tmp_path / "m.npz", **params, **{META_KEY: meta()})
    with pytest.raises(ModelFileError, match="not a readable model file"):
        load_model(tmp_path / "m.npz")


# ------------------------------------------------------------------------------------------------- fnn predict


POINTS = "0.2,0.8; 0.9,0.1;0.5,0.5;-1,3e-1"
POINTS_X = np.array([[0.2, 0.8], [0.9, 0.1], [0.5, 0.5], [-1.0, 0.3]])


def expected_probabilities(model_file: Path, x: np.ndarray) -> np.ndarray:
    model = load_model(model_file)
    assert model.config["activation"] == "tanh"
    return fnn.predict(model.params, x, "tanh", model.config["output"])[:, 0]


def test_predict_json_points(model_file):
    result = ok("predict", model_file, "--points", POINTS, "--json")
    data = json.loads(result.stdout)
    prob = expected_probabilities(model_file, POINTS_X)
    assert data["model"] == str(model_file)
    assert [row["x"] for row in data["predictions"]] == POINTS_X.tolist()
    assert [row["probability"] for row in data["predictions"]] == prob.tolist()  # exact, through JSON
    assert [row["class"] for row in data["predictions"]] == [int(p >= 0.5) for p in prob]
    # The model's tanh is used, not the sigmoid default (which would give other numbers).
    sigmoid = fnn.predict(load_model(model_file).params, POINTS_X, "sigmoid", "sigmoid")[:, 0]
    assert not np.allclose(prob, sigmoid)


def test_predict_table_points(model_file, monkeypatch):
    monkeypatch.chdir(model_file.parent)  # a short path, so the title is not wrapped
    result = ok("predict", "model.npz", "--points", POINTS)
    prob = expected_probabilities(model_file, POINTS_X)
    assert result.stdout.splitlines()[0].strip() == "Predictions of model.npz"
    rows = table_rows(result.stdout)
    assert rows == [[str(i), f"{x1:g}", f"{x2:g}", f"{p:.5f}", str(int(p >= 0.5))]
                    for i, ((x1, x2), p) in enumerate(zip(POINTS_X, prob))]


def test_predict_from_a_run_folder(trained, tmp_path, stand_in_figures):
    folder = write_run(tmp_path / "run", trained)
    data = json.loads(ok("predict", folder, "--points", "0.1,0.9", "--json").stdout)
    e = trained.experiment
    assert data["predictions"][0]["probability"] == fnn.predict(trained.final.params, [[0.1, 0.9]], e.activation,
                                                                e.output)[0, 0]


def test_predict_csv(model_file, tmp_path):
    path = tmp_path / "points.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["x1", "x2"])
        writer.writerows(POINTS_X.tolist())
        handle.write("\n")  # a trailing blank line is fine
    data = json.loads(ok("predict", model_file, "--csv", path, "--json").stdout)
    assert [row["x"] for row in data["predictions"]] == POINTS_X.tolist()
    assert [row["probability"] for row in data["predictions"]] == expected_probabilities(model_file, POINTS_X).tolist()
    table = table_rows(ok("predict", model_file, "--csv", path).stdout)
    assert [row[0] for row in table] == ["2", "3", "4", "5"]  # each point's line in the file


def test_predict_csv_with_a_byte_order_mark_and_crlf(model_file, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffx1,x2\r\n0.2,0.8\r\n0.9,0.1\r\n".encode("utf-8"))
    data = json.loads(ok("predict", model_file, "--csv", path, "--json").stdout)
    assert [row["x"] for row in data["predictions"]] == [[0.2, 0.8], [0.9, 0.1]]


def test_predict_needs_exactly_one_of_points_and_csv(model_file, tmp_path):
    (tmp_path / "p.csv").write_text("x1,x2\n1,2\n")
    assert_one_line_error(cli("predict", model_file), 2, "--points", "--csv", "exactly one")
    assert_one_line_error(cli("predict", model_file, "--points", "1,2", "--csv", tmp_path / "p.csv"), 2,
                          "exactly one")


@pytest.mark.parametrize("points, fragments", [
    ("0.1,0.2,0.3", ("point #0 has 3 values", "takes 2 inputs")),  # numbered from 0, as in the table
    ("0.1,0.2;0.5", ("point #1 has 1 values", "takes 2 inputs")),
    ("0.1,abc", ("point #0", "not a comma list of numbers")),
    ("0.1,,0.2", ("point #0",)),
    ("", ("no points given",)),
    (" ; ", ("no points given",)),
    ("nan,1", ("finite",)),
    ("1,inf", ("finite",)),
])
def test_predict_bad_points(model_file, points, fragments):
    assert_one_line_error(cli("predict", model_file, "--points", points), 2, "--points", *fragments)  # typed: usage


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "points.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, fragments", [
    ("a,b,c\n1,2,3\n", ("has 3 columns", "takes 2 inputs")),  # no input named: taken by position
    ("x1\n1\n", ("no column 'x2'", "inputs are x1, x2")),  # columns are matched by name
    ("x1,x2\n", ("has a header but no data rows",)),
    ("", ("is empty",)),
    ("x1,x2\n1,2\n3\n", ("line 3: 1 cells, but the header has 2 columns",)),
    ("x1,x2\n1,2\n3,4,5\n", ("line 3: 3 cells, but the header has 2 columns",)),
    ("x1,x2\n1,2\n3,abc\n", ("line 3", "not a number")),
    ("x1,x2\n1,nan\n", ("finite",)),
])
def test_predict_bad_csv(model_file, tmp_path, text, fragments):
    assert_one_line_error(cli("predict", model_file, "--csv", _csv(tmp_path, text)), 1, "--csv", *fragments)


def test_predict_missing_csv(model_file, tmp_path):
    assert_one_line_error(cli("predict", model_file, "--csv", tmp_path / "nope.csv"), 1, "--csv", "does not exist")


def test_predict_csv_error_names_the_files_line_number(model_file, tmp_path):
    path = _csv(tmp_path, "x1,x2\n\n1,2\n\n3,abc\n")  # the bad cell is on line 5 of the file
    assert_one_line_error(cli("predict", model_file, "--csv", path), 1, "line 5")


def test_predict_csv_that_is_not_text(model_file):
    assert_one_line_error(cli("predict", model_file, "--csv", model_file), 1, "--csv")


# ---------------------------------------------------------------------------------------------------- fnn show


def test_show_json(trained, model_file):
    data = json.loads(ok("show", model_file, "--json").stdout)
    params = trained.final.params
    assert data["model"] == str(model_file)
    assert data["sizes"] == [2, 3, 5, 1]
    assert data["parameters"] == sum(value.size for value in params.values()) == 2 * 3 + 3 + 3 * 5 + 5 + 5 * 1 + 1
    assert data["config"] == load_model(model_file).config
    assert data["config"]["activation"] == "tanh" and data["config"]["seed"] == 4
    assert [layer["layer"] for layer in data["layers"]] == [1, 2, 3]
    assert [layer["activation"] for layer in data["layers"]] == ["tanh", "tanh", "sigmoid"]
    for layer in data["layers"]:
        W, b = params[f"W{layer['layer']}"], params[f"b{layer['layer']}"]
        assert layer["shape"] == f"{W.shape[0]}x{W.shape[1]}"
        assert layer["w_mean"] == float(np.mean(W)) and layer["w_std"] == float(np.std(W))
        assert layer["w_min"] == float(np.min(W)) and layer["w_max"] == float(np.max(W))
        assert layer["b_abs_max"] == float(np.max(np.abs(b)))


def test_show_text(trained, model_file, monkeypatch):
    monkeypatch.chdir(model_file.parent)
    stdout = ok("show", "model.npz").stdout
    params = trained.final.params
    count = sum(value.size for value in params.values())
    assert stdout.splitlines()[0] == f"model.npz: a 2-3-5-1 network, {count} parameters"
    assert "Trained with" in stdout and "Layers" in stdout
    rows = table_rows(stdout)
    settings = {row[0]: row[1] for row in rows if len(row) == 2}
    config = load_model(model_file).config
    assert settings["activation"] == "tanh" and settings["dataset"] == "xor" and settings["seed"] == "4"
    assert settings["sizes"] == ", ".join(map(str, config["sizes"]))
    assert settings["fnn_version"] == fnn.__version__
    layers = [row for row in rows if len(row) == 8]
    assert len(layers) == 3
    for row in layers:
        W, b = params[f"W{row[0]}"], params[f"b{row[0]}"]
        assert row[1] == f"{W.shape[0]}x{W.shape[1]}"
        assert row[2] == ("sigmoid" if row[0] == "3" else "tanh")
        assert row[3:] == [f"{v:.4g}" for v in (W.mean(), W.std(), W.min(), W.max(), np.abs(b).max())]


def test_show_a_model_saved_without_a_config(good_params, tmp_path):
    save_model(tmp_path / "bare.npz", good_params, {})
    data = json.loads(ok("show", tmp_path / "bare.npz", "--json").stdout)
    assert data["config"] == {} and data["sizes"] == [2, 3, 5, 1]
    assert [layer["activation"] for layer in data["layers"]] == ["?", "?", "?"]


@pytest.mark.parametrize("key", ["scaler", "standardize"])  # "standardize": as older files keep it
def test_a_saved_scaler_is_applied_by_predict(tmp_path, key):
    params = fnn.init_params((2, 3, 1), seed=0)
    scaler = {"mean": [10.0, -5.0], "std": [2.0, 4.0]}
    path = save_model(tmp_path / "model.npz", params, {"activation": "sigmoid", "output": "sigmoid", key: scaler})
    assert load_model(path).config["scaler"] == scaler
    raw = np.array([[12.0, -1.0], [10.0, -5.0]])
    standardized = (raw - np.array(scaler["mean"])) / np.array(scaler["std"])
    expected = fnn.predict(params, standardized)[:, 0]
    data = json.loads(ok("predict", str(path), "--points", "12,-1;10,-5", "--json").stdout)
    np.testing.assert_allclose([point["probability"] for point in data["predictions"]], expected, rtol=1e-12)


def test_a_malformed_old_style_scaler_is_named_by_its_field(tmp_path):
    params = fnn.init_params((2, 3, 1), seed=0)
    path = save_model(tmp_path / "model.npz", params, {"standardize": {"mean": [0.0, 0.0], "std": [1.0, 0.0]}})
    with pytest.raises(ModelFileError, match="'standardize.std' has 0.0 at position 1"):
        load_model(path)
