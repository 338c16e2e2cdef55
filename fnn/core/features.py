"""Input features: ``--features`` text parsed into terms, and the pure function that makes the network's inputs.

A spec is a comma list of terms over the data's columns (their own names, or
``x1``, ``x2``, ... when the data names none):

* ``x1``: the column as it is;
* ``x1^2``: the feature ``square`` of it;
* ``x1*x2``, ``x1^2*x2``: the feature ``product`` of the factors, a column
  repeated for its power (``x1^3`` is ``x1*x1*x1``);
* ``sin(x1)``, ``NAME(COL,COL)``: any registered feature (``fnn list feature``)
  of as many columns as it takes;
* ``poly:N``: every monomial of the columns of degree 1 to N (``poly:2`` of two
  columns is ``x1,x2,x1^2,x1*x2,x2^2``).

:func:`parse` turns the text into :class:`Term` records, checked against the
column names and, when given, the registered features; :func:`transform`
applies them. Each term's ``name`` is its canonical text, the name the network's
input carries in tables, figures and the model file.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from typing import Mapping, NamedTuple

import numpy as np

from fnn.core.records import Feature
from fnn.errors import ConfigError

MAX_DEGREE = 6
"""The highest degree ``poly:N`` and a monomial may have."""
MAX_TERMS = 1000
"""The most inputs a spec may make: ``poly:6`` of 10 columns is 8,007."""

_CALL = re.compile(r"([a-z][a-z0-9_]*)\((.*)\)")
_POWER = re.compile(r"(.+?)\^(\d+)")

SYNTAX = ("a comma list of terms: a column (x1), x1^2, x1*x2, x1^2*x2, a feature of columns (sin(x1), "
          "fnn list feature), or poly:N for every monomial up to degree N")
"""What a spec may hold, for the end of every error."""


class Term(NamedTuple):
    """One input of the network: ``feature`` (None: the column itself) of the data's ``columns`` (indices)."""

    name: str
    feature: str | None
    columns: tuple[int, ...]


def parse(text: str, columns: tuple[str, ...], features: Mapping[str, Feature] | None = None) -> tuple[Term, ...]:
    """The terms of ``text`` over the data's ``columns`` (names, in order).

    ``features`` maps the registered features' names to their records; every
    term's feature and its number of columns are checked against it. None
    checks the grammar and the columns only (a model file read without a
    registry). Raises :class:`~fnn.errors.ConfigError` naming the term and what
    is allowed.
    """
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"--features must be {SYNTAX}; got nothing")
    terms: list[Term] = []
    for part in _split(text):
        terms += _terms(part, columns, features)
    repeated = [name for name, count in Counter(term.name for term in terms).items() if count > 1]
    if repeated:
        raise ConfigError(f"--features: {repeated[0]} is given twice; each input may appear once")
    if len(terms) > MAX_TERMS:
        raise ConfigError(f"--features makes {len(terms):,} inputs; at most {MAX_TERMS:,} are allowed")
    return tuple(terms)


def transform(x: np.ndarray, terms: tuple[Term, ...], features: Mapping[str, Feature]) -> np.ndarray:
    """The network's inputs for the points ``x`` (n, columns): one column per term, in order, of ``x``'s dtype."""
    inputs = [x[:, term.columns[0]] if term.feature is None
              else features[term.feature].fn(*(x[:, j] for j in term.columns)) for term in terms]
    return np.stack(inputs, axis=1).astype(x.dtype, copy=False) if inputs else np.empty((len(x), 0), x.dtype)


def _split(text: str) -> list[str]:
    """The top-level comma-separated parts of ``text`` (commas inside parentheses belong to a call)."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    empty = [i for i, part in enumerate(parts) if not part]
    if empty or depth != 0:
        raise ConfigError(f"--features {text!r}: {'an empty term' if empty else 'unbalanced parentheses'}; "
                          f"write {SYNTAX}")
    return parts


def _terms(part: str, columns: tuple[str, ...], features: Mapping[str, Feature] | None) -> list[Term]:
    if part.startswith("poly:"):
        degree = part[len("poly:"):].strip()
        if not (degree.isdigit() and 1 <= int(degree) <= MAX_DEGREE):
            raise ConfigError(f"--features {part!r}: the degree must be a whole number from 1 to {MAX_DEGREE}")
        count = math.comb(len(columns) + int(degree), int(degree)) - 1  # counted before any is made
        if count > MAX_TERMS:
            raise ConfigError(f"--features {part!r} makes {count:,} inputs of {len(columns)} columns; at most "
                              f"{MAX_TERMS:,} are allowed")
        return [_monomial(combination, columns, features) for d in range(1, int(degree) + 1)
                for combination in itertools.combinations_with_replacement(range(len(columns)), d)]
    call = _CALL.fullmatch(part)
    if call:
        name, arguments = call.groups()
        indices = tuple(_column(argument.strip(), columns, part) for argument in arguments.split(","))
        _check_feature(name, len(indices), part, features)
        return [Term(f"{name}({','.join(columns[j] for j in indices)})", name, indices)]
    factors: list[int] = []
    for factor in part.split("*"):
        power = _POWER.fullmatch(factor.strip())
        column, times = (power.group(1).strip(), power.group(2)) if power else (factor.strip(), "1")
        if len(times) > 2 or int(times) < 1 or len(factors) + int(times) > MAX_DEGREE:  # before it is made
            raise ConfigError(f"--features {part!r}: a monomial's degree must be from 1 to {MAX_DEGREE}")
        factors += [_column(column, columns, part)] * int(times)
    return [_monomial(tuple(sorted(factors)), columns, features)]


def _monomial(factors: tuple[int, ...], columns: tuple[str, ...], features: Mapping[str, Feature] | None) -> Term:
    """The term of a product of columns (indices, sorted): the column itself, a square, or a product."""
    powers = Counter(factors)
    name = "*".join(columns[j] + (f"^{k}" if k > 1 else "") for j, k in sorted(powers.items()))
    if len(factors) == 1:
        return Term(name, None, factors)
    feature = "square" if len(factors) == 2 and len(powers) == 1 else "product"
    _check_feature(feature, len(factors) if feature == "product" else 1, name, features)
    return Term(name, feature, factors[:1] if feature == "square" else factors)


def _column(name: str, columns: tuple[str, ...], part: str) -> int:
    if name not in columns:
        raise ConfigError(f"--features {part!r}: no column named {name!r}; the data's columns are "
                          f"{', '.join(columns)}")
    return columns.index(name)


def _check_feature(name: str, count: int, part: str, features: Mapping[str, Feature] | None) -> None:
    if features is None:
        return
    if name not in features:
        raise ConfigError(f"--features {part!r}: no feature named {name!r}; the features are "
                          f"{', '.join(sorted(features))} (fnn list feature)")
    arity = features[name].arity
    if (arity is None and count < 2) or (arity is not None and count != arity):
        takes = "two or more columns" if arity is None else f"{arity} column{'s' if arity > 1 else ''}"
        raise ConfigError(f"--features {part!r}: {name} takes {takes}, got {count}")


class Inputs(NamedTuple):
    """A run's input features: the data's ``columns`` (names), the ``terms`` made of them, and the registered
    features the terms use. Called on points of the columns (n, len(columns)), it gives the network's inputs."""

    columns: tuple[str, ...]
    terms: tuple[Term, ...]
    features: Mapping[str, Feature]

    @property
    def names(self) -> tuple[str, ...]:
        """The network's inputs by name: each term's canonical text."""
        return tuple(term.name for term in self.terms)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return transform(x, self.terms, self.features)


def inputs(text: str, columns: tuple[str, ...], features: Mapping[str, Feature]) -> Inputs:
    """``text`` parsed over ``columns`` against the registered ``features``, ready to apply (:class:`Inputs`)."""
    terms = parse(text, columns, features)
    return Inputs(columns, terms, {term.feature: features[term.feature] for term in terms if term.feature})
