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


@functools.cache
def _bunch(name: str) -> _Bunch:
    """The set ``name``, read once per process with scikit-learn's loader."""
    import sklearn.datasets  # type: ignore[import-untyped]  # here, not at the top: importing it takes 1-2 s

    loader = SETS[name][0]
    bunch = getattr(sklearn.datasets, loader)()
    x = np.array(bunch.data, dtype=np.float64)
    y = np.array(bunch.target, dtype=np.float64).reshape(len(x), 1)
    scale = x.std(axis=0)
    for array in (x, y, scale):
        array.setflags(write=False)
    return _Bunch(x, y, scale)


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
    """The five sets, named from :data:`NAMES`: scikit-learn is imported, and a set read, only when a run
    loads it (importing scikit-learn takes 2-3 s, which no other command should pay)."""
    for name, (_, task, description) in SETS.items():
        classes, features = NAMES[name]
        yield fnn.DatasetSpec(name, functools.partial(_load, name), description, task=task,
                              classes=classes, features=features)


_CANCER = ("radius", "texture", "perimeter", "area", "smoothness", "compactness", "concavity", "concave points",
           "symmetry", "fractal dimension")
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # fnn name: (class names, feature names), as scikit-learn's target_names and feature_names give them
    # (a test compares them with scikit-learn's)
    "iris": (("setosa", "versicolor", "virginica"),
             ("sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)")),
    "wine": (("class_0", "class_1", "class_2"),
             ("alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids",
              "nonflavanoid_phenols", "proanthocyanins", "color_intensity", "hue", "od280/od315_of_diluted_wines",
              "proline")),
    "breast_cancer": (("malignant", "benign"),
                      tuple(f"mean {f}" for f in _CANCER) + tuple(f"{f} error" for f in _CANCER)
                      + tuple(f"worst {f}" for f in _CANCER)),
    "digits": (tuple(str(d) for d in range(10)), tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8))),
    "diabetes": ((), ("age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6")),
}
