"""Built-in datasets: the lab's ``linear`` and ``xor``, TensorFlow Playground's sets, and more.

Registered through the ``fnn_datasets`` hook. ``linear`` and ``xor`` are
exactly the lab's; for them ``noise`` (default 0) adds Gaussian jitter of that
standard deviation to the coordinates, never to the labels.

``circle``, ``gauss`` and ``spiral`` follow TensorFlow Playground's
``dataset.ts`` (radii, centres, spiral turns and what ``noise`` means, with
Playground's slider 0-50 as ``noise`` 0-0.5), then divide every coordinate by
5 so that the points lie in about [-1, 1]; Playground's labels -1 and 1
become 0 and 1. ``moons`` follows scikit-learn's ``make_moons`` and
``checkerboard`` is a 4 x 4 board on the unit square.
"""

from __future__ import annotations

import numpy as np

from fnn.plugins.hookspecs import hookimpl
from fnn.core.records import DatasetSpec

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


PLAYGROUND_SIZE = 200
PLAYGROUND_SCALE = 5.0  # Playground's points span about [-6, 6]; divided by 5 they span about [-1.2, 1.2]


def circle(rng: np.random.Generator, n: int | None = None, noise: float = 0.0):
    """Playground's circle: class 1 inside radius 2.5, class 0 on the ring from 3.5 to 5 (before
    rescaling). ``noise`` moves the point used for the label by up to noise * 5 in x and y, so
    points near the border may carry the other class's label."""
    n = PLAYGROUND_SIZE if n is None else n
    radius = 5.0
    inner = n // 2
    r = np.concatenate([rng.uniform(0, radius * 0.5, inner), rng.uniform(radius * 0.7, radius, n - inner)])
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
    shifted = x + rng.uniform(-radius, radius, size=x.shape) * noise
    y = (np.hypot(shifted[:, 0], shifted[:, 1]) < radius * 0.5).astype(np.float64)[:, None]
    return x / PLAYGROUND_SCALE, y


def gauss(rng: np.random.Generator, n: int | None = None, noise: float = 0.0):
    """Playground's two Gaussians: class 1 around (2, 2), class 0 around (-2, -2) (before
    rescaling), with variance growing linearly from 0.5 at noise 0 to 4 at noise 0.5."""
    n = PLAYGROUND_SIZE if n is None else n
    variance = 0.5 + (4.0 - 0.5) * noise / 0.5
    half = n // 2
    centres = np.concatenate([np.full(half, 2.0), np.full(n - half, -2.0)])[:, None]
    x = centres + rng.normal(0.0, np.sqrt(variance), size=(n, 2))
    y = (centres > 0).astype(np.float64)
    return x / PLAYGROUND_SCALE, y


def spiral(rng: np.random.Generator, n: int | None = None, noise: float = 0.0):
    """Playground's two spirals: radius from 0 to 5 over 1.75 turns, the second spiral turned by pi;
    ``noise`` adds up to noise in x and y (before rescaling)."""
    n = PLAYGROUND_SIZE if n is None else n
    parts = []
    for label, count, turn in ((1.0, n // 2, 0.0), (0.0, n - n // 2, np.pi)):
        i = np.arange(count)
        r = i / count * 5.0
        t = 1.75 * i / count * 2 * np.pi + turn
        points = np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1, 1, size=(count, 2)) * noise
        parts.append((points, np.full((count, 1), label)))
    return np.concatenate([p for p, _ in parts]) / PLAYGROUND_SCALE, np.concatenate([labels for _, labels in parts])


def moons(rng: np.random.Generator, n: int | None = None, noise: float = 0.0):
    """scikit-learn's ``make_moons``: two interleaving half circles, class 0 the upper one;
    ``noise`` is the standard deviation of Gaussian jitter."""
    n = PLAYGROUND_SIZE if n is None else n
    outer, inner = n // 2, n - n // 2
    t_out, t_in = np.linspace(0, np.pi, outer), np.linspace(0, np.pi, inner)
    x = np.concatenate([np.column_stack([np.cos(t_out), np.sin(t_out)]),
                        np.column_stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)])])
    y = np.concatenate([np.zeros(outer), np.ones(inner)])[:, None]
    return _jitter(rng, x, noise), y


CHECKERBOARD_SIZE = 2000


def checkerboard(rng: np.random.Generator, n: int | None = None, noise: float = 0.0):
    """Points uniform in the unit square, labelled by the colour of their cell on a 4 x 4 board
    (1 where the row and column indices have an odd sum); ``noise`` jitters the points after
    labelling."""
    x = rng.uniform(0.0, 1.0, size=(CHECKERBOARD_SIZE if n is None else n, 2))
    cells = np.floor(x * 4).astype(int)
    y = ((cells[:, 0] + cells[:, 1]) % 2).astype(np.float64)[:, None]
    return _jitter(rng, x, noise), y


def _jitter(rng: np.random.Generator, x: np.ndarray, noise: float) -> np.ndarray:
    return x + rng.normal(0.0, noise, size=x.shape) if noise else x


@hookimpl
def fnn_datasets():
    yield DatasetSpec("linear", linear, "100 points uniform in the unit square, label 1 where x1 <= x2")
    yield DatasetSpec("xor", xor, "the lab's 21 points on the two diagonals of the unit square")
    yield DatasetSpec("circle", circle, "TensorFlow Playground's circle: a disc inside a ring (200 points)")
    yield DatasetSpec("gauss", gauss, "TensorFlow Playground's two Gaussian blobs (200 points)")
    yield DatasetSpec("spiral", spiral, "TensorFlow Playground's two interleaved spirals (200 points)")
    yield DatasetSpec("moons", moons, "scikit-learn's two moons (200 points)")
    yield DatasetSpec("checkerboard", checkerboard, "a 4 x 4 checkerboard on the unit square (2000 points)")
