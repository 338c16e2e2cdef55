"""A sweep's journal: every finished run as one line, appended as it finishes, so an interrupted sweep loses
nothing it finished.

Each line is ``CRC JSON`` and a newline: the CRC-32 (8 hex digits) of the JSON text, then the run's index in
the sweep's plan and everything its row, figures and ``curves.npz`` need (its summary and curves). A line is
written whole with one ``write``, then flushed and fsync'd. A process killed mid-write leaves at most its last
line torn (no newline, or a CRC that does not match): :func:`read_journal` drops it. A bad line before the
last is damage, not a torn write, and an error.

The JSON is Python's own, NaN included (a metric may be NaN; ``fnn.io.jsonfile``'s strict JSON would turn
it into null), and floats are written by ``repr``, so every number reads back bit for bit.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from fnn.errors import FnnError
from fnn.runs.settings import RunConfig
from fnn.runs.sweep import SweepRun

MAX_LINE = 1 << 28
"""The longest journal line read (256 MiB): the curves of a run of ten million epochs fit."""


class Journal(NamedTuple):
    """What a journal holds: the finished runs by their index in the plan, and how many bytes of the file
    are whole lines (the rest is a torn last line, to be cut before appending)."""

    runs: dict[int, SweepRun]
    good_bytes: int


def encode(index: int, run: SweepRun) -> bytes:
    """The journal line of the plan's run ``index``."""
    record = {"index": index, "summary": run.summary, "loss": _listed(run.loss), "accuracy": _listed(run.accuracy),
              "score": _listed(run.score), "first_perfect": run.first_perfect, "diverged_at": run.diverged_at,
              "error": run.error}
    text = json.dumps(record, default=_plain_number)
    return f"{zlib.crc32(text.encode()):08x} {text}\n".encode()


def append(path: Path, line: bytes) -> None:
    """Append ``line`` to the file at ``path`` and make it durable before returning."""
    with open(path, "ab") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def read_journal(path: Path, plan: list[RunConfig]) -> Journal:
    """The runs the journal at ``path`` records, each with its config from ``plan``; a torn last line is
    dropped. ``FnnError`` for a damaged line before the last, or one that does not fit the plan."""
    runs: dict[int, SweepRun] = {}
    good = 0
    with open(path, "rb") as handle:
        number = 0
        while True:
            line = handle.readline(MAX_LINE)
            if not line:
                break
            number += 1
            record = _decoded(line)
            if record is None:
                if handle.read(1):  # more follows: not the torn end of an interrupted write
                    raise FnnError(f"{str(path)!r} line {number} is damaged (not a whole journal line); "
                                   "the sweep cannot be resumed from it")
                break
            index = record.get("index")
            if type(index) is not int or not 0 <= index < len(plan) or index in runs:
                raise FnnError(f"{str(path)!r} line {number} names run {index!r}, which is not a run of this "
                               f"sweep's plan of {len(plan)} (or was recorded twice)")
            runs[index] = _run(plan[index], record)
            good += len(line)
    return Journal(runs, good)


def _decoded(line: bytes) -> dict | None:
    """The record of a whole, intact line; None for a torn or damaged one."""
    if not line.endswith(b"\n") or len(line) < 10 or line[8:9] != b" ":
        return None
    text = line[9:-1]
    try:
        if int(line[:8], 16) != zlib.crc32(text):
            return None
        record = json.loads(text)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _run(config: RunConfig, record: dict[str, Any]) -> SweepRun:
    try:
        return SweepRun(config, record["summary"], np.array(record["loss"], dtype=float),
                        _array(record["accuracy"]), record["first_perfect"], record["diverged_at"],
                        record["error"], _array(record["score"]))
    except (KeyError, TypeError, ValueError):
        raise FnnError(f"a journal line of run {record.get('index')!r} is not a run's record") from None


def _listed(values: np.ndarray | None) -> list | None:
    return None if values is None else np.asarray(values, dtype=float).tolist()


def _array(values: list | None) -> np.ndarray | None:
    return None if values is None else np.array(values, dtype=float)


def _plain_number(value: Any) -> Any:
    """NumPy's scalars (a metric's value) as Python numbers, which ``json`` writes."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")
