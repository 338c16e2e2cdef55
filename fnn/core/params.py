"""Immutable mappings of read-only arrays: parameters, gradients, optimizer buffers.

A network's parameters are ``W1, b1, ..., WL, bL`` in layer order. Nothing in fnn
changes a mapping or an array in place: setting a key raises ``TypeError`` and
writing into an array raises ``ValueError``. Every step builds new ones.

:class:`Params` has one form: its arrays are views into one read-only vector
of one floating dtype (an implementation detail of this module), so
:func:`tree_map`, the one way to map a function over parameter mappings, runs
an element-by-element ``fn`` (an optimizer's rule, ``params + updates``) once
on the whole vector instead of once per array. :func:`stacked` puts M
networks together for a sweep (their vectors as one (M, 1, size) array, so
per-model numbers of shape (M, 1, 1) broadcast over it); :func:`unstacked`
takes them apart again.
"""

from __future__ import annotations

import functools
import math
import operator
import warnings
from collections.abc import Iterable, Mapping
from typing import Callable, Sequence

import numpy as np

from fnn.errors import ConfigError


def _immutable(self, *args, **kwargs):
    raise TypeError("Params is immutable; build a new mapping instead (fnn.apply_updates, fnn.Params({...}))")


class _Layout:
    """Where the arrays of a :class:`Params` lie in its vector: ``keys`` with one model's
    ``shapes``, one after another, ``size`` elements in all. Made by :func:`_layout_of`, one
    per structure, so two mappings are laid out alike exactly when their layouts are one object."""

    __slots__ = ("keys", "shapes", "stacked_shapes", "size", "_fields", "_records", "_full_shapes")

    def __init__(self, structure: tuple[tuple[str, tuple[int, ...]], ...]):
        self.keys = tuple(key for key, _ in structure)
        self.shapes = tuple(tuple(shape) for _, shape in structure)
        self.stacked_shapes = tuple((1, *shape) if len(shape) == 1 else shape for shape in self.shapes)
        self.size = sum(math.prod(shape) for shape in self.shapes)
        names = [f"f{i}" for i in range(len(self.keys))]  # field names of its own: a key may be any string
        self._fields = operator.itemgetter(*names) if len(names) > 1 else lambda record: tuple(
            record[name] for name in names)
        self._records: dict[tuple[np.dtype, tuple[int, ...]], np.dtype] = {}
        self._full_shapes: dict[tuple[int, ...], list[tuple[int, ...]]] = {}

    def full_shapes(self, models: tuple[int, ...]) -> list[tuple[int, ...]]:
        """The arrays' shapes in a vector of ``models`` stacked networks (``()``: one network)."""
        shapes = self._full_shapes.get(models)
        if shapes is None:
            shapes = [(*models, *shape) for shape in (self.stacked_shapes if models else self.shapes)]
            self._full_shapes[models] = shapes
        return shapes

    def views(self, vector: np.ndarray) -> Iterable[tuple[str, np.ndarray]]:
        """The arrays of ``vector``, ``(key, view)`` pairs: views that share its memory and its writeability.

        ``vector`` is one network's (size,), or M networks' (M, 1, size): then every array has a
        leading model axis, and 1-D ones (biases) are (M, 1, n), which broadcasts over the
        points the way the stacked forward pass needs.
        """
        models = vector.shape[:1] if vector.ndim == 3 else ()
        record = self._records.get((vector.dtype, models))
        if record is None:
            shapes = self.stacked_shapes if models else self.shapes
            record = np.dtype([(f"f{i}", vector.dtype, shape) for i, shape in enumerate(shapes)])
            self._records[vector.dtype, models] = record
        # The vector's memory seen as records whose fields are the arrays: reading the fields is
        # about 30% cheaper than slicing and reshaping the vector once per array, and views are
        # made on every step (tests/test_params.py checks them against slicing).
        return zip(self.keys, self._fields(np.ndarray(models, record, vector)))


@functools.lru_cache(maxsize=256)
def _layout_of(structure: tuple[tuple[str, tuple[int, ...]], ...]) -> _Layout:
    return _Layout(structure)


class Params(dict):
    """A read-only, ordered ``str -> ndarray`` mapping; picklable, compared by value.

    ``Params(mapping)`` copies the arrays it is given into one new read-only
    vector, so later writes to the caller's arrays cannot reach it. They must
    be real numbers of one floating dtype: integer and boolean arrays take the
    floating dtype of the others (float64 if there is none); float32 beside
    float64 is a ``ConfigError`` (convert with ``.astype`` first: fnn never
    changes a network's precision behind its back). A mapping whose arrays all
    have three axes and the same first length M holds M stacked networks, as
    :func:`stacked` makes them.

    ``Params(arrays, like=params)`` builds a mapping with ``params``' keys, shapes
    and dtype (a gradient, say: ``backward`` builds one every step) without
    working its structure out again; arrays of another structure are a
    ``ConfigError``, and arrays of another floating dtype take ``params``' dtype.

    It subclasses ``dict`` only so that lookups in the training loop run at C
    speed; every mutating method raises ``TypeError``.
    """

    __slots__ = ("_vector", "_layout")
    _vector: np.ndarray  # the one read-only vector the arrays are views of: (size,), or (M, 1, size) stacked
    _layout: _Layout

    def __init__(self, arrays: Mapping[str, np.ndarray] | None = None, *,
                 like: Mapping[str, np.ndarray] | None = None):
        if like is not None:
            like = like if isinstance(like, Params) else Params(like)
            _fill(self, _vector_like(like, arrays or {}), like._layout)
            return
        keys = tuple(arrays or ())
        values = [np.asarray(value) for value in (arrays or {}).values()]
        dtype = _one_dtype(keys, values)
        shapes = [value.shape for value in values]
        models = _stacked_count(shapes) if shapes and len(shapes[0]) == 3 else 0
        if models:
            layout = _layout_of(tuple(zip(keys, [shape[1:] for shape in shapes])))
            vector = np.concatenate([value.reshape(models, 1, -1) for value in values], axis=2, dtype=dtype)
        else:
            layout = _layout_of(tuple(zip(keys, shapes)))
            vector = np.concatenate(values or [np.empty(0)], axis=None, dtype=dtype)  # axis=None: raveled
        _fill(self, vector, layout)

    __setitem__ = __delitem__ = __ior__ = _immutable
    clear = pop = popitem = setdefault = update = _immutable

    def __eq__(self, other) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return self.keys() == other.keys() and all(np.array_equal(self[key], other[key]) for key in self)

    def __ne__(self, other) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None

    def __reduce__(self):
        layout = self._layout
        return (_restored, (self._vector, tuple(zip(layout.keys, layout.shapes))))

    def __copy__(self) -> "Params":
        return self  # immutable: a copy would be indistinguishable

    def __deepcopy__(self, memo) -> "Params":
        return self

    def __repr__(self) -> str:
        shapes = ", ".join(f"{key}: {value.shape}" for key, value in self.items())
        return f"Params({{{shapes}}})"

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer widths, input first, e.g. ``(2, 4, 8, 1)``."""
        return layer_sizes(self)

    @property
    def flat(self) -> np.ndarray:
        """Deprecated: the vector behind the arrays is an implementation detail; use :func:`tree_map`."""
        warnings.warn("Params.flat is deprecated: map a function over parameters with fnn.core.params.tree_map",
                      DeprecationWarning, stacklevel=2)
        return self._vector


def _fill(params: Params, vector: np.ndarray, layout: _Layout) -> Params:
    """Make ``params`` the views of ``vector`` laid out by ``layout``, freezing the vector first
    (views taken after it are read-only too)."""
    vector.setflags(write=False)
    dict.update(params, layout.views(vector))
    params._vector, params._layout = vector, layout
    return params


def _vector_like(like: Params, arrays: Mapping[str, np.ndarray]) -> np.ndarray:
    """``arrays``, which must have ``like``'s keys and shapes, as one new vector laid out as ``like``'s."""
    layout, models = like._layout, like._vector.shape[:-2] if like._vector.ndim == 3 else ()
    values = [np.asarray(value) for value in arrays.values()]
    if tuple(arrays) != layout.keys or [value.shape for value in values] != layout.full_shapes(models):
        raise ConfigError(f"Params(..., like=) was given {_describe(arrays)}, which is not laid out like "
                          f"{_describe(like)}")
    if models:
        return np.concatenate([np.reshape(value, (*models, 1, -1)) for value in values], axis=2,
                              dtype=like._vector.dtype)
    return np.concatenate(values, axis=None, dtype=like._vector.dtype)



def _restored(vector: np.ndarray, structure: tuple[tuple[str, tuple[int, ...]], ...]) -> Params:
    """Unpickle: the vector (a fresh copy) with its layout."""
    return _fill(dict.__new__(Params), vector, _layout_of(structure))


def _one_dtype(keys: tuple[str, ...], values: list[np.ndarray]) -> np.dtype:
    """The one floating dtype of a ``Params`` with these arrays (see :class:`Params`)."""
    dtypes = {value.dtype for value in values}
    if len(dtypes) == 1 and next(iter(dtypes)).kind == "f":  # the usual case, seen without a loop in Python
        return dtypes.pop()
    floating: dict[type, str] = {}
    for key, value in zip(keys, values):
        if value.dtype.kind == "f":
            floating.setdefault(value.dtype.type, key)
        elif value.dtype.kind not in "iub":
            raise ConfigError(f"parameter {key} holds {value.dtype}; parameters must be real numbers")
    if len(floating) > 1:
        found = ", ".join(f"{key} is {np.dtype(kind).name}" for kind, key in floating.items())
        raise ConfigError(f"parameters must share one floating-point type, but {found}; convert them first "
                          "(for example with .astype(np.float32))")
    return np.result_type(*(values[keys.index(key)] for key in floating.values())) if floating else np.dtype(
        np.float64)


def _stacked_count(shapes: list[tuple[int, ...]]) -> int:
    """M if every array is (M, ...) with three axes (M stacked networks), else 0."""
    counts = {shape[0] if len(shape) == 3 else -1 for shape in shapes}
    return counts.pop() if len(counts) == 1 and -1 not in counts else 0


def tree_map(fn: Callable[..., np.ndarray], tree: Mapping[str, np.ndarray],
             *rest: Mapping[str, np.ndarray]) -> Params:
    """``fn`` applied to matching arrays of one or several mappings, as a new ``Params``
    (optax's ``tree_map``): ``tree_map(np.add, params, updates)`` is ``params + updates``.

    ``fn`` must work element by element, and may broadcast numbers over its arguments
    (``lambda g, m: b1 * m + (1 - b1) * g``; with stacked parameters a number may be an
    (M, 1, 1) array, one per network): on ``Params`` laid out alike it runs once, on their
    whole vectors, which gives the same numbers as running it array by array.

    The mappings must have the same keys and shapes; otherwise a ``ConfigError`` names
    both structures, since a mismatch means a gradient was paired with the wrong parameters.
    """
    alike = _laid_out_alike_all(tree, *rest)
    if alike:
        first = alike[0]
        vector = np.asarray(fn(*[each._vector for each in alike]))
        if vector.shape != first._vector.shape:
            raise ConfigError(f"tree_map's function turned the parameters' vector of shape {first._vector.shape} "
                              f"into {vector.shape}; it must work element by element")
        if vector.base is not None or vector.dtype.kind != "f":  # a view of an input, or not floating point
            vector = vector.astype(vector.dtype if vector.dtype.kind == "f" else np.float64)
        return _fill(dict.__new__(Params), vector, first._layout)
    for other in rest:
        check_same_structure(tree, other)
    return Params({key: fn(value, *(other[key] for other in rest)) for key, value in tree.items()})


def _laid_out_alike_all(*trees: Mapping[str, np.ndarray]) -> list[Params]:
    """``trees`` if all are ``Params`` laid out alike (then ``fn`` runs on their vectors), else an empty list."""
    alike: list[Params] = []
    for tree in trees:  # a loop that stops at the first misfit: tree_map runs every step
        if not isinstance(tree, Params) or (alike and not _laid_out_alike(alike[0], tree)):
            return []
        alike.append(tree)
    return alike


def _laid_out_alike(a: Params, b: Params) -> bool:
    """Whether ``b``'s vector has ``a``'s shape and holds the same arrays."""
    if b._vector.shape != a._vector.shape:
        return False
    if b._layout is a._layout:
        return True
    # Stacked, a bias (n,) of stacked() and a (1, n) of Params(mapping) are both (M, 1, n).
    return (a._vector.ndim == 3 and b._layout.keys == a._layout.keys
            and b._layout.stacked_shapes == a._layout.stacked_shapes)


def stacked(models: Sequence[Mapping[str, np.ndarray]]) -> Params:
    """M networks' parameters as one mapping with a leading model axis, as ``fnn sweep`` trains
    them: each ``Wi`` becomes (M, fan_in, fan_out) and each ``bi`` (M, 1, fan_out). Per-model
    hyper-parameters of shape (M, 1, 1) broadcast over them in :func:`tree_map`."""
    params = [model if isinstance(model, Params) else Params(model) for model in models]
    for model in params:
        check_same_structure(params[0], model)
        if model._vector.ndim != 1:
            raise ConfigError("stacked takes single networks' parameters; these are stacked already")
    # Stacking (1, size) vectors makes the result own its memory: no writable base array stays behind it.
    return _fill(dict.__new__(Params), np.stack([model._vector[None, :] for model in params]), params[0]._layout)


def unstacked(params: Mapping[str, np.ndarray]) -> list[Params]:
    """The M networks of stacked parameters, each with its own arrays of its original shapes
    (the inverse of :func:`stacked`)."""
    params = params if isinstance(params, Params) else Params(params)
    if params._vector.ndim != 3:
        raise ConfigError(f"unstacked takes stacked parameters (a leading model axis), got {_describe(params)}")
    return [_fill(dict.__new__(Params), vector.copy(), params._layout) for vector in params._vector[:, 0]]


def layer_sizes(params: Mapping[str, np.ndarray]) -> tuple[int, ...]:
    """The widths ``(fan_in, hidden..., fan_out)`` of a ``W1, b1, ...`` mapping."""
    count = len(params) // 2
    sizes = [params["W1"].shape[0]]
    sizes += [params[f"W{i}"].shape[1] for i in range(1, count + 1)]
    return tuple(sizes)


def check_same_structure(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> None:
    """Raise ``ConfigError`` unless ``a`` and ``b`` have the same keys and array shapes."""
    if isinstance(a, Params) and isinstance(b, Params) and _laid_out_alike(a, b):
        return  # laid out alike is the same structure, and cheaper to see
    try:
        same = a.keys() == b.keys() and [v.shape for v in a.values()] == [b[k].shape for k in a]
    except AttributeError:
        same = False
    if not same:
        raise ConfigError(f"mismatched structures: {_describe(a)} vs {_describe(b)}")


def _describe(tree: Mapping[str, np.ndarray]) -> str:
    return "{" + ", ".join(f"{key}: {np.shape(value)}" for key, value in tree.items()) + "}"
