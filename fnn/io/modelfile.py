"""Saved models: trained parameters plus the settings needed to use them again.

A model file is a NumPy ``.npz`` archive holding the arrays ``W1, b1, ...``
and one more entry, ``fnn``, a JSON string with the format version and the
run's configuration (sizes, activation, output, dataset, seed, fnn version,
...). It is written atomically (a temporary file in the same folder, then a
rename). Reading trusts nothing in the file: sizes are checked from the zip
directory and each array's ``.npy`` header before any data is read, object
arrays are refused unread (a model file can never run code), and every
field fnn uses is checked by type and shape.
"""

from __future__ import annotations

import json
import math
import os
import re
import secrets
import struct
import zipfile
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import numpy as np
from numpy.lib import format as np_format

from fnn.io.data import MAX_CLASS_NAME, open_regular
from fnn.errors import ConfigError, FnnError, readable_bytes
from fnn.core import features
from fnn.core.network import MAX_PARAMETERS
from fnn.core.params import Params, layer_sizes
from fnn.core.records import TASKS
from fnn.core.tasks import MAX_CLASSES

FORMAT = "fnn-model"
FORMAT_VERSION = 1
META_KEY = "fnn"
ZIP_MAGIC = b"PK\x03\x04"


class ModelFileError(FnnError):
    """A model file that is missing, unreadable, corrupt or not fnn's."""


class Training(NamedTuple):
    """Where training stood when a model was saved, so that ``fnn run --resume`` can continue it exactly:
    the epochs trained, the optimizer's state (as :func:`encode_state` wrote it, read back against the
    optimizer's own by :func:`decode_state`), and the mini-batch generator's ``bit_generator.state`` (None in
    full batch)."""

    epochs: int
    state: Any  # the encoded tree (JSON)
    arrays: dict[str, np.ndarray]  # the tree's arrays, by the names the encoded tree gives them
    rng: dict | None


class Model(NamedTuple):
    """A loaded model: its parameters, the configuration it was trained with, and where its training stood
    (None in files written before fnn saved it)."""

    params: Params
    config: dict[str, Any]
    training: Training | None = None

    @property
    def sizes(self) -> tuple[int, ...]:
        return layer_sizes(self.params)

    @property
    def task(self) -> str:
        """The task it was trained for; files written before tasks existed are binary classifiers."""
        return self.config.get("task", "binary")

    @property
    def classes(self) -> tuple[str, ...]:
        """The class names in output order (``"0"``, ``"1"``, ... when the file names none); empty in regression."""
        if self.task == "regression":
            return ()
        saved = self.config.get("classes")
        return tuple(saved) if saved else tuple(str(k) for k in range(max(2, self.sizes[-1])))

    @property
    def columns(self) -> list[str] | None:
        """The names of the columns it takes: the data's columns, which ``--features`` (when the run gave it)
        turned into its inputs, else the inputs' own names; None when the file names none."""
        if self.config.get("feature_spec") is not None:
            return list(self.config["columns"])
        return self.config.get("features")

    @property
    def width(self) -> int:
        """How many values each point given to the model has: one per column (see :attr:`columns`)."""
        return len(self.config["columns"]) if self.config.get("feature_spec") is not None else self.sizes[0]

    @property
    def labels(self) -> tuple[str, ...]:
        """The names of the label columns it was trained on (a CSV's), or empty when unknown."""
        return tuple(self.config.get("labels") or ())


def save_model(path: str | os.PathLike, params: Mapping[str, np.ndarray], config: Mapping[str, Any],
               training: tuple[int, Any, dict | None] | None = None) -> Path:
    """Write ``params`` and ``config`` (JSON-serialisable) to ``path`` atomically; return the path. With
    ``training`` = ``(epochs trained, optimizer state, mini-batch generator state or None)``, also where
    training stood (see :class:`Training`)."""
    path = Path(path)
    record: dict[str, Any] = {"format": FORMAT, "version": FORMAT_VERSION, "config": dict(config)}
    state_arrays: dict[str, np.ndarray] = {}
    if training is not None:
        epochs, state, rng = training
        encoded, state_arrays = encode_state(state)
        record["training"] = {"epochs": epochs, "state": encoded, "rng": rng}
    meta = json.dumps(record)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        with open(partial, "xb") as handle:  # "x": never clobber; plain open keeps the user's umask
            arrays = {key: np.asarray(value) for key, value in params.items()}
            # numpy's stub lets mypy match **arrays against savez's allow_pickle: bool as well.
            np.savez(handle, **arrays, **state_arrays, **{META_KEY: np.array(meta)})  # type: ignore[arg-type]
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return path


def load_model(path: str | os.PathLike) -> Model:
    """Read a model written by :func:`save_model` (or the ``model.npz`` of a run folder given as ``path``).

    Raises ``ModelFileError`` saying what is wrong with a missing or bad file.
    Sizes are checked from the zip directory and each array's header before
    any array is read (a zip bomb or a header declaring terabytes costs
    nothing), and every field fnn uses is checked by type and shape.
    """
    path = Path(path)
    if path.is_dir():
        if not (path / "model.npz").exists():
            raise ModelFileError(f"{str(path)!r} is a folder without a model.npz; give a model file or a run folder")
        path = path / "model.npz"
    name = repr(str(path))
    with open_regular(path, ModelFileError, "model file") as handle:
        if handle.read(4) != ZIP_MAGIC:
            raise ModelFileError(f"{name} is not an .npz archive; a model file is the model.npz of a run folder")
        try:
            entries = _read_entries(name, handle)
        # zipfile reports damaged headers in several ways (encrypted flag, unknown version, ...).
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, RuntimeError, NotImplementedError,
                struct.error) as error:
            raise ModelFileError(f"{name} is not a readable model file: {_reason(error)}") from None
        except MemoryError:
            raise ModelFileError(f"{name} does not fit in this machine's memory") from None
    if META_KEY not in entries:
        raise ModelFileError(f"{name} is not an fnn model (no {META_KEY!r} entry); save models with fnn run --out")
    try:
        entry = entries.pop(META_KEY)
        meta = json.loads(str(entry)) if entry.dtype.kind == "U" and entry.ndim == 0 else {}
        config = meta["config"]
        ok = meta["format"] == FORMAT and isinstance(config, dict) and type(meta["version"]) is int
    except RecursionError:
        raise ModelFileError(f"{name} has an {META_KEY!r} entry nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        raise ModelFileError(f"{name} has an unreadable {META_KEY!r} entry; it is not an fnn model file")
    if meta["version"] > FORMAT_VERSION:
        raise ModelFileError(f"{name} uses model format {meta['version']}; this fnn reads up to {FORMAT_VERSION}")
    state_arrays = {key: entries.pop(key) for key in [key for key in entries if key.startswith(STATE_PREFIX)]}
    params = Params(_checked_params(name, entries))
    training = _checked_training(name, meta.get("training"), state_arrays)
    return Model(params, _checked_config(name, config, layer_sizes(params)), training)


STATE_PREFIX = "state"
"""The names of the optimizer state's arrays in a model file: ``state0``, ``state1``, ..."""
MAX_STATE_ARRAYS = 16
"""The most arrays an optimizer's state may hold in a model file (Adam's holds two)."""
MAX_STATE_NUMBERS = 4 * MAX_PARAMETERS
"""The most numbers they may hold in all: Adam's two moments, and room for a plugin's optimizer."""


def encode_state(state: Any) -> tuple[Any, dict[str, np.ndarray]]:
    """An optimizer's state as JSON and arrays, without pickle: ``(tree, arrays)``.

    The state is a tree of tuples, named tuples, parameter mappings (:class:`Params`), arrays and
    numbers. In the JSON tree a tuple is ``{"tuple": [...]}`` (with ``"name"``, its class's, for a named
    tuple), a mapping ``{"params": NAME, "keys": [...]}`` (its arrays, raveled in key order, are the array
    NAME), an array ``{"array": NAME}``, an int ``{"int": n}``, a float ``{"float": x}``, None null.
    :func:`decode_state` reads it back only into the shape of the optimizer's own fresh state."""
    arrays: dict[str, np.ndarray] = {}

    def named(array: np.ndarray) -> str:
        name = f"{STATE_PREFIX}{len(arrays)}"
        arrays[name] = array
        return name

    def walk(node: Any) -> Any:
        if node is None:
            return None
        if isinstance(node, Mapping):
            values = [np.ravel(np.asarray(value)) for value in node.values()]
            return {"params": named(np.concatenate(values) if values else np.array([])), "keys": list(node)}
        if isinstance(node, np.ndarray):
            return {"array": named(node)}
        if isinstance(node, (bool, np.bool_)):
            raise ModelFileError("an optimizer state holding a truth value cannot be saved")
        if isinstance(node, (int, np.integer)):
            return {"int": int(node)}
        if isinstance(node, (float, np.floating)):
            return {"float": float(node)}
        if isinstance(node, tuple):
            encoded: dict[str, Any] = {"tuple": [walk(child) for child in node]}
            if hasattr(node, "_fields"):
                encoded["name"] = type(node).__name__
            return encoded
        raise ModelFileError(f"an optimizer state holding {type(node).__name__} cannot be saved; a state is "
                             "tuples, named tuples, parameter mappings, arrays and numbers")

    return walk(state), arrays


def decode_state(training: Training, template: Any, name: str = "the model file") -> Any:
    """The optimizer state :func:`encode_state` wrote, read into the shape of ``template`` (the optimizer's
    fresh ``init(params)``): every tuple, name, key, shape and dtype must match it, or ``ModelFileError``
    says where it does not."""
    arrays = training.arrays

    def fail(where: str, problem: str) -> ModelFileError:
        return ModelFileError(f"{name} cannot be resumed: its optimizer state at {where or 'the top'} {problem}")

    def array(encoded: dict, key: str, where: str) -> np.ndarray:
        member = encoded.get(key)
        if not isinstance(member, str) or member not in arrays:
            raise fail(where, f"names no array of the file ({_short(member)})")
        return arrays[member]

    def walk(node: Any, encoded: Any, where: str) -> Any:
        if node is None:
            if encoded is not None:
                raise fail(where, "should be empty (null)")
            return None
        if not isinstance(encoded, dict):
            raise fail(where, f"is {_kind(encoded)}, not an encoded {type(node).__name__}")
        if isinstance(node, Mapping):
            keys, vector = list(node), array(encoded, "params", where)
            values = [np.asarray(value) for value in node.values()]
            size = sum(value.size for value in values)
            dtype = values[0].dtype if values else np.dtype(float)
            if encoded.get("keys") != keys or vector.shape != (size,) or vector.dtype != dtype:
                raise fail(where, f"holds {_short(encoded.get('keys'))} as {vector.dtype} {vector.shape}, where "
                           f"the optimizer keeps {keys} as {dtype} ({size},)")
            parts, start = {}, 0
            for key, value in zip(keys, values):
                parts[key] = vector[start:start + value.size].reshape(value.shape)
                start += value.size
            return Params(parts)
        if isinstance(node, np.ndarray):
            saved = array(encoded, "array", where)
            if saved.shape != node.shape or saved.dtype != node.dtype:
                raise fail(where, f"is a {saved.dtype} {saved.shape} array, where the optimizer keeps "
                           f"{node.dtype} {node.shape}")
            return saved
        if isinstance(node, (int, np.integer)) and not isinstance(node, bool):
            if type(encoded.get("int")) is not int:
                raise fail(where, f"should be a whole number, not {_short(encoded)}")
            return encoded["int"]
        if isinstance(node, (float, np.floating)):
            number: Any = encoded.get("float")
            if type(number) not in (float, int):
                raise fail(where, f"should be a number, not {_short(encoded)}")
            return float(number)
        if isinstance(node, tuple):
            children = encoded.get("tuple")
            kind = type(node).__name__ if hasattr(node, "_fields") else None
            if not isinstance(children, list) or len(children) != len(node) or encoded.get("name") != kind:
                raise fail(where, f"is not the optimizer's {kind or 'tuple'} of {len(node)}")
            decoded = [walk(child, saved, f"{where}[{i}]") for i, (child, saved) in enumerate(zip(node, children))]
            return type(node)(*decoded) if kind else tuple(decoded)
        raise fail(where, f"is a {type(node).__name__}, which fnn cannot restore")

    return walk(template, training.state, "")


def _checked_training(name: str, record: Any, arrays: dict[str, np.ndarray]) -> Training | None:
    """The file's ``training`` record, once its fields have the types resuming needs; None when it has none."""
    if record is None and not arrays:
        return None
    if not isinstance(record, dict) or type(record.get("epochs")) is not int or record["epochs"] < 0 \
            or not (record.get("rng") is None or isinstance(record["rng"], dict)) or "state" not in record:
        raise ModelFileError(f"{name} has an unreadable 'training' record; it cannot be resumed")
    if len(arrays) > MAX_STATE_ARRAYS or sum(array.size for array in arrays.values()) > MAX_STATE_NUMBERS:
        raise ModelFileError(f"{name} holds more optimizer state than a model of its size can have")
    for key, array in arrays.items():
        if not np.issubdtype(array.dtype, np.number):
            raise ModelFileError(f"{name} member {key!r} is {array.dtype}, not numbers; it cannot be resumed")
    return Training(record["epochs"], record["state"], arrays, record["rng"])


# A model as large as training allows (MAX_PARAMETERS) loads; anything declaring more is refused unread.
MAX_PARAMETER_BYTES = MAX_PARAMETERS * 8
MAX_META_CHARS = 1 << 24  # 16 Mi characters: the names and scaler of 100,000 features fit many times over
MAX_LAYERS = 1000
MAX_MEMBERS = 2 * MAX_LAYERS + 1 + 16  # W and b per layer, the fnn entry and the optimizer state's arrays
MAX_DEPTH = 32  # nesting of the configuration's JSON
MAX_SPEC_CHARS = 100_000  # a --features text: 1,000 terms of long column names
_DIRECTORY_ENTRY_BYTES = 256  # a central-directory entry of a short name such as "W12.npy" takes under 100
_CHUNK = 1 << 20


def _read_entries(name: str, handle) -> dict[str, np.ndarray]:
    """Every member of the archive as an array, once every member's declared size has been checked."""
    entries, size = _directory_size(handle)
    if entries > MAX_MEMBERS or size > MAX_MEMBERS * _DIRECTORY_ENTRY_BYTES:
        raise ModelFileError(f"{name} lists {entries:,} members in a {size:,}-byte directory; "
                             f"a model file has at most {MAX_MEMBERS:,} (W and b of {MAX_LAYERS:,} layers, and fnn)")
    with zipfile.ZipFile(handle) as archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise ModelFileError(f"{name} has {len(members):,} members; a model file has at most {MAX_MEMBERS:,}")
        headers, elements, total, state_numbers = {}, 0, 0, 0
        for info in members:
            key = info.filename[:-4] if info.filename.endswith(".npy") else None
            if not key or key in headers:
                raise ModelFileError(f"{name} member {info.filename!r} is not a .npy array (or is repeated); "
                                     "a model file holds only .npy arrays")
            with archive.open(info) as stream:
                header = headers[key] = _read_header(stream)
                offset = stream.tell()
            shape, _, dtype = header
            count = math.prod(shape)
            declared = count * dtype.itemsize
            if key == META_KEY and dtype.kind == "U":
                if count * dtype.itemsize // 4 > MAX_META_CHARS:
                    raise ModelFileError(f"{name} has an {META_KEY!r} entry of {declared // 4:,} characters; "
                                         f"at most {MAX_META_CHARS:,} are read")
            elif key.startswith(STATE_PREFIX):  # the optimizer's state, bounded on its own
                state_numbers += count
                if state_numbers > MAX_STATE_NUMBERS or dtype.itemsize > 16:
                    raise ModelFileError(f"{name} member {key!r} declares more optimizer state "
                                         f"({readable_bytes(declared)}) than a model file may hold")
            else:
                elements, total = elements + count, total + declared
                if elements > MAX_PARAMETERS or total > MAX_PARAMETER_BYTES:
                    raise ModelFileError(
                        f"{name} member {key!r} declares a {'x'.join(map(str, shape)) or 'scalar'} {dtype} array "
                        f"({readable_bytes(declared)}); a model holds at most {MAX_PARAMETERS:,} parameters "
                        f"({readable_bytes(MAX_PARAMETER_BYTES)}) in all")
            if offset + declared != info.file_size:
                raise ModelFileError(f"{name} member {key!r} declares {readable_bytes(declared)} of data but holds "
                                     f"{readable_bytes(max(0, info.file_size - offset))}; the file is damaged")
        return {info.filename[:-4]: _read_array(archive, info, headers[info.filename[:-4]]) for info in members}


def _directory_size(handle) -> tuple[int, int]:
    """(entries, bytes) of the zip's central directory, read from its end record before the directory itself.

    The end record is the last 22 bytes but a comment of up to 65,535; a ZIP64
    locator just before it points at a larger record (PKWARE APPNOTE 4.3.14-16).
    """
    end = handle.seek(0, os.SEEK_END)
    start = max(0, end - 22 - 0xFFFF)
    handle.seek(start)
    tail = handle.read(end - start)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise zipfile.BadZipFile("File is not a zip file")
    entries, size = struct.unpack("<HI", tail[at + 10:at + 16])
    if at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07":
        handle.seek(struct.unpack("<Q", tail[at - 12:at - 4])[0])
        record = handle.read(56)
        if len(record) == 56 and record[:4] == b"PK\x06\x06":
            entries, size = struct.unpack("<QQ", record[32:48])
    return entries, size


def _read_header(stream) -> tuple[tuple[int, ...], bool, np.dtype]:
    """``(shape, fortran_order, dtype)`` of a .npy stream; an object array (a pickle) is refused, never loaded."""
    version = np_format.read_magic(stream)
    if version == (1, 0):
        header = np_format.read_array_header_1_0(stream)
    elif version == (2, 0):
        header = np_format.read_array_header_2_0(stream)
    else:
        raise ValueError(f"unsupported .npy format version {version[0]}.{version[1]}")
    if header[2].hasobject:
        raise ValueError("an object array would need allow_pickle=True, and fnn never unpickles a model file")
    return header


def _read_array(archive: zipfile.ZipFile, info: zipfile.ZipInfo, expected) -> np.ndarray:
    """The array of a member whose header (read again, and compared) was checked; read in pieces into place."""
    with archive.open(info) as stream:
        shape, fortran, dtype = _read_header(stream)
        if (shape, fortran, dtype) != expected:
            raise ValueError(f"member {info.filename!r} changed while it was read")
        array = np.empty(math.prod(shape), dtype=dtype)
        view = array.view(np.uint8).data
        done = 0
        while done < len(view):
            # ZipFile.open gives a ZipExtFile, an io.BufferedIOBase; typeshed says only IO[bytes].
            got = stream.readinto(view[done:done + _CHUNK])  # type: ignore[attr-defined]
            if not got:
                raise EOFError(f"member {info.filename!r} ends before its data")
            done += got
    return array.reshape(shape, order="F" if fortran else "C")


def _checked_params(name: str, entries: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    count = len(entries) // 2
    expected = [f"{kind}{i}" for i in range(1, count + 1) for kind in "Wb"]
    if count < 1 or sorted(entries) != sorted(expected) or any(not re.fullmatch(r"[Wb]\d+", k) for k in entries):
        raise ModelFileError(f"{name} does not hold parameters W1, b1, ..., WL, bL "
                             f"(found {', '.join(sorted(entries))})")
    params = {key: entries[key] for key in expected}
    fan_in = params["W1"].shape[0] if params["W1"].ndim == 2 else None
    for i in range(1, count + 1):
        W, b = params[f"W{i}"], params[f"b{i}"]
        if W.ndim != 2 or b.shape != (W.shape[1],) or W.shape[0] != fan_in or 0 in W.shape:
            raise ModelFileError(f"{name} has inconsistent shapes at layer {i}: W{i} {W.shape}, b{i} {b.shape}")
        if not (np.issubdtype(W.dtype, np.floating) and np.issubdtype(b.dtype, np.floating)):
            raise ModelFileError(f"{name} has non-float parameters at layer {i}: W{i} {W.dtype}, b{i} {b.dtype}")
        for key, array in ((f"W{i}", W), (f"b{i}", b)):
            if not np.isfinite(array).all():
                raise ModelFileError(f"{name} has NaN or infinite values in {key} (layer {i}); "
                                     "a model with them cannot predict (was its training diverging?)")
        fan_in = W.shape[1]
    return params


def _checked_config(name: str, config: dict[str, Any], sizes: tuple[int, ...]) -> dict[str, Any]:
    """``config``, once every field fnn reads from it has the type and shape the parameters call for.

    Other fields are kept as they are (a model may carry any JSON), within a
    bounded nesting depth.
    """
    def fail(field: str, problem: str) -> ModelFileError:
        return ModelFileError(f"{name} field {field!r} {problem}")

    if _depth(config) > MAX_DEPTH:
        raise fail(META_KEY, f"is nested deeper than {MAX_DEPTH} levels")
    width = sizes[0]
    for key in ("activation", "output", "loss", "optimizer", "dtype"):
        if key in config and not isinstance(config[key], str):
            raise fail(key, f"must be a name (a string), not {_kind(config[key])}")
    for key, expected in (("sizes", list(sizes)), ("hidden", list(sizes[1:-1]))):
        if key in config and config[key] != expected:
            raise fail(key, f"is {_short(config[key])}, but the parameters' sizes give {expected}")
    _check_task_fields(fail, config, sizes[-1])
    features = config.get("features")
    if features is not None:
        if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
            raise fail("features", "must be a list of column names (strings)")
        if len(features) != width:
            raise fail("features", f"names {len(features)} inputs, but the model takes {width}")
        if len(set(features)) != width:
            raise fail("features", "repeats a name")
    if config.get("feature_spec") is not None:
        _check_feature_spec(fail, config, width)
    # The scaler of a run with --standardize; files written before issue 14 keep it as the value of
    # "standardize" itself (now the setting, true or false), and are read as if it were "scaler".
    scaler_key = "standardize" if isinstance(config.get("standardize"), dict) and "scaler" not in config else "scaler"
    if config.get(scaler_key) is not None:
        config = {**config, "scaler": _checked_scaler(fail, scaler_key, config[scaler_key], width, "input")}
    # The targets' scaler of a regression trained on standardized targets; older files have none.
    if config.get("target_scaler") is not None:
        if config.get("task", "binary") != "regression":
            raise fail("target_scaler", "is set, but only a regression model's targets are standardized")
        _checked_scaler(fail, "target_scaler", config["target_scaler"], sizes[-1], "output")
    return config


def _check_feature_spec(fail, config: dict[str, Any], width: int) -> None:
    """A run's ``--features``: its text, parsed again over the saved ``columns``, makes the model's ``width``
    inputs, named as ``features`` names them. The features' names are checked against the registry where
    the model is used (``fnn predict``), as its activations are."""
    spec, columns = config["feature_spec"], config.get("columns")
    if not isinstance(spec, str) or len(spec) > MAX_SPEC_CHARS:
        raise fail("feature_spec", f"must be the text of --features (a string of at most {MAX_SPEC_CHARS:,} "
                                   f"characters), not {_short(spec)}")
    if (not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns)
            or len(set(columns)) != len(columns)):
        raise fail("columns", "must be a list of the data's column names (distinct strings) when feature_spec is set")
    try:
        terms = features.parse(spec, tuple(columns))
    except ConfigError as error:
        raise fail("feature_spec", f"is not valid: {error}") from None
    if len(terms) != width:
        raise fail("feature_spec", f"makes {len(terms)} inputs, but the model takes {width}")
    names = [term.name for term in terms]
    if config.get("features") is not None and config["features"] != names:
        raise fail("features", f"names the inputs {_short(config['features'])}, but feature_spec makes {names}")


def _checked_scaler(fail, key: str, scaling: Any, width: int, per: str) -> dict:
    """A saved scaler, ``{"mean": [...], "std": [...]}`` of ``width`` finite numbers each (the scales above
    0), one ``per`` input or output."""
    if not isinstance(scaling, dict) or set(scaling) != {"mean", "std"}:
        raise fail(key, "must be an object with the lists 'mean' and 'std'")
    for part in ("mean", "std"):
        values = scaling[part]
        field = f"{key}.{part}"
        if not isinstance(values, list) or len(values) != width:
            raise fail(field, f"must be a list of {width} numbers, one per {per}")
        bad = next((j for j, v in enumerate(values) if type(v) not in (int, float) or not math.isfinite(v)), None)
        if bad is not None:
            raise fail(field, f"has {_short(values[bad])} at position {bad}; it must hold finite numbers")
        if part == "std" and min(values) <= 0:
            position = values.index(min(values))
            raise fail(field, f"has {values[position]} at position {position}; a scale must be above 0")
    return scaling


def _check_task_fields(fail, config: dict[str, Any], outputs: int) -> None:
    """The task, its class names and label column names agree with each other and with the output layer."""
    task = config.get("task", "binary")
    if task not in TASKS:
        raise fail("task", f"is {_short(task)}; a task is one of {', '.join(TASKS)}")
    if task == "binary" and outputs != 1:
        raise fail("task", f"is binary, but the model has {outputs} outputs; a binary classifier has 1")
    if task == "multiclass" and outputs < 2:
        raise fail("task", "is multiclass, but the model has 1 output; a multi-class classifier has one per class")
    for key, most in (("classes", MAX_CLASSES), ("labels", outputs)):
        names = config.get(key)
        if names is None:
            continue
        if not isinstance(names, list) or len(names) > most or not all(
                isinstance(n, str) and 0 < len(n) <= MAX_CLASS_NAME for n in names):
            raise fail(key, f"must be a list of at most {most:,} names (strings of 1 to {MAX_CLASS_NAME} characters)")
        if len(set(names)) != len(names):
            raise fail(key, "repeats a name")
    classes = config.get("classes") or []
    expected = {"binary": (0, 2), "multiclass": (0, outputs), "regression": (0,)}[task]
    if len(classes) not in expected:
        raise fail("classes", f"names {len(classes)} classes, but a {task} model of {outputs} output"
                              f"{'s' if outputs != 1 else ''} has {' or '.join(map(str, expected[1:])) or 'none'}")
    labels = config.get("labels") or []
    if labels and len(labels) != (outputs if task == "regression" else 1):
        raise fail("labels", f"names {len(labels)} label columns, but the model's {task} labels take "
                             f"{outputs if task == 'regression' else 1}")


def _depth(value: Any) -> int:
    """Nesting depth of JSON data, walked without recursion (so a deep file cannot exhaust the stack)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", type(None): "null"}.get(type(value), "a number")


def _short(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text.splitlines()[0]
