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
import warnings
from typing import Any, Callable, Mapping, NamedTuple, Sequence

import numpy as np

from fnn.core.tasks import MAX_CLASSES, check_task, infer_task, invalid_labels, label_rule
from fnn.errors import ConfigError, DataError


class Table(NamedTuple):
    """A labelled CSV: features ``x`` (n, d), labels ``y`` of the ``task``, the column names they came
    from, each row's line, and the class names.

    ``y`` is float64 in :class:`~fnn.core.records.DatasetSpec`'s form: (n, 1)
    of 0/1 (binary) or of class indices (multiclass), (n, m) for m regression
    targets.
    """

    x: np.ndarray
    y: np.ndarray
    features: tuple[str, ...]
    labels: tuple[str, ...]  # the label columns' names, one per column of y
    lines: np.ndarray  # the file's line number of each row, as error messages give it
    task: str = "binary"
    classes: tuple[str, ...] = ()  # the class names in index order; empty when the labels are numbers

    @property
    def label(self) -> str:
        """Deprecated: a table may have several label columns; use ``labels``."""
        warnings.warn("Table.label is deprecated: a table may have several label columns; use Table.labels",
                      DeprecationWarning, stacklevel=2)
        return ", ".join(self.labels)


def read_numeric_csv(path: str | os.PathLike, min_columns: int = 1, header_optional: bool = False,
                     names_in: Callable[[list[str]], int | None] | None = None,
                     ) -> tuple[list[str] | None, np.ndarray, np.ndarray]:
    """The header, the values and each value row's line number, of a CSV file whose cells below
    the header are all finite numbers (but for the column ``names_in(header)`` gives, if any, which
    may hold class names: each then stands as a code the caller ignores, as it ignores a label).

    Blank lines are skipped but still counted, so every error names the line
    a text editor shows. With ``header_optional``, a file whose first row is
    all numbers has no header (``None``) and that row is data. The file is
    read row by row into float arrays, so memory stays a small multiple of
    the values' (the text is never held whole).
    """
    header, values, lines, _ = _read_file(path, min_columns, header_optional, names_in)
    return header, values, lines


def _read_file(path: str | os.PathLike, min_columns: int, header_optional: bool,
               names_in: Callable[[list[str]], int | None] | None = None):
    """:func:`read_numeric_csv`, and the class names of a text column: ``(header, values, lines, names)``.

    ``names_in(header)`` gives the column that may hold text (or None); it does
    when its first data row's cell is not a number, and ``names`` is then a
    :class:`_ClassNames` whose codes stand in that column; otherwise None."""
    name = str(path)
    try:
        with open_regular(path, DataError, "data file") as binary:
            return _read_rows(binary, name, min_columns, header_optional, names_in)
    except MemoryError:
        raise DataError(f"{name!r} is too large to read into this machine's memory") from None


def _read_rows(binary, name: str, min_columns: int, header_optional: bool,
               names_in: Callable[[list[str]], int | None] | None):
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    header: list[str] | None = None
    width: int | None = None
    text_column: int | None = None
    names: _ClassNames | None = None
    blocks: list[np.ndarray] = []
    lines: list[np.ndarray] = []
    block, block_lines = np.empty((0, 0)), np.empty(0, dtype=np.int64)  # replaced at the first data row
    filled, previous, rows = 0, 0, 0
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
                    text_column = None if names_in is None else names_in(header)
                    continue
            if filled == 0:
                # Fixed-size blocks, joined once at the end: at most one copy of the values is ever made.
                size = max(1, _BLOCK_BYTES // (8 * width))
                block, block_lines = np.empty((size, width)), np.empty(size, dtype=np.int64)
            if rows == 0 and header is not None and text_column is not None and not _is_number(_cell(row, text_column)):
                names = _ClassNames(name, header[text_column], text_column)  # the first label decides
            rows += 1
            if names is not None and len(row) == width:  # a ragged row's error is its cell count
                code = names.code(first, row)
                block[filled] = _row_values(name, first, names.without(row), header, width)
                block[filled, names.column] = code
            else:
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
    return header, values, lines[0] if len(lines) == 1 else np.concatenate(lines), names


MAX_CLASS_NAME = 200
"""The longest class name a CSV's text label may be, in characters (surrounding spaces removed)."""


class _ClassNames:
    """The text labels of one column, read row by row: each distinct name gets a code in order of first
    appearance, so memory is bounded by :data:`~fnn.core.tasks.MAX_CLASSES` names of at most
    :data:`MAX_CLASS_NAME` characters, however long the file."""

    def __init__(self, file: str, label: str, column: int):
        self.file, self.label, self.column = file, label, column
        self.codes: dict[str, int] = {}

    def code(self, line: int, row: list[str]) -> int:
        """The code of ``row``'s class name, or a ``DataError`` naming the line if it cannot be one."""
        where = f"{self.file!r} line {line}, column {self.label!r}"
        text = row[self.column].strip()
        if not text:
            raise DataError(f"{where}: the label is empty; every row needs a class name")
        if len(text) > MAX_CLASS_NAME:
            raise DataError(f"{where}: a class name of {len(text):,} characters; "
                            f"class names are at most {MAX_CLASS_NAME} characters")
        code = self.codes.setdefault(text, len(self.codes))
        if len(self.codes) > MAX_CLASSES:
            raise DataError(f"{where}: more than {MAX_CLASSES:,} class names; a classifier takes at most "
                            f"{MAX_CLASSES:,} classes")
        return code

    def without(self, row: list[str]) -> list[str]:
        """``row`` with a number standing in for its class name, for the numeric check of the other cells."""
        return [*row[:self.column], "0", *row[self.column + 1:]]


def _cell(row: list[str], column: int) -> str:
    return row[column] if column < len(row) else ""


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


def read_csv(path: str | os.PathLike, label_column: str | Sequence[str] | None = None,
             task: str | None = None) -> Table:
    """Read a CSV with a header row, numeric feature columns and labels of ``task`` (by default the
    task the labels imply: :func:`~fnn.core.tasks.infer_task`).

    The label column is ``label_column`` or, by default, the last one; every
    other column is a feature. Several label columns (a sequence, or one
    string of names separated by commas, unless the string is itself a
    column's name) are the targets of a multi-output regression.

    One label column holds numbers or class names, as its first data row's
    label shows: after a number, a label that is not one is an error; after
    text, every label is a class name (surrounding spaces removed, as for
    header names, and otherwise kept exactly as written, never interpreted).
    Class names are sorted (by code point, as scikit-learn's ``LabelEncoder``
    sorts them: the order does not depend on the order of the rows) and the
    labels become their indices in ``Table.classes``. A file may have at most
    :data:`~fnn.core.tasks.MAX_CLASSES` classes, of names at most
    :data:`MAX_CLASS_NAME` characters, so a column of ids read as classes
    stops early. Numbers are labels as :class:`~fnn.core.records.DatasetSpec`
    gives them (0/1; class indices; targets); a forced ``"binary"`` task also
    takes exactly two class names, a forced ``"multiclass"`` any whole
    numbers from 0 (a class may then have no point), and a forced
    ``"regression"`` only numbers.
    """
    name = str(path)
    if task is not None:
        check_task(task)

    def text_column(header: list[str]) -> int | None:
        columns = _label_columns(name, header, label_column)
        return columns[0] if len(columns) == 1 and task != "regression" else None

    header, values, lines, names = _read_file(path, 2, False, text_column)
    assert header is not None  # without header_optional, a file without a header was refused
    columns = _label_columns(name, header, label_column)
    labels = tuple(header[j] for j in columns)
    features = tuple(h for j, h in enumerate(header) if j not in columns)
    x = np.delete(values, columns, axis=1)
    if names is not None:
        y, task, classes = _named_labels(name, labels[0], values[:, columns[0]], names, task)
        return Table(x, y, features, labels, lines, task, classes)
    y = values[:, columns]  # a new array: indexing with a list copies
    task = _checked_numbers(name, labels, y, lines, task)
    return Table(x, y, features, labels, lines, task)


def _label_columns(name: str, header: list[str], label_column: str | Sequence[str] | None) -> list[int]:
    if label_column is None:
        wanted = [header[-1]]
    elif isinstance(label_column, str):
        wanted = [label_column] if label_column in header else [c.strip() for c in label_column.split(",")]
    else:
        wanted = list(label_column)
    for label in wanted:
        if label not in header:
            raise DataError(f"{name!r} has no column {label!r}; its columns are: {', '.join(header)}")
    if len(set(wanted)) != len(wanted) or not wanted:
        raise DataError(f"{name!r}: label columns must be distinct and at least one, got {', '.join(wanted)}")
    if len(wanted) == len(header):
        raise DataError(f"{name!r}: every column is a label column ({', '.join(wanted)}); "
                        "at least one must be a feature")
    return [header.index(label) for label in wanted]


def _checked_numbers(name: str, labels: tuple[str, ...], y: np.ndarray, lines: np.ndarray, task: str | None) -> str:
    """The task of numeric labels ``y`` (n, m), or a ``DataError`` naming the line of the first it cannot take."""
    task = task or infer_task(y)
    if task == "regression":
        return task  # every value is a finite number already
    if len(labels) > 1:
        raise DataError(f"{name!r}: {len(labels)} label columns ({', '.join(labels)}); the {task} task takes one "
                        "(several are the targets of a regression)")
    column, label = y[:, 0], labels[0]
    bad = np.flatnonzero(invalid_labels(column, task))
    if len(bad):
        raise DataError(f"{name!r} line {lines[bad[0]]}: label {column[bad[0]]:g} in column {label!r}; "
                        f"{label_rule(task)}")
    if column.min() == column.max():  # not np.unique: it copies and sorts the column
        needs = "both 0 and 1" if task == "binary" else "at least 2 classes"
        raise DataError(f"{name!r}: every label in column {label!r} is {column[0]:g}; a classifier needs {needs}")
    if column.max() >= MAX_CLASSES:
        top = int(np.argmax(column))
        raise DataError(f"{name!r} line {lines[top]}: label {column[top]:g} in column {label!r} makes "
                        f"{column[top] + 1:,.0f} classes; a classifier takes at most {MAX_CLASSES:,}")
    return task


def _named_labels(name: str, label: str, codes: np.ndarray, names: _ClassNames, task: str | None):
    """``(y, task, classes)`` of a column of class names: the sorted names, and each row's index among them."""
    classes = tuple(sorted(names.codes))
    if len(classes) == 1:
        raise DataError(f"{name!r}: every label in column {label!r} is {classes[0]!r}; "
                        "a classifier needs at least 2 classes")
    if task == "binary" and len(classes) != 2:
        raise DataError(f"{name!r}: column {label!r} holds {len(classes)} class names; the binary task takes 2")
    index = np.empty(len(classes))
    index[[names.codes[c] for c in classes]] = np.arange(len(classes))  # a name's code -> its sorted place
    return index[codes.astype(np.intp)][:, None], task or "multiclass", classes


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
    test = np.zeros(len(y), dtype=bool)
    test[held_out(y, fraction, rng)] = True
    return x[~test], y[~test], x[test], y[test]


def held_out(groups: np.ndarray, fraction: float, rng: np.random.Generator, flag: str = "--test-split",
             every_class: bool = True) -> np.ndarray:
    """The positions (sorted) of ``fraction`` of each group's points, drawn with ``rng``: at least one of each
    group and at least one left, so a group needs two points or more. ``groups`` has one row per point, its
    class in the first column (give one group for regression targets). A group of one point is a
    ``ConfigError`` naming ``flag``, or, without ``every_class``, keeps its point; holding out no point at
    all is an error too."""
    part = "test" if flag == "--test-split" else "validation"
    if not 0.0 < fraction < 1.0:
        raise ConfigError(f"{part} split must be a fraction between 0 and 1 (exclusive), got {fraction}")
    labels, sizes = np.unique(groups[:, 0], return_counts=True)
    if every_class and len(labels) and sizes.min() < 2:  # one point cannot be both trained on and held out
        label, size = labels[sizes.argmin()], sizes.min()
        raise ConfigError(f"{flag} {fraction:g} leaves class {label:g} with no {part} point: it has {size} point; "
                          "each class needs at least 2")
    chosen = []
    for label, size in zip(labels, sizes):
        if size < 2:
            continue
        members = np.flatnonzero(groups[:, 0] == label)
        chosen.append(rng.choice(members, size=min(size - 1, max(1, round(fraction * size))), replace=False))
    if not chosen:
        raise ConfigError(f"{flag} {fraction:g} leaves no {part} point: the {len(groups)} point"
                          f"{'s' if len(groups) != 1 else ''} left to split need at least 2 of a class "
                          "(one to train on, one to hold out)")
    return np.sort(np.concatenate(chosen))


def folds(y: np.ndarray, k: int, rng: np.random.Generator, task: str) -> list[np.ndarray]:
    """The positions of ``k`` folds of the points whose labels (or regression targets) are ``y``, drawn with
    ``rng``: disjoint, sorted, together every position, and their sizes differ by at most one. In
    classification each class is dealt out over the folds in turn (stratified: a class's count differs by at
    most one from fold to fold); in regression the points are shuffled and dealt out alike. A class with
    fewer than ``k`` points (or fewer than ``k`` points in all) is a ``ConfigError`` naming ``--cv``."""
    labels = np.zeros(len(y)) if task == "regression" else np.asarray(y).reshape(len(y), -1)[:, 0]
    classes, sizes = np.unique(labels, return_counts=True)
    if len(labels) < k:
        raise ConfigError(f"--cv {k}: the data has {len(labels)} training points; {k} folds need at least {k}")
    if len(classes) and sizes.min() < k:
        size = sizes.min()
        raise ConfigError(f"--cv {k}: class {classes[sizes.argmin()]:g} has {size} training point"
                          f"{'s' if size != 1 else ''}; each class needs at least {k} (one per fold)")
    # Each class shuffled, the classes one after another, then dealt round the folds: a class's run of
    # consecutive positions gives each fold its share to within one, and so does the whole.
    order = np.concatenate([rng.permutation(np.flatnonzero(labels == label)) for label in classes])
    return [np.sort(order[fold::k]) for fold in range(k)]


def split_off(parts: Sequence[np.ndarray], held: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each of ``parts`` (arrays with one row per point) as ``(the rest, the rows at positions held)``; both keep
    the points' order. The one way a split is made from the positions it holds out, whoever chose them (a
    fraction of each class, :func:`held_out`, or one fold of several)."""
    kept = np.ones(len(parts[0]), dtype=bool)
    kept[held] = False
    return [part[kept] for part in parts], [part[~kept] for part in parts]


class Scaler(NamedTuple):
    """Standardisation learnt from training data: ``(x - mean) / std`` per feature."""

    mean: np.ndarray
    std: np.ndarray

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) / self.std

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """The values ``z`` in the units of the data the scaler was fitted on: ``z * std + mean``."""
        return z * self.std + self.mean

    def as_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, saved: Mapping[str, Any]) -> "Scaler":
        """The scaler :meth:`as_dict` wrote (a model file's, checked when it was read)."""
        return cls(np.array(saved["mean"], dtype=float), np.array(saved["std"], dtype=float))


def fit_scaler(x: np.ndarray) -> Scaler:
    """A :class:`Scaler` for ``x``; a constant feature is left unscaled (std taken as 1)."""
    std = x.std(axis=0)
    return Scaler(x.mean(axis=0), np.where(std > 0, std, np.ones_like(std)))
