"""scikit-learn's bundled data sets as fnn datasets: iris, wine, breast_cancer, digits and diabetes.

Registered through the ``fnn_datasets`` hook. Each set is read with
scikit-learn's own ``load_*`` function (the files ship inside its wheel:
nothing is downloaded) once per process, and kept read-only. A set's class
names are its ``target_names`` and its feature names its ``feature_names``, as
scikit-learn gives them.

``load(rng, n=None, noise=0.0)``:

* ``n=None`` gives the whole set, in scikit-learn's order (``rng`` unused);
* ``n`` given draws ``n`` different points with ``rng`` (without replacement:
  a real set has no more points to give, so ``n`` above its size is a
  :class:`~fnn.ConfigError` rather than silent repeats);
* ``noise`` adds Gaussian jitter to ``x`` of standard deviation ``noise``
  times each feature's standard deviation over the whole set, so one
  ``noise`` means the same on every feature whatever its unit; labels are
  never changed.

Labels are float64 of shape (n, 1): 0/1 for breast_cancer (0 is malignant,
as in scikit-learn), the class index 0..k-1 for iris, wine and digits, the
disease progression a year later for diabetes, whose features are
scikit-learn's default scaling (mean 0, each column of norm 1).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

import fnn

SETS: dict[str, tuple[str, str, str]] = {
    # fnn name: (scikit-learn loader, task, description)
    "iris": ("load_iris", "multiclass", "Fisher's iris flowers: 4 measurements in cm, 3 species (150 points)"),
    "wine": ("load_wine", "multiclass", "wines of 3 cultivars: 13 chemical analyses (178 points)"),
    "breast_cancer": ("load_breast_cancer", "binary",
                      "Wisconsin breast cancer: 30 features of cell nuclei, malignant or benign (569 points)"),
    "digits": ("load_digits", "multiclass", "handwritten digits 0-9: 8 x 8 images, grey levels 0-16 (1797 points)"),
    "diabetes": ("load_diabetes", "regression",
                 "diabetes: 10 baseline variables (scaled), progression a year later (442 points)"),
}
"""The data sets this plugin registers."""


class _Bunch(NamedTuple):
    """One set as fnn uses it; the arrays are read-only, as they are shared by every load."""

    x: np.ndarray  # (n, d) float64
    y: np.ndarray  # (n, 1) float64
    scale: np.ndarray  # (d,) each feature's standard deviation: the unit of noise
    classes: tuple[str, ...]
    features: tuple[str, ...]


@functools.cache
def _bunch(name: str) -> _Bunch:
    """The set ``name``, read once per process with scikit-learn's loader."""
    import sklearn.datasets  # type: ignore[import-untyped]  # here, not at the top: importing it takes 1-2 s

    loader, task, _ = SETS[name]
    bunch = getattr(sklearn.datasets, loader)()
    x = np.array(bunch.data, dtype=np.float64)
    y = np.array(bunch.target, dtype=np.float64).reshape(len(x), 1)
    scale = x.std(axis=0)
    for array in (x, y, scale):
        array.setflags(write=False)
    classes = () if task == "regression" else tuple(str(c) for c in bunch.target_names)
    return _Bunch(x, y, scale, classes, tuple(str(f) for f in bunch.feature_names))


def _load(name: str, rng: np.random.Generator, n: int | None = None, noise: float = 0.0):
    """``load(rng, n, noise)`` of the set ``name``: see the module's docstring."""
    data = _bunch(name)
    size = len(data.x)
    if n is not None and n > size:
        raise fnn.ConfigError(f"dataset {name!r} has {size} points and draws them without repeats; "
                              f"{n} were asked for (at most {size})")
    rows = np.arange(size) if n is None else rng.choice(size, size=n, replace=False)
    x, y = data.x[rows], data.y[rows]  # indexing with an array copies: the shared arrays stay untouched
    if noise:
        x = x + rng.normal(0.0, noise * data.scale, size=x.shape)
    return x, y


@fnn.hookimpl
def fnn_datasets():
    """The five sets. Their names are scikit-learn's, so each set is read here already (fnn's registry
    would read it moments later anyway: it checks every dataset's ``load`` when it loads a plugin)."""
    for name, (_, task, description) in SETS.items():
        data = _bunch(name)
        yield fnn.DatasetSpec(name, functools.partial(_load, name), description, task=task,
                              classes=data.classes, features=data.features)
