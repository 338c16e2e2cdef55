"""Immutable mappings of read-only arrays: parameters, gradients, optimizer buffers.

A network's parameters are ``W1, b1, ..., WL, bL`` in layer order. Nothing in fnn
changes a mapping or an array in place: setting a key raises ``TypeError`` and
writing into an array raises ``ValueError``. Every step builds new ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable

import numpy as np

from .errors import ConfigError


def readonly(array: np.ndarray) -> np.ndarray:
    """Mark a freshly computed array read-only and return it (no copy)."""
    array.setflags(write=False)
    return array


def _immutable(self, *args, **kwargs):
    raise TypeError("Params is immutable; build a new mapping instead (fnn.apply_updates, fnn.Params({...}))")


class Params(dict):
    """A read-only, ordered ``str -> ndarray`` mapping; picklable, compared by value.

    ``Params(mapping)`` copies every array it is given, so later writes to the
    caller's arrays cannot reach it. It subclasses ``dict`` only so that
    lookups in the training loop run at C speed; every mutating method raises
    ``TypeError``.
    """

    __slots__ = ()

    def __init__(self, arrays: Mapping[str, np.ndarray] | None = None):
        frozen = {key: readonly(np.array(value, copy=True)) for key, value in (arrays or {}).items()}
        dict.__init__(self, frozen)

    @classmethod
    def _trusted(cls, arrays: dict[str, np.ndarray]) -> "Params":
        """Wrap arrays that nobody else holds, without copying (the fast path of every step)."""
        for value in arrays.values():
            value.setflags(write=False)  # cheaper than value.flags.writeable = False, same effect
        new = dict.__new__(cls)
        dict.update(new, arrays)
        return new

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


def layer_sizes(params: Mapping[str, np.ndarray]) -> tuple[int, ...]:
    """The widths ``(fan_in, hidden..., fan_out)`` of a ``W1, b1, ...`` mapping."""
    count = len(params) // 2
    sizes = [params["W1"].shape[0]]
    sizes += [params[f"W{i}"].shape[1] for i in range(1, count + 1)]
    return tuple(sizes)


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
