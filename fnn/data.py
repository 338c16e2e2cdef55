"""Your own data and held-out data: reading a CSV, a stratified split, standardising.

All functions are pure: they take arrays (and a ``numpy.random.Generator``
where randomness is needed) and return new ones. ``read_csv`` raises
:class:`~fnn.errors.DataError` with one line naming the problem and, where
there is one, the line number.
"""

from __future__ import annotations

import csv
import io
import math
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .errors import ConfigError, DataError


class Table(NamedTuple):
    """Features ``x`` (n, d), 0/1 labels ``y`` (n, 1), and the column names they came from."""

    x: np.ndarray
    y: np.ndarray
    features: tuple[str, ...]
    label: str


def read_numeric_csv(path: str | os.PathLike, min_columns: int = 1) -> tuple[list[str], np.ndarray, list[int]]:
    """The header, the values and each value row's line number, of a CSV file whose cells below
    the header are all finite numbers.

    Blank lines are skipped but still counted, so every error names the line
    a text editor shows.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise DataError(f"data file {name!r} does not exist" if not path.exists() else f"{name!r} is not a file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise DataError(f"{name!r} line {line}: byte 0x{raw[error.start]:02x} is not UTF-8 text; "
                        "save the file as UTF-8 (CSV UTF-8 in a spreadsheet)") from None
    rows, previous = [], 0
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        for row in reader:
            # A row starts on the line after the previous row ended (a quoted cell may span lines).
            first, previous = previous + 1, reader.line_num
            if any(cell.strip() for cell in row):
                rows.append((first, row))
    except csv.Error as error:
        raise DataError(f"{name!r} line {previous + 1}: {error}") from None
    if not rows:
        raise DataError(f"{name!r} is empty; it needs a header row and data rows")
    header = [cell.strip() for cell in rows[0][1]]
    if all(_is_number(cell) for cell in header):
        raise DataError(f"{name!r} has no header row (line {rows[0][0]} is all numbers); add one, e.g. x1,x2,label")
    if len(header) < min_columns:
        raise DataError(f"{name!r} needs at least {min_columns} columns, found {len(header)}")
    if len(set(header)) != len(header):
        raise DataError(f"{name!r} has repeated column names in its header: {', '.join(header)}")
    if len(rows) < 2:
        raise DataError(f"{name!r} has a header but no data rows")
    values = np.empty((len(rows) - 1, len(header)))
    for i, (number, row) in enumerate(rows[1:]):
        if len(row) != len(header):
            raise DataError(f"{name!r} line {number}: {len(row)} cells, but the header has {len(header)} columns")
        for j, cell in enumerate(row):
            try:
                values[i, j] = float(cell)
            except ValueError:
                raise DataError(f"{name!r} line {number}, column {header[j]!r}: {cell.strip()!r} is not a number") from None
            if not math.isfinite(values[i, j]):
                raise DataError(f"{name!r} line {number}, column {header[j]!r}: {cell.strip()} is not a finite number")
    return header, values, [number for number, _ in rows[1:]]


def read_csv(path: str | os.PathLike, label_column: str | None = None) -> Table:
    """Read a CSV with a header row, numeric feature columns and one 0/1 label column.

    The label column is ``label_column`` or, by default, the last one; every
    other column is a feature.
    """
    name = str(path)
    header, values, lines = read_numeric_csv(path, min_columns=2)
    label = header[-1] if label_column is None else label_column
    if label not in header:
        raise DataError(f"{name!r} has no column {label!r}; its columns are: {', '.join(header)}")
    column = header.index(label)
    labels = values[:, column]
    bad = np.flatnonzero((labels != 0) & (labels != 1))
    if len(bad):
        raise DataError(f"{name!r} line {lines[bad[0]]}: label {labels[bad[0]]:g} in column {label!r}; "
                        "labels must be 0 or 1")
    if len(np.unique(labels)) < 2:
        raise DataError(f"{name!r}: every label in column {label!r} is {labels[0]:g}; a classifier needs both 0 and 1")
    features = tuple(h for h in header if h != label)
    return Table(np.delete(values, column, axis=1), labels[:, None].copy(), features, label)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def stratified_split(x: np.ndarray, y: np.ndarray, fraction: float, rng: np.random.Generator):
    """Hold out ``fraction`` of each class: at least one point of each, and at least one left to
    train on, so every class needs two points or more (a ``ConfigError`` says which has fewer).

    Returns ``(x_train, y_train, x_test, y_test)``; points keep their order
    within each part.
    """
    if not 0.0 < fraction < 1.0:
        raise ConfigError(f"test split must be a fraction between 0 and 1 (exclusive), got {fraction}")
    test = np.zeros(len(y), dtype=bool)
    labels, sizes = np.unique(y[:, 0], return_counts=True)
    if len(labels) and sizes.min() < 2:  # one point cannot be both trained on and tested on
        label, size = labels[sizes.argmin()], sizes.min()
        raise ConfigError(f"--test-split {fraction:g} leaves class {label:g} with no test point: it has {size} point; "
                          "each class needs at least 2")
    for label in labels:
        members = np.flatnonzero(y[:, 0] == label)
        count = min(len(members) - 1, max(1, round(fraction * len(members))))
        test[rng.choice(members, size=count, replace=False)] = True
    return x[~test], y[~test], x[test], y[test]


class Scaler(NamedTuple):
    """Standardisation learnt from training data: ``(x - mean) / std`` per feature."""

    mean: np.ndarray
    std: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) / self.std

    def as_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}


def fit_scaler(x: np.ndarray) -> Scaler:
    """A :class:`Scaler` for ``x``; a constant feature is left unscaled (std taken as 1)."""
    std = x.std(axis=0)
    return Scaler(x.mean(axis=0), np.where(std > 0, std, np.ones_like(std)))
