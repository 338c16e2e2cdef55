"""Built-in datasets: the lab's ``linear`` and ``xor`` point sets.

Registered through the ``fnn_datasets`` hook. Both are defined exactly as the
lab defines them; ``noise`` (default 0) adds Gaussian jitter of that standard
deviation to the coordinates, never to the labels.
"""

from __future__ import annotations

import numpy as np

from .hookspecs import hookimpl
from .records import DatasetSpec

LINEAR_SIZE = 100


def linear(rng: np.random.Generator, n: int | None = None, noise: float = 0.0):
    """``n`` points (default 100) uniform in the unit square; label 0 where x1 > x2, else 1."""
    x = rng.uniform(0.0, 1.0, size=(LINEAR_SIZE if n is None else n, 2))
    y = (x[:, 0] <= x[:, 1]).astype(np.float64)[:, None]
    return _jitter(rng, x, noise), y


def xor(rng: np.random.Generator, n: int | None = None, noise: float = 0.0):
    """The lab's 21 points: for i in 0..10, (0.1i, 0.1i) labelled 0 and, except at
    i = 5 (the centre, already taken), (0.1i, 1 - 0.1i) labelled 1.

    With ``n`` given, the 21 points are repeated in order up to ``n`` (use
    ``noise`` to spread the copies).
    """
    points, labels = [], []
    for i in range(11):
        points.append((0.1 * i, 0.1 * i))
        labels.append(0.0)
        if i != 5:
            points.append((0.1 * i, 1.0 - 0.1 * i))
            labels.append(1.0)
    x, y = np.array(points), np.array(labels)[:, None]
    if n is not None:
        x, y = np.resize(x, (n, 2)), np.resize(y, (n, 1))
    return _jitter(rng, x, noise), y


def _jitter(rng: np.random.Generator, x: np.ndarray, noise: float) -> np.ndarray:
    return x + rng.normal(0.0, noise, size=x.shape) if noise else x


@hookimpl
def fnn_datasets():
    yield DatasetSpec("linear", linear, "100 points uniform in the unit square, label 1 where x1 <= x2")
    yield DatasetSpec("xor", xor, "the lab's 21 points on the two diagonals of the unit square")
