"""Your own data and held-out data: reading a CSV, a stratified split, standardising.

All functions are pure: they take arrays (and a ``numpy.random.Generator``
where randomness is needed) and return new ones. ``read_csv`` raises
:class:`~fnn.errors.DataError` with one line naming the problem and, where
there is one, the line number.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import stat
from typing import NamedTuple

import numpy as np

from fnn.errors import ConfigError, DataError


class Table(NamedTuple):
    """Features ``x`` (n, d), 0/1 labels ``y`` (n, 1), the column names they came from, and each row's line."""

    x: np.ndarray
    y: np.ndarray
    features: tuple[str, ...]
    label: str
    lines: np.ndarray  # the file's line number of each row, as error messages give it


def read_numeric_csv(path: str | os.PathLike, min_columns: int = 1,
                     header_optional: bool = False) -> tuple[list[str] | None, np.ndarray, np.ndarray]:
    """The header, the values and each value row's line number, of a CSV file whose cells below
    the header are all finite numbers.

    Blank lines are skipped but still counted, so every error names the line
    a text editor shows. With ``header_optional``, a file whose first row is
    all numbers has no header (``None``) and that row is data. The file is
    read row by row into float arrays, so memory stays a small multiple of
    the values' (the text is never held whole).
    """
    name = str(path)
    try:
        with open_regular(path, DataError, "data file") as binary:
            return _read_rows(binary, name, min_columns, header_optional)
    except MemoryError:
        raise DataError(f"{name!r} is too large to read into this machine's memory") from None


def _read_rows(binary, name: str, min_columns: int, header_optional: bool):
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header: list[str] | None = None
    width: int | None = None
    blocks: list[np.ndarray] = []
    lines: list[np.ndarray] = []
    block, block_lines = np.empty((0, 0)), np.empty(0, dtype=np.int64)  # replaced at the first data row
    filled, previous = 0, 0
    try:
        for row in reader:
            # A row starts on the line after the previous row ended (a quoted cell may span lines).
            first, previous = previous + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if width is None:
                width = len(row)
                if all(_is_number(cell) for cell in row):
                    if not header_optional:
                        raise DataError(f"{name!r} has no header row (line {first} is all numbers); "
                                        "add one, e.g. x1,x2,label")
                else:
                    header = _checked_header(name, row, min_columns)
                    continue
            if filled == 0:
                # Fixed-size blocks, joined once at the end: at most one copy of the values is ever made.
                size = max(1, _BLOCK_BYTES // (8 * width))
                block, block_lines = np.empty((size, width)), np.empty(size, dtype=np.int64)
            block[filled] = _row_values(name, first, row, header, width)
            block_lines[filled] = first
            filled += 1
            if filled == len(block):
                blocks.append(block)
                lines.append(block_lines)
                filled = 0
    except csv.Error as error:
        raise DataError(f"{name!r} line {previous + 1}: {error}") from None
    except UnicodeDecodeError:
        line, byte = _first_non_utf8(binary)
        raise DataError(f"{name!r} line {line}: byte 0x{byte:02x} is not UTF-8 text; "
                        "save the file as UTF-8 (CSV UTF-8 in a spreadsheet)") from None
    if width is None:
        raise DataError(f"{name!r} is empty; it needs a header row and data rows")
    if filled:
        blocks.append(block[:filled])
        lines.append(block_lines[:filled])
    if not blocks:
        raise DataError(f"{name!r} has a header but no data rows")
    values = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    del blocks
    return header, values, lines[0] if len(lines) == 1 else np.concatenate(lines)


_BLOCK_BYTES = 1 << 16  # small: the last block is partly empty


def _checked_header(name: str, row: list[str], min_columns: int) -> list[str]:
    header = [cell.strip() for cell in row]
    if len(header) < min_columns:
        raise DataError(f"{name!r} needs at least {min_columns} columns, found {len(header)}")
    if len(set(header)) != len(header):
        raise DataError(f"{name!r} has repeated column names in its header: {', '.join(header)}")
    return header


def _row_values(name: str, number: int, row: list[str], header: list[str] | None, width: int) -> list[float]:
    """One data row as floats, or a ``DataError`` naming its line and the cell that is wrong."""
    if len(row) != width:
        columns = f"the header has {width} columns" if header is not None else f"the first row has {width}"
        raise DataError(f"{name!r} line {number}: {len(row)} cells, but {columns}")
    try:
        values = [float(cell) for cell in row]
        total = math.fsum(values)  # NaN or inf if any value is (or the sum overflows: checked cell by cell below)
        if math.isfinite(total):
            return values
    except (ValueError, OverflowError):
        pass
    for j, cell in enumerate(row):
        column = repr(header[j]) if header is not None else str(j + 1)
        try:
            value = float(cell)
        except ValueError:
            raise DataError(f"{name!r} line {number}, column {column}: {cell.strip()!r} is not a number") from None
        if not math.isfinite(value):
            raise DataError(f"{name!r} line {number}, column {column}: {cell.strip()} is not a finite number")
    return [float(cell) for cell in row]


def _first_non_utf8(binary) -> tuple[int, int]:
    """The line (counting \\n) and value of the first byte of ``binary`` that is not UTF-8, read in pieces."""
    binary.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    while True:
        piece = binary.readline(_BLOCK_BYTES)
        try:
            decoder.decode(piece, final=not piece)
        except UnicodeDecodeError as error:
            return line, error.object[error.start]
        if not piece:
            return line, 0  # not reached: the text layer found a bad byte
        line += piece.endswith(b"\n")


def open_regular(path: str | os.PathLike, error: type[Exception], what: str):
    """Open ``path`` to read bytes, or raise ``error`` at once if it is missing or not a regular file.

    A named pipe would block until something writes to it and a device such
    as /dev/zero never ends, so the file is opened without waiting and its
    type checked on the open descriptor (no gap for it to be swapped).
    """
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise error(f"{what} {name!r} does not exist") from None
    except OSError as failure:
        raise error(f"{what} {name!r} cannot be opened: {failure.strerror or failure}") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise error(f"{name!r} is {_file_kind(mode)}, not a regular file; give a {what}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _file_kind(mode: int) -> str:
    kinds = [(stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"),
             (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")]
    return next((kind for test, kind in kinds if test(mode)), "a special file")


def read_csv(path: str | os.PathLike, label_column: str | None = None) -> Table:
    """Read a CSV with a header row, numeric feature columns and one 0/1 label column.

    The label column is ``label_column`` or, by default, the last one; every
    other column is a feature.
    """
    name = str(path)
    header, values, lines = read_numeric_csv(path, min_columns=2)
    assert header is not None  # without header_optional, a file without a header was refused
    label = header[-1] if label_column is None else label_column
    if label not in header:
        raise DataError(f"{name!r} has no column {label!r}; its columns are: {', '.join(header)}")
    column = header.index(label)
    labels = values[:, column]
    bad = np.flatnonzero((labels != 0) & (labels != 1))
    if len(bad):
        raise DataError(f"{name!r} line {lines[bad[0]]}: label {labels[bad[0]]:g} in column {label!r}; "
                        "labels must be 0 or 1")
    if labels.min() == labels.max():  # not np.unique: it copies and sorts the column
        raise DataError(f"{name!r}: every label in column {label!r} is {labels[0]:g}; a classifier needs both 0 and 1")
    features = tuple(h for h in header if h != label)
    return Table(np.delete(values, column, axis=1), labels[:, None].copy(), features, label, lines)


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
