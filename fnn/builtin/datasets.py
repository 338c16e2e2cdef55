"""Built-in datasets: the lab's ``linear`` and ``xor``, TensorFlow Playground's sets, and more.

Registered through the ``fnn_datasets`` hook. ``linear`` and ``xor`` are
exactly the lab's; for them ``noise`` (default 0) adds Gaussian jitter of that
standard deviation to the coordinates, never to the labels.

``circle``, ``gauss`` and ``spiral`` (classification) and ``plane`` and
``multigauss`` (regression) follow TensorFlow Playground's ``dataset.ts``
(radii, centres, spiral turns, targets and what ``noise`` means, with
Playground's slider 0-50 as ``noise`` 0-0.5), then divide every coordinate by
5 so that the points lie in about [-1, 1]; Playground's labels -1 and 1
become 0 and 1, its regression targets are kept as they are (about [-1, 1]).
``moons`` follows scikit-learn's ``make_moons``, ``checkerboard`` is a 4 x 4
board on the unit square, and ``sine`` is one period of a sine to fit.

``blobs`` and ``spiral`` take ``classes=K`` (K >= 2): ``blobs`` defaults to 3
classes (a multi-class set), ``spiral`` to 2 (Playground's binary set, point
for point). Given ``classes``, the labels decide the task: 2 classes are
binary, more are multi-class, labelled 0.0 .. K - 1 in float64 (n, 1).
"""

from __future__ import annotations

import numbers

import numpy as np

from fnn.errors import ConfigError
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
    half = n // 2
    centres = np.concatenate([np.full(half, 2.0), np.full(n - half, -2.0)])[:, None]
    x = centres + rng.normal(0.0, np.sqrt(_playground_variance(noise)), size=(n, 2))
    y = (centres > 0).astype(np.float64)
    return x / PLAYGROUND_SCALE, y


def _playground_variance(noise: float) -> float:
    """Playground's Gaussian spread: the variance 0.5 at noise 0, growing linearly to 4 at noise 0.5."""
    return 0.5 + (4.0 - 0.5) * noise / 0.5


def spiral(rng: np.random.Generator, n: int | None = None, noise: float = 0.0, classes: int = 2):
    """Playground's spirals, one arm per class: radius from 0 to 5 over 1.75 turns; ``noise`` adds up
    to noise in x and y (before rescaling).

    Class c's arm is turned by 2 pi (K - 1 - c) / K and the arms come in turn order, class K - 1
    first, so that K = 2 is exactly Playground's pair (its positive spiral, turned by 0, first; the
    other turned by pi). For K > 2 this is the same construction with the arms spread evenly, the
    k-arm spiral of cs231n's softmax exercise drawn with Playground's radii and turns.
    """
    k = _class_count("spiral", classes)
    n = PLAYGROUND_SIZE if n is None else n
    parts = []
    for arm, count in enumerate(_class_sizes(n, k)):
        i = np.arange(count)
        r = i / count * 5.0
        t = 1.75 * i / count * 2 * np.pi + 2 * np.pi * arm / k
        points = np.column_stack([r * np.sin(t), r * np.cos(t)]) + rng.uniform(-1, 1, size=(count, 2)) * noise
        parts.append((points, np.full((count, 1), float(k - 1 - arm))))
    return np.concatenate([p for p, _ in parts]) / PLAYGROUND_SCALE, np.concatenate([labels for _, labels in parts])


BLOBS_RADIUS = 3.0  # Playground's gauss centres are 2.8 from the origin; divided by 5, 0.6


def blobs(rng: np.random.Generator, n: int | None = None, noise: float = 0.0, classes: int = 3):
    """K Gaussian clusters (default 3), class c centred at angle 2 pi c / K on the circle of radius 3
    (0.6 after rescaling), in class order. Each coordinate's variance is Playground's ``gauss``
    spread: 0.5 at noise 0 (a standard deviation of 0.14 after rescaling) growing linearly to 4
    at noise 0.5."""
    k = _class_count("blobs", classes)
    n = PLAYGROUND_SIZE if n is None else n
    labels = np.repeat(np.arange(k), _class_sizes(n, k))
    angle = 2 * np.pi * labels / k
    centres = BLOBS_RADIUS * np.column_stack([np.cos(angle), np.sin(angle)])
    x = centres + rng.normal(0.0, np.sqrt(_playground_variance(noise)), size=(n, 2))
    return x / PLAYGROUND_SCALE, labels.astype(np.float64)[:, None]


def _class_count(name: str, classes: object) -> int:
    if isinstance(classes, bool) or not isinstance(classes, numbers.Integral) or classes < 2:
        raise ConfigError(f"dataset {name!r}: classes must be a whole number, 2 or more, got {classes!r}")
    return int(classes)


def _class_sizes(n: int, k: int) -> list[int]:
    """``n`` points split into ``k`` classes as evenly as can be; the later classes take the remainder
    (for k = 2, n // 2 then the rest, as Playground's sets split)."""
    return [(c + 1) * n // k - c * n // k for c in range(k)]


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


PLAYGROUND_RADIUS = 6.0  # Playground's regression sets fill the square [-6, 6]^2


def plane(rng: np.random.Generator, n: int | None = None, noise: float = 0.0):
    """Playground's plane: points uniform in [-6, 6]^2 (before rescaling), target (x1 + x2) / 10
    computed at the point moved by up to noise * 6 in x and y."""
    x, moved = _playground_square(rng, n, noise)
    return x / PLAYGROUND_SCALE, (moved.sum(axis=1) / 10.0)[:, None]


# Playground's six Gaussian bumps: centre (x1, x2) and the sign of the target there.
MULTIGAUSS_BUMPS = ((-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0),
                    (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0), (4.0, -2.5, -1.0))


def multigauss(rng: np.random.Generator, n: int | None = None, noise: float = 0.0):
    """Playground's multi-Gaussian: points uniform in [-6, 6]^2 (before rescaling); each bump gives
    sign * max(0, 1 - d / 2) at distance d from its centre, and the target is the bump's value
    largest in absolute value (the first on ties, 0 beyond every bump), computed at the point moved
    by up to noise * 6 in x and y."""
    x, moved = _playground_square(rng, n, noise)
    bumps = np.array(MULTIGAUSS_BUMPS)
    distance = np.hypot(moved[:, :1] - bumps[:, 0], moved[:, 1:] - bumps[:, 1])  # (n, 6)
    values = bumps[:, 2] * np.clip(1.0 - distance / 2.0, 0.0, 1.0)
    strongest = np.argmax(np.abs(values), axis=1)
    return x / PLAYGROUND_SCALE, values[np.arange(len(x)), strongest][:, None]


def _playground_square(rng: np.random.Generator, n: int | None, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Playground's regression points: uniform in [-6, 6]^2, and the same points moved by up to
    noise * 6 in x and y, where the target is computed (before rescaling)."""
    x = rng.uniform(-PLAYGROUND_RADIUS, PLAYGROUND_RADIUS, size=(PLAYGROUND_SIZE if n is None else n, 2))
    return x, x + rng.uniform(-PLAYGROUND_RADIUS, PLAYGROUND_RADIUS, size=x.shape) * noise


def sine(rng: np.random.Generator, n: int | None = None, noise: float = 0.0):
    """One period of a sine: x uniform on [-1, 1], y = sin(pi x) plus Gaussian noise of standard
    deviation ``noise``."""
    x = rng.uniform(-1.0, 1.0, size=(PLAYGROUND_SIZE if n is None else n, 1))
    return x, _jitter(rng, np.sin(np.pi * x), noise)


def _jitter(rng: np.random.Generator, x: np.ndarray, noise: float) -> np.ndarray:
    return x + rng.normal(0.0, noise, size=x.shape) if noise else x


@hookimpl
def fnn_datasets():
    yield DatasetSpec("linear", linear, "100 points uniform in the unit square, label 1 where x1 <= x2")
    yield DatasetSpec("xor", xor, "the lab's 21 points on the two diagonals of the unit square")
    yield DatasetSpec("circle", circle, "TensorFlow Playground's circle: a disc inside a ring (200 points)")
    yield DatasetSpec("gauss", gauss, "TensorFlow Playground's two Gaussian blobs (200 points)")
    yield DatasetSpec("spiral", spiral, "TensorFlow Playground's two interleaved spirals, or one arm per class "
                      "with classes=K (200 points)", takes_classes=True)
    yield DatasetSpec("blobs", blobs, "K Gaussian clusters around a circle, 3 by default (200 points)",
                      task="multiclass", takes_classes=True)
    yield DatasetSpec("moons", moons, "scikit-learn's two moons (200 points)")
    yield DatasetSpec("checkerboard", checkerboard, "a 4 x 4 checkerboard on the unit square (2000 points)")
    yield DatasetSpec("plane", plane, "TensorFlow Playground's plane: target (x1 + x2) / 2 (200 points)",
                      task="regression")
    yield DatasetSpec("multigauss", multigauss, "TensorFlow Playground's six Gaussian bumps, signed (200 points)",
                      task="regression")
    yield DatasetSpec("sine", sine, "y = sin(pi x) on [-1, 1], one input (200 points)", task="regression",
                      features=("x",))
