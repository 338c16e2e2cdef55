"""Hostile input (issue 13, classes 3 and 4): bounded memory and time, and model files and predictions that never lie.

Covers: model files refused from the zip directory and the ``.npy`` headers
before any array is read (a zip bomb, a header declaring terabytes, a member
holding less or more than it declares, too many members, a huge ``fnn``
entry, members that are not ``.npy`` arrays), NaN or infinite weights, and
every configuration field fnn uses checked by type and shape (names, sizes,
features, the scaler: a zero scale, nesting depth), each one ``Error:`` line
with exit 1 from ``fnn predict`` and ``fnn show``; a model naming an
activation no plugin provides; FIFOs, devices and folders given as a model or
a CSV (one line at once, never a hang); ``fnn predict`` refusing points whose
output is not finite (numbered from 0, as the table does) and matching
``--csv`` columns by name (extra ones ignored and listed, missing ones an
error, a file without a header by position, said so); CSVs read in bounded
memory (tracemalloc) and ``MemoryError`` as one line; ``--n-samples`` and
``--hidden`` refused before allocation (a dataset plugin asked for 10**12
points is never called).
"""

from __future__ import annotations

import json
import os
import re
import signal
import struct
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import fnn
import fnn.runs.training
from fnn.io import modelfile as model_io
from fnn.io.data import read_csv, read_numeric_csv
from fnn.errors import ConfigError, DataError
from fnn.io.modelfile import FORMAT, FORMAT_VERSION, META_KEY, ModelFileError, load_model, save_model
from fnn.runs.training import RunConfig, prepare
from support import assert_one_line_error, cli, ok

PARAMS = {"W1": np.full((2, 3), 0.5), "b1": np.zeros(3), "W2": np.ones((3, 1)), "b2": np.zeros(1)}
CONFIG = {"activation": "tanh", "output": "sigmoid", "features": ["x1", "x2"], "sizes": [2, 3, 1], "hidden": [3]}


@pytest.fixture(autouse=True)
def no_hang():
    """A test that would hang (a FIFO opened for reading) fails after a few seconds instead."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def timeout(signum, frame):
        raise TimeoutError("hung")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def npy_header(shape, dtype="<f8") -> bytes:
    """A version 1.0 ``.npy`` header declaring ``shape`` and ``dtype`` (nothing else is written)."""
    text = repr({"descr": dtype, "fortran_order": False, "shape": tuple(shape)})
    padding = 64 - (10 + len(text) + 1) % 64
    body = (text + " " * padding + "\n").encode("latin1")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(body)) + body


def meta_array(config=None, **changes) -> np.ndarray:
    return np.array(json.dumps({"format": FORMAT, "version": FORMAT_VERSION, "config": CONFIG if config is None
                                else config, **changes}))


def write_npz(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_STORED) -> Path:
    """A zip of raw member bytes, as a hand-made (or hostile) ``.npz``."""
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def npy(array) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def good_members(**replace) -> dict[str, bytes]:
    members = {f"{key}.npy": npy(value) for key, value in PARAMS.items()}
    members[f"{META_KEY}.npy"] = npy(meta_array())
    members.update(replace)
    return {name: data for name, data in members.items() if data is not None}


def model_with(tmp_path: Path, config=None, params=None, **meta) -> Path:
    """A model written by fnn's own ``save_model`` with ``config`` (or CONFIG) and ``params`` (or PARAMS)."""
    path = tmp_path / "model.npz"
    np.savez(path, **(params or PARAMS), **{META_KEY: meta_array(config, **meta)})
    return path


def refused(path: Path, *fragments: str) -> str:
    """``load_model``, ``fnn show`` and ``fnn predict`` all refuse ``path`` in one line naming it and ``fragments``."""
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    message = str(caught.value)
    assert "\n" not in message and repr(str(path)) in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    for command in (["show"], ["predict", path, "--points", "0.1,0.2"]):
        args = command if len(command) > 1 else [*command, path]
        assert_one_line_error(cli(*args), 1, *fragments, stdout_empty=True)
    return message


def test_the_hand_made_good_model_loads(tmp_path):
    model = load_model(write_npz(tmp_path / "m.npz", good_members()))
    assert model.sizes == (2, 3, 1) and model.config == CONFIG


# ------------------------------------------------------------------------------------- sizes before any data


def test_a_zip_bomb_is_refused_from_its_sizes_without_inflating(tmp_path, monkeypatch):
    # A real bomb, scaled down: the limit is lowered to 1 MB and W1 inflates to 8 MB of zeros from 8 KB.
    monkeypatch.setattr(model_io, "MAX_PARAMETER_BYTES", 1_000_000)
    header = npy_header((1000, 1000))
    path = write_npz(tmp_path / "bomb.npz", good_members(**{"W1.npy": header + bytes(8_000_000)}), zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 50_000
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=r"member 'W1' declares a 1000x1000 float64 array \(8.0 MB\)"):
            load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


@pytest.mark.parametrize("shape, dtype, fragment", [
    ((1 << 20, 1 << 20), "<f8", "1048576x1048576 float64 array (8.8 TB)"),  # 7 TiB declared by a 5 KB file
    ((60_000_000,), "<f8", "60000000 float64"),
    ((10, 10, 10, 10, 10, 10, 10, 10, 10), "<f4", "float32"),
    ((7_000_000, 8), "<U100", "<U100"),
], ids=["7-TiB", "just-over-the-limit", "many-axes", "strings"])
def test_a_header_declaring_more_than_a_model_holds_is_refused(tmp_path, shape, dtype, fragment):
    path = write_npz(tmp_path / "liar.npz", good_members(**{"W1.npy": npy_header(shape, dtype) + bytes(4096)}))
    assert path.stat().st_size < 10_000
    message = refused(path, "member 'W1' declares", fragment, "at most 50,000,000 parameters")
    assert len(message) < 300


@pytest.mark.parametrize("data, fragment", [
    (npy_header((2, 3)) + bytes(47), "declares 48 bytes of data but holds 47 bytes"),
    (npy_header((2, 3)) + bytes(49), "declares 48 bytes of data but holds 49 bytes"),
    (npy_header((2, 3)), "holds 0 bytes"),
], ids=["short", "long", "header-only"])
def test_a_member_holding_other_than_it_declares_is_refused(tmp_path, data, fragment):
    refused(write_npz(tmp_path / "m.npz", good_members(**{"W1.npy": data})), "member 'W1'", fragment)


def test_parameters_adding_up_to_more_than_the_limit_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(model_io, "MAX_PARAMETERS", 7)  # W1 (6) fits, W1 + b1 (9) does not
    refused(model_with(tmp_path), "member 'b1' declares", "at most 7 parameters")


@pytest.mark.parametrize("count", [model_io.MAX_MEMBERS + 1])
def test_too_many_members_are_refused_from_the_end_record(tmp_path, count):
    members = good_members(**{f"x{i}.npy": b"" for i in range(count)})
    refused(write_npz(tmp_path / "many.npz", members), "members", f"at most {model_io.MAX_MEMBERS:,}")


def test_a_huge_fnn_entry_is_refused_from_its_header(tmp_path):
    chars = model_io.MAX_META_CHARS + 1
    members = good_members(**{f"{META_KEY}.npy": npy_header((), f"<U{chars}") + bytes(100)})
    refused(write_npz(tmp_path / "m.npz", members), f"{chars:,} characters", "at most")


@pytest.mark.parametrize("members, fragment", [
    ({"W1": npy(PARAMS["W1"])}, "'W1' is not a .npy array"),
    ({"notes.txt": b"hello"}, "'notes.txt' is not a .npy array"),
    ({"W1.npy": b"not an array at all"}, "not a readable model file"),
    ({"W1.npy": b"\x93NUMPY\x03\x00" + bytes(60)}, "not a readable model file"),
    ({"W1.npy": npy_header((2, 3), "|O") + bytes(48)}, "allow_pickle"),
    ({"W1.npy": npy_header((2, 3), [("a", "<f8"), ("b", "|O")]) + bytes(96)}, "allow_pickle"),
], ids=["no-npy-suffix", "text-member", "no-magic", "format-3", "object-header", "structured-object"])
def test_members_must_be_npy_arrays_of_numbers(tmp_path, members, fragment):
    refused(write_npz(tmp_path / "m.npz", good_members(**{"W1.npy": None, **members})), fragment)


def test_a_zip64_end_record_is_read_for_its_member_count(tmp_path):
    path = write_npz(tmp_path / "m.npz", good_members())
    data = path.read_bytes()
    end = data.rindex(b"PK\x05\x06")
    directory_size, directory_offset = struct.unpack("<II", data[end + 12:end + 20])
    record = (b"PK\x06\x06" + struct.pack("<QHHII", 44, 45, 45, 0, 0)
              + struct.pack("<QQQQ", 10**9, 10**9, directory_size, directory_offset))
    locator = b"PK\x06\x07" + struct.pack("<IQI", 0, end, 1)
    path.write_bytes(data[:end] + record + locator + data[end:])
    refused(path, "1,000,000,000 members")


# ------------------------------------------------------------------------------------ what the arrays hold


@pytest.mark.parametrize("key, value", [("W1", np.nan), ("W2", np.inf), ("b1", -np.inf), ("b2", np.nan)])
def test_nan_or_infinite_weights_are_refused_naming_the_array(tmp_path, key, value):
    params = {k: v.copy() for k, v in PARAMS.items()}
    params[key].flat[-1] = value
    refused(model_with(tmp_path, params=params), f"NaN or infinite values in {key}")


def test_save_model_then_load_refuses_nan_weights_of_a_diverged_run(tmp_path):
    params = {k: v * np.nan for k, v in PARAMS.items()}
    save_model(tmp_path / "m.npz", params, CONFIG)
    refused(tmp_path / "m.npz", "NaN or infinite values in W1")


# ------------------------------------------------------------------------------------- configuration fields


def nested(depth: int):
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("change, fragment", [
    ({"activation": 3}, "field 'activation' must be a name (a string), not a number"),
    ({"output": ["sigmoid"]}, "field 'output' must be a name (a string), not a list"),
    ({"activation": None}, "field 'activation'"),
    ({"loss": {"x": 1}}, "field 'loss'"),
    ({"features": ["x1"]}, "field 'features' names 1 inputs, but the model takes 2"),
    ({"features": ["x1", "x2", "x3"]}, "field 'features' names 3 inputs"),
    ({"features": ["x1", 2]}, "field 'features' must be a list of column names"),
    ({"features": "x1,x2"}, "field 'features' must be a list"),
    ({"features": ["x1", "x1"]}, "field 'features' repeats a name"),
    ({"sizes": [2, 4, 1]}, "field 'sizes' is [2, 4, 1], but the parameters' sizes give [2, 3, 1]"),
    ({"hidden": "3"}, "field 'hidden'"),
    ({"scaler": {"mean": [0, 0], "std": [1, 0]}}, "field 'scaler.std' has 0 at position 1"),
    ({"scaler": {"mean": [0, 0], "std": [-2, 1]}}, "field 'scaler.std' has -2 at position 0"),
    ({"scaler": {"mean": [0, 0], "std": [1]}}, "field 'scaler.std' must be a list of 2 numbers"),
    ({"scaler": {"mean": [0, 0, 0], "std": [1, 1]}}, "field 'scaler.mean' must be a list of 2"),
    ({"scaler": {"mean": [0, float("nan")], "std": [1, 1]}}, "'scaler.mean' has NaN at position 1"),
    ({"scaler": {"mean": [0, 0], "std": [1, float("inf")]}}, "'scaler.std' has Infinity at position 1"),
    ({"scaler": {"mean": [0, "0"], "std": [1, 1]}}, "'scaler.mean' has \"0\" at position 1"),
    ({"scaler": {"mean": [0, True], "std": [1, 1]}}, "'scaler.mean' has true"),
    ({"standardize": {"mean": [0, 0]}}, "field 'standardize' must be an object"),
    ({"scaler": [0, 1]}, "field 'scaler' must be an object"),
    ({"target_scaler": {"mean": [0], "std": [1]}}, "field 'target_scaler' is set, but only a regression model's"),
    ({"task": "regression", "target_scaler": [0, 1]}, "field 'target_scaler' must be an object"),
    ({"task": "regression", "target_scaler": {"mean": [0], "std": [0]}}, "'target_scaler.std' has 0 at position 0"),
    ({"task": "regression", "target_scaler": {"mean": [0, 0], "std": [1]}},
     "field 'target_scaler.mean' must be a list of 1 numbers, one per output"),
    ({"task": "regression", "target_scaler": {"mean": [float("nan")], "std": [1]}}, "'target_scaler.mean' has NaN"),
    ({"task": "regression", "target_scaler": {"mean": [0], "std": ["1"]}}, "'target_scaler.std' has \"1\""),
    ({"deep": nested(40)}, "nested deeper than 32 levels"),
], ids=lambda value: None if isinstance(value, str) else json.dumps(value)[:40])
def test_each_config_field_fnn_uses_is_checked(tmp_path, change, fragment):
    refused(model_with(tmp_path, {**CONFIG, **change}), fragment)


def test_a_config_nested_beyond_the_parser_stack_is_one_line(tmp_path):
    text = '{"format": "%s", "version": 1, "config": {"a": %s1%s}}' % (FORMAT, "[" * 100_000, "]" * 100_000)
    np.savez(tmp_path / "m.npz", **PARAMS, **{META_KEY: np.array(text)})
    refused(tmp_path / "m.npz", "nested deeper than")


def test_fields_fnn_does_not_use_may_hold_any_json_within_the_depth(tmp_path):
    config = {**CONFIG, "deep": nested(20), "note": {"any": [1, None, "x"]}, "sizes": [2, 3, 1]}
    assert load_model(model_with(tmp_path, config)).config == config


def test_an_activation_no_plugin_provides_is_one_line_when_used_but_show_works(tmp_path):
    path = model_with(tmp_path, {**CONFIG, "activation": "swishy"})
    assert load_model(path).config["activation"] == "swishy"
    assert "swishy" in ok("show", path).stdout
    assert_one_line_error(cli("predict", path, "--points", "0.1,0.2"), 1, repr(str(path)), "field 'activation'",
                          "unknown activation 'swishy'", "installed", stdout_empty=True)


# ---------------------------------------------------------------------------------------- not regular files


def special_files(tmp_path: Path) -> list[tuple[Path, str]]:
    cases = [(tmp_path, "a folder")]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe")
        cases.append((tmp_path / "pipe", "a named pipe (FIFO)"))
    cases += [(Path(device), "a device") for device in ("/dev/zero", "/dev/urandom") if os.path.exists(device)]
    return cases


def test_a_fifo_device_or_folder_as_a_model_is_one_line_at_once(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    for path, kind in special_files(tmp_path / "run"):
        if path == folder:
            assert_one_line_error(cli("show", path), 1, "folder without a model.npz")
            continue
        with pytest.raises(ModelFileError, match="not a regular file"):
            load_model(path)
        assert_one_line_error(cli("show", path), 1, repr(str(path)), kind, "not a regular file", stdout_empty=True)
    os.mkfifo(folder / "model.npz")  # a run folder whose model is a FIFO
    assert_one_line_error(cli("predict", folder, "--points", "0,0"), 1, "named pipe", "not a regular file")


def test_a_fifo_device_or_folder_as_a_csv_is_one_line_at_once(tmp_path):
    model = model_with(tmp_path)
    (tmp_path / "data").mkdir()
    for path, kind in special_files(tmp_path / "data"):
        with pytest.raises(DataError, match=re.escape(f"is {kind}, not a regular file")):
            read_csv(path)
        assert_one_line_error(cli("run", "--data", path, "-e", "1"), 1, repr(str(path)), kind, stdout_empty=True)
        assert_one_line_error(cli("predict", model, "--csv", path), 1, "--csv", kind, stdout_empty=True)


# ------------------------------------------------------------------------------------------------ fnn predict


@pytest.fixture
def exploding(tmp_path) -> Path:
    """A relu model whose output is inf - inf = NaN for large inputs (and a fine number for small ones)."""
    params = {"W1": np.array([[10.0, 10.0], [0.0, 0.0]]), "b1": np.zeros(2), "W2": np.array([[1.0], [-1.0]]),
              "b2": np.zeros(1)}
    return model_with(tmp_path, {"activation": "relu", "output": "sigmoid", "features": ["x1", "x2"]}, params)


@pytest.mark.parametrize("points, fragment", [
    ("1e308,0", "point #0 (1e+308, 0)"),
    ("0.1,0.2; 0.3,0.4; 1e308,1", "point #2 (1e+308, 1)"),
    ("0,0;1e308,0;-1,0;1e308,5", "point #1 (1e+308, 0) (and 1 more)"),
])
def test_a_point_whose_output_is_not_finite_is_refused_not_classed(exploding, points, fragment):
    message = assert_one_line_error(cli("predict", exploding, "--points", points), 1, "--points", fragment,
                                    "output nan", "numbered from 0", stdout_empty=True)
    assert "class 0" not in message
    assert_one_line_error(cli("predict", exploding, "--points", points, "--json"), 1, fragment, stdout_empty=True)


def test_a_csv_point_whose_output_is_not_finite_names_its_line(exploding, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("x1,x2\n0.1,0.2\n\n1e308,0\n")
    assert_one_line_error(cli("predict", exploding, "--csv", path), 1, f"--csv {str(path)!r} line 4: the point (")


def test_a_scaler_pushing_points_out_of_range_is_refused_too(tmp_path):
    path = model_with(tmp_path, {"activation": "relu", "standardize": {"mean": [0, 0], "std": [1e-300, 1]}},
                      {"W1": np.array([[1.0, 1.0], [0, 0]]), "b1": np.zeros(2), "W2": np.array([[1.0], [-1.0]]),
                       "b2": np.zeros(1)})
    assert_one_line_error(cli("predict", path, "--points", "0,0;1e10,0"), 1, "point #1", stdout_empty=True)


def predictions(model: Path, path: Path, *extra: str):
    result = ok("predict", model, "--csv", path, "--json", *extra)
    data = json.loads(result.stdout)
    return [row["x"] for row in data["predictions"]], data["notes"]


@pytest.fixture
def named_model(tmp_path) -> Path:
    return model_with(tmp_path, {**CONFIG, "features": ["height", "weight"]})


def test_csv_columns_are_matched_by_name_and_extra_ones_listed(named_model, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,weight,label,height\n7,60,1,1.7\n8,80,0,1.9\n")
    x, notes = predictions(named_model, path)
    assert x == [[1.7, 60.0], [1.9, 80.0]]
    assert notes == ["ignored columns id, label", "columns matched by name (height, weight)"]
    table = ok("predict", named_model, "--csv", path).stdout
    assert "ignored columns id, label" in " ".join(table.split())
    assert table.index("height") < table.index("weight")


def test_csv_columns_in_the_models_order_need_no_note(named_model, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("height,weight\n1.7,60\n")
    assert predictions(named_model, path) == ([[1.7, 60.0]], [])
    path.write_text("height,weight,label\n1.7,60,1\n")
    assert predictions(named_model, path) == ([[1.7, 60.0]], ["ignored column label"])


@pytest.mark.parametrize("header, missing", [("height,label", "'weight'"), ("a,b", "'height', 'weight'"),
                                             ("Height,Weight", "'height', 'weight'")])
def test_csv_missing_a_models_column_is_one_line_naming_it(named_model, tmp_path, header, missing):
    path = tmp_path / "p.csv"
    path.write_text(f"{header}\n1,2\n")
    assert_one_line_error(cli("predict", named_model, "--csv", path), 1, f"has no column {missing}",
                          "inputs are height, weight", f"columns are {header.replace(',', ', ')}", stdout_empty=True)


def test_a_csv_without_a_header_is_taken_in_order_and_says_so(named_model, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("1.7,60\n1.9,80\n")
    assert predictions(named_model, path) == ([[1.7, 60.0], [1.9, 80.0]],
                                             ["no header row: the 2 columns are taken as the inputs in order"])
    path.write_text("1.7,60,1\n")
    assert_one_line_error(cli("predict", named_model, "--csv", path), 1, "has 3 columns", "takes 2 inputs")
    path.write_text("1.7,60\n1.9\n")
    assert_one_line_error(cli("predict", named_model, "--csv", path), 1, "line 2: 1 cells, but the first row has 2")


def test_a_model_without_input_names_takes_columns_in_order(tmp_path):
    model = model_with(tmp_path, {"activation": "tanh"})
    path = tmp_path / "p.csv"
    path.write_text("b,a\n1,2\n")
    assert predictions(model, path) == ([[1.0, 2.0]], ["the model saved no input names: columns taken in order"])


def test_a_built_in_dataset_models_stand_in_names_x1_x2(tmp_path):
    model = model_with(tmp_path)  # features x1, x2: what a run on a built-in dataset saves
    path = tmp_path / "p.csv"
    path.write_text("x2,x1,label\n1,2,0\n")
    assert predictions(model, path)[0] == [[2.0, 1.0]]  # named: by name
    path.write_text("u,v\n1,2\n")
    assert predictions(model, path) == ([[1.0, 2.0]], ["columns u, v taken in order as x1, x2"])
    path.write_text("x1,v\n1,2\n")
    assert_one_line_error(cli("predict", model, "--csv", path), 1, "no column 'x2'")


# --------------------------------------------------------------------------------------------- CSV memory


def test_reading_a_csv_takes_a_small_multiple_of_its_values(tmp_path):
    rng = np.random.default_rng(0)
    values = np.column_stack([rng.normal(size=(20_000, 4)), rng.integers(0, 2, 20_000)])
    path = tmp_path / "big.csv"
    np.savetxt(path, values, delimiter=",", header="a,b,c,d,label", comments="", fmt="%.8g")
    tracemalloc.start()
    try:
        table = read_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    arrays = table.x.nbytes + table.y.nbytes
    assert table.x.shape == (20_000, 4)
    assert peak < 3 * arrays, (peak, arrays)


def test_reading_text_labels_takes_a_small_multiple_of_the_values_too(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 4))
    names = np.array(["setosa", "versicolor", "virginica"])[rng.integers(0, 3, 20_000)]
    path = tmp_path / "big.csv"
    path.write_text("a,b,c,d,species\n" + "".join(f"{a:.8g},{b:.8g},{c:.8g},{d:.8g},{name}\n"
                                                   for (a, b, c, d), name in zip(x.tolist(), names)))
    tracemalloc.start()
    try:
        table = read_csv(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert table.classes == ("setosa", "versicolor", "virginica") and table.x.shape == (20_000, 4)
    assert peak < 3 * (table.x.nbytes + table.y.nbytes), peak  # the names are held once each, not per row


def test_running_out_of_memory_while_reading_is_one_line(tmp_path, monkeypatch):
    path = tmp_path / "d.csv"
    path.write_text("x1,x2,label\n0,1,0\n1,0,1\n")

    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(np, "empty", no_memory)
    with pytest.raises(DataError, match="too large to read into this machine's memory"):
        read_csv(path)
    assert_one_line_error(cli("run", "--data", path, "-e", "1"), 1, "too large to read", stdout_empty=True)


def test_a_headerless_file_is_refused_unless_a_header_is_optional(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("\n1,2\n3,4\n")
    header, values, lines = read_numeric_csv(path, header_optional=True)
    assert header is None and values.tolist() == [[1, 2], [3, 4]] and lines.tolist() == [2, 3]
    with pytest.raises(DataError, match="no header row"):
        read_numeric_csv(path)


# ------------------------------------------------------------------------------------ memory before training


def never_called(rng, n=None, noise=0.0):
    """Loads a few points (fnn's load-time check asks for 5), never a run's impossible number."""
    if n is None or n > 1000:
        raise AssertionError(f"the dataset was asked for {n} points")
    x = rng.uniform(size=(n, 2))
    return x, (x[:, :1] > 0.5).astype(float)


class HugeDataset:
    @fnn.hookimpl
    def fnn_datasets(self):
        yield fnn.DatasetSpec("huge", never_called, "never loaded with a run's size")


@pytest.mark.parametrize("args, fragment", [
    (["--n-samples", str(10**12)], "1,000,000,000,000 points through hidden layers 4,8 need at least"),
    (["--n-samples", str(10**9), "--hidden", "100000"], "hidden layers 100000"),
])
def test_an_impossible_n_samples_is_refused_before_the_dataset_is_loaded(fnn_registry, args, fragment):
    fnn_registry(HugeDataset())
    with pytest.raises(ConfigError, match="is available"):
        prepare(RunConfig(dataset="huge", n_samples=int(args[1])))
    assert_one_line_error(cli("run", "-d", "huge", *args, "-e", "1"), 2, fragment, "is available", "--n-samples",
                          stdout_empty=True)


def test_hidden_widths_too_large_for_the_data_are_refused_before_allocation(tmp_path, monkeypatch):
    path = tmp_path / "d.csv"
    path.write_text("x1,x2,label\n" + "0,1,0\n1,0,1\n" * 50)
    monkeypatch.setattr(fnn.runs.training, "available_memory", lambda: 100_000)
    called = []
    init_params = fnn.runs.training.init_params
    monkeypatch.setattr(fnn.runs.training, "init_params", lambda *a, **k: called.append(a) or init_params(*a, **k))
    with pytest.raises(ConfigError, match=r"100 points through hidden layers 500,500 need at least .* 100.0 KB"):
        prepare(RunConfig(data=str(path), hidden=(500, 500)))
    assert called == []
    assert prepare(RunConfig(data=str(path), hidden=(4,))) is not None  # small enough
    assert len(called) == 1


def test_without_a_memory_reading_nothing_is_refused(monkeypatch):
    monkeypatch.setattr(fnn.runs.training, "available_memory", lambda: None)
    assert len(prepare(RunConfig(n_samples=50)).x) == 50


def test_available_memory_is_a_positive_number_here():
    available = fnn.runs.training.available_memory()
    assert available is None or available > 0
