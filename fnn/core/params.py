"""Immutable mappings of read-only arrays: parameters, gradients, optimizer buffers.

A network's parameters are ``W1, b1, ..., WL, bL`` in layer order. Nothing in fnn
changes a mapping or an array in place: setting a key raises ``TypeError`` and
writing into an array raises ``ValueError``. Every step builds new ones.

The parameters ``init_params`` makes are *flat-backed*: their arrays are views
into one read-only vector, ``params.flat``, laid out as ``params.layout`` says
(``Params(mapping)`` does the same for arrays of one floating dtype with at
most two axes). Element-by-element work (an optimizer's rule, ``params +
updates``, the gradients ``backward`` writes) then runs once on the whole
vector instead of once per array, and its results are flat-backed the same
way; on the lab's tiny nets that saves most of the cost of an optimizer step.
:func:`stacked` puts M networks' vectors together as (M, 1, size) for a
sweep, and the same holds. Any other mapping (a plain dict, arrays of
several dtypes) has ``flat`` and ``layout`` None, or none at all, and takes
the per-array path; both paths give the same numbers, bit for bit.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping
from typing import Callable, Sequence

import numpy as np

from fnn.errors import ConfigError


def readonly(array: np.ndarray) -> np.ndarray:
    """Mark a freshly computed array read-only and return it (no copy)."""
    array.setflags(write=False)
    return array


def _immutable(self, *args, **kwargs):
    raise TypeError("Params is immutable; build a new mapping instead (fnn.apply_updates, fnn.Params({...}))")


class Layout:
    """Where the arrays of a flat-backed :class:`Params` lie in its vector: ``keys`` with
    ``shapes``, one after another, ``size`` elements in all.

    Use :func:`layout_of`, which makes one layout per structure: two mappings are
    laid out alike exactly when their layouts are the same object.
    """

    __slots__ = ("keys", "shapes", "size", "_fields", "_records")

    def __init__(self, structure: tuple[tuple[str, tuple[int, ...]], ...]):
        self.keys = tuple(key for key, _ in structure)
        self.shapes = tuple(tuple(shape) for _, shape in structure)
        self.size = sum(math.prod(shape) for shape in self.shapes)
        names = [f"f{i}" for i in range(len(self.keys))]  # field names of its own: a key may be any string
        self._fields = operator.itemgetter(*names) if len(names) != 1 else lambda record: (record[names[0]],)
        self._records: dict[tuple[np.dtype, tuple[int, ...]], np.dtype] = {}

    def views(self, flat: np.ndarray) -> dict[str, np.ndarray]:
        """The arrays of ``flat`` by key: views that share its memory and its writeability.

        ``flat`` is one vector, or M of them stacked as (M, 1, size) (see :func:`stacked`): then
        every array has a leading model axis, and 1-D ones (biases) are (M, 1, n), which
        broadcasts over the points the way the stacked forward pass needs.
        """
        models = flat.shape[:1] if flat.ndim == 3 else ()
        record = self._records.get((flat.dtype, models))
        if record is None:
            shapes = [(1, *shape) if models and len(shape) == 1 else shape for shape in self.shapes]
            record = np.dtype([(f"f{i}", flat.dtype, shape) for i, shape in enumerate(shapes)])
            self._records[flat.dtype, models] = record
        # The vector's memory seen as records whose fields are the arrays: reading the fields is
        # about 30% cheaper than slicing and reshaping the vector once per array, and views are
        # made on every step.
        return dict(zip(self.keys, self._fields(np.ndarray(models, record, flat))))

    def __repr__(self) -> str:
        return f"Layout({dict(zip(self.keys, self.shapes))}, size={self.size})"


@functools.lru_cache(maxsize=256)
def layout_of(structure: tuple[tuple[str, tuple[int, ...]], ...]) -> Layout:
    """The one :class:`Layout` of a ``((key, shape), ...)`` structure."""
    return Layout(structure)


class Params(dict):
    """A read-only, ordered ``str -> ndarray`` mapping; picklable, compared by value.

    ``Params(mapping)`` copies every array it is given, so later writes to the
    caller's arrays cannot reach it; arrays of one floating dtype with at most
    two axes are copied into one vector (``flat``, see the module docstring).
    It subclasses ``dict`` only so that lookups in the training loop run at C
    speed; every mutating method raises ``TypeError``.
    """

    __slots__ = ("flat", "layout")
    # Declared so type checkers see the slots: the vector the arrays are views of and its layout, or both None.
    flat: np.ndarray | None
    layout: Layout | None

    def __init__(self, arrays: Mapping[str, np.ndarray] | None = None):
        values = {key: np.asarray(value) for key, value in (arrays or {}).items()}
        dtypes = {value.dtype for value in values.values()}
        if len(dtypes) == 1 and np.issubdtype(next(iter(dtypes)), np.floating) and all(
                value.ndim <= 2 for value in values.values()):
            found = layout_of(tuple((key, value.shape) for key, value in values.items()))
            flat = readonly(np.concatenate([value.ravel() for value in values.values()]))
            Params._fill(self, found.views(flat), flat, found)
        else:
            Params._fill(self, {key: readonly(np.array(value, copy=True)) for key, value in values.items()})

    @staticmethod
    def _fill(params: "Params", arrays: dict[str, np.ndarray], flat: np.ndarray | None = None,
              flat_layout: Layout | None = None) -> "Params":
        dict.update(params, arrays)
        params.flat, params.layout = flat, flat_layout
        return params

    @staticmethod
    def _freeze(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        for value in arrays.values():
            value.setflags(write=False)  # cheaper than value.flags.writeable = False, same effect
        return arrays

    @classmethod
    def _trusted(cls, arrays: dict[str, np.ndarray]) -> "Params":
        """Wrap arrays that nobody else holds, without copying."""
        return cls._fill(dict.__new__(cls), cls._freeze(arrays))

    @classmethod
    def _from_flat(cls, flat: np.ndarray, flat_layout: Layout) -> "Params":
        """Wrap a fresh vector that nobody else holds as a flat-backed ``Params`` (the fast path of every step)."""
        flat.setflags(write=False)  # views taken from now on are read-only too
        return cls._fill(dict.__new__(cls), flat_layout.views(flat), flat, flat_layout)

    @classmethod
    def _from_views(cls, flat: np.ndarray, views: dict[str, np.ndarray], flat_layout: Layout) -> "Params":
        """Wrap ``flat`` and the views of it that were just written through, freezing both."""
        flat.setflags(write=False)
        return cls._fill(dict.__new__(cls), cls._freeze(views), flat, flat_layout)

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
        return (Params, (dict(self),))

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


def stacked(models: Sequence[Mapping[str, np.ndarray]]) -> Params:
    """M networks' parameters as one mapping with a leading model axis, as ``fnn sweep`` trains
    them: each ``Wi`` becomes (M, fan_in, fan_out) and each ``bi`` (M, 1, fan_out).

    Flat-backed networks laid out alike give flat-backed stacked parameters, whose vector is
    (M, 1, size), so an optimizer's rule still runs once per step on the whole vector (with
    per-model hyper-parameters of shape (M, 1, 1)); any others are stacked array by array.
    """
    # Stacking arrays that already have their final shape makes each result own its memory, so
    # no writable base array stays behind the read-only one.
    found = shared_layout(*models)
    if found is not None:
        return Params._from_flat(np.stack([model.flat[None, :] for model in models]), found)  # type: ignore[attr-defined]  # flat-backed: a Params with flat set
    return Params._trusted({key: np.stack([np.atleast_2d(model[key]) for model in models]) for key in models[0]})


def filled_like(params: Mapping[str, np.ndarray], value_of: Callable[[str], float]) -> Params:
    """A mapping shaped like ``params`` whose array ``key`` holds ``value_of(key)`` everywhere, flat-backed
    alike when ``params`` is (so it takes part in :func:`elementwise`'s one-vector path, stacked or not)."""
    found = getattr(params, "layout", None)
    if found is None:
        return Params._trusted({key: np.full_like(value, value_of(key)) for key, value in params.items()})
    flat = np.empty_like(params.flat)  # type: ignore[attr-defined]  # flat-backed: a Params with flat set
    for key, view in found.views(flat).items():
        view[...] = value_of(key)
    return Params._from_flat(flat, found)


def layer_sizes(params: Mapping[str, np.ndarray]) -> tuple[int, ...]:
    """The widths ``(fan_in, hidden..., fan_out)`` of a ``W1, b1, ...`` mapping."""
    count = len(params) // 2
    sizes = [params["W1"].shape[0]]
    sizes += [params[f"W{i}"].shape[1] for i in range(1, count + 1)]
    return tuple(sizes)


def shared_layout(*trees: Mapping[str, np.ndarray]) -> Layout | None:
    """The layout every one of ``trees`` is flat-backed with, or None if any is not."""
    found = getattr(trees[0], "layout", None)
    for tree in trees[1:]:
        if getattr(tree, "layout", None) is not found:
            return None
    return found


def elementwise(fn: Callable[..., np.ndarray], tree: Mapping[str, np.ndarray],
                *rest: Mapping[str, np.ndarray]) -> Params:
    """:func:`tree_map` for an ``fn`` that works element by element (``np.add``, ``lambda u: 2 * u``):
    on flat-backed mappings that share a layout, ``fn`` runs once on the whole vectors."""
    found = shared_layout(tree, *rest)
    if found is None:
        return tree_map(fn, tree, *rest)
    return Params._from_flat(np.asarray(fn(tree.flat, *(other.flat for other in rest))), found)  # type: ignore[attr-defined]  # flat-backed: a Params with flat set


def tree_map(fn: Callable[..., np.ndarray], tree: Mapping[str, np.ndarray], *rest: Mapping[str, np.ndarray]) -> Params:
    """Apply ``fn`` to matching arrays of several mappings, giving a new ``Params``.

    The mappings must have the same keys and shapes; otherwise a ``ConfigError``
    names both structures, since a mismatch means a gradient was paired with the
    wrong parameters.
    """
    for other in rest:
        check_same_structure(tree, other)
    return Params._trusted({key: np.asarray(fn(value, *(other[key] for other in rest))) for key, value in tree.items()})


def check_same_structure(a: Mapping[str, np.ndarray], b: Mapping[str, np.ndarray]) -> None:
    """Raise ``ConfigError`` unless ``a`` and ``b`` have the same keys and array shapes."""
    try:
        same = a.keys() == b.keys() and [v.shape for v in a.values()] == [b[k].shape for k in a]
    except AttributeError:
        same = False
    if not same:
        raise ConfigError(f"mismatched structures: {_describe(a)} vs {_describe(b)}")


def _describe(tree: Mapping[str, np.ndarray]) -> str:
    return "{" + ", ".join(f"{key}: {np.shape(value)}" for key, value in tree.items()) + "}"
