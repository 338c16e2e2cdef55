"""fnn run --resume: a run continued from its folder gives the numbers of one uninterrupted run of the total
length, bit for bit; model.npz keeps the optimizer state safely."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from fnn.core.params import Params
from fnn.core.transforms import AdamState, Count
from fnn.io.modelfile import META_KEY, ModelFileError, Training, decode_state, encode_state, load_model, save_model

from support import assert_one_line_error, cli, ok

TIMED = {"train_seconds"}


def _same_run(resumed: Path, whole: Path) -> None:
    a, b = (json.loads((folder / "metrics.json").read_text()) for folder in (resumed, whole))
    assert {k: v for k, v in a.items() if k not in TIMED} == {k: v for k, v in b.items() if k not in TIMED}
    ma, mb = load_model(resumed), load_model(whole)
    for key in mb.params:
        np.testing.assert_array_equal(ma.params[key], mb.params[key])  # bit for bit, not close
    assert ma.training.epochs == mb.training.epochs and ma.training.rng == mb.training.rng
    assert (resumed / "history.csv").read_text() == (whole / "history.csv").read_text()


CASES = {
    "sgd": ("-e", "{}"),
    "adam, mini-batches": ("-o", "adam", "--lr", "0.01", "--batch-size", "5", "-e", "{}"),
    "momentum, exponential schedule": ("-o", "momentum", "--lr", "0.5", "--schedule", "exponential",
                                       "--opt", "gamma=0.99", "-e", "{}"),
    "step schedule, rmsprop": ("-o", "rmsprop", "--lr", "0.01", "--schedule", "step", "--opt", "step_size=7",
                               "--batch-size", "8", "-e", "{}"),
    "regression, test split": ("-d", "sine", "--test-split", "0.25", "-o", "adam", "--lr", "0.01", "-e", "{}"),
    "multiclass": ("-d", "blobs", "--classes", "3", "-o", "adam", "--lr", "0.05", "--batch-size", "16", "-e", "{}"),
    # Full batch, so the generator draws only dropout's masks: it must be saved all the same.
    "dropout, full batch": ("-d", "moons", "--dropout", "0.3", "--l1", "1e-3", "-e", "{}"),
    "validation and test splits": ("-d", "moons", "--val-split", "0.2", "--test-split", "0.2", "-o", "adam",
                                   "--lr", "0.05", "-e", "{}"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_resumed_run_equals_one_uninterrupted_run(tmp_path, case):
    args = CASES[case]
    with_epochs = [arg.format(30) for arg in args]
    ok("run", *with_epochs, "--out", tmp_path / "resumed", "-q")
    result = ok("run", "--resume", tmp_path / "resumed", "-e", "20")
    assert "Continuing" in result.stdout and "from epoch 30" in result.stdout
    ok("run", *[arg.format(50) for arg in args], "--out", tmp_path / "whole", "-q")
    _same_run(tmp_path / "resumed", tmp_path / "whole")


def test_a_run_resumed_twice_to_another_folder(tmp_path):
    args = CASES["adam, mini-batches"]
    ok("run", *[arg.format(50) for arg in args], "--out", tmp_path / "whole", "-q")
    # Resumed twice, the second time to --out elsewhere: the folder it came from is left as it was.
    ok("run", *[arg.format(30) for arg in args], "--out", tmp_path / "twice", "-q")
    ok("run", "--resume", tmp_path / "twice", "-e", "5", "-q")
    ok("run", "--resume", tmp_path / "twice", "-e", "15", "-q", "--out", tmp_path / "twice-more")
    _same_run(tmp_path / "twice-more", tmp_path / "whole")
    assert json.loads((tmp_path / "twice" / "metrics.json").read_text())["epochs_trained"] == 35


def test_resume_refusals(tmp_path):
    ok("run", "-e", "10", "--out", tmp_path / "run", "-q")
    assert_one_line_error(cli("run", "--resume", tmp_path / "run"), 2, "needs --epochs")
    assert_one_line_error(cli("run", "--resume", tmp_path / "run", "-e", "5", "--lr", "2"), 2,
                          "leave out --lr", "only --epochs")
    assert_one_line_error(cli("run", "--resume", tmp_path / "run", "-e", "0"), 2, "at least 1")
    assert_one_line_error(cli("run", "--resume", tmp_path / "nothing", "-e", "5"), 2, "is not a folder fnn wrote")
    ok("sweep", "-e", "5", "--seed", "1,2", "--out", tmp_path / "sweep")
    assert_one_line_error(cli("run", "--resume", tmp_path / "sweep", "-e", "5"), 2, "is a sweep folder",
                          "fnn sweep --resume")
    ok("run", "-e", "20", "--schedule", "cosine", "--out", tmp_path / "cosine", "-q")
    assert_one_line_error(cli("run", "--resume", tmp_path / "cosine", "-e", "5"), 1, "cannot be resumed exactly",
                          "--schedule cosine")
    ok("run", "-e", "500", "--lr", "5", "--target-accuracy", "0.5", "--out", tmp_path / "stopped", "-q")
    assert_one_line_error(cli("run", "--resume", tmp_path / "stopped", "-e", "5"), 1, "stopped early")


def test_a_model_file_without_state_cannot_be_resumed(tmp_path):
    ok("run", "-e", "10", "--out", tmp_path / "old", "-q")
    model = load_model(tmp_path / "old")
    save_model(tmp_path / "old" / "model.npz", model.params, model.config)  # as an fnn before --resume wrote it
    assert_one_line_error(cli("run", "--resume", tmp_path / "old", "-e", "5"), 1, "cannot be resumed exactly",
                          "optimizer's state")


def _rewritten(path: Path, change) -> None:
    """The model file at ``path`` with its members changed by ``change(members)`` (name to bytes)."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    change(members)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _npy(array) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _meta(members: dict) -> dict:
    import io

    return json.loads(str(np.load(io.BytesIO(members[f"{META_KEY}.npy"]))))


def _set_meta(members: dict, meta: dict) -> None:
    members[f"{META_KEY}.npy"] = _npy(np.array(json.dumps(meta)))


HOSTILE = {
    "a moment of the wrong shape": (lambda m: m.update({"state0.npy": _npy(np.zeros(3))}), "holds"),
    "a moment as integers": (lambda m: m.update({"state0.npy": _npy(np.zeros(61, dtype=np.int64))}), "holds"),
    "an object array (a pickle)": (lambda m: m.update({"state1.npy": _npy(np.array([{"x": 1}], dtype=object))}),
                                   "never unpickles"),
    "a count that is text": (lambda m: _set_meta(m, _with_state(_meta(m), lambda s: s["tuple"][1]["tuple"][0]
                                                                 .update({"int": "3"}))), "whole number"),
    "another optimizer's state": (lambda m: _set_meta(m, _with_state(_meta(m), lambda s: s["tuple"][1]
                                                                     .update({"name": "Trace"}))), "AdamState"),
    "a state naming a missing array": (lambda m: m.pop("state1.npy"), "names no array"),
    "a training record of the wrong kind": (lambda m: _set_meta(m, {**_meta(m), "training": [1, 2]}),
                                            "unreadable 'training' record"),
    "a huge declared state": (lambda m: m.update({"state0.npy": _header_only((10**10,))}), "more optimizer state"),
}


def _header_only(shape) -> bytes:
    """A .npy header declaring ``shape`` of float64, and no data."""
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buffer.getvalue()


def _with_state(meta: dict, change) -> dict:
    change(meta["training"]["state"])
    return meta


@pytest.fixture(scope="module")
def adam_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("adam") / "run"
    ok("run", "-o", "adam", "-e", "5", "--out", folder, "-q")
    return folder


@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_a_hostile_optimizer_state_is_one_line(tmp_path, case, adam_run):
    shutil.copytree(adam_run, tmp_path / "run")
    change, fragment = HOSTILE[case]
    _rewritten(tmp_path / "run" / "model.npz", change)
    result = cli("run", "--resume", tmp_path / "run", "-e", "5")
    assert_one_line_error(result, 1, fragment)


def test_the_state_encoding_round_trips_and_is_checked_against_the_optimizer():
    params = Params({"W1": np.arange(6.0).reshape(2, 3), "b1": np.array([0.5, -1.0, 2.0])})
    state = (AdamState(7, params, params), Count(3), None, (np.float64(0.25), np.array([1.0, 2.0])))
    tree, arrays = encode_state(state)
    json.dumps(tree)  # plain JSON
    assert all(array.dtype.kind == "f" for array in arrays.values())
    fresh = (AdamState(0, params, params), Count(0), None, (0.0, np.zeros(2)))
    back = decode_state(Training(7, tree, arrays, None), fresh)
    assert back[0].count == 7 and back[1] == Count(3) and back[2] is None and back[3][0] == 0.25
    np.testing.assert_array_equal(back[0].mu["W1"], params["W1"])
    np.testing.assert_array_equal(back[3][1], [1.0, 2.0])
    with pytest.raises(ModelFileError, match=r"at \[1\] is not the optimizer's AdamState"):
        decode_state(Training(7, tree, arrays, None), (fresh[0], fresh[0], None, fresh[3]))
