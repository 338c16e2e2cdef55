"""Saved models: trained parameters plus the settings needed to use them again.

A model file is a NumPy ``.npz`` archive holding the arrays ``W1, b1, ...``
and one more entry, ``fnn``, a JSON string with the format version and the
run's configuration (sizes, activation, output, dataset, seed, fnn version,
...). It is written atomically (a temporary file in the same folder, then a
rename) and read with ``allow_pickle=False``, so a model file can never run
code.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import zipfile
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import numpy as np

from .errors import FnnError
from .params import Params, layer_sizes

FORMAT = "fnn-model"
FORMAT_VERSION = 1
META_KEY = "fnn"
ZIP_MAGIC = b"PK\x03\x04"


class ModelFileError(FnnError):
    """A model file that is missing, unreadable, corrupt or not fnn's."""


class Model(NamedTuple):
    """A loaded model: its parameters and the configuration it was trained with."""

    params: Params
    config: dict[str, Any]

    @property
    def sizes(self) -> tuple[int, ...]:
        return layer_sizes(self.params)


def save_model(path: str | os.PathLike, params: Mapping[str, np.ndarray], config: Mapping[str, Any]) -> Path:
    """Write ``params`` and ``config`` (JSON-serialisable) to ``path`` atomically; return the path."""
    path = Path(path)
    meta = json.dumps({"format": FORMAT, "version": FORMAT_VERSION, "config": dict(config)})
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        with open(partial, "xb") as handle:  # "x": never clobber; plain open keeps the user's umask
            np.savez(handle, **{key: np.asarray(value) for key, value in params.items()}, **{META_KEY: np.array(meta)})
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
    """
    path = Path(path)
    if not path.exists():
        raise ModelFileError(f"model file {str(path)!r} does not exist")
    if path.is_dir():
        if not (path / "model.npz").is_file():
            raise ModelFileError(f"{str(path)!r} is a folder without a model.npz; give a model file or a run folder")
        path = path / "model.npz"
    with open(path, "rb") as handle:
        if handle.read(4) != ZIP_MAGIC:
            raise ModelFileError(f"{str(path)!r} is not an .npz archive; a model file is the model.npz of a run folder")
    try:
        with np.load(path, allow_pickle=False) as archive:
            entries = {key: archive[key] for key in archive.files}
    # zipfile reports damaged headers in several ways (encrypted flag, unknown version, ...).
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, RuntimeError, NotImplementedError) as error:
        raise ModelFileError(f"{str(path)!r} is not a readable model file: {_reason(error)}") from None
    if META_KEY not in entries:
        raise ModelFileError(f"{str(path)!r} is not an fnn model (no {META_KEY!r} entry); save models with fnn run --out")
    try:
        meta = json.loads(str(entries.pop(META_KEY)))
        config = meta["config"]
        ok = meta["format"] == FORMAT and isinstance(config, dict) and type(meta["version"]) is int
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        raise ModelFileError(f"{str(path)!r} has an unreadable {META_KEY!r} entry; it is not an fnn model file")
    if meta["version"] > FORMAT_VERSION:
        raise ModelFileError(f"{str(path)!r} uses model format {meta['version']}; this fnn reads up to {FORMAT_VERSION}")
    return Model(Params(_checked_params(path, entries)), config)


def _checked_params(path: Path, entries: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    count = len(entries) // 2
    expected = [f"{kind}{i}" for i in range(1, count + 1) for kind in "Wb"]
    if count < 1 or sorted(entries) != sorted(expected) or any(not re.fullmatch(r"[Wb]\d+", k) for k in entries):
        raise ModelFileError(f"{str(path)!r} does not hold parameters W1, b1, ..., WL, bL (found {', '.join(sorted(entries))})")
    params = {key: entries[key] for key in expected}
    fan_in = params["W1"].shape[0] if params["W1"].ndim == 2 else None
    for i in range(1, count + 1):
        W, b = params[f"W{i}"], params[f"b{i}"]
        if W.ndim != 2 or b.shape != (W.shape[1],) or W.shape[0] != fan_in or 0 in W.shape:
            raise ModelFileError(f"{str(path)!r} has inconsistent shapes at layer {i}: W{i} {W.shape}, b{i} {b.shape}")
        if not (np.issubdtype(W.dtype, np.floating) and np.issubdtype(b.dtype, np.floating)):
            raise ModelFileError(f"{str(path)!r} has non-float parameters at layer {i}: W{i} {W.dtype}, b{i} {b.dtype}")
        fan_in = W.shape[1]
    return params


def _reason(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return text.splitlines()[0]
